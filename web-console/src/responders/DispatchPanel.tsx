// The operator's call-out panel on an alarm: the live state of its dispatch (accept countdown,
// "not accepted in time", estimate), who is available to send (the resident's district first)
// with the information and key to pass on, and the earlier dispatches. Reloads with the alarm.

import type { AlarmDispatches, AlarmSummary, ResidentKey } from '@trygg/console-contract';
import { ACTIVE_DISPATCH_STATES } from '@trygg/console-contract/vocabulary';
import { useCallback, useEffect, useState } from 'react';
import { elapsed } from '../app/duration.ts';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { useNow } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { responders as api } from './api.ts';

export function DispatchPanel({ alarm, notify }: { alarm: AlarmSummary; notify: Notify }) {
  const { t, locale } = useI18n();
  const now = useNow(1000);
  const clock = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const [data, setData] = useState<AlarmDispatches | null>(null);
  const [keys, setKeys] = useState<ResidentKey[]>([]);
  const [notes, setNotes] = useState('');
  const [keyId, setKeyId] = useState('');
  const [busy, setBusy] = useState(false);
  const residentId = alarm.resident?.id ?? null;

  const load = useCallback(async () => {
    try {
      setData(await api.forAlarm(alarm.id));
    } catch (err) {
      notify(errorText(err, t), 'error');
    }
  }, [alarm.id, notify, t]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: alarm.updatedAt is the trigger: every step of a dispatch updates its alarm
  useEffect(() => {
    void load();
  }, [load, alarm.updatedAt]);

  useEffect(() => {
    if (residentId)
      api.keysOf(residentId).then(
        ({ keys: k }) => setKeys(k),
        () => setKeys([]),
      );
  }, [residentId]);

  if (!data) return null;
  const active = data.dispatches.find((d) => (ACTIVE_DISPATCH_STATES as readonly string[]).includes(d.state));
  const earlier = data.dispatches.filter((d) => d !== active);
  const closed = alarm.status === 'closed';

  const send = async (responderId: string, name: string) => {
    setBusy(true);
    try {
      await api.dispatch(alarm.id, responderId, notes.trim(), keyId || null);
      notify(t('responders.panel.sent', { name }));
      setNotes('');
      await load();
    } catch (err) {
      notify(errorText(err, t), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card dispatch-panel" data-testid="dispatch-panel">
      <h3>{t('responders.panel.title')}</h3>
      {active ? (
        <div data-testid="dispatch-current" data-state={active.state} data-timed-out={active.acceptTimedOut}>
          <p>
            <strong>{active.responderName}</strong> ·{' '}
            <span data-testid="dispatch-state">{t(`responders.state.${active.state}`)}</span>
          </p>
          {active.state === 'dispatched' && !active.acceptTimedOut && (
            <p className="mono" data-testid="dispatch-countdown">
              {t('responders.panel.acceptWithin', {
                time: elapsed(Math.max(0, Date.parse(active.acceptBy) - now)),
              })}
            </p>
          )}
          {active.state === 'dispatched' && active.acceptTimedOut && (
            <p className="error" role="alert" data-testid="dispatch-not-accepted">
              {t('responders.panel.notAccepted', { name: active.responderName })}
            </p>
          )}
          {active.etaMinutes !== null && active.state === 'on_the_way' && (
            <p>{t('responders.panel.eta', { n: active.etaMinutes })}</p>
          )}
        </div>
      ) : (
        <p className="empty">{t('responders.panel.none')}</p>
      )}
      {!closed && alarm.status !== 'new' && (!active || active.state === 'dispatched') && (
        <>
          <h4>{t('responders.panel.suggested')}</h4>
          {data.suggestions.length === 0 ? (
            <p className="empty">{t('responders.panel.noneAvailable')}</p>
          ) : (
            <ul className="plain suggestions" data-testid="dispatch-suggestions">
              {data.suggestions.map((s) => (
                <li key={s.responder.id} data-testid={`suggestion-${s.responder.id}`}>
                  <span>
                    {s.responder.name}{' '}
                    <span className="sub">
                      {s.inDistrict ? t('responders.panel.inDistrict') : t('responders.panel.outsideDistrict')}
                      {!s.inShift && ` · ${t('responders.panel.outOfShift')}`}
                      {s.timedOutBefore && ` · ${t('responders.panel.timedOutBefore')}`}
                    </span>
                  </span>
                  <button
                    type="button"
                    className="primary"
                    data-testid={`dispatch-to-${s.responder.id}`}
                    disabled={busy}
                    onClick={() => void send(s.responder.id, s.responder.name)}
                  >
                    {active ? t('responders.panel.sendInstead') : t('responders.panel.send')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <label>
            {t('responders.panel.notes')}
            <input
              data-testid="dispatch-notes"
              maxLength={1000}
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
            />
          </label>
          {keys.length > 0 && (
            <label>
              {t('responders.panel.key')}
              <select data-testid="dispatch-key" value={keyId} onChange={(e) => setKeyId(e.target.value)}>
                <option value="">{t('responders.panel.noKey')}</option>
                {keys.map((k) => (
                  <option key={k.id} value={k.id}>
                    {k.id} · {k.label}
                  </option>
                ))}
              </select>
            </label>
          )}
        </>
      )}
      <dl className="response-times" data-testid="response-times">
        {(['received', 'answered', 'voiceContact', 'dispatched', 'accepted', 'arrived', 'closed'] as const).map(
          (step) => {
            const at = data.times[step];
            return at ? (
              <div key={step} data-testid={`time-${step}`}>
                <dt>{t(`responders.times.${step}`)}</dt>
                <dd className="mono">{clock.format(new Date(at))}</dd>
              </div>
            ) : null;
          },
        )}
      </dl>
      {earlier.length > 0 && (
        <>
          <h4>{t('responders.panel.earlier')}</h4>
          <ul className="plain" data-testid="dispatch-earlier">
            {earlier.map((d) => (
              <li key={d.id}>
                {d.responderName} · {t(`responders.state.${d.state}`)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
