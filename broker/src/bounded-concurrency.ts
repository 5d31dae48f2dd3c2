// At most `concurrency` tasks at once and at most `maxQueued` waiting; beyond that a task is refused
// at once (OverloadedError) instead of queueing without bound. Bounds the scrypt verifications of a
// reconnect storm: each one holds a libuv thread (of 4) and a core for tens of milliseconds, and an
// unbounded pile of them starves the HTTP start-up, file reads and DNS of the whole process.
// (p-limit and p-queue queue without bound; the bound and the refusal are the point here.)

export class OverloadedError extends Error {
  readonly code = 'BROKER_OVERLOADED';
  constructor(message: string) {
    super(message);
    this.name = 'OverloadedError';
  }
}

export interface BoundedConcurrencyOptions {
  concurrency: number;
  maxQueued: number;
}

export interface BoundedConcurrencyStats {
  running: number;
  queued: number;
  /** The most that ever ran at once: never above `concurrency`. */
  peakRunning: number;
  refused: number;
}

export class BoundedConcurrency {
  readonly #concurrency: number;
  readonly #maxQueued: number;
  readonly #waiting: (() => void)[] = [];
  #running = 0;
  #peakRunning = 0;
  #refused = 0;

  constructor(options: BoundedConcurrencyOptions) {
    this.#concurrency = Math.max(1, options.concurrency);
    this.#maxQueued = Math.max(0, options.maxQueued);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#maxQueued) {
        this.#refused++;
        throw new OverloadedError(`${this.#running} running and ${this.#waiting.length} waiting`);
      }
      // The finishing task hands its slot over, so #running is not decremented and re-incremented.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    this.#peakRunning = Math.max(this.#peakRunning, this.#running);
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  stats(): BoundedConcurrencyStats {
    return {
      running: this.#running,
      queued: this.#waiting.length,
      peakRunning: this.#peakRunning,
      refused: this.#refused,
    };
  }
}
