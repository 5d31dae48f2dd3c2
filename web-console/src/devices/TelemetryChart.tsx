// A 24-hour telemetry chart (recharts): time along the bottom in the console's language, the value
// with its unit up the side, a tooltip per reading; without readings, words instead of an empty box.

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';

const HOUR_MS = 3_600_000;

/** Whole hours every `stepH` hours within [from, to], so the axis reads 04:00, 08:00, ... */
export function hourTicks(from: number, to: number, stepH = 4): number[] {
  const ticks: number[] = [];
  const step = stepH * HOUR_MS;
  for (let at = Math.ceil(from / step) * step; at <= to; at += step) ticks.push(at);
  return ticks;
}

export interface Reading {
  at: number;
  value: number;
}

export function TelemetryChart({
  titleKey,
  testId,
  readings,
  from,
  to,
  min,
  max,
  valueTicks,
  unit,
}: {
  titleKey: MessageKey;
  testId: string;
  readings: Reading[];
  from: number;
  to: number;
  min: number;
  max: number;
  valueTicks: number[];
  unit: string;
}) {
  const { t, locale } = useI18n();
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });
  const last = readings.at(-1);
  return (
    <section className="card" data-testid={testId} data-readings={readings.length}>
      <h3>{t(titleKey)}</h3>
      {readings.length === 0 ? (
        <p className="empty" data-testid={`${testId}-empty`}>
          {t('backoffice.device.noReadings')}
        </p>
      ) : (
        <figure className="chart">
          <div className="chart-box" role="img" aria-label={t(titleKey)}>
            <ResponsiveContainer width="100%" height={220}>
              <LineChart data={readings} margin={{ top: 8, right: 16, bottom: 4, left: 4 }}>
                <CartesianGrid stroke="#2e3a48" strokeDasharray="3 3" />
                <XAxis
                  dataKey="at"
                  type="number"
                  scale="time"
                  domain={[from, to]}
                  ticks={hourTicks(from, to)}
                  tickFormatter={(v: number) => time.format(v)}
                  stroke="#9aa8b6"
                />
                <YAxis
                  domain={[min, max]}
                  ticks={valueTicks}
                  tickFormatter={(v: number) => `${v} ${unit}`}
                  width={96}
                  stroke="#9aa8b6"
                  allowDataOverflow
                />
                <Tooltip
                  labelFormatter={(v) => dateTime.format(Number(v))}
                  formatter={(v) => [`${v} ${unit}`, t(titleKey)]}
                  contentStyle={{ background: '#171e26', border: '1px solid #2e3a48' }}
                />
                <Line type="monotone" dataKey="value" stroke="#5fb3ff" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
          <figcaption>{t('backoffice.device.latest', { value: `${last?.value ?? ''} ${unit}` })}</figcaption>
        </figure>
      )}
    </section>
  );
}
