// The grant follow-up as a chart (recharts): the share decided automatically and the share applied
// for digitally, each beside its goal (90 % and 20 %), so the case workers see at a glance how far
// from the municipality's targets they are.

import { Bar, BarChart, CartesianGrid, LabelList, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useI18n } from '../i18n/i18n.tsx';
import type { GrantFigures } from './api.ts';

/** Percent, or null (no bar) while nothing has been decided yet. */
const pct = (share: number | null) => (share === null ? null : Math.round(share * 100));

export function FiguresChart({ figures }: { figures: GrantFigures }) {
  const { t } = useI18n();
  const data = [
    {
      name: t('backoffice.cases.chart.automatic'),
      value: pct(figures.automaticShare),
      goal: pct(figures.goals.automaticShare),
    },
    {
      name: t('backoffice.cases.chart.digital'),
      value: pct(figures.digitalShare),
      goal: pct(figures.goals.digitalShare),
    },
  ];
  const label = (v: unknown) => (v === null || v === undefined ? '–' : `${v} %`);
  return (
    <section
      className="card"
      data-testid="figures-chart"
      data-automatic={pct(figures.automaticShare) ?? ''}
      data-goal={pct(figures.goals.automaticShare)}
    >
      <h3>{t('backoffice.cases.chart.title')}</h3>
      {figures.decided === 0 && figures.applications === 0 ? (
        <p className="empty">{t('backoffice.cases.chart.none')}</p>
      ) : (
        <div className="chart-box" role="img" aria-label={t('backoffice.cases.chart.title')}>
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={data} margin={{ top: 20, right: 16, bottom: 4, left: 4 }}>
              <CartesianGrid stroke="#2e3a48" strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="name" stroke="#9aa8b6" />
              <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} tickFormatter={label} width={56} stroke="#9aa8b6" />
              <Tooltip
                formatter={(v) => label(v)}
                cursor={{ fill: 'rgba(255,255,255,0.04)' }}
                contentStyle={{ background: '#171e26', border: '1px solid #2e3a48' }}
              />
              <Legend />
              <Bar dataKey="value" name={t('backoffice.cases.chart.outcome')} fill="#5fb3ff" isAnimationActive={false}>
                <LabelList dataKey="value" position="top" formatter={label} fill="#e8edf2" />
              </Bar>
              <Bar dataKey="goal" name={t('backoffice.cases.chart.goal')} fill="#5fd38d" isAnimationActive={false}>
                <LabelList dataKey="goal" position="top" formatter={label} fill="#e8edf2" />
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
