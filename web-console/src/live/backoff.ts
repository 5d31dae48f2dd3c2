// Reconnect delays for the live stream: quick first retries (a night operator must be back
// online within seconds of a blip), then exponential up to a ceiling, with jitter so many
// consoles do not reconnect in lock-step after a server restart.

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15_000;

/** `random` in [0,1); the delay is within ±20% of the exponential step. */
export function reconnectDelayMs(attempt: number, random: number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(step * (0.8 + 0.4 * random));
}
