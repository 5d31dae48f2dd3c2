// The chime repeats while an operator alarm waits to be taken: an alarm nobody answers must not
// go quiet after one chime. Grouped outage alarms (one incident) do not count.

import type { AlarmSummary } from '@trygg/console-contract';

export const REMIND_EVERY_MS = 10_000;

/** Operator alarms nobody has taken yet. */
export function awaitingAnswer(alarms: Iterable<AlarmSummary>): number {
  let n = 0;
  for (const a of alarms) if (a.status === 'new' && a.audience === 'operator' && !a.incidentId) n++;
  return n;
}
