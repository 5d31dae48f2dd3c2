// The supervisors' arrival times: dispatched -> arrived per hour over the last day, median and
// 90th percentile against the municipality's target (ARRIVAL_TARGET_MIN), drawn with recharts.

import type { ArrivalTimes } from '@trygg/console-contract';
import { useEffect, useState } from 'react';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { errorText } from '../app/errorText.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { responders as api } from './api.ts';

export function ArrivalTimesChart() {
  const { t, locale } = useI18n();
  const [data, setData] = useState<ArrivalTimes | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      api.arrivalTimes(24).then(
        (r) => !cancelled && setData(r),
        (err) => !cancelled && setError(errorText(err, t)),
      );
    void load();
    const id = setInterval(load, 60_000);
    return () => {
      cancelled = true;
      clearInterval(id);
    };
  }, [t]);

  if (!data) return error ? <p className="error">{error}</p> : null;
  const hour = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const rows = data.hours.map((h) => ({ ...h, label: hour.format(new Date(h.hour)) }));
  const total = rows.reduce((n, h) => n + h.arrivals, 0);
  const within = rows.reduce((n, h) => n + h.withinTarget, 0);
  return (
    <section className="card arrival-chart" data-testid="arrival-chart" data-arrivals={total} data-within={within}>
      <h3>{t('responders.arrival.title')}</h3>
      <p className="sub">
        {t('responders.arrival.target', { n: data.targetMinutes })} ·{' '}
        {total === 0 ? t('responders.arrival.none') : t('responders.arrival.within', { within, total })}
      </p>
      <ResponsiveContainer width="100%" height={260}>
        <ComposedChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#374151" />
          <XAxis dataKey="label" stroke="#9ca3af" interval={2} />
          {/* The target line stays in view even when every arrival was well within it. */}
          <YAxis
            stroke="#9ca3af"
            allowDecimals={false}
            domain={[0, (dataMax: number) => Math.max(dataMax, data.targetMinutes) + 5]}
          />
          <Tooltip />
          <Legend />
          <Bar dataKey="medianMinutes" name={t('responders.arrival.median')} fill="#60a5fa" />
          <Bar dataKey="p90Minutes" name={t('responders.arrival.p90')} fill="#f59e0b" />
          <ReferenceLine
            y={data.targetMinutes}
            stroke="#ef4444"
            strokeDasharray="6 3"
            label={{
              value: t('responders.arrival.target', { n: data.targetMinutes }),
              fill: '#ef4444',
              position: 'top',
            }}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </section>
  );
}
