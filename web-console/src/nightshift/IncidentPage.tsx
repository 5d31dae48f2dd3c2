// One mass-outage incident: how many units, where, since when, what has come back, and, for those
// who call residents, whom to check on first (the server orders by risk and logs the view).

import type { User } from '@trygg/console-contract';
import { nightShift } from '../api/endpoints.ts';
import { useNow } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useLoad } from './useLoad.ts';

export function IncidentPage({ id, user }: { id: string; user: User }) {
  const { t, locale } = useI18n();
  const now = useNow(15_000);
  const { data, error } = useLoad(() => nightShift.incident(id), `${id}:${now}`);
  if (error && !data)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!data) return <p className="empty">{t('app.loading')}</p>;
  const { incident, units, welfareChecks } = data;
  const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(locale) : '');
  return (
    <section className="incident" data-testid="incident" data-units={incident.units} data-still-out={incident.stillOut}>
      <h2>{t('nightshift.incidentTitle', { units: incident.units })}</h2>
      <p>
        {t(`nightshift.group.${incident.groupType}`)}: <strong>{incident.groupKey}</strong> ·{' '}
        {t('nightshift.since', { time: when(incident.startedAt) })} ·{' '}
        {t('nightshift.incidentOfGroup', { units: incident.units, size: incident.groupSize })}
      </p>
      <p data-testid="incident-status">
        {incident.closedAt
          ? t('nightshift.incidentClosed', {
              time: when(incident.closedAt),
              returned: incident.returned,
              notReturned: incident.notReturned,
            })
          : t('nightshift.incidentOpen', { stillOut: incident.stillOut, returned: incident.units - incident.stillOut })}
      </p>
      {user.role !== 'technician' && (
        <>
          <h3>{t('nightshift.welfareTitle', { count: welfareChecks.length })}</h3>
          <ol className="welfare" data-testid="welfare-list">
            {welfareChecks.map((w) => (
              <li key={w.residentId} data-resident-id={w.residentId}>
                <strong>{w.name}</strong>, {w.address}
                {w.livesAlone && <span className="tag">{t('nightshift.livesAlone')}</span>}
                {w.recentFalls > 0 && (
                  <span className="tag">{t('nightshift.recentFalls', { count: w.recentFalls })}</span>
                )}
                {w.recentAlarms > 0 && (
                  <span className="tag">{t('nightshift.recentAlarms', { count: w.recentAlarms })}</span>
                )}
                {w.noVoiceContact && <span className="tag">{t('nightshift.noVoiceContact')}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
      <h3>{t('nightshift.unitsTitle', { count: units.length })}</h3>
      <table className="alarms" data-testid="incident-units">
        <thead>
          <tr>
            <th>{t('queue.col.device')}</th>
            <th>{t('nightshift.col.lost')}</th>
            <th>{t('nightshift.col.returned')}</th>
          </tr>
        </thead>
        <tbody>
          {units.slice(0, 500).map((u) => (
            <tr key={u.deviceId}>
              <td className="mono">
                {u.deviceId} <span className="sub">{t(`device.${u.deviceType}`)}</span>
              </td>
              <td>{when(u.lostAt)}</td>
              <td>{u.returnedAt ? when(u.returnedAt) : t('nightshift.stillOut')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {units.length > 500 && <p className="sub">{t('nightshift.moreUnits', { count: units.length - 500 })}</p>}
    </section>
  );
}
