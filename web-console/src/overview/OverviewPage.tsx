// The supervisor's overview: what is open now, how fast alarms are acknowledged, escalations,
// false-alarm share per district (forgotten passage buttons show up here) and offline devices.

import type { Overview } from '@trygg/console-contract';
import { lazy, Suspense, useEffect, useState } from 'react';
import { overview as overviewApi } from '../api/endpoints.ts';
import { KINDS } from '../api/enums.ts';
import { elapsed } from '../app/duration.ts';
import { errorText } from '../app/errorText.ts';
import { LiftLoginDelay } from '../app/LiftLoginDelay.tsx';
import { isMessageKey, useI18n } from '../i18n/i18n.tsx';
import { AnswerTimesSection } from './AnswerTimesSection.tsx';

// The chart library is loaded only when a supervisor opens the overview, not in the operators' bundle.
const ArrivalTimesChart = lazy(() =>
  import('../responders/ArrivalTimesChart.tsx').then((m) => ({ default: m.ArrivalTimesChart })),
);

export function OverviewPage() {
  const { t, locale } = useI18n();
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      overviewApi.get().then(
        (r) => {
          if (cancelled) return;
          setData(r);
          setError(null);
        },
        (err) => {
          if (!cancelled) setError(errorText(err, t));
        },
      );
    void load();
    const id = setInterval(load, 30_000);
    return () => {
      cancelled = true;
      clearInterval(id);
    };
  }, [t]);

  if (error && !data)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!data) return <p className="empty">{t('app.loading')}</p>;

  const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const ms = (v: number | null) => (v === null ? t('unit.none') : elapsed(v));
  const kindLabel = (k: string) => {
    const key = `kind.${k}`;
    return isMessageKey(key) ? t(key) : k;
  };
  const kinds = Object.entries(data.openByKind).sort(
    (a, b) => KINDS.indexOf(a[0] as (typeof KINDS)[number]) - KINDS.indexOf(b[0] as (typeof KINDS)[number]),
  );

  return (
    <section className="overview" data-testid="overview">
      <h2>{t('overview.title')}</h2>
      <div className="tiles">
        <Tile label={t('overview.ackP50')} value={ms(data.ackP50Ms)} />
        <Tile label={t('overview.ackP90')} value={ms(data.ackP90Ms)} />
        <Tile
          label={t('overview.escalationsToday')}
          value={String(data.escalationsToday)}
          warn={data.escalationsToday > 0}
        />
        <Tile label={t('overview.devicesOffline')} value={String(data.devicesOffline)} warn={data.devicesOffline > 0} />
      </div>
      <div className="alarm-grid">
        <CountTable title={t('overview.openByKind')} rows={kinds.map(([k, n]) => [kindLabel(k), String(n)])} />
        <CountTable
          title={t('overview.openByDistrict')}
          rows={Object.entries(data.openByDistrict)
            .sort((a, b) => b[1] - a[1])
            .map(([d, n]) => [d, String(n)])}
        />
        <CountTable
          title={t('overview.falseAlarmShare')}
          rows={Object.entries(data.falseAlarmShareByDistrict)
            .sort((a, b) => b[1] - a[1])
            .map(([d, share]) => [d, pct.format(share)])}
        />
      </div>
      <Suspense fallback={null}>
        <ArrivalTimesChart />
      </Suspense>
      <AnswerTimesSection />
      <LiftLoginDelay />
    </section>
  );
}

function Tile({ label, value, warn = false }: { label: string; value: string; warn?: boolean }) {
  return (
    <div className={`tile ${warn ? 'warn' : ''}`}>
      <span className="tile-value mono">{value}</span>
      <span className="tile-label">{label}</span>
    </div>
  );
}

function CountTable({ title, rows }: { title: string; rows: string[][] }) {
  const { t } = useI18n();
  return (
    <section className="card">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="empty">{t('overview.none')}</p>
      ) : (
        <table className="counts">
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <td>{k}</td>
                <td className="num mono">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
