// One resident's supervision plan: switch a planned visit between physical, camera and sensor in
// one step (the server refuses camera without valid consent), record and withdraw consents, and
// edit the visit times, night team and household. A resident without a plan starts from the
// usual three night visits.

import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client.ts';
import type { Notify } from '../app/notify.ts';
import { hrefOf } from '../app/route.ts';
import { useStaffName } from '../app/staff.ts';
import { useI18n } from '../i18n/i18n.tsx';
import {
  CONSENT_PARTIES,
  CONSENT_SCOPES,
  type ConsentParty,
  type ConsentScope,
  type PlanInput,
  type SupervisionConsent,
  type SupervisionPlan,
  supervisionApi,
  VISIT_MODES,
  type VisitMode,
} from './api.ts';
import { SavingFigures } from './SavingFigures.tsx';
import { supervisionErrorText } from './text.ts';

const NEW_PLAN: PlanInput = {
  nightTeam: '',
  cohabitantName: null,
  residentCanConsent: true,
  visits: [
    { time: '23:00', mode: 'physical' },
    { time: '02:00', mode: 'physical' },
    { time: '05:00', mode: 'physical' },
  ],
};

const draftOf = (p: SupervisionPlan): PlanInput => ({
  nightTeam: p.nightTeam,
  cohabitantName: p.cohabitantName,
  residentCanConsent: p.residentCanConsent,
  visits: p.visits.map((v) => ({ time: v.time, mode: v.mode })),
});

export function PlanPage({ residentId, notify }: { residentId: string; notify: Notify }) {
  const { t } = useI18n();
  const [plan, setPlan] = useState<SupervisionPlan | null>(null);
  const [missing, setMissing] = useState(false);
  const [consents, setConsents] = useState<SupervisionConsent[]>([]);
  const [error, setError] = useState<string | null>(null);

  const loadConsents = useCallback(() => {
    supervisionApi.consents(residentId).then(
      (r) => setConsents(r.consents),
      (err) => setError(supervisionErrorText(err, t)),
    );
  }, [residentId, t]);

  const load = useCallback(() => {
    supervisionApi.plan(residentId).then(
      (r) => {
        setPlan(r.plan);
        setMissing(false);
      },
      (err) => {
        if (err instanceof ApiError && err.code === 'PLAN_NOT_FOUND') setMissing(true);
        else setError(supervisionErrorText(err, t));
      },
    );
    loadConsents();
  }, [residentId, t, loadConsents]);
  useEffect(load, [load]);

  return (
    <section data-testid="supervision-plan" data-resident-id={residentId}>
      <p>
        <a href={hrefOf({ page: 'supervisionPlans' })}>{t('supervision.plan.back')}</a>
      </p>
      <h2>{t('supervision.plan.title', { resident: plan?.residentName ?? residentId })}</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {missing && <p className="notice">{t('supervision.plan.none')}</p>}
      {plan && <PlanVisits plan={plan} onChanged={setPlan} notify={notify} />}
      {(plan || missing) && (
        <Consents
          residentId={residentId}
          consents={consents}
          hasCohabitant={plan?.cohabitantName != null}
          notify={notify}
          onChanged={load}
        />
      )}
      {(plan || missing) && (
        <PlanForm
          key={plan ? plan.visits.map((v) => `${v.id}:${v.time}:${v.mode}`).join(',') : 'new'}
          residentId={residentId}
          initial={plan ? draftOf(plan) : NEW_PLAN}
          isNew={!plan}
          notify={notify}
          onSaved={(p) => {
            setPlan(p);
            setMissing(false);
          }}
        />
      )}
    </section>
  );
}

/** The planned visits with the one-step switch, and what the plan saves. */
function PlanVisits({
  plan,
  onChanged,
  notify,
}: {
  plan: SupervisionPlan;
  onChanged: (p: SupervisionPlan) => void;
  notify: Notify;
}) {
  const { t } = useI18n();
  const [refusal, setRefusal] = useState<{ visitId: string; text: string } | null>(null);

  const switchTo = async (visitId: string, time: string, mode: VisitMode) => {
    // Known at once from the plan: no camera, no look-in (the server refuses it too, NO_CAMERA).
    if (mode === 'camera' && !plan.hasCamera) {
      setRefusal({ visitId, text: t('backoffice.plan.noCameraSwitch', { time }) });
      return;
    }
    try {
      const r = await supervisionApi.switchMode(visitId, mode);
      setRefusal(null);
      onChanged(r.plan);
      notify(t('supervision.plan.switched', { time, mode: t(`supervision.mode.${mode}`) }));
    } catch (err) {
      setRefusal({ visitId, text: supervisionErrorText(err, t) });
    }
  };

  return (
    <div className="card">
      <h3>{t('supervision.plan.visits', { team: plan.nightTeam })}</h3>
      {!plan.hasCamera && (
        <p className="sub" data-testid="plan-no-camera">
          {t('backoffice.plan.noCamera')}
        </p>
      )}
      <table className="alarms">
        <thead>
          <tr>
            <th>{t('supervision.round.col.time')}</th>
            <th>{t('supervision.round.col.mode')}</th>
            <th>{t('supervision.plan.switch')}</th>
          </tr>
        </thead>
        <tbody>
          {plan.visits.map((v) => (
            <tr key={v.id} data-testid="plan-visit" data-time={v.time} data-mode={v.mode}>
              <td className="mono">{v.time}</td>
              <td>
                <span className={`tag mode-${v.mode}`}>{t(`supervision.mode.${v.mode}`)}</span>
              </td>
              <td>
                <div className="row">
                  {VISIT_MODES.filter((m) => m !== v.mode).map((m) => (
                    <button
                      key={m}
                      type="button"
                      className={m === 'physical' ? undefined : 'primary'}
                      data-testid={`switch-${m}`}
                      onClick={() => void switchTo(v.id, v.time, m)}
                    >
                      {t(`supervision.plan.switchTo.${m}`)}
                    </button>
                  ))}
                </div>
                {refusal?.visitId === v.id && (
                  <p className="error" role="alert" data-testid="switch-refused">
                    {refusal.text}
                  </p>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl>
        <dt>{t('supervision.saving.perNight')}</dt>
        <dd>
          <SavingFigures saving={plan.saving.perNight} testId="plan-saving-night" />
        </dd>
        <dt>{t('supervision.saving.perMonth')}</dt>
        <dd>
          <SavingFigures saving={plan.saving.perMonth} testId="plan-saving-month" />
        </dd>
      </dl>
    </div>
  );
}

function Consents({
  residentId,
  consents,
  hasCohabitant,
  notify,
  onChanged,
}: {
  residentId: string;
  consents: SupervisionConsent[];
  hasCohabitant: boolean;
  notify: Notify;
  onChanged: () => void;
}) {
  const { t, locale } = useI18n();
  const nameOf = useStaffName();
  const [party, setParty] = useState<ConsentParty>('resident');
  const [partyName, setPartyName] = useState('');
  const [scope, setScope] = useState<ConsentScope>('camera');

  const record = async (ev: FormEvent) => {
    ev.preventDefault();
    try {
      await supervisionApi.recordConsent(residentId, {
        party,
        partyName: partyName.trim() || null,
        scope,
      });
      notify(t('supervision.consent.recorded'));
      setPartyName('');
      onChanged();
    } catch (err) {
      notify(supervisionErrorText(err, t), 'error');
    }
  };

  const withdraw = async (c: SupervisionConsent) => {
    try {
      const r = await supervisionApi.withdrawConsent(c.id);
      notify(
        t('supervision.consent.withdrawnNotice', {
          planned: r.switchedPlanVisits.length,
          tonight: r.switchedVisits.length,
        }),
      );
      onChanged();
    } catch (err) {
      notify(supervisionErrorText(err, t), 'error');
    }
  };

  const when = (iso: string) => new Date(iso).toLocaleString(locale);

  return (
    <div className="card">
      <h3>{t('supervision.consent.title')}</h3>
      <p className="sub">{t(hasCohabitant ? 'supervision.consent.hintCohabitant' : 'supervision.consent.hint')}</p>
      {consents.length === 0 ? (
        <p className="empty">{t('supervision.consent.none')}</p>
      ) : (
        <table className="alarms">
          <thead>
            <tr>
              <th>{t('supervision.consent.col.party')}</th>
              <th>{t('supervision.consent.col.scope')}</th>
              <th>{t('supervision.consent.col.recorded')}</th>
              <th>{t('supervision.consent.col.state')}</th>
            </tr>
          </thead>
          <tbody>
            {consents.map((c) => (
              <tr
                key={c.id}
                data-testid="consent-row"
                data-party={c.party}
                data-scope={c.scope}
                data-withdrawn={c.withdrawnAt ? 'true' : 'false'}
              >
                <td>
                  {t(`supervision.consent.party.${c.party}`)}
                  {c.partyName ? ` · ${c.partyName}` : ''}
                </td>
                <td>{t(`supervision.consent.scope.${c.scope}`)}</td>
                <td>{t('supervision.consent.recordedBy', { name: nameOf(c.recordedBy), at: when(c.recordedAt) })}</td>
                <td>
                  {c.withdrawnAt ? (
                    <span className="sub">
                      {t('supervision.consent.withdrawnBy', {
                        name: nameOf(c.withdrawnBy) || '–',
                        at: when(c.withdrawnAt),
                      })}
                    </span>
                  ) : (
                    <button type="button" data-testid="consent-withdraw" onClick={() => void withdraw(c)}>
                      {t('supervision.consent.withdraw')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row" onSubmit={record}>
        <label>
          {t('supervision.consent.col.party')}
          <select data-testid="consent-party" value={party} onChange={(e) => setParty(e.target.value as ConsentParty)}>
            {CONSENT_PARTIES.map((p) => (
              <option key={p} value={p}>
                {t(`supervision.consent.party.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('supervision.consent.partyName')}
          <input data-testid="consent-name" value={partyName} onChange={(e) => setPartyName(e.target.value)} />
        </label>
        <label>
          {t('supervision.consent.col.scope')}
          <select data-testid="consent-scope" value={scope} onChange={(e) => setScope(e.target.value as ConsentScope)}>
            {CONSENT_SCOPES.map((s) => (
              <option key={s} value={s}>
                {t(`supervision.consent.scope.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" data-testid="consent-record">
          {t('supervision.consent.record')}
        </button>
      </form>
    </div>
  );
}

function PlanForm({
  residentId,
  initial,
  isNew,
  notify,
  onSaved,
}: {
  residentId: string;
  initial: PlanInput;
  isNew: boolean;
  notify: Notify;
  onSaved: (p: SupervisionPlan) => void;
}) {
  const { t, lang } = useI18n();
  const [draft, setDraft] = useState<PlanInput>(initial);
  const [error, setError] = useState<string | null>(null);

  const setVisit = (i: number, change: Partial<PlanInput['visits'][number]>) =>
    setDraft((d) => ({ ...d, visits: d.visits.map((v, j) => (j === i ? { ...v, ...change } : v)) }));

  const save = async (ev: FormEvent) => {
    ev.preventDefault();
    try {
      const r = await supervisionApi.savePlan(residentId, {
        ...draft,
        nightTeam: draft.nightTeam.trim(),
        cohabitantName: draft.cohabitantName?.trim() || null,
      });
      setError(null);
      onSaved(r.plan);
      notify(t('supervision.plan.saved'));
    } catch (err) {
      setError(supervisionErrorText(err, t));
    }
  };

  return (
    <form className="card" onSubmit={save} data-testid="plan-form">
      <h3>{t(isNew ? 'supervision.plan.new' : 'supervision.plan.edit')}</h3>
      <div className="row">
        <label>
          {t('supervision.plan.nightTeam')}
          <input
            required
            data-testid="plan-team"
            value={draft.nightTeam}
            onChange={(e) => setDraft({ ...draft, nightTeam: e.target.value })}
          />
        </label>
        <label>
          {t('supervision.plan.cohabitant')}
          <input
            data-testid="plan-cohabitant"
            value={draft.cohabitantName ?? ''}
            onChange={(e) => setDraft({ ...draft, cohabitantName: e.target.value || null })}
          />
        </label>
        <label>
          <input
            type="checkbox"
            data-testid="plan-can-consent"
            checked={draft.residentCanConsent}
            onChange={(e) => setDraft({ ...draft, residentCanConsent: e.target.checked })}
          />
          {t('supervision.plan.canConsent')}
        </label>
      </div>
      {draft.visits.map((v, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: unsaved visits have no id; their order is their identity
        <div className="row" key={i} data-testid="plan-form-visit">
          <label>
            {t('supervision.round.col.time')}
            <input
              type="time"
              lang={lang}
              required
              value={v.time}
              onChange={(e) => setVisit(i, { time: e.target.value })}
            />
          </label>
          <label>
            {t('supervision.round.col.mode')}
            <select value={v.mode} onChange={(e) => setVisit(i, { mode: e.target.value as VisitMode })}>
              {VISIT_MODES.map((m) => (
                <option key={m} value={m}>
                  {t(`supervision.mode.${m}`)}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="ghost"
            onClick={() => setDraft((d) => ({ ...d, visits: d.visits.filter((_, j) => j !== i) }))}
          >
            {t('supervision.plan.removeVisit')}
          </button>
        </div>
      ))}
      <div className="row">
        <button
          type="button"
          className="ghost"
          onClick={() => setDraft((d) => ({ ...d, visits: [...d.visits, { time: '00:00', mode: 'physical' }] }))}
        >
          {t('supervision.plan.addVisit')}
        </button>
        <button type="submit" className="primary" data-testid="plan-save">
          {t('supervision.plan.save')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
