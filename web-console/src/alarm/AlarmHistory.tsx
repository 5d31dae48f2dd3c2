// The alarm's full history and the device's recent events, newest first.

import type { AlarmDetail } from '@trygg/console-contract';
import { useStaffName } from '../app/staff.ts';
import { isMessageKey, useI18n } from '../i18n/i18n.tsx';

function useTimeFormat() {
  const { locale } = useI18n();
  const f = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
  return (iso: string) => f.format(new Date(iso));
}

export function AlarmHistory({ history }: { history: AlarmDetail['history'] }) {
  const { t } = useI18n();
  const nameOf = useStaffName();
  const time = useTimeFormat();
  const sorted = [...history].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <section className="card">
      <h3>{t('history.title')}</h3>
      {sorted.length === 0 ? (
        <p className="empty">{t('history.empty')}</p>
      ) : (
        <ol className="history" data-testid="alarm-history">
          {sorted.map((h, i) => {
            const key = `history.type.${h.type}`;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: history entries can share a timestamp and type
              <li key={`${h.at}-${i}`} data-testid="history-entry" data-type={h.type}>
                <time className="mono">{time(h.at)}</time>
                <span className="what">{isMessageKey(key) ? t(key) : h.type}</span>
                {h.actor && <span className="sub">{nameOf(h.actor)}</span>}
                {h.note && <span className="note">{h.note}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

export function DeviceEvents({ events }: { events: AlarmDetail['recentEvents'] }) {
  const { t } = useI18n();
  const time = useTimeFormat();
  const sorted = [...events].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <>
      <h4>{t('device.recentEvents')}</h4>
      {sorted.length === 0 ? (
        <p className="empty">{t('device.noEvents')}</p>
      ) : (
        <ol className="history compact">
          {sorted.map((e, i) => {
            const key = `event.${e.type}`;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: events can share a timestamp and type
              <li key={`${e.at}-${i}`}>
                <time className="mono">{time(e.at)}</time>
                <span className="what">{isMessageKey(key) ? t(key) : e.type}</span>
              </li>
            );
          })}
        </ol>
      )}
    </>
  );
}
