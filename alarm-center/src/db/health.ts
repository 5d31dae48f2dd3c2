// Watches the database with a probe query bounded in time, so a stalled database (a hung server,
// a pool whose every connection is stuck) is reported within about a second instead of leaving
// `/health`, logins and device acknowledgements waiting silently. The verdict feeds the consoles'
// degraded banner through the bus.

import type pg from 'pg';

/** `failing`: the probe answers, but storing device messages fails for now (the devices resend). */
export type DatabaseState = 'ok' | 'unavailable' | 'stalled' | 'failing';

export interface DatabaseHealthOptions {
  pool: pg.Pool;
  /** A probe that has not answered by then counts as stalled. */
  probeTimeoutMs?: number;
  intervalMs?: number;
  onChange(state: DatabaseState): void;
}

export const PROBE_TIMEOUT_MS = 750;
/** A store failure holds the verdict this long even when the probe answers: `SELECT 1` is not an alarm. */
export const REPORT_HOLD_MS = 5_000;

/** One probe: `SELECT 1` through the pool, answered or not within `timeoutMs`. */
export async function probeDatabase(pool: pg.Pool, timeoutMs = PROBE_TIMEOUT_MS): Promise<DatabaseState> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<DatabaseState>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), timeoutMs);
  });
  const answered = pool.query('SELECT 1').then(
    (): DatabaseState => 'ok',
    (): DatabaseState => 'unavailable',
  );
  try {
    return await Promise.race([answered, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export class DatabaseHealth {
  #state: DatabaseState = 'ok';
  #timer: NodeJS.Timeout | null = null;
  #inFlight: { startedAt: number; result: Promise<DatabaseState> } | null = null;
  /** When the probe whose answer set the state began. */
  #appliedStartedAt = Number.NEGATIVE_INFINITY;
  #reportedAt = Number.NEGATIVE_INFINITY;
  readonly #o: Required<Omit<DatabaseHealthOptions, 'onChange'>> & Pick<DatabaseHealthOptions, 'onChange'>;

  constructor(options: DatabaseHealthOptions) {
    this.#o = { probeTimeoutMs: PROBE_TIMEOUT_MS, intervalMs: 1000, ...options };
  }

  get state(): DatabaseState {
    return this.#state;
  }

  start(): void {
    this.#timer = setInterval(() => void this.check(), this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Probes now; callers during a probe share it, so an answer never takes longer than one probe.
   * With `startedSince`, a probe begun before then is not shared: its answer may predate what the
   * caller asks about (a /health request made as the database froze), so a fresh probe runs.
   */
  check(startedSince = Number.NEGATIVE_INFINITY): Promise<DatabaseState> {
    const current = this.#inFlight;
    if (current && current.startedAt >= startedSince) return current.result;
    const startedAt = performance.now();
    const result: Promise<DatabaseState> = probeDatabase(this.#o.pool, this.#o.probeTimeoutMs).then((probed) => {
      if (this.#inFlight?.result === result) this.#inFlight = null;
      // an earlier probe answering late never overwrites a later one's verdict
      if (startedAt > this.#appliedStartedAt) {
        this.#appliedStartedAt = startedAt;
        const held = probed === 'ok' && performance.now() - this.#reportedAt < REPORT_HOLD_MS;
        if (!held) this.#set(probed);
      }
      return this.#state;
    });
    this.#inFlight = { startedAt, result };
    return result;
  }

  /** A store failure seen elsewhere (ingest, a route) counts until the next good probe. */
  report(state: Exclude<DatabaseState, 'ok'>): void {
    this.#reportedAt = performance.now();
    this.#set(state);
  }

  #set(state: DatabaseState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#o.onChange(state);
  }
}
