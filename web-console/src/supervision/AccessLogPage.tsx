// The supervisor's view of the camera access log: who asked to see whose camera, when, for which
// visit or alarm, and whether it was allowed. Read-only: the log cannot be altered.

import { useCallback, useEffect, useState } from 'react';
import { useStaffName } from '../app/staff.ts';
import { isMessageKey, useI18n } from '../i18n/i18n.tsx';
import type { ResidentHit } from '../residents/api.ts';
import { ResidentPicker } from '../residents/ResidentPicker.tsx';
import { type FrameAccessLogEntry, supervisionApi } from './api.ts';
import { supervisionErrorText } from './text.ts';

export function AccessLogPage() {
  const { t, locale } = useI18n();
  const nameOf = useStaffName();
  const [entries, setEntries] = useState<FrameAccessLogEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [resident, setResident] = useState<ResidentHit | null>(null);
  const filter = resident?.id ?? null;

  const load = useCallback(() => {
    supervisionApi.accessLog(filter).then(
      (r) => {
        setEntries(r.entries);
        setError(null);
      },
      (err) => setError(supervisionErrorText(err, t)),
    );
  }, [filter, t]);
  useEffect(load, [load]);

  // Reasons are the server's refusal codes; an unknown one is still shown as its code.
  const reasonText = (reason: string | null) => {
    const key = `supervision.access.reason.${reason}`;
    return isMessageKey(key) ? t(key) : (reason ?? '–');
  };
  const roleText = (role: string) => {
    const key = `role.${role}`;
    return isMessageKey(key) ? t(key) : role;
  };

  return (
    <section data-testid="supervision-access-log">
      <h2>{t('supervision.access.title')}</h2>
      <p className="sub">{t('supervision.access.hint')}</p>
      <div className="row">
        <ResidentPicker
          label={t('backoffice.residentPicker.filterLog')}
          testId="access-resident"
          value={resident}
          onChange={setResident}
        />
        {resident && (
          <button type="button" data-testid="access-all" onClick={() => setResident(null)}>
            {t('backoffice.residentPicker.allResidents')}
          </button>
        )}
        <button type="button" data-testid="access-refresh" onClick={load}>
          {t('supervision.round.refresh')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {entries?.length === 0 && <p className="empty">{t('supervision.access.empty')}</p>}
      {entries && entries.length > 0 && (
        <table className="alarms">
          <thead>
            <tr>
              <th>{t('supervision.access.col.at')}</th>
              <th>{t('supervision.access.col.who')}</th>
              <th>{t('supervision.access.col.resident')}</th>
              <th>{t('supervision.access.col.why')}</th>
              <th>{t('supervision.access.col.result')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr
                key={e.id}
                data-testid="access-entry"
                data-actor={e.actor}
                data-resident-id={e.residentId}
                data-visit-id={e.visitId ?? ''}
                data-allowed={e.allowed ? 'true' : 'false'}
              >
                <td className="mono">{new Date(e.at).toLocaleString(locale)}</td>
                <td>
                  {nameOf(e.actor)}{' '}
                  <span className="sub">{t('supervision.access.role', { role: roleText(e.actorRole) })}</span>
                </td>
                <td>{e.residentName ?? e.residentId}</td>
                <td>
                  {e.visitId
                    ? t('supervision.access.visit', { id: e.visitId })
                    : e.alarmId
                      ? t('supervision.access.alarm', { id: e.alarmId })
                      : t('supervision.access.neither')}
                </td>
                <td>
                  <span className={`badge ${e.allowed ? 'badge-ok' : 'badge-escalated'}`}>
                    {t(e.allowed ? 'supervision.access.allowed' : 'supervision.access.refused')}
                  </span>{' '}
                  {!e.allowed && <span className="sub">{reasonText(e.reason)}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
