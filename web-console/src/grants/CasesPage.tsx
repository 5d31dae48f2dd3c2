// The case worker's page: the follow-up figures against the goals, and the manual queue of
// applications the rules could not decide. Opening one shows the application and lets the case
// worker grant or deny it with a justification the citizen will read.

import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { hrefOf } from '../app/route.ts';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import { type ApplicationDetail, type GrantFigures, grantsApi, type ManualQueueItem } from './api.ts';
import { FiguresChart } from './FiguresChart.tsx';
import { INTERNAL_WORDING } from './internalWording.ts';

const percent = (share: number | null) => (share === null ? '–' : `${Math.round(share * 100)} %`);
const hours = (h: number | null) => (h === null ? '–' : String(h));

export function CasesPage({ notify }: { notify: Notify }) {
  const { t, locale } = useI18n();
  const [figures, setFigures] = useState<GrantFigures | null>(null);
  const [queue, setQueue] = useState<ManualQueueItem[] | null>(null);
  const [open, setOpen] = useState<ApplicationDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    grantsApi.figures().then(setFigures, (err) => setError(errorText(err, t)));
    grantsApi.manualQueue().then(
      (r) => setQueue(r.applications),
      (err) => setError(errorText(err, t)),
    );
  }, [t]);
  useEffect(load, [load]);

  const openCase = async (id: string) => {
    try {
      setOpen(await grantsApi.application(id));
    } catch (err) {
      notify(errorText(err, t), 'error');
    }
  };

  return (
    <section>
      <div className="alarm-head">
        <h2>{t('cases.title')}</h2>
        <span className="spacer" />
        <a className="button primary" href={hrefOf({ page: 'caseNew' })} data-testid="cases-register">
          {t('cases.register')}
        </a>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {figures && (
        <dl className="card" data-testid="grant-figures">
          <dt>{t('figures.automatic')}</dt>
          <dd>
            {t('figures.ofGoal', {
              value: percent(figures.automaticShare),
              goal: percent(figures.goals.automaticShare),
            })}
          </dd>
          <dt>{t('figures.digital')}</dt>
          <dd>
            {t('figures.ofGoal', { value: percent(figures.digitalShare), goal: percent(figures.goals.digitalShare) })}
          </dd>
          <dt>{t('figures.toDecision')}</dt>
          <dd>{t('figures.hours', { hours: hours(figures.leadTimeHours.toDecision) })}</dd>
          <dt>{t('figures.toInstalled')}</dt>
          <dd>{t('figures.hours', { hours: hours(figures.leadTimeHours.toInstalled) })}</dd>
          <dt>{t('figures.manualQueue')}</dt>
          <dd data-testid="figures-manual-queue">{figures.manualQueue}</dd>
        </dl>
      )}
      {figures && <FiguresChart figures={figures} />}
      {queue?.length === 0 && <p className="empty">{t('cases.empty')}</p>}
      {queue && queue.length > 0 && (
        <table className="queue" data-testid="manual-queue">
          <thead>
            <tr>
              <th>{t('apply.reference')}</th>
              <th>{t('cases.applicant')}</th>
              <th>{t('cases.received')}</th>
              <th>{t('cases.reasons')}</th>
            </tr>
          </thead>
          <tbody>
            {queue.map((a) => (
              <tr key={a.id}>
                <td>
                  <button type="button" className="ghost mono" onClick={() => void openCase(a.id)}>
                    {a.reference}
                  </button>
                </td>
                <td>
                  {a.applicantName}
                  {a.age !== null ? ` (${a.age})` : ''}
                </td>
                <td>{new Date(a.receivedAt).toLocaleString(locale)}</td>
                <td>{a.reasons.map((r) => t(`reason.${r}` as MessageKey)).join(' · ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <CaseDetail
          key={open.id}
          application={open}
          onDecided={() => {
            setOpen(null);
            notify(t('cases.decided'));
            load();
          }}
        />
      )}
    </section>
  );
}

function CaseDetail({ application: a, onDecided }: { application: ApplicationDetail; onDecided: () => void }) {
  const { t: translate } = useI18n();
  // The questions as the case worker reads them: about the applicant, not to them.
  const t: typeof translate = (key, params) => translate(INTERNAL_WORDING[key] ?? key, params);
  const [decision, setDecision] = useState<'granted' | 'denied'>('granted');
  const [fee, setFee] = useState<'automatic' | 'fee_handling'>('fee_handling');
  const [justification, setJustification] = useState('');
  const [error, setError] = useState<string | null>(null);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    try {
      await grantsApi.decide(a.id, { decision, feeDecision: fee, justification });
      onDecided();
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  const yesNo = (v: boolean | null) =>
    v === null ? t('backoffice.cases.unanswered') : v ? t('apply.yes') : t('apply.no');
  return (
    <form className="card register case-card" onSubmit={submit} data-testid="case-detail">
      <h3>
        {a.reference} · {a.applicant.name}
      </h3>
      <dl>
        <dt>{t('apply.field.personalNumber')}</dt>
        <dd className="mono">{a.applicant.personalNumber}</dd>
        <dd data-testid="case-identified-by">{t(`case.identifiedBy.${a.identifiedBy}`)}</dd>
        {a.representative && (
          <>
            <dt>{t('case.representative')}</dt>
            <dd data-testid="case-representative">
              {a.representative.name}, {a.representative.personalNumber} ·{' '}
              {t(`signIn.relation.${a.representative.relation}`)}
            </dd>
          </>
        )}
        {a.linkedTo && (
          <>
            <dt>{t('case.linkedTo')}</dt>
            <dd className="mono" data-testid="case-linked-to">
              {a.linkedTo.reference}
            </dd>
          </>
        )}
        {a.linkedApplications.length > 0 && (
          <>
            <dt>{t('case.linkedApplications')}</dt>
            <dd className="mono" data-testid="case-linked-applications">
              {a.linkedApplications.map((l) => l.reference).join(', ')}
            </dd>
          </>
        )}
        <dt>{t('apply.field.district')}</dt>
        <dd>{a.district}</dd>
        <dt>{t('apply.field.street')}</dt>
        <dd>{a.address}</dd>
        <dt>{t('apply.legalBasis')}</dt>
        <dd>{t(`apply.basis.${a.legalBasis}`)}</dd>
        <dt>{t('apply.otherInterventions')}</dt>
        <dd>{a.answers.otherInterventions.map((i) => t(`apply.intervention.${i}` as MessageKey)).join(', ') || '–'}</dd>
        {a.answers.health && (
          <>
            <dt>{t('apply.question.fallRisk')}</dt>
            <dd>{yesNo(a.answers.health.fallRisk)}</dd>
            <dt>{t('apply.question.feelsUnsafeAlone')}</dt>
            <dd>{yesNo(a.answers.health.feelsUnsafeAlone)}</dd>
            <dt>{t('apply.question.conditionNeedingQuickHelp')}</dt>
            <dd>{yesNo(a.answers.health.conditionNeedingQuickHelp)}</dd>
          </>
        )}
        <dt>{t('apply.question.needMetOtherwise')}</dt>
        <dd>{yesNo(a.answers.needMetOtherwise)}</dd>
        <dt>{t('apply.maxFeeConsent')}</dt>
        <dd>{yesNo(a.answers.maxFeeConsent)}</dd>
        <dt>{t('apply.field.message')}</dt>
        {/* Rendered as text: whatever the applicant typed is never interpreted as HTML. */}
        <dd className="prewrap">{a.message || '–'}</dd>
      </dl>
      <label>
        {t('cases.decision')}
        <select
          data-testid="case-decision"
          value={decision}
          onChange={(e) => setDecision(e.target.value as 'granted' | 'denied')}
        >
          <option value="granted">{t('apply.status.granted')}</option>
          <option value="denied">{t('apply.status.denied')}</option>
        </select>
      </label>
      <label>
        {t('status.fee')}
        <select data-testid="case-fee" value={fee} onChange={(e) => setFee(e.target.value as typeof fee)}>
          <option value="automatic">{t('status.fee.automatic')}</option>
          <option value="fee_handling">{t('status.fee.fee_handling')}</option>
        </select>
      </label>
      <label>
        {t('cases.justification')}
        <textarea
          data-testid="case-justification"
          value={justification}
          maxLength={4000}
          onChange={(e) => setJustification(e.target.value)}
        />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" data-testid="case-submit">
          {t('cases.submit')}
        </button>
      </div>
    </form>
  );
}
