// How long a client must wait before its next login attempt, from the failures counted against
// it. Pure: counts, policy and the time in, a time out; the shell (auth.ts) stores the counts.
// Delays grow and are bounded: nothing locks an account, and a known workstation is judged only
// by its own failures (see auth.ts), so guesses made elsewhere cannot keep its operator out.

export interface DelayPolicy {
  /** Failures answered without any wait (typing mistakes). */
  freeFailures: number;
  /** Wait after the first failure beyond the free ones; doubles with each further failure. */
  baseMs: number;
  /** The longest wait: delays, never a lockout. */
  maxMs: number;
  /** A count whose last failure is this old is forgotten. */
  forgetAfterMs: number;
  /**
   * Attempts still being checked are counted as failures in advance (so parallel guesses cannot
   * skip the count); up to this many of them are not held against a new attempt, so a shift of
   * operators logging in at once behind one address is not refused for each other's logins.
   */
  inFlightAllowance: number;
}

/** Failures counted against one key (an account, an address or a known workstation). */
export interface FailureCount {
  failures: number;
  lastFailureAt: number;
}

/** Guesses at one account from clients that have never logged in to it: about 6 an hour at worst. */
export const ACCOUNT_POLICY: DelayPolicy = {
  freeFailures: 3,
  baseMs: 2_000,
  maxMs: 10 * 60_000,
  forgetAfterMs: 24 * 3_600_000,
  // One person logs in to one account at a time: every attempt in flight counts at once.
  inFlightAllowance: 0,
};

/** Failures from one address by unknown clients; generous, as a whole centre may share it (NAT). */
export const ADDRESS_POLICY: DelayPolicy = {
  freeFailures: 10,
  baseMs: 1_000,
  maxMs: 10 * 60_000,
  forgetAfterMs: 3_600_000,
  // A centre's operators log in together at a shift change behind its one address.
  inFlightAllowance: 50,
};

/** A known workstation's own failures (a stolen cookie must not be a free brute-force pass). */
export const WORKSTATION_POLICY: DelayPolicy = {
  freeFailures: 5,
  baseMs: 1_000,
  maxMs: 2 * 60_000,
  forgetAfterMs: 3_600_000,
  inFlightAllowance: 0,
};

/** The longest any count is kept; older rows may be pruned. */
export const LONGEST_MEMORY_MS = Math.max(
  ACCOUNT_POLICY.forgetAfterMs,
  ADDRESS_POLICY.forgetAfterMs,
  WORKSTATION_POLICY.forgetAfterMs,
);

/** The wait that follows the n-th failure. */
export function delayAfter(failures: number, policy: DelayPolicy): number {
  if (failures <= policy.freeFailures) return 0;
  const doublings = Math.min(failures - policy.freeFailures - 1, 30);
  return Math.min(policy.baseMs * 2 ** doublings, policy.maxMs);
}

/** The failures that count at `now`: none once the last one is old enough to forget. */
export function activeFailures(count: FailureCount | null, policy: DelayPolicy, now: number): number {
  if (!count || now - count.lastFailureAt >= policy.forgetAfterMs) return 0;
  return count.failures;
}

/** Milliseconds the client must still wait at `now` (0: it may try). */
export function waitMs(count: FailureCount | null, policy: DelayPolicy, now: number): number {
  const failures = activeFailures(count, policy, now);
  if (failures === 0 || !count) return 0;
  return Math.max(0, count.lastFailureAt + delayAfter(failures, policy) - now);
}

/**
 * The count a new attempt is judged by while `inFlight` attempts under the same key are still
 * being checked (each already counted in advance): those, up to the policy's allowance, are not
 * failures yet.
 */
export function judgedCount(count: FailureCount | null, inFlight: number, policy: DelayPolicy): FailureCount | null {
  if (!count) return null;
  const excused = Math.min(Math.max(inFlight, 0), policy.inFlightAllowance);
  return { failures: Math.max(count.failures - excused, 0), lastFailureAt: count.lastFailureAt };
}
