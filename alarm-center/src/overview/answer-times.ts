// Answer times against the municipality's targets, pure: alarms with when they were received
// and answered (taken) in, figures per hour and per operator out. An alarm counts against a
// target once it was answered, or once it has waited longer than the target unanswered; an alarm
// closed without being answered (the resident cancelled, the device recovered) does not count.

import type { AnswerTarget, AnswerTimes } from '@trygg/console-contract';

export interface AnsweredAlarm {
  openedAt: number;
  /** Seconds from received to answered; null while (or if never) answered. */
  answerS: number | null;
  operator: string | null;
  /** Still waiting to be answered. */
  waiting: boolean;
}

const HOUR = 3_600_000;

type Figures = Omit<AnswerTimes['byHour'][number], 'hour'>;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function figuresOf(alarms: readonly AnsweredAlarm[], targets: readonly AnswerTarget[], now: number): Figures {
  const times = alarms
    .map((a) => a.answerS)
    .filter((s): s is number => s !== null)
    .sort((a, b) => a - b);
  const withinTarget = targets.map((t) => {
    let counted = 0;
    let within = 0;
    for (const a of alarms) {
      if (a.answerS !== null) {
        counted++;
        if (a.answerS <= t.withinS) within++;
      } else if (a.waiting && now - a.openedAt > t.withinS * 1000) {
        counted++;
      }
    }
    return counted === 0 ? null : within / counted;
  });
  return {
    alarms: alarms.length,
    answered: times.length,
    p50S: percentile(times, 0.5),
    p90S: percentile(times, 0.9),
    p99S: percentile(times, 0.99),
    withinTarget,
  };
}

/** Figures for every hour in [from, to) (empty hours included) and per operator over the whole period. */
export function answerTimes(
  alarms: readonly AnsweredAlarm[],
  targets: readonly AnswerTarget[],
  from: number,
  to: number,
  now: number,
): AnswerTimes {
  const firstHour = Math.floor(from / HOUR) * HOUR;
  const byHour = new Map<number, AnsweredAlarm[]>();
  for (let h = firstHour; h < to; h += HOUR) byHour.set(h, []);
  const byOperator = new Map<string, AnsweredAlarm[]>();
  for (const a of alarms) {
    byHour.get(Math.floor(a.openedAt / HOUR) * HOUR)?.push(a);
    if (a.operator !== null) {
      const list = byOperator.get(a.operator) ?? [];
      list.push(a);
      byOperator.set(a.operator, list);
    }
  }
  return {
    targets: [...targets],
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    overall: figuresOf(alarms, targets, now),
    byHour: [...byHour].map(([hour, list]) => ({
      hour: new Date(hour).toISOString(),
      ...figuresOf(list, targets, now),
    })),
    byOperator: [...byOperator]
      .sort(([a], [b]) => a.localeCompare(b, 'sv'))
      .map(([operator, list]) => ({ operator, ...figuresOf(list, targets, now) })),
  };
}
