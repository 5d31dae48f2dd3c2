// The banner a night operator cannot miss: shown whenever alarms might not be reaching this
// screen — the live stream is down or reconnecting, or the server reports it is degraded.

import { useI18n } from '../i18n/i18n.tsx';
import type { LiveQueue } from '../live/useLiveQueue.ts';
import { elapsed } from './duration.ts';
import { useNow } from './useNow.ts';

export function ConnectionBanner({ live }: { live: LiveQueue }) {
  const { t } = useI18n();
  const down = live.connection !== 'open';
  const degraded = live.queue.degraded;
  if (!down && !degraded) return null;
  return (
    <div
      className={`banner ${down ? 'banner-down' : 'banner-degraded'}`}
      role="alert"
      data-testid="connection-banner"
      data-state={down ? 'down' : 'degraded'}
    >
      {down ? <DownText since={live.downSince} /> : null}
      {degraded && (
        <span>
          {t('banner.degraded')}
          {live.queue.degradedReason ? ` (${live.queue.degradedReason})` : ''}
        </span>
      )}
    </div>
  );
}

function DownText({ since }: { since: number | null }) {
  const { t } = useI18n();
  const now = useNow(1000);
  return (
    <span>
      {t('banner.down')} {since !== null && t('banner.downFor', { elapsed: elapsed(now - since) })}
    </span>
  );
}
