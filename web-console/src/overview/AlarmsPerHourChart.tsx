// Alarms per hour (recharts bars): received, and of those answered.

import type { AnswerTimes } from '@trygg/console-contract';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useI18n } from '../i18n/i18n.tsx';

export function AlarmsPerHourChart({ data }: { data: AnswerTimes }) {
  const { t, locale } = useI18n();
  const hour = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const rows = data.byHour.map((h) => ({
    hour: hour.format(new Date(h.hour)),
    alarms: h.alarms,
    answered: h.answered,
  }));
  return (
    <figure className="chart" data-testid="alarms-per-hour-chart">
      <figcaption>{t('nightshift.chartAlarmsPerHour')}</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="hour" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar dataKey="alarms" name={t('nightshift.received')} fill="#57606a" isAnimationActive={false} />
          <Bar dataKey="answered" name={t('nightshift.answered')} fill="#1f6feb" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
