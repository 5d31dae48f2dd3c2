// Answer-time targets in the console: the municipality's targets (GET /api/answer-targets,
// fetched once per page load, TEC Quality's until then) and the pure rule that colours an alarm
// against them. The queue's rows share one clock; this only maps (age, status) to a state.

import type { AlarmSummary, AnswerTarget } from '@trygg/console-contract';
import { useEffect, useState } from 'react';
import { nightShift } from '../api/endpoints.ts';

export const TEC_TARGETS: readonly AnswerTarget[] = [
  { withinS: 60, share: 0.975 },
  { withinS: 180, share: 0.99 },
];

/** Under this many seconds to the first target the countdown turns amber. */
export const WARN_BEFORE_S = 20;

export type TargetState = 'ok' | 'warn' | 'late' | 'breach';

export interface AnswerClock {
  state: TargetState;
  /** Seconds left to the first target (negative: over it by that much). */
  leftS: number;
  /** Answered: seconds it took; null while waiting. */
  answeredInS: number | null;
}

/** Where an alarm stands against the answer targets at `now`. */
export function answerClock(alarm: AlarmSummary, targets: readonly AnswerTarget[], now: number): AnswerClock {
  const first = targets[0]?.withinS ?? 60;
  const last = targets[targets.length - 1]?.withinS ?? first;
  const opened = Date.parse(alarm.openedAt);
  const answeredAt = alarm.acknowledgedAt ? Date.parse(alarm.acknowledgedAt) : null;
  const waitedS = Math.floor(((answeredAt ?? now) - opened) / 1000);
  const state: TargetState =
    waitedS > last
      ? 'breach'
      : waitedS > first
        ? 'late'
        : answeredAt === null && first - waitedS <= WARN_BEFORE_S
          ? 'warn'
          : 'ok';
  return { state, leftS: first - waitedS, answeredInS: answeredAt === null ? null : waitedS };
}

let cached: readonly AnswerTarget[] | null = null;
let loading: Promise<readonly AnswerTarget[]> | null = null;

/** The municipality's targets; one request per page load, shared by every row. */
export function useAnswerTargets(): readonly AnswerTarget[] {
  const [targets, setTargets] = useState<readonly AnswerTarget[]>(cached ?? TEC_TARGETS);
  useEffect(() => {
    if (cached) return;
    loading ??= nightShift
      .answerTargets()
      .then((r) => (cached = r.targets.length > 0 ? r.targets : TEC_TARGETS))
      .catch(() => {
        loading = null;
        return TEC_TARGETS;
      });
    let live = true;
    void loading.then((t) => live && setTargets(t));
    return () => {
      live = false;
    };
  }, []);
  return targets;
}
