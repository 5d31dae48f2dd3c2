// The mobile alarm's position drawn locally as SVG: the reported point, its accuracy circle,
// a metric grid, a scale bar and north. No external map tiles leave or enter the console.

import type { Position } from '@trygg/firmware-protocol';
import { useI18n } from '../i18n/i18n.tsx';
import { mapSpanMetres, niceScaleMetres } from './projection.ts';

const W = 360;
const H = 240;

export function PositionMap({ position }: { position: Position }) {
  const { t, locale } = useI18n();
  const span = mapSpanMetres(position.accuracyM);
  const pxPerM = W / span;
  const cx = W / 2;
  const cy = H / 2;
  const grid = niceScaleMetres(span / 4);
  const scale = niceScaleMetres(span / 3);
  const lines: number[] = [];
  for (let m = grid; m * pxPerM < W / 2; m += grid) lines.push(m);
  const fmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 5, minimumFractionDigits: 5 });
  const scaleLabel = scale >= 1000 ? t('map.km', { n: scale / 1000 }) : t('map.m', { n: scale });
  return (
    <figure className="map">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('map.label')}>
        <rect width={W} height={H} className="map-bg" />
        {lines.flatMap((m) => [
          <line key={`v+${m}`} x1={cx + m * pxPerM} x2={cx + m * pxPerM} y1={0} y2={H} className="map-grid" />,
          <line key={`v-${m}`} x1={cx - m * pxPerM} x2={cx - m * pxPerM} y1={0} y2={H} className="map-grid" />,
          <line key={`h+${m}`} y1={cy + m * pxPerM} y2={cy + m * pxPerM} x1={0} x2={W} className="map-grid" />,
          <line key={`h-${m}`} y1={cy - m * pxPerM} y2={cy - m * pxPerM} x1={0} x2={W} className="map-grid" />,
        ])}
        <circle cx={cx} cy={cy} r={Math.max(3, position.accuracyM * pxPerM)} className="map-accuracy" />
        <circle cx={cx} cy={cy} r={5} className="map-point" />
        <g transform={`translate(${W - 24} 14)`} className="map-north">
          <path d="M0 18 L6 0 L12 18 L6 13 Z" />
          <text x={6} y={32} textAnchor="middle">
            {t('map.north')}
          </text>
        </g>
        <g transform={`translate(12 ${H - 16})`} className="map-scale">
          <rect width={scale * pxPerM} height={5} />
          <text x={0} y={-6}>
            {scaleLabel}
          </text>
        </g>
      </svg>
      <figcaption>
        {t('map.caption', {
          lat: fmt.format(position.lat),
          lon: fmt.format(position.lon),
          accuracy: Math.round(position.accuracyM),
        })}
      </figcaption>
    </figure>
  );
}
