// Admits device logins at a bounded average rate with a burst (a token bucket on an injected
// clock): after an alarm-center restart every device reconnects at once, and those beyond the rate
// get CONNACK 3 "server unavailable" and retry with their back-off, instead of all being looked up
// and verified at the same moment.

export interface LoginRateOptions {
  perSecond: number;
  burst: number;
  /** Milliseconds; Date.now unless a test drives time. */
  now?: () => number;
}

export class LoginRate {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(options: LoginRateOptions) {
    this.#perMs = options.perSecond / 1000;
    this.#burst = Math.max(1, options.burst);
    this.#now = options.now ?? Date.now;
    this.#tokens = this.#burst;
    this.#at = this.#now();
  }

  /** Takes one login's worth of the budget; false when it is spent for now. */
  tryAdmit(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
