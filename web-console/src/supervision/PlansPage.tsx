// All residents' supervision plans at a glance: visit times and modes, the night team and what
// the plan saves; from here a plan is opened, or a new one started for a resident.

import { useEffect, useState } from 'react';
import { hrefOf, navigate } from '../app/route.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ResidentPicker } from '../residents/ResidentPicker.tsx';
import { type SupervisionPlan, supervisionApi } from './api.ts';
import { SavingFigures } from './SavingFigures.tsx';
import { supervisionErrorText } from './text.ts';

export function PlansPage() {
  const { t } = useI18n();
  const [plans, setPlans] = useState<SupervisionPlan[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    supervisionApi.plans().then(
      (r) => setPlans(r.plans),
      (err) => setError(supervisionErrorText(err, t)),
    );
  }, [t]);

  return (
    <section data-testid="supervision-plans">
      <h2>{t('supervision.plans.title')}</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <ResidentPicker
          label={t('backoffice.residentPicker.openPlan')}
          testId="plans-resident"
          value={null}
          onChange={(r) => r && navigate({ page: 'supervisionPlan', residentId: r.id })}
        />
      </div>
      {plans?.length === 0 && <p className="empty">{t('supervision.plans.empty')}</p>}
      {plans && plans.length > 0 && (
        <table className="alarms">
          <thead>
            <tr>
              <th>{t('supervision.plans.col.resident')}</th>
              <th>{t('supervision.plans.col.team')}</th>
              <th>{t('supervision.plans.col.visits')}</th>
              <th>{t('supervision.plans.col.saving')}</th>
            </tr>
          </thead>
          <tbody>
            {plans.map((p) => (
              <tr key={p.residentId} data-testid="plan-row" data-resident-id={p.residentId}>
                <td>
                  <a href={hrefOf({ page: 'supervisionPlan', residentId: p.residentId })}>{p.residentName}</a>
                </td>
                <td>{p.nightTeam}</td>
                <td>
                  {p.visits.map((v) => (
                    <span key={v.id} className={`tag mode-${v.mode}`}>
                      {t('supervision.plans.visitTag', { time: v.time, mode: t(`supervision.mode.${v.mode}`) })}
                    </span>
                  ))}
                </td>
                <td>
                  <SavingFigures saving={p.saving.perNight} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
