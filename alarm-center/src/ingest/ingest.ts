// The alarm hot path: a device message from the broker is decoded, checked against the device
// registry, run through the routing core and committed, all before the broker may acknowledge
// it to the device. A retransmission (same message id) is recognised and not applied twice. A
// message the store refuses as data is acknowledged as refused, so it never mutes its device.

import {
  checkEventForDeviceType,
  type DeviceEvent,
  decodeDeviceMessage,
  type Rejection,
  URGENT_EVENT_TYPES,
} from '@trygg/firmware-protocol';
import type pg from 'pg';
import type { Logger } from 'pino';
import { traceAlarmPath, tracingAlarmPath, wallClockMs } from '../alarms/alarm-path.ts';
import { type AlarmService, type Committed, emptyCommitted } from '../alarms/service.ts';
import type { Clock } from '../clock.ts';
import type { RoutingCore } from '../core/index.ts';
import { classifyStoreFailure, storeErrorSummary } from '../db/store-errors.ts';
import type { DeviceRegistry } from '../devices/registry.ts';
import type { DeviceRecord } from '../devices/repository.ts';
import type { TelemetrySink } from '../devices/telemetry.ts';
import type { Metrics } from '../metrics.ts';
import { CommitGroup, DEFAULT_COMMIT_GROUP } from './commit-group.ts';
import type { HealthWriter } from './health-writer.ts';
import { DeviceRateLimiter, floodAlarm, type RateLimitConfig } from './rate-limit.ts';
import { misregisteredAlarm, RefusedMessages, storeRefusedAlarm } from './store-refusal.ts';
import { ingestUnknownUnit } from './unknown-unit.ts';

export interface IngestDeps {
  pool: pg.Pool;
  core: RoutingCore;
  registry: DeviceRegistry;
  alarms: AlarmService;
  health: HealthWriter;
  telemetry: TelemetrySink;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  /** Per-device message rate; unset means no limit. */
  rateLimit?: RateLimitConfig;
  /** Called when storing fails for now (not when the store refuses a message), so the platform reports itself degraded. */
  onStoreFailure(err: Error): void;
  /**
   * A responder pressed the unit's presence button (SCAIP stc 0088): confirms the arrival of the
   * device's open dispatch, inside this message's transaction (the responders feature).
   */
  onPresence?(client: pg.PoolClient, deviceId: string, at: number, into: Committed): Promise<unknown>;
  /** Where device messages' writes are committed together; by default a group on `pool`. */
  commits?: CommitGroup;
  /**
   * A device event was stored for the first time (not a resend), after its commit and before
   * the PUBACK: must not wait for anything (the voice feature offers the unit's call from here).
   */
  onStored?(deviceId: string, event: DeviceEvent): void;
}

/** Attempts of one batch's transaction when PostgreSQL reports a serialisation failure or deadlock. */
export const SERIALIZATION_ATTEMPTS = DEFAULT_COMMIT_GROUP.attempts;

export type IngestOutcome = 'accepted' | 'duplicate' | 'rejected';

export function createIngest(deps: IngestDeps) {
  const { pool, core, registry, metrics, logger, clock } = deps;

  function refuse(topic: string, rejection: Rejection): IngestOutcome {
    metrics.rejected.inc({ reason: rejection.reason });
    logger.warn({ topic, reason: rejection.reason, detail: rejection.detail }, 'device message rejected');
    return 'rejected';
  }

  const limiter = new DeviceRateLimiter(deps.rateLimit ?? { perSecond: 0, burst: 0 });
  const refusedByStore = new RefusedMessages();
  // Alarms and the writes of telemetry share transactions but not queues (see commit-group.ts).
  const commits = deps.commits ?? new CommitGroup(pool);

  /**
   * A write for a device message failed. Transient: rethrown, so the broker sends no PUBACK and the
   * device resends. Permanent (the store refuses this message as data): acknowledged and counted,
   * with one technical alarm for the device, so its queue moves on to the button press behind it.
   */
  async function storeFailed(
    device: DeviceRecord,
    message: { channel: string; id: string; type?: string },
    err: unknown,
  ): Promise<IngestOutcome> {
    const where = { deviceId: device.deviceId, messageId: message.id, channel: message.channel, type: message.type };
    if (classifyStoreFailure(err) === 'transient') {
      metrics.ingestFailures.inc();
      logger.error({ err: storeErrorSummary(err), ...where }, 'device message not stored; device will resend');
      deps.onStoreFailure(err as Error);
      throw err;
    }
    metrics.rejected.inc({ reason: 'NOT_STORABLE' });
    logger.warn({ err: storeErrorSummary(err), ...where }, 'device message refused by the store; acknowledged');
    if (refusedByStore.has(device.deviceId, message.id)) return 'rejected';
    try {
      await deps.alarms.raiseAlone(storeRefusedAlarm(device, message.type, clock.now()));
      refusedByStore.add(device.deviceId, message.id);
    } catch (alarmErr) {
      if (classifyStoreFailure(alarmErr) === 'transient') {
        // Not acknowledged after all: the resend raises the technical alarm once the database is back.
        deps.onStoreFailure(alarmErr as Error);
        throw alarmErr;
      }
      logger.error({ err: storeErrorSummary(alarmErr), ...where }, 'technical alarm for a refused message not stored');
    }
    return 'rejected';
  }

  /** Counts every refused message; only the first of a flood is logged and raises an alarm. */
  async function refuseFlood(topic: string, deviceId: string, floodStarted: boolean): Promise<IngestOutcome> {
    metrics.rejected.inc({ reason: 'RATE_LIMITED' });
    if (!floodStarted) return 'rejected';
    logger.warn({ topic, deviceId, ...deps.rateLimit }, 'device exceeds its message rate; refusing until it calms');
    const device = registry.get(deviceId) ?? (await registry.lookup(pool, deviceId));
    if (!device) return 'rejected';
    try {
      await deps.alarms.raiseAlone(floodAlarm(device, clock.now()));
    } catch (err) {
      logger.error({ err, deviceId }, 'technical alarm for a flooding device not stored');
    }
    return 'rejected';
  }

  /**
   * Resolves once the message's effects are durable (or it was refused: resending garbage would
   * not help). Rejects only when storing failed, so the device is not acknowledged and resends.
   */
  return async function ingest(topic: string, payload: Uint8Array): Promise<IngestOutcome> {
    const receivedAt = tracingAlarmPath() ? wallClockMs() : 0;
    const decoded = decodeDeviceMessage(topic, payload);
    if (!decoded.ok) return refuse(topic, decoded);
    // Rate: our own commands are not limited, and neither is an urgent event (a button press, a
    // fall): a device flooding heartbeats must not mute its resident. Load is measured on the
    // process's monotonic clock, not the domain clock, so simulated time neither makes nor hides a flood.
    const urgent = decoded.channel === 'event' && URGENT_EVENT_TYPES.has(decoded.message.type);
    if (urgent && receivedAt > 0)
      traceAlarmPath({ stage: 'received', deviceId: decoded.deviceId, messageId: decoded.message.id }, receivedAt);
    if (decoded.channel !== 'cmd' && !urgent) {
      const verdict = limiter.take(decoded.deviceId, performance.now());
      if (verdict !== 'allowed') return refuseFlood(topic, decoded.deviceId, verdict === 'flood_started');
    }
    if (decoded.channel === 'cmd') return 'accepted'; // our own commands to devices pass through the broker

    const device = registry.get(decoded.deviceId) ?? (await registry.lookup(pool, decoded.deviceId));
    if (!device) {
      // an unregistered unit of a registered SCAIP controller: raised on the controller, not dropped
      const unknownUnit =
        decoded.channel === 'event'
          ? await ingestUnknownUnit(deps, decoded.deviceId, decoded.message, clock.now())
          : null;
      if (unknownUnit) return unknownUnit;
      return refuse(topic, { ok: false, reason: 'UNKNOWN_DEVICE', detail: decoded.deviceId });
    }
    const now = clock.now();

    if (decoded.channel === 'ack') {
      deps.health.seen(device.deviceId, now);
      metrics.deviceMessages.inc({ channel: decoded.channel });
      return 'accepted';
    }

    if (decoded.channel === 'heartbeat') {
      const hb = decoded.message;
      deps.health.seen(device.deviceId, now, hb, registry.notePath(device, hb));
      deps.telemetry.heartbeat(device.deviceId, device.deviceType, hb, now);
      const decisions = core.handleHeartbeat(device.deviceId, hb, now);
      if (decisions.length > 0) {
        let committed = emptyCommitted();
        try {
          await commits.submit(device.deviceId, 'telemetry', null, (client) => {
            committed = emptyCommitted();
            return deps.alarms.apply(client, decisions, committed);
          });
        } catch (err) {
          return storeFailed(device, { channel: 'heartbeat', id: hb.id }, err);
        }
        await deps.alarms.published(committed);
      }
      metrics.deviceMessages.inc({ channel: decoded.channel });
      return 'accepted';
    }

    const event = decoded.message;
    // An event its registered type never sends is not routed (never guessed at), but it is not
    // dropped either: the device is registered wrongly, and behind an urgent one (a fall from a
    // "pendant") someone may need help. It becomes one alarm: an operator's when urgent.
    const wrongType = checkEventForDeviceType(device.deviceType, event);
    if (wrongType) refuse(topic, wrongType);
    deps.health.seen(device.deviceId, now);
    if (!wrongType) deps.telemetry.event(device.deviceId, device.deviceType, event, now);

    let committed = emptyCommitted();
    let fresh = false;
    try {
      // An urgent event (a press, a fall, an exit) is committed ahead of any queued telemetry.
      await commits.submit(device.deviceId, urgent ? 'alarm' : 'telemetry', event, async (client, recorded) => {
        committed = emptyCommitted();
        fresh = recorded;
        if (!fresh) return;
        if (wrongType) {
          await deps.alarms.raise(client, misregisteredAlarm(device, event, now), committed);
          return;
        }
        const decisions = core.handleEvent(device.deviceId, event, now);
        for (const d of decisions) {
          if (d.type === 'log')
            logger.info({ deviceId: d.deviceId, entry: d.entry, messageId: d.sourceMessageId }, 'routing note');
        }
        await deps.alarms.apply(client, decisions, committed);
        if (event.type === 'presence') await deps.onPresence?.(client, device.deviceId, now, committed);
      });
    } catch (err) {
      return storeFailed(device, { channel: 'event', id: event.id, type: event.type }, err);
    }
    // Counted once stored: a message refused at any step is counted as a rejection instead, never both.
    if (!wrongType) metrics.deviceMessages.inc({ channel: decoded.channel });
    if (wrongType) {
      await deps.alarms.published(committed);
      return 'rejected';
    }
    if (!fresh) {
      metrics.duplicates.inc();
      return 'duplicate';
    }
    if (urgent) traceAlarmPath({ stage: 'committed', deviceId: device.deviceId, alarmIds: [...committed.changed] });
    await deps.alarms.published(committed);
    deps.onStored?.(device.deviceId, event);
    if (urgent) traceAlarmPath({ stage: 'acknowledged', deviceId: device.deviceId });
    return 'accepted';
  };
}

export type Ingest = ReturnType<typeof createIngest>;
