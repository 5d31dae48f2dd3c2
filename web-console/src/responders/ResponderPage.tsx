// The responder's phone: their live call-outs (the console stream tells the phone when one of its
// own dispatches changes; the server sends it nothing else), what is needed to act while the
// call-out is active, and big buttons for each step: Acceptera, På väg, Framme, Klart (with the
// job sheet) and Kom inte in.

import type { Dispatch, ResidentKey, Responder, ResponderDispatch } from '@trygg/console-contract';
import { ACTIVE_DISPATCH_STATES } from '@trygg/console-contract/vocabulary';
import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { LiveStream } from '../live/liveStream.ts';
import { responders as api } from './api.ts';
import { JobSheetForm } from './JobSheetForm.tsx';

const isActive = (d: Dispatch) => (ACTIVE_DISPATCH_STATES as readonly string[]).includes(d.state);
const ETAS = [5, 10, 15, 20, 30, 45] as const;

export function ResponderPage({ notify, onExpired }: { notify: Notify; onExpired: () => void }) {
  const { t } = useI18n();
  const [me, setMe] = useState<Responder | null>(null);
  const [dispatches, setDispatches] = useState<Dispatch[] | null>(null);
  const [keys, setKeys] = useState<ResidentKey[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [{ responder }, { dispatches: list }, held] = await Promise.all([api.me(), api.mine(), api.myKeys()]);
      setMe(responder);
      setDispatches(list);
      setKeys(held.keys);
      setError(null);
    } catch (err) {
      setError(errorText(err, t));
    }
  }, [t]);

  useEffect(() => {
    void load();
    const stream = new LiveStream({
      onMessage: (msg) => {
        if (msg.type === 'hello' || msg.type === 'dispatch') void load();
      },
      onState: () => {},
      onUnauthorized: onExpired,
    });
    stream.start();
    return () => stream.stop();
  }, [load, onExpired]);

  if (error && !dispatches)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!dispatches || !me) return <p className="empty">{t('app.loading')}</p>;

  const active = dispatches.filter(isActive);
  const ended = dispatches.filter((d) => !isActive(d)).slice(0, 10);
  const onDuty = me.status !== 'off';
  return (
    <section className="responder-phone" data-testid="responder-page">
      <header className="row">
        <h2>{t('responders.phone.title')}</h2>
        <span className="tag" data-testid="responder-status">
          {t(`responders.status.${me.status}`)}
        </span>
        <button
          type="button"
          className="ghost"
          data-testid="responder-duty"
          onClick={() =>
            api.setStatus(me.id, onDuty ? 'off' : 'on_duty').then(
              ({ responder }) => setMe(responder),
              (err) => notify(errorText(err, t), 'error'),
            )
          }
        >
          {onDuty ? t('responders.phone.goOff') : t('responders.phone.goOnDuty')}
        </button>
      </header>
      {active.length === 0 && <p className="empty">{t('responders.phone.none')}</p>}
      {active.map((d) => (
        <ActiveDispatch key={`${d.id}-${d.state}`} dispatchId={d.id} notify={notify} onChanged={load} />
      ))}
      {keys.length > 0 && (
        <section className="card" data-testid="responder-keys">
          <h3>{t('responders.phone.keysHeld')}</h3>
          <ul className="plain">
            {keys.map((k) => (
              <li key={k.id} className="row">
                <span className="mono">{k.id}</span> {k.label}
                <button
                  type="button"
                  data-testid={`key-sign-in-${k.id}`}
                  onClick={() =>
                    api.signInKey(k.id).then(
                      () => load(),
                      (err) => notify(errorText(err, t), 'error'),
                    )
                  }
                >
                  {t('responders.phone.keySignIn')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {ended.length > 0 && (
        <section className="card">
          <h3>{t('responders.phone.history')}</h3>
          <ul className="plain" data-testid="responder-ended">
            {ended.map((d) => (
              <li key={d.id} data-testid={`ended-${d.id}`}>
                {t(`responders.state.${d.state}`)} · {new Date(d.dispatchedAt).toLocaleTimeString()}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}

function ActiveDispatch({
  dispatchId,
  notify,
  onChanged,
}: {
  dispatchId: string;
  notify: Notify;
  onChanged: () => void;
}) {
  const { t, locale } = useI18n();
  const [view, setView] = useState<ResponderDispatch | null>(null);
  const [eta, setEta] = useState<number>(15);
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState<'none' | 'sheet' | 'couldNotEnter'>('none');
  const [note, setNote] = useState('');

  useEffect(() => {
    api.view(dispatchId).then(setView, (err) => notify(errorText(err, t), 'error'));
  }, [dispatchId, notify, t]);

  const run = async (action: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    try {
      await action();
      if (done) notify(done);
      // A step that keeps the state (a key signed out) still changes what the card shows.
      setView(await api.view(dispatchId));
      onChanged();
    } catch (err) {
      notify(errorText(err, t), 'error');
    } finally {
      setBusy(false);
    }
  };

  if (!view) return <p className="empty">{t('app.loading')}</p>;
  const { dispatch: d, access } = view;
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const kindKey = `kind.${view.alarmKind}` as const;
  return (
    <article className="card dispatch-card" data-testid="responder-dispatch" data-state={d.state}>
      <h3>
        {t(kindKey as 'kind.manual')} · {view.residentName}
      </h3>
      <p className="tag" data-testid="responder-dispatch-state">
        {t(`responders.state.${d.state}`)}
      </p>
      {access && (
        <dl>
          <dt>{t('responders.phone.address')}</dt>
          <dd data-testid="responder-address">{access.address}</dd>
          <dt>{t('responders.phone.doorCode')}</dt>
          <dd className="mono big" data-testid="responder-door-code">
            {access.doorCode ?? t('responders.phone.noDoorCode')}
          </dd>
          <dt>{t('responders.phone.access')}</dt>
          <dd>{access.access}</dd>
          {access.key && (
            <>
              <dt>{t('responders.phone.key')}</dt>
              <dd className="mono" data-testid="responder-key">
                {access.key.id} · {access.key.label}
              </dd>
            </>
          )}
          {access.notes && (
            <>
              <dt>{t('responders.phone.notes')}</dt>
              <dd data-testid="responder-notes">{access.notes}</dd>
            </>
          )}
        </dl>
      )}
      <div className="phone-actions">
        {d.state === 'dispatched' && (
          <>
            <p>{t('responders.phone.acceptBefore', { time: time.format(new Date(d.acceptBy)) })}</p>
            <button
              type="button"
              className="primary big"
              data-testid="responder-accept"
              disabled={busy}
              onClick={() => void run(() => api.accept(d.id))}
            >
              {t('responders.phone.accept')}
            </button>
          </>
        )}
        {d.state === 'accepted' && (
          <>
            <label>
              {t('responders.phone.etaLabel')}
              <select data-testid="responder-eta" value={eta} onChange={(e) => setEta(Number(e.target.value))}>
                {ETAS.map((n) => (
                  <option key={n} value={n}>
                    {t('responders.phone.etaMinutes', { n })}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className="primary big"
              data-testid="responder-on-the-way"
              disabled={busy}
              onClick={() => void run(() => api.onTheWay(d.id, eta))}
            >
              {t('responders.phone.onTheWay')}
            </button>
          </>
        )}
        {(d.state === 'accepted' || d.state === 'on_the_way') && (
          <button
            type="button"
            className="primary big"
            data-testid="responder-arrived"
            disabled={busy}
            onClick={() => void run(() => api.arrived(d.id))}
          >
            {t('responders.phone.arrived')}
          </button>
        )}
        {d.state === 'arrived' && form !== 'sheet' && (
          <button
            type="button"
            className="primary big"
            data-testid="responder-done"
            disabled={busy}
            onClick={() => setForm('sheet')}
          >
            {t('responders.phone.done')}
          </button>
        )}
        {access?.key &&
          access.key.kind !== 'digital_lock' &&
          access.key.holder === null &&
          d.state !== 'dispatched' && (
            <button
              type="button"
              className="big"
              data-testid="responder-key-sign-out"
              disabled={busy}
              onClick={() => void run(() => api.signOutKey(access.key!.id, d.id), t('responders.phone.keySignedOut'))}
            >
              {t('responders.phone.keySignOut')}
            </button>
          )}
        {access?.key?.kind === 'digital_lock' && d.state !== 'dispatched' && (
          <button
            type="button"
            className="big"
            data-testid="responder-unlock"
            disabled={busy}
            onClick={() => void run(() => api.unlock(d.id), t('responders.phone.unlocked'))}
          >
            {t('responders.phone.unlock')}
          </button>
        )}
        {d.state !== 'dispatched' && form !== 'couldNotEnter' && (
          <button
            type="button"
            className="danger big"
            data-testid="responder-could-not-enter"
            disabled={busy}
            onClick={() => setForm('couldNotEnter')}
          >
            {t('responders.phone.couldNotEnter')}
          </button>
        )}
      </div>
      {form === 'couldNotEnter' && (
        <form
          className="action-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            void run(() => api.couldNotEnter(d.id, note.trim()), t('responders.phone.escalated'));
          }}
        >
          <label>
            {t('responders.phone.couldNotEnterNote')}
            <input
              data-testid="could-not-enter-note"
              maxLength={1000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
          <button type="submit" className="danger big" data-testid="could-not-enter-confirm" disabled={busy}>
            {t('responders.phone.couldNotEnterConfirm')}
          </button>
        </form>
      )}
      {form === 'sheet' && <JobSheetForm busy={busy} onSubmit={(sheet) => void run(() => api.done(d.id, sheet))} />}
    </article>
  );
}
