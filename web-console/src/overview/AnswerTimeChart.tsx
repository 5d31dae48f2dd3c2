// Answer times per hour against the targets (recharts): the share of alarms answered within each
// target as lines, with the target shares as reference lines, and the median answer time.

import type { AnswerTimes } from '@trygg/console-contract';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useI18n } from '../i18n/i18n.tsx';

const COLOURS = ['#1f6feb', '#8250df', '#bf3989'];

export function AnswerTimeChart({ data }: { data: AnswerTimes }) {
  const { t, locale } = useI18n();
  const hour = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const rows = data.byHour.map((h) => ({
    hour: hour.format(new Date(h.hour)),
    ...Object.fromEntries(
      data.targets.map((_tg, i) => [`t${i}`, h.withinTarget[i] === null ? null : h.withinTarget[i]! * 100]),
    ),
  }));
  return (
    <figure className="chart" data-testid="answer-time-chart">
      <figcaption>{t('nightshift.chartAnswerShare')}</figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="hour" />
          <YAxis domain={[0, 100]} unit=" %" />
          <Tooltip />
          <Legend />
          {data.targets.map((tg, i) => (
            <Line
              key={tg.withinS}
              type="monotone"
              dataKey={`t${i}`}
              name={t('nightshift.withinSeconds', { seconds: tg.withinS })}
              stroke={COLOURS[i % COLOURS.length]}
              connectNulls
              isAnimationActive={false}
            />
          ))}
          {data.targets.map((tg, i) => (
            <ReferenceLine
              key={`ref-${tg.withinS}`}
              y={tg.share * 100}
              stroke={COLOURS[i % COLOURS.length]}
              strokeDasharray="6 3"
              label={t('nightshift.targetLine', { share: (tg.share * 100).toFixed(1), seconds: tg.withinS })}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
