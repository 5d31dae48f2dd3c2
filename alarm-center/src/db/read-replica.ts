// Read-only queries that may be a moment behind (the supervisors' overview, the audit export) go to
// a PostgreSQL streaming replica (DATABASE_REPLICA_URL), so they never compete with the alarm path
// on the primary. The replica is used only while it is in step: a probe compares the replica's
// replayed WAL position with the primary's, and a replica further behind than the allowed lag, or
// not answering, is left for the primary until it catches up. A replica query that fails on the
// connection is run again on the primary, so a lost replica costs one round trip, not an error.
// Alarms, the live queue and everything an operator has just changed are read on the primary.

import type pg from 'pg';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../http/errors.ts';

export type ReplicaState = 'in_use' | 'lagging' | 'unavailable' | 'not_configured';

export interface Reads {
  /** Runs a read-only query on the replica when it is in step, otherwise on the primary. */
  read<T>(work: (pool: pg.Pool) => Promise<T>): Promise<T>;
  state(): ReplicaState;
}

/** Reads on the primary only: no replica configured (and the embedded default). */
export function primaryReads(primary: pg.Pool): Reads {
  return { read: (work) => work(primary), state: () => 'not_configured' };
}

export interface ReplicaReadsOptions {
  primary: pg.Pool;
  replica: pg.Pool;
  /** The replica may be this far behind the primary's WAL (milliseconds). */
  maxLagMs: number;
  probeMs?: number;
  logger: Logger;
  onState?(state: ReplicaState, lagMs: number | null): void;
}

/** "16/B374D848" as a number (pg_lsn text: two hexadecimal halves). */
export function lsnValue(lsn: string): bigint {
  const [hi = '0', lo = '0'] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/**
 * How far behind the replica is, from the primary's WAL positions sampled over time: the age of
 * the oldest sample the replica has not replayed yet, 0 when it has replayed the newest.
 */
export function replicaLagMs(samples: readonly { at: number; lsn: bigint }[], replayed: bigint, now: number): number {
  const behind = samples.find((s) => s.lsn > replayed);
  return behind ? now - behind.at : 0;
}

export class ReplicaReads implements Reads {
  readonly #o: ReplicaReadsOptions;
  readonly #samples: { at: number; lsn: bigint }[] = [];
  #state: ReplicaState = 'unavailable';
  #timer: NodeJS.Timeout | null = null;
  #probing = false;

  constructor(options: ReplicaReadsOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    await this.probe();
    this.#timer = setInterval(() => void this.probe(), this.#o.probeMs ?? 500);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  state(): ReplicaState {
    return this.#state;
  }

  async read<T>(work: (pool: pg.Pool) => Promise<T>): Promise<T> {
    if (this.#state !== 'in_use') return work(this.#o.primary);
    try {
      return await work(this.#o.replica);
    } catch (err) {
      // a lost replica, or a query cancelled by a conflict with its recovery: the primary answers
      if (!isDatabaseUnavailable(err as Error) && (err as { code?: string }).code !== '40001') throw err;
      this.#set('unavailable', null, err as Error);
      return work(this.#o.primary);
    }
  }

  /** One comparison of the two WAL positions (monotonic time, so a clock step cannot fake a lag). */
  async probe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      const now = performance.now();
      const primary = await this.#o.primary
        .query<{ lsn: string | null }>(
          'SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn',
        )
        .catch(() => null);
      const lsn = primary?.rows[0]?.lsn;
      if (lsn) {
        const value = lsnValue(lsn);
        if (this.#samples.at(-1)?.lsn !== value) this.#samples.push({ at: now, lsn: value });
      }
      let replayed: bigint;
      try {
        const { rows } = await this.#o.replica.query<{ lsn: string | null }>(
          'SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn',
        );
        replayed = lsnValue(rows[0]?.lsn ?? '0/0');
      } catch (err) {
        this.#set('unavailable', null, err as Error);
        return;
      }
      // samples the replica has replayed are no longer needed (but keep the newest)
      while (this.#samples.length > 1 && this.#samples[0]!.lsn <= replayed) this.#samples.shift();
      if (this.#samples.length > 1000) this.#samples.splice(0, this.#samples.length - 1000);
      if (!lsn) {
        // the primary does not answer: its own health says so; reads stay where they were
        return;
      }
      const lag = replicaLagMs(this.#samples, replayed, now);
      this.#set(lag > this.#o.maxLagMs ? 'lagging' : 'in_use', lag);
    } finally {
      this.#probing = false;
    }
  }

  #set(state: ReplicaState, lagMs: number | null, err?: Error): void {
    this.#o.onState?.(state, lagMs);
    if (state === this.#state) return;
    const log = this.#o.logger;
    if (state === 'in_use') log.info({ lagMs }, 'replica in step; read-only queries go to it');
    else log.warn({ state, lagMs, err: err?.message }, 'replica not used; read-only queries go to the primary');
    this.#state = state;
  }
}
