// Answer times per operator (recharts bars): median and 90th percentile in seconds, with the
// first target as a reference line.

import type { AnswerTimes } from '@trygg/console-contract';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useI18n } from '../i18n/i18n.tsx';

export function OperatorAnswerChart({ data }: { data: AnswerTimes }) {
  const { t } = useI18n();
  const first = data.targets[0];
  const rows = data.byOperator.map((o) => ({ operator: o.operator, p50: o.p50S, p90: o.p90S, answered: o.answered }));
  return (
    <figure className="chart" data-testid="operator-answer-chart">
      <figcaption>{t('nightshift.chartPerOperator')}</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="operator" />
          <YAxis unit=" s" />
          <Tooltip />
          <Legend />
          <Bar dataKey="p50" name={t('nightshift.median')} fill="#1f6feb" isAnimationActive={false} />
          <Bar dataKey="p90" name={t('nightshift.p90')} fill="#8250df" isAnimationActive={false} />
          {first && (
            <ReferenceLine
              y={first.withinS}
              stroke="#cf222e"
              strokeDasharray="6 3"
              label={t('nightshift.withinSeconds', { seconds: first.withinS })}
            />
          )}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
