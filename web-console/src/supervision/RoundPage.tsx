// The night team's round: tonight's visits across residents in time order, physical and digital.
// A camera visit becomes actionable when the server says it is due; the look-in shows the
// anonymized frame the camera sends on request, and the visit is closed as all well or escalated.

import type { Role } from '@trygg/console-contract';
import { useCallback, useEffect, useState } from 'react';
import { CameraFrame } from '../alarm/CameraFrame.tsx';
import type { Notify } from '../app/notify.ts';
import { mayReadDoorCodes } from '../app/roles.ts';
import { useStaffName } from '../app/staff.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { type CloseOutcome, type LookInReply, type SupervisionVisit, supervisionApi, type VisitStatus } from './api.ts';
import { supervisionErrorText } from './text.ts';

/** Statuses move on the server's clock; polling keeps the round current without a reload. */
const REFRESH_MS = 10_000;

const STATUS_BADGE: Record<VisitStatus, string> = {
  pending: 'badge-closed',
  due: 'badge-new',
  done_all_well: 'badge-ok',
  escalated_physical: 'badge-escalated',
  escalated_alarm: 'badge-escalated',
  missed: 'badge-escalated',
};

export function RoundPage({ notify, role }: { notify: Notify; role: Role }) {
  const { t, locale, lang } = useI18n();
  const [round, setRound] = useState<{ night: string; teams: string[]; visits: SupervisionVisit[] } | null>(null);
  // Tonight and every team unless the night team picks a night or a team.
  const [night, setNight] = useState<string | null>(null);
  const [team, setTeam] = useState<string | null>(null);
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [looks, setLooks] = useState<Record<string, LookInReply>>({});

  const load = useCallback(() => {
    supervisionApi.round(night, team).then(
      (r) => {
        setRound(r);
        setLoadedAt(Date.now());
        setError(null);
      },
      (err) => setError(supervisionErrorText(err, t)),
    );
  }, [t, night, team]);
  useEffect(() => {
    load();
    const id = setInterval(load, REFRESH_MS);
    return () => clearInterval(id);
  }, [load]);

  const lookIn = async (visit: SupervisionVisit) => {
    try {
      const reply = await supervisionApi.lookIn(visit.residentId, visit.id);
      setLooks((l) => ({ ...l, [visit.id]: reply }));
      if (reply.cameraUnavailable) notify(t('supervision.round.cameraUnavailable'), 'error');
      load();
    } catch (err) {
      notify(supervisionErrorText(err, t), 'error');
    }
  };

  const close = async (visit: SupervisionVisit, outcome: CloseOutcome, note: string) => {
    try {
      await supervisionApi.closeVisit(visit.id, outcome, note.trim() || undefined);
      setLooks(({ [visit.id]: _closed, ...rest }) => rest);
      notify(t(`supervision.round.closed.${outcome}`, { resident: visit.residentName, time: visit.time }));
      load();
    } catch (err) {
      notify(supervisionErrorText(err, t), 'error');
    }
  };

  const nightLabel = round ? new Date(`${round.night}T12:00:00`).toLocaleDateString(locale, { dateStyle: 'full' }) : '';

  return (
    <section data-testid="supervision-round">
      <h2>{round ? t('supervision.round.title', { night: nightLabel }) : t('supervision.round.titleLoading')}</h2>
      <div className="row queue-tools">
        <label>
          {t('backoffice.round.night')}
          <input
            type="date"
            lang={lang}
            data-testid="round-night"
            value={night ?? round?.night ?? ''}
            onChange={(e) => setNight(e.target.value || null)}
          />
        </label>
        <label>
          {t('backoffice.round.team')}
          <select data-testid="round-team" value={team ?? ''} onChange={(e) => setTeam(e.target.value || null)}>
            <option value="">{t('backoffice.round.allTeams')}</option>
            {round?.teams.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="round-refresh" onClick={load}>
          {t('supervision.round.refresh')}
        </button>
        {loadedAt !== null && (
          <span className="sub">
            {t('supervision.round.updatedAt', { time: new Date(loadedAt).toLocaleTimeString(locale) })}
          </span>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {round?.visits.length === 0 && <p className="empty">{t('supervision.round.empty')}</p>}
      {round && round.visits.length > 0 && (
        <table className="alarms">
          <thead>
            <tr>
              <th>{t('supervision.round.col.time')}</th>
              <th>{t('supervision.round.col.resident')}</th>
              <th>{t('backoffice.round.col.where')}</th>
              <th>{t('supervision.round.col.mode')}</th>
              <th>{t('supervision.round.col.status')}</th>
              <th>{t('supervision.round.col.team')}</th>
              <th>{t('supervision.round.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {round.visits.map((v) => (
              <VisitRows
                key={v.id}
                visit={v}
                look={looks[v.id] ?? null}
                onLookIn={lookIn}
                onClose={close}
                doorCodes={mayReadDoorCodes(role)}
                notify={notify}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function VisitRows({
  visit: v,
  look,
  onLookIn,
  onClose,
  doorCodes,
  notify,
}: {
  visit: SupervisionVisit;
  look: LookInReply | null;
  onLookIn: (v: SupervisionVisit) => Promise<void>;
  onClose: (v: SupervisionVisit, outcome: CloseOutcome, note: string) => Promise<void>;
  /** This role does the round and may read door codes (each read is audit-logged). */
  doorCodes: boolean;
  notify: Notify;
}) {
  const { t } = useI18n();
  const nameOf = useStaffName();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const open = v.status === 'pending' || v.status === 'due';
  const due = v.status === 'due';
  const camera = v.mode === 'camera';
  // A camera visit is closed after the look-in; other visits are closed once done.
  const closable = due && (!camera || look !== null);
  // Where to go and how to get in, for visits made on foot (an escalated look-in becomes one).
  const physical = v.mode === 'physical' || v.status === 'escalated_physical';
  const [doorCode, setDoorCode] = useState<{ code: string | null } | null>(null);
  const readDoorCode = async () => {
    try {
      setDoorCode({ code: (await supervisionApi.doorCode(v.id)).doorCode });
    } catch (err) {
      notify(supervisionErrorText(err, t), 'error');
    }
  };

  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    try {
      await f();
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <tr
        className="alarm-row"
        data-testid="round-visit"
        data-visit-id={v.id}
        data-resident-id={v.residentId}
        data-time={v.time}
        data-mode={v.mode}
        data-status={v.status}
      >
        <td className="mono">{v.time}</td>
        <td>{v.residentName}</td>
        <td className="visit-where" data-testid="visit-where">
          {physical ? (
            <>
              <div data-testid="visit-address">{v.address}</div>
              {v.access && (
                <div className="sub" data-testid="visit-access">
                  {t('backoffice.round.key', { access: v.access })}
                </div>
              )}
              {doorCodes &&
                (doorCode ? (
                  <div data-testid="visit-door-code" className="mono">
                    {doorCode.code
                      ? t('backoffice.round.doorCode', { code: doorCode.code })
                      : t('backoffice.round.noDoorCode')}
                  </div>
                ) : (
                  <button type="button" data-testid="visit-show-door-code" onClick={() => void readDoorCode()}>
                    {t('backoffice.round.showDoorCode')}
                  </button>
                ))}
            </>
          ) : (
            <span className="sub">{t('backoffice.round.digital')}</span>
          )}
        </td>
        <td>
          <span className={`tag mode-${v.mode}`}>{t(`supervision.mode.${v.mode}`)}</span>
          {v.modeChangedReason && (
            <div className="warn" data-testid="visit-mode-changed">
              {t(
                v.modeChangedReason === 'consent_withdrawn'
                  ? 'supervision.round.reason.consent_withdrawn'
                  : v.modeChangedReason === 'camera_unavailable'
                    ? 'supervision.round.reason.camera_unavailable'
                    : 'supervision.round.reason.other',
              )}
            </div>
          )}
        </td>
        <td>
          <span className={`badge ${STATUS_BADGE[v.status]}`}>{t(`supervision.status.${v.status}`)}</span>
          {v.closedBy && <div className="sub">{t('supervision.round.closedBy', { name: nameOf(v.closedBy) })}</div>}
        </td>
        <td>{v.nightTeam ?? '–'}</td>
        <td>
          {open && camera && (
            <button
              type="button"
              className={due ? 'primary' : undefined}
              data-testid="visit-lookin"
              disabled={!due || busy}
              title={due ? undefined : t('supervision.round.notYet', { time: v.time })}
              onClick={() => void act(() => onLookIn(v))}
            >
              {due
                ? look
                  ? t('supervision.round.lookAgain')
                  : t('supervision.round.lookIn')
                : t('supervision.round.lookInFrom', { time: v.time })}
            </button>
          )}
          {open && !camera && !due && <span className="sub">{t('supervision.round.notYet', { time: v.time })}</span>}
          {closable && !camera && (
            <button
              type="button"
              data-testid="visit-close-all_well"
              disabled={busy}
              onClick={() => void act(() => onClose(v, 'all_well', note))}
            >
              {t('supervision.round.done')}
            </button>
          )}
        </td>
      </tr>
      {look && open && (
        <tr className="lookin-row">
          <td colSpan={7}>
            <div className="row lookin" data-testid="visit-lookin-panel">
              {look.frame ? (
                <CameraFrame frame={look.frame} />
              ) : (
                <p className="error" role="alert">
                  {t('supervision.round.cameraUnavailable')}
                </p>
              )}
              <div className="col">
                <label>
                  {t('supervision.round.note')}
                  <textarea data-testid="visit-note" value={note} onChange={(e) => setNote(e.target.value)} />
                </label>
                <div className="row">
                  {look.frame && (
                    <button
                      type="button"
                      className="primary"
                      data-testid="visit-close-all_well"
                      disabled={busy}
                      onClick={() => void act(() => onClose(v, 'all_well', note))}
                    >
                      {t('supervision.round.allWell')}
                    </button>
                  )}
                  <button
                    type="button"
                    data-testid="visit-close-escalate_physical"
                    disabled={busy}
                    onClick={() => void act(() => onClose(v, 'escalate_physical', note))}
                  >
                    {t('supervision.round.escalatePhysical')}
                  </button>
                  <button
                    type="button"
                    className="danger"
                    data-testid="visit-close-escalate_alarm"
                    disabled={busy}
                    onClick={() => void act(() => onClose(v, 'escalate_alarm', note))}
                  >
                    {t('supervision.round.escalateAlarm')}
                  </button>
                </div>
              </div>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
