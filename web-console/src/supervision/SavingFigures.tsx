// One saving as the night team and the supervisor read it: physical visits replaced, time and
// money saved. The figures come from the server, which owns the per-visit rates.

import { useI18n } from '../i18n/i18n.tsx';
import type { Saving } from './api.ts';
import { formatNumber } from './text.ts';

export function SavingFigures({ saving, testId }: { saving: Saving; testId?: string }) {
  const { t, locale } = useI18n();
  const hours = Math.floor(saving.minutesSaved / 60);
  const minutes = saving.minutesSaved % 60;
  return (
    <span
      className="saving"
      data-testid={testId}
      data-visits={saving.replacedVisits}
      data-minutes={saving.minutesSaved}
      data-kr={saving.krSaved}
    >
      {t('supervision.saving.visits', { count: formatNumber(saving.replacedVisits, locale) })}
      {' · '}
      {hours > 0
        ? t('supervision.saving.hoursMinutes', { hours: formatNumber(hours, locale), minutes })
        : t('supervision.saving.minutes', { minutes })}
      {' · '}
      {t('supervision.saving.kr', { kr: formatNumber(saving.krSaved, locale) })}
    </span>
  );
}
