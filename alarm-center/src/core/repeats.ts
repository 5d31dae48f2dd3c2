// Repeated presses, beside the escalation ladder: a resident who keeps pressing is escalated to
// supervisors after a set number of presses or a set time, whatever the alarm's status, and a
// press soon after a case was closed follows that case instead of starting a context-free one.
// Pure: the alarm service asks, the repository commits.

export interface RepeatSettings {
  /** Presses of one open alarm (the first included) at which it escalates. */
  escalateAtPresses: number;
  /** Still pressing this long after the first press escalates (ms). */
  escalateAfterMs: number;
  /** A press this soon after the device's alarm of that kind closed follows that case (ms). */
  followWindowMs: number;
}

export const DEFAULT_REPEAT_SETTINGS: RepeatSettings = {
  escalateAtPresses: 3,
  escalateAfterMs: 10 * 60_000,
  followWindowMs: 30 * 60_000,
};

export interface RepeatState {
  /** Presses so far, the one just counted included (repeat_count + 1). */
  presses: number;
  firstAt: number;
  alreadyEscalated: boolean;
}

/** Why a repeat escalates now, or null. Only a repeat (presses >= 2) ever escalates here. */
export function repeatEscalation(
  state: RepeatState,
  now: number,
  settings: RepeatSettings,
): 'presses' | 'duration' | null {
  if (state.alreadyEscalated || state.presses < 2) return null;
  if (state.presses >= settings.escalateAtPresses) return 'presses';
  if (now - state.firstAt >= settings.escalateAfterMs) return 'duration';
  return null;
}

/** Whether a new alarm at `now` follows a case of the same device and kind closed at `closedAt`. */
export function followsClosedCase(closedAt: number | null, now: number, settings: RepeatSettings): boolean {
  return closedAt !== null && closedAt <= now && now - closedAt <= settings.followWindowMs;
}
