// The shift handover: what the next shift takes over. Open alarms (who took them), call-outs
// (who was sent), who is on duty now, open mass-outage incidents and residents' keys signed out
// (whose, who has it, since when). Shows only what this platform knows.

import { nightShift } from '../api/endpoints.ts';
import { elapsed } from '../app/duration.ts';
import { hrefOf } from '../app/route.ts';
import { useNow } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useLoad } from './useLoad.ts';

export function HandoverPage() {
  const { t, locale } = useI18n();
  const now = useNow(30_000);
  const { data, error } = useLoad(() => nightShift.handover(), now);
  if (error && !data)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!data) return <p className="empty">{t('app.loading')}</p>;
  const at = Date.parse(data.at);
  return (
    <section className="handover" data-testid="handover">
      <h2>{t('nightshift.handoverTitle', { time: new Date(at).toLocaleString(locale) })}</h2>
      {data.openIncidents > 0 && (
        <p className="banner" data-testid="handover-incidents">
          {t('nightshift.handoverIncidents', { count: data.openIncidents })}
        </p>
      )}
      <h3>{t('nightshift.handoverOpen', { count: data.open.length })}</h3>
      <table className="alarms" data-testid="handover-open">
        <thead>
          <tr>
            <th>{t('queue.col.kind')}</th>
            <th>{t('queue.col.resident')}</th>
            <th>{t('queue.col.age')}</th>
            <th>{t('queue.col.status')}</th>
          </tr>
        </thead>
        <tbody>
          {data.open.map((a) => (
            <tr key={a.id} data-alarm-id={a.id}>
              <td>
                <a href={hrefOf({ page: 'alarm', id: a.id })}>{t(`kind.${a.kind}`)}</a>
              </td>
              <td>{a.resident?.name ?? t('queue.noResident')}</td>
              <td className="mono">{elapsed(at - Date.parse(a.openedAt))}</td>
              <td>
                {t(`status.${a.status}`)}
                {a.acknowledgedBy ? ` · ${a.acknowledgedBy}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('nightshift.handoverCallOuts', { count: data.callOuts.length })}</h3>
      <ul data-testid="handover-callouts">
        {data.callOuts.map((c) => (
          <li key={c.alarm.id}>
            <a href={hrefOf({ page: 'alarm', id: c.alarm.id })}>{t(`kind.${c.alarm.kind}`)}</a>{' '}
            {c.alarm.resident?.name ?? ''} → {c.responder ?? t('unit.none')}
          </li>
        ))}
      </ul>
      <h3>{t('nightshift.handoverOnDuty', { count: data.onDuty.length })}</h3>
      <ul data-testid="handover-onduty">
        {data.onDuty.map((p) => (
          <li key={p.username}>
            {p.displayName} ({t(`role.${p.role as 'operator'}`)}) ·{' '}
            {t('nightshift.since', { time: new Date(p.since).toLocaleTimeString(locale) })}
          </li>
        ))}
      </ul>
      <h3>{t('nightshift.handoverKeysOut', { count: data.keysOut.length })}</h3>
      <ul data-testid="handover-keys">
        {data.keysOut.map((k) => (
          <li key={k.id} data-key-id={k.id}>
            <span className="mono">{k.id}</span> {k.label} ({t('nightshift.keyResident', { resident: k.residentId })}) →{' '}
            {k.holder} ·{' '}
            {k.signedOutAt && t('nightshift.since', { time: new Date(k.signedOutAt).toLocaleTimeString(locale) })}
          </li>
        ))}
      </ul>
    </section>
  );
}
