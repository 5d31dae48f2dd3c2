// What digital night supervision saves: physical visits replaced, time and money, as planned
// (every digital visit in the plans, per night and for the month) and as realised (digital
// visits actually done, night by night).

import { useCallback, useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { type Saving, type SupervisionSavings, supervisionApi } from './api.ts';
import { SavingFigures } from './SavingFigures.tsx';
import { formatNumber, supervisionErrorText } from './text.ts';

export function SavingsPage() {
  const { t, locale } = useI18n();
  const [month, setMonth] = useState<string | null>(null);
  const [savings, setSavings] = useState<SupervisionSavings | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    supervisionApi.savings(month).then(
      (r) => {
        setSavings(r);
        setError(null);
      },
      (err) => setError(supervisionErrorText(err, t)),
    );
  }, [month, t]);
  useEffect(load, [load]);

  const nightLabel = (night: string) =>
    new Date(`${night}T12:00:00`).toLocaleDateString(locale, { weekday: 'short', day: 'numeric', month: 'short' });

  return (
    <section data-testid="supervision-savings">
      <h2>{t('supervision.savings.title')}</h2>
      <div className="row queue-tools">
        <label>
          {t('supervision.savings.month')}
          <input
            type="month"
            data-testid="savings-month"
            value={month ?? savings?.month ?? ''}
            onChange={(e) => setMonth(e.target.value || null)}
          />
        </label>
        <button type="button" data-testid="savings-refresh" onClick={load}>
          {t('supervision.round.refresh')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {savings && (
        <>
          <div className="tiles">
            <Tile
              label={t('supervision.savings.realisedMonth')}
              saving={savings.realised.total}
              testId="savings-total"
            />
            <Tile
              label={t('supervision.savings.plannedNight')}
              saving={savings.planned.perNight}
              testId="savings-planned-night"
            />
            <Tile
              label={t('supervision.savings.plannedMonth')}
              saving={savings.planned.perMonth}
              testId="savings-planned-month"
            />
          </div>
          <h3>{t('supervision.savings.perNight')}</h3>
          {savings.realised.perNight.length === 0 ? (
            <p className="empty">{t('supervision.savings.none')}</p>
          ) : (
            <table className="alarms">
              <thead>
                <tr>
                  <th>{t('supervision.savings.col.night')}</th>
                  <th className="num">{t('supervision.savings.col.visits')}</th>
                  <th className="num">{t('supervision.savings.col.minutes')}</th>
                  <th className="num">{t('supervision.savings.col.kr')}</th>
                </tr>
              </thead>
              <tbody>
                {savings.realised.perNight.map((n) => (
                  <tr key={n.night} data-testid="savings-night" data-night={n.night} data-kr={n.saving.krSaved}>
                    <td>{nightLabel(n.night)}</td>
                    <td className="num">{formatNumber(n.saving.replacedVisits, locale)}</td>
                    <td className="num">{formatNumber(n.saving.minutesSaved, locale)}</td>
                    <td className="num">{formatNumber(n.saving.krSaved, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function Tile({ label, saving, testId }: { label: string; saving: Saving; testId: string }) {
  const { t, locale } = useI18n();
  return (
    <div className="tile">
      <div className="tile-label">{label}</div>
      <div className="tile-value">{t('supervision.saving.kr', { kr: formatNumber(saving.krSaved, locale) })}</div>
      <SavingFigures saving={saving} testId={testId} />
    </div>
  );
}
