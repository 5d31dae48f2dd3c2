// The dispatch rules, pure: which step may follow which, who is offered for an alarm (on duty,
// the resident's district first, in shift), and arrival times per hour against the target.
// Facts and the time in, decisions out; no I/O.

import { ACTIVE_DISPATCH_STATES, type DispatchState, type ResponderStatus } from '@trygg/console-contract/vocabulary';
import { inDailyWindow } from '../core/index.ts';

export type DispatchStep = 'accept' | 'on_the_way' | 'arrive' | 'done' | 'could_not_enter';

/** The state each step leads to, and the states it may be taken from. */
export const DISPATCH_STEPS: Record<DispatchStep, { to: DispatchState; from: readonly DispatchState[] }> = {
  accept: { to: 'accepted', from: ['dispatched'] },
  on_the_way: { to: 'on_the_way', from: ['accepted'] },
  // A unit's presence press may come before the phone's "på väg"; an arrival is never refused for that.
  arrive: { to: 'arrived', from: ['dispatched', 'accepted', 'on_the_way'] },
  done: { to: 'done', from: ['arrived'] },
  could_not_enter: { to: 'could_not_enter', from: ['accepted', 'on_the_way', 'arrived'] },
};

export const isActive = (state: DispatchState): boolean =>
  (ACTIVE_DISPATCH_STATES as readonly string[]).includes(state);

export type StepCheck =
  | { ok: true; to: DispatchState }
  | { ok: false; reason: 'DISPATCH_NOT_ACTIVE' | 'DISPATCH_STEP_REFUSED' };

export function checkStep(state: DispatchState, step: DispatchStep): StepCheck {
  if (!isActive(state)) return { ok: false, reason: 'DISPATCH_NOT_ACTIVE' };
  const rule = DISPATCH_STEPS[step];
  return rule.from.includes(state) ? { ok: true, to: rule.to } : { ok: false, reason: 'DISPATCH_STEP_REFUSED' };
}

export interface ResponderFacts {
  id: string;
  status: ResponderStatus;
  districts: readonly string[];
  shiftStart: string;
  shiftEnd: string;
}

export interface Ranked<R extends ResponderFacts> {
  responder: R;
  inDistrict: boolean;
  inShift: boolean;
  timedOutBefore: boolean;
}

/**
 * Who to offer for an alarm in `district`: only responders on duty, those covering the district
 * first, then those in their shift, and last those who already let this alarm's accept time pass.
 */
export function suggestResponders<R extends ResponderFacts>(
  responders: readonly R[],
  district: string,
  now: number,
  timeZone: string,
  timedOut: ReadonlySet<string>,
): Ranked<R>[] {
  const score = (r: Ranked<R>) => (r.timedOutBefore ? 0 : 4) + (r.inDistrict ? 2 : 0) + (r.inShift ? 1 : 0);
  return responders
    .filter((r) => r.status === 'on_duty')
    .map((responder) => ({
      responder,
      inDistrict: responder.districts.includes(district),
      inShift: inDailyWindow(now, { start: responder.shiftStart, end: responder.shiftEnd }, timeZone),
      timedOutBefore: timedOut.has(responder.id),
    }))
    .sort((a, b) => score(b) - score(a) || a.responder.id.localeCompare(b.responder.id));
}

export interface Arrival {
  dispatchedAt: number;
  arrivedAt: number;
}

export interface ArrivalHour {
  hour: string;
  arrivals: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
  withinTarget: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const HOUR_MS = 3_600_000;

/** Dispatched -> arrived in minutes, per hour of dispatch in [from, to), against `targetMinutes`. */
export function arrivalHours(
  arrivals: readonly Arrival[],
  from: number,
  to: number,
  targetMinutes: number,
): ArrivalHour[] {
  const start = Math.floor(from / HOUR_MS) * HOUR_MS;
  const buckets = new Map<number, number[]>();
  for (let h = start; h < to; h += HOUR_MS) buckets.set(h, []);
  for (const a of arrivals) {
    const bucket = buckets.get(Math.floor(a.dispatchedAt / HOUR_MS) * HOUR_MS);
    bucket?.push((a.arrivedAt - a.dispatchedAt) / 60_000);
  }
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return [...buckets].map(([h, minutes]) => {
    const sorted = minutes.sort((x, y) => x - y);
    return {
      hour: new Date(h).toISOString(),
      arrivals: sorted.length,
      medianMinutes: round(percentile(sorted, 50)),
      p90Minutes: round(percentile(sorted, 90)),
      withinTarget: sorted.filter((m) => m <= targetMinutes).length,
    };
  });
}
