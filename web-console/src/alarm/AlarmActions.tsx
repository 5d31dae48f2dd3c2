// The operator's actions on one alarm: acknowledge, note a call, dispatch a responder, close with
// an outcome. Shortcut keys focus the matching field (n, d, c) so everything works without a mouse.

import type { AlarmSummary } from '@trygg/console-contract';
import { type FormEvent, type RefObject, useState } from 'react';
import { alarms as alarmApi, type Outcome } from '../api/endpoints.ts';
import { OUTCOME_LIST } from '../api/enums.ts';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Kbd } from '../keyboard/Kbd.tsx';

export interface ActionRefs {
  note: RefObject<HTMLTextAreaElement | null>;
  responder: RefObject<HTMLInputElement | null>;
  outcome: RefObject<HTMLSelectElement | null>;
}

export function AlarmActions({
  alarm,
  refs,
  closing,
  setClosing,
  onChanged,
  onClosed,
  notify,
}: {
  alarm: AlarmSummary;
  refs: ActionRefs;
  closing: boolean;
  setClosing: (v: boolean) => void;
  onChanged: (alarm: AlarmSummary) => void;
  onClosed: (alarm: AlarmSummary) => void;
  notify: Notify;
}) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [responder, setResponder] = useState('');
  const [outcome, setOutcome] = useState<Outcome | ''>(alarm.likelyForgottenPassage ? 'forgotten_passage' : '');
  const [closeNote, setCloseNote] = useState('');
  const [busy, setBusy] = useState(false);
  const closed = alarm.status === 'closed';

  const run = async (
    action: () => Promise<{ alarm: AlarmSummary }>,
    done: string,
    after?: (a: AlarmSummary) => void,
  ) => {
    setBusy(true);
    try {
      const { alarm: updated } = await action();
      // Leave the field so the next key is a shortcut again (e.g. `c` right after dispatching).
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
      onChanged(updated);
      notify(done);
      after?.(updated);
    } catch (err) {
      notify(errorText(err, t), 'error');
    } finally {
      setBusy(false);
    }
  };

  const submitNote = (ev: FormEvent) => {
    ev.preventDefault();
    if (!note.trim()) return;
    void run(
      () => alarmApi.note(alarm.id, note.trim()),
      t('notice.noted'),
      () => setNote(''),
    );
  };
  const submitDispatch = (ev: FormEvent) => {
    ev.preventDefault();
    if (!responder.trim()) return;
    void run(
      () => alarmApi.dispatch(alarm.id, responder.trim()),
      t('notice.dispatched'),
      () => setResponder(''),
    );
  };
  const submitClose = (ev: FormEvent) => {
    ev.preventDefault();
    if (!outcome) return;
    void run(() => alarmApi.close(alarm.id, outcome, closeNote.trim() || undefined), t('notice.closed'), onClosed);
  };

  if (closed)
    return (
      <section className="card actions-card">
        <p>{t('alarm.isClosed', { outcome: alarm.outcome ? t(`outcome.${alarm.outcome}`) : '' })}</p>
      </section>
    );

  return (
    <section className="card actions-card">
      <h3>{t('actions.title')}</h3>
      {alarm.status === 'new' && (
        <button
          type="button"
          className="primary big"
          data-testid="action-ack"
          disabled={busy}
          onClick={() =>
            void run(() => alarmApi.acknowledge(alarm.id), t('notice.acknowledged', { kind: t(`kind.${alarm.kind}`) }))
          }
        >
          {t('action.acknowledge')} <Kbd k="a" />
        </button>
      )}
      <form onSubmit={submitNote} className="action-form">
        <label>
          <span className="label-text">
            {t('actions.noteLabel')} <Kbd k="n" />
          </span>
          <textarea
            ref={refs.note}
            rows={2}
            maxLength={2000}
            value={note}
            placeholder={t('actions.notePlaceholder')}
            onChange={(e) => setNote(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submitNote(e);
            }}
          />
        </label>
        <button type="submit" data-testid="action-note" disabled={busy || !note.trim()}>
          {t('action.note')}
        </button>
      </form>
      <form onSubmit={submitDispatch} className="action-form">
        <label>
          <span className="label-text">
            {t('actions.responderLabel')} <Kbd k="d" />
          </span>
          <input
            ref={refs.responder}
            maxLength={200}
            value={responder}
            placeholder={t('actions.responderPlaceholder')}
            onChange={(e) => setResponder(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="action-dispatch" disabled={busy || !responder.trim()}>
          {t('action.dispatch')}
        </button>
      </form>
      {!closing ? (
        <button type="button" data-testid="action-close" className="danger" onClick={() => setClosing(true)}>
          {t('action.close')} <Kbd k="c" />
        </button>
      ) : (
        <form onSubmit={submitClose} className="action-form close-form">
          <label>
            {t('actions.outcomeLabel')}
            <select
              ref={refs.outcome}
              data-testid="close-outcome"
              value={outcome}
              onChange={(e) => setOutcome(e.target.value as Outcome | '')}
              required
            >
              <option value="">{t('actions.chooseOutcome')}</option>
              {OUTCOME_LIST.map((o) => (
                <option key={o} value={o}>
                  {t(`outcome.${o}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('actions.closeNoteLabel')}
            <input
              data-testid="close-note"
              maxLength={2000}
              value={closeNote}
              onChange={(e) => setCloseNote(e.target.value)}
            />
          </label>
          <div className="row">
            <button type="submit" className="danger" data-testid="close-confirm" disabled={busy || !outcome}>
              {t('action.closeConfirm')}
            </button>
            <button type="button" className="ghost" onClick={() => setClosing(false)}>
              {t('action.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
