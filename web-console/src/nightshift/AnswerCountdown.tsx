// The queue's countdown against the answer target: its own small cell on the shared one-second
// clock, so a tick re-renders this cell, never the memoised row around it. Text and colour
// (never colour alone): "0:42 kvar", "+0:15 över", "besvarat på 0:38".

import type { AlarmSummary, AnswerTarget } from '@trygg/console-contract';
import { elapsed } from '../app/duration.ts';
import { useSecond } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { answerClock } from './targets.ts';

export function AnswerCountdown({ alarm, targets }: { alarm: AlarmSummary; targets: readonly AnswerTarget[] }) {
  const now = useSecond();
  const { t } = useI18n();
  const clock = answerClock(alarm, targets, now);
  const text =
    clock.answeredInS !== null
      ? t('nightshift.answeredIn', { time: elapsed(clock.answeredInS * 1000) })
      : clock.leftS >= 0
        ? t('nightshift.left', { time: elapsed(clock.leftS * 1000) })
        : t('nightshift.over', { time: elapsed(-clock.leftS * 1000) });
  return (
    <span className={`answer-clock target-${clock.state}`} data-testid="answer-clock" data-target={clock.state}>
      {text}
    </span>
  );
}
