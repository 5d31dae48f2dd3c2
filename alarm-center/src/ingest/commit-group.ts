// Group commit for device messages: the writes of messages arriving together run in one
// transaction (one WAL flush for many), and each message's promise settles only after that commit,
// so the broker's PUBACK (and the SCAIP gateway's snu 0 behind it) still means "stored".
//
// Two lanes: alarms (a press, a fall, a door exit) are always taken before telemetry (restorals,
// heartbeat-driven resolves), and one transaction slot is kept free of telemetry, so an alarm never
// queues behind a reconnect storm. A device's messages are still committed in the order they came:
// an alarm promotes that device's queued telemetry ahead of itself, and a batch never takes a device
// that another batch in flight holds.
//
// A failed batch never turns into a lost or wrongly acknowledged message: a message the store refuses
// as data is taken out (its promise rejects with that error) and the others run again without it; a
// serialisation failure or deadlock runs the batch again; anything else rejects every message in it,
// so none is acknowledged and each device resends.

import type { DeviceEvent } from '@trygg/firmware-protocol';
import type pg from 'pg';
import { traceAlarmPath, tracingAlarmPath, wallClockMs } from '../alarms/alarm-path.ts';
import { inTransaction, oneQueryAtATime } from '../db/database.ts';
import { classifyStoreFailure, isRetryable, sqlstate } from '../db/store-errors.ts';
import * as devices from '../devices/repository.ts';

export type Lane = 'alarm' | 'telemetry';

/**
 * One message's writes; runs inside the group's transaction and may run again if the batch is
 * retried. `fresh` says whether the event handed with it was recorded now (false for a
 * retransmission); the events of a batch are recorded in one statement before any work runs.
 */
export type GroupWork<T> = (client: pg.PoolClient, fresh: boolean) => Promise<T>;

export interface CommitGroupOptions {
  /** Most messages in one transaction. */
  maxBatch: number;
  /** Transactions in flight at once; telemetry may use all but one of them. */
  maxInFlight: number;
  /** Runs of one batch when PostgreSQL reports a serialisation failure or deadlock. */
  attempts: number;
}

export const DEFAULT_COMMIT_GROUP: CommitGroupOptions = { maxBatch: 128, maxInFlight: 3, attempts: 3 };

/** How a batch's transaction is opened; the default is the platform's own (tests slow it down). */
export type Transaction = <T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

interface Item {
  deviceId: string;
  lane: Lane;
  event: DeviceEvent | null;
  work: GroupWork<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** SQLSTATE of every statement after the one that failed in the same transaction. */
const ABORTED = '25P02';

/** How far into a lane a batch looks for devices not held by a batch in flight. */
const SCAN_LIMIT = 4096;

export class CommitGroup {
  readonly #lanes: Record<Lane, Item[]> = { alarm: [], telemetry: [] };
  /** Queued telemetry per device, so an alarm finds what it must promote without a scan. */
  readonly #queuedTelemetry = new Map<string, number>();
  /** Devices with a message in a batch in flight. */
  readonly #held = new Set<string>();
  #inFlight = 0;
  #telemetryInFlight = 0;
  #scheduled = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: CommitGroupOptions = DEFAULT_COMMIT_GROUP,
    private readonly transaction: Transaction = inTransaction,
  ) {}

  /** Messages waiting for a transaction, by lane. */
  queued(): Record<Lane, number> {
    return { alarm: this.#lanes.alarm.length, telemetry: this.#lanes.telemetry.length };
  }

  /**
   * Resolves with `work`'s result once the transaction it ran in has committed. `event`, when
   * given, is recorded in device_messages (de-duplicated by its id) in the same transaction.
   */
  submit<T>(deviceId: string, lane: Lane, event: DeviceEvent | null, work: GroupWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: Item = { deviceId, lane, event, work, resolve: resolve as (v: unknown) => void, reject };
      if (lane === 'alarm') this.#promoteTelemetryOf(deviceId);
      else this.#queuedTelemetry.set(deviceId, (this.#queuedTelemetry.get(deviceId) ?? 0) + 1);
      this.#lanes[lane].push(item);
      this.#schedule();
    });
  }

  /** The device's earlier telemetry goes to the alarm lane ahead of its alarm, in its order. */
  #promoteTelemetryOf(deviceId: string): void {
    if (!this.#queuedTelemetry.has(deviceId)) return;
    this.#queuedTelemetry.delete(deviceId);
    const telemetry = this.#lanes.telemetry;
    const own = telemetry.filter((i) => i.deviceId === deviceId);
    this.#lanes.telemetry = telemetry.filter((i) => i.deviceId !== deviceId);
    for (const item of own) this.#lanes.alarm.push({ ...item, lane: 'alarm' });
  }

  // Messages handed over in the same turn of the event loop (one socket read) share a batch.
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const { maxInFlight } = this.options;
    while (this.#inFlight < maxInFlight) {
      let batch = this.#take('alarm');
      const telemetrySlots = Math.max(1, maxInFlight - 1);
      if (batch.length === 0 && this.#telemetryInFlight < telemetrySlots) batch = this.#take('telemetry');
      if (batch.length === 0) return;
      this.#start(batch);
    }
  }

  /**
   * Up to maxBatch items of a lane, at most one per device and none of a device a batch in flight
   * holds: a device's messages commit in order, and the messages of one batch touch different
   * devices, so their writes can run side by side.
   */
  #take(lane: Lane): Item[] {
    const queue = this.#lanes[lane];
    if (queue.length === 0) return [];
    const batch: Item[] = [];
    const rest: Item[] = [];
    const taken = new Set<string>();
    let scanned = 0;
    for (const item of queue) {
      const free = !this.#held.has(item.deviceId) && !taken.has(item.deviceId);
      if (free && batch.length < this.options.maxBatch && scanned < SCAN_LIMIT) batch.push(item);
      else rest.push(item);
      taken.add(item.deviceId);
      scanned++;
    }
    if (batch.length === 0) return batch;
    this.#lanes[lane] = rest;
    if (lane === 'telemetry') {
      for (const item of batch) {
        const left = (this.#queuedTelemetry.get(item.deviceId) ?? 1) - 1;
        if (left > 0) this.#queuedTelemetry.set(item.deviceId, left);
        else this.#queuedTelemetry.delete(item.deviceId);
      }
    }
    return batch;
  }

  #start(batch: Item[]): void {
    const telemetry = batch[0]?.lane === 'telemetry';
    this.#inFlight++;
    if (telemetry) this.#telemetryInFlight++;
    for (const item of batch) this.#held.add(item.deviceId);
    void this.#commit(batch).finally(() => {
      this.#inFlight--;
      if (telemetry) this.#telemetryInFlight--;
      for (const item of batch) this.#held.delete(item.deviceId);
      this.#pump();
    });
  }

  async #commit(batch: Item[]): Promise<void> {
    const startedAt = tracingAlarmPath() ? wallClockMs() : 0;
    let openedAt = 0;
    let wroteAt = 0;
    let items = batch;
    let attempt = 1;
    while (items.length > 0) {
      let results: unknown[] = [];
      let culprit: Item | null = null;
      try {
        await this.transaction(this.pool, async (client) => {
          if (startedAt > 0) openedAt = wallClockMs();
          const recorded = items.flatMap((i) => (i.event ? [{ deviceId: i.deviceId, event: i.event }] : []));
          const fresh = await devices.recordEvents(client, recorded);
          // the messages' writes run side by side (their raises become one statement), their
          // statements one after another on the client
          const shared = oneQueryAtATime(client);
          let next = 0;
          const runs = items.map((item) => item.work(shared, item.event ? (fresh[next++] ?? false) : true));
          const settled = await Promise.allSettled(runs);
          const failures = settled.flatMap((o, i) =>
            o.status === 'rejected' ? [{ item: items[i]!, err: o.reason }] : [],
          );
          if (failures.length > 0) {
            // The first error is the cause (the others are "transaction aborted" after it); it names
            // its message only when no other message shares it (a shared statement failed).
            const first = failures.find((f) => sqlstate(f.err) !== ABORTED) ?? failures[0]!;
            if (failures.filter((f) => f.err === first.err).length === 1) culprit = first.item;
            throw first.err;
          }
          results = settled.map((o) => (o as PromiseFulfilledResult<unknown>).value);
          if (startedAt > 0) wroteAt = wallClockMs();
        });
      } catch (err) {
        if (isRetryable(err) && attempt++ < this.options.attempts) continue;
        if (classifyStoreFailure(err) === 'permanent') {
          const refused = culprit as Item | null;
          if (refused) {
            // this message is refused as data; the others are committed again without it
            refused.reject(err);
            items = items.filter((i) => i !== refused);
            attempt = 1;
            continue;
          }
          if (items.length > 1) {
            // refused by a statement several messages shared, or at COMMIT: each in a transaction of its own
            for (const item of items) await this.#commit([item]);
            return;
          }
        }
        for (const item of items) item.reject(err);
        return;
      }
      if (startedAt > 0) {
        const deviceIds = items.map((i) => i.deviceId);
        const lane = items[0]!.lane;
        traceAlarmPath({ stage: 'batch', lane, deviceIds, startedAt, openedAt, wroteAt, size: items.length });
      }
      for (const [i, item] of items.entries()) item.resolve(results[i]);
      return;
    }
  }
}
