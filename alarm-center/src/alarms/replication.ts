// Several alarm-center processes on one PostgreSQL. Each replica runs its own broker, routing
// core and AlarmBus; PostgreSQL is the only thing they share, and it is enough:
//
// - Change fan-out. A trigger (migration 004) NOTIFYs `alarm_changes` with "<alarm id> <origin>"
//   inside the transaction that changed the alarm, so the notice goes out exactly when the change
//   commits, even if the replica dies a moment later. `origin` is the writer's application_name:
//   each replica names its pool connections `<INSTANCE_ID>-<random>`. Every replica LISTENs on
//   one dedicated connection (reconnecting with backoff, then catching up on what changed while
//   it was away), loads the summaries of other replicas' changes in batches and emits them on
//   its local AlarmBus, so a console on any replica sees every change. Its own changes it has
//   already emitted after commit.
// - Work done once. Ingest is already exactly-once by (device, message id) in PostgreSQL. Timed
//   work is claimed with row locks: escalation of an alarm nobody acknowledged is a periodic
//   `FOR UPDATE SKIP LOCKED` claim of overdue 'new' alarms, so a replica escalates alarms another
//   (perhaps dead) replica raised; the routing core's own escalation clock stays as the precise
//   path and its UPDATE (`WHERE escalated_at IS NULL`, re-checked under the row lock) cannot
//   escalate twice. "Connection lost": every replica's core supervises every device, but raising
//   needs a claim on the device row (AlarmService → claimConnectionLost) that fails when another
//   replica has heard the device since; a periodic claim of installed devices silent in the shared
//   last_seen_at covers devices whose replica died, or that died with it.
//
// The embedded default has one process by construction: the sweeps and the feed stay off.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { AlarmSummary } from '../api/schemas.ts';
import type { Clock } from '../clock.ts';
import { HEARTBEAT_TOLERANCE, type Priority, type RoutingCore } from '../core/index.ts';
import { inTransaction } from '../db/database.ts';
import { traceAlarmPath } from './alarm-path.ts';
import type { AlarmBus } from './bus.ts';
import * as alarms from './repository.ts';
import type { AlarmService } from './service.ts';
import { emptyCommitted } from './service.ts';

export const CHANGE_CHANNEL = 'alarm_changes';

/** A name for this process's database connections, unique even if two replicas share INSTANCE_ID. */
export function replicaOrigin(instanceId: string): string {
  return `${instanceId}-${randomBytes(4).toString('hex')}`;
}

/** The database URL with this replica's origin as application_name (what the trigger reports). */
export function withOrigin(databaseUrl: string, origin: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', origin);
  return url.toString();
}

export interface ReplicationOptions {
  databaseUrl: string;
  origin: string;
  pool: pg.Pool;
  bus: AlarmBus;
  core: RoutingCore;
  service: AlarmService;
  clock: Clock;
  logger: Logger;
  escalateAfterMs: Record<Priority, number>;
  escalationSweepMs?: number;
  connectionSweepMs?: number;
  /** Slack for the health writer's batched last_seen_at before a silent device is claimed. */
  connectionGraceMs?: number;
}

export class Replication {
  readonly #o: ReplicationOptions;
  readonly #log: Logger;
  #listener: pg.Client | null = null;
  #stopped = false;
  #retryMs = 100;
  #lostAt: number | null = null;
  #pending = new Set<string>();
  #flushing = false;
  #timers: NodeJS.Timeout[] = [];

  constructor(options: ReplicationOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'replication' });
  }

  async start(): Promise<void> {
    await this.#listen();
    const every = (ms: number, work: () => Promise<unknown>) => {
      let busy = false;
      const timer = setInterval(async () => {
        if (busy) return;
        busy = true;
        try {
          await work();
        } catch (err) {
          this.#log.warn({ err: (err as Error).message }, 'replica sweep failed; retrying');
        } finally {
          busy = false;
        }
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.#o.escalationSweepMs ?? 1000, () => this.escalateOverdue());
    every(this.#o.connectionSweepMs ?? 5000, () => this.raiseSilentDevices());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    await this.#listener?.end().catch(() => {});
  }

  // ---- change fan-out ------------------------------------------------------------------------

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: withOrigin(this.#o.databaseUrl, `${this.#o.origin}-listen`) });
    const lost = (err?: Error) => {
      if (this.#listener !== client) return;
      this.#listener = null;
      this.#lostAt ??= this.#o.clock.now();
      client.end().catch(() => {});
      if (this.#stopped) return;
      this.#log.warn({ err: err?.message, retryMs: this.#retryMs }, 'change feed lost; reconnecting');
      setTimeout(() => void this.#reconnect(), this.#retryMs).unref();
      this.#retryMs = Math.min(this.#retryMs * 2, 5000);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel === CHANGE_CHANNEL && n.payload) this.#received(n.payload);
    });
    this.#listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      lost(err as Error); // retries with backoff; the sweeps need no feed
      return;
    }
    this.#retryMs = 100;
    if (this.#lostAt !== null) await this.#catchUp(this.#lostAt);
  }

  async #reconnect(): Promise<void> {
    if (this.#stopped || this.#listener) return;
    await this.#listen().catch(() => {}); // `lost` has scheduled the next attempt
  }

  /** Notices sent while the feed was down are gone: re-read what changed since (with slack for clock skew). */
  async #catchUp(since: number): Promise<void> {
    try {
      const changed = await alarms.changedSince(this.#o.pool, since - 5000);
      for (const a of changed) this.#relay(a);
      this.#lostAt = null;
      this.#log.info({ relayed: changed.length }, 'change feed back; caught up');
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'change feed catch-up failed');
    }
  }

  #received(payload: string): void {
    const space = payload.indexOf(' ');
    const id = space < 0 ? payload : payload.slice(0, space);
    const origin = space < 0 ? '' : payload.slice(space + 1);
    if (origin === this.#o.origin) return; // emitted locally after commit
    traceAlarmPath({ stage: 'notified', alarmId: id });
    this.#pending.add(id);
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => void this.#flush());
    }
  }

  /** One query per burst of notices; a change to the same alarm twice is sent once, as it is now. */
  async #flush(): Promise<void> {
    while (this.#pending.size > 0 && !this.#stopped) {
      const ids = [...this.#pending];
      this.#pending.clear();
      try {
        for (const a of await alarms.summaries(this.#o.pool, ids)) this.#relay(a);
      } catch (err) {
        for (const id of ids) this.#pending.add(id);
        this.#log.warn({ err: (err as Error).message, alarms: ids.length }, 'relaying changes failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    this.#flushing = false;
  }

  #relay(alarm: AlarmSummary): void {
    const { core } = this.#o;
    // Keep this replica's core in step: no stale escalation clock, and a device that returns
    // here resolves the "connection lost" alarm another replica raised.
    if (alarm.status === 'closed') core.alarmClosed(alarm.id);
    else if (alarm.status !== 'new' || alarm.escalated) core.alarmAcknowledged(alarm.id);
    if (alarm.kind === 'connection_lost' && alarm.status !== 'closed') core.markConnectionLost(alarm.deviceId);
    this.#o.bus.publishAlarm(alarm);
  }

  // ---- work done once ----------------------------------------------------------------------

  /** Escalates every overdue unacknowledged alarm, whichever replica raised it. */
  async escalateOverdue(): Promise<number> {
    const now = this.#o.clock.now();
    const after = this.#o.escalateAfterMs;
    const cutoffs = { 1: now - after[1], 2: now - after[2], 3: now - after[3], 4: now - after[4] };
    const ids = await inTransaction(this.#o.pool, (c) => alarms.claimOverdueEscalations(c, cutoffs, now));
    await this.#publishLocally(ids);
    return ids.length;
  }

  /** Raises "connection lost" for devices no replica hears any more. */
  async raiseSilentDevices(): Promise<number> {
    const now = this.#o.clock.now();
    const grace = this.#o.connectionGraceMs ?? 15_000;
    const committed = emptyCommitted();
    const silent = await inTransaction(this.#o.pool, async (client) => {
      const devices = await alarms.claimSilentDevices(client, now, HEARTBEAT_TOLERANCE, grace);
      for (const d of devices) {
        await this.#o.service.raise(
          client,
          {
            deviceId: d.deviceId,
            residentId: d.residentId,
            district: d.district,
            kind: 'connection_lost',
            at: now,
            sourceMessageId: null,
            details: { lastSeenAt: d.lastSeenAt },
          },
          committed,
        );
      }
      return devices;
    });
    for (const d of silent) this.#o.core.markConnectionLost(d.deviceId);
    await this.#o.service.published(committed);
    return silent.length;
  }

  async #publishLocally(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const a of await alarms.summaries(this.#o.pool, ids)) this.#relay(a);
  }
}
