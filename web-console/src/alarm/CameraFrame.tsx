// The anonymized camera frame: the room's known zones and the person as a rectangle. There are
// no pixels to show; this is all that ever leaves the home.

import type { AnonymizedFrame } from '@trygg/firmware-protocol';
import { useI18n } from '../i18n/i18n.tsx';

const W = 400;
const H = 300;

export function CameraFrame({ frame }: { frame: AnonymizedFrame }) {
  const { t } = useI18n();
  const person = frame.person;
  return (
    <figure className="frame">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('frame.label')}>
        <rect width={W} height={H} className="frame-bg" />
        {frame.layout.zones.map((z, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: zones have no identity beyond their order
          <g key={i} className={`zone zone-${z.kind}`}>
            <rect x={z.rect.x * W} y={z.rect.y * H} width={z.rect.w * W} height={z.rect.h * H} />
            <text x={z.rect.x * W + 6} y={z.rect.y * H + 16}>
              {t(`zone.${z.kind}`)}
            </text>
          </g>
        ))}
        {person && (
          <g className={`person posture-${person.posture}`}>
            <rect x={person.box.x * W} y={person.box.y * H} width={person.box.w * W} height={person.box.h * H} />
            <text x={person.box.x * W} y={Math.max(12, person.box.y * H - 6)}>
              {t(`posture.${person.posture}`)}
            </text>
          </g>
        )}
      </svg>
      <figcaption>{person ? t(`frame.person.${person.posture}`) : t('frame.noPerson')}</figcaption>
    </figure>
  );
}
