// The overview's answer-time section: the last 24 hours against the municipality's targets, as
// charts of their own (the arrival-time chart of dispatch joins the same page separately).

import { nightShift } from '../api/endpoints.ts';
import { useNow } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useLoad } from '../nightshift/useLoad.ts';
import { AlarmsPerHourChart } from './AlarmsPerHourChart.tsx';
import { AnswerTimeChart } from './AnswerTimeChart.tsx';
import { OperatorAnswerChart } from './OperatorAnswerChart.tsx';

export function AnswerTimesSection() {
  const { t, locale } = useI18n();
  const now = useNow(60_000);
  const { data } = useLoad(() => nightShift.answerTimes(24), now);
  if (!data) return null;
  const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const shares = data.overall.withinTarget;
  return (
    <section className="answer-times" data-testid="answer-times">
      <h3>{t('nightshift.answerTimesTitle')}</h3>
      <ul className="tiles">
        {data.targets.map((tg, i) => {
          const share = shares[i];
          const met = share !== null && share !== undefined && share >= tg.share;
          return (
            <li key={tg.withinS} className={`tile ${met ? 'ok' : 'warn'}`} data-testid="answer-target">
              {t('nightshift.targetTile', {
                seconds: tg.withinS,
                target: pct.format(tg.share),
                actual: share === null || share === undefined ? t('unit.none') : pct.format(share),
              })}
            </li>
          );
        })}
      </ul>
      <AnswerTimeChart data={data} />
      <AlarmsPerHourChart data={data} />
      <OperatorAnswerChart data={data} />
    </section>
  );
}
