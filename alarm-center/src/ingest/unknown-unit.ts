// An event from a SCAIP unit nobody registered, on a controller that is registered: a button
// pressed on a pendant paired with the base unit but never provisioned. It must reach someone, not
// vanish as UNKNOWN_DEVICE, so it is raised as an alarm on the controller's home ("unknown unit on
// controller X"), through the alarm service like every alarm, and only then acknowledged.

import { type DeviceEvent, parseScaipDeviceId, URGENT_EVENT_TYPES } from '@trygg/firmware-protocol';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type AlarmService, emptyCommitted } from '../alarms/service.ts';
import type { AlarmRequest } from '../core/index.ts';
import { inTransaction } from '../db/database.ts';
import type { DeviceRegistry } from '../devices/registry.ts';
import type { DeviceRecord } from '../devices/repository.ts';
import * as devices from '../devices/repository.ts';
import type { Metrics } from '../metrics.ts';

export interface UnknownUnitDeps {
  pool: pg.Pool;
  registry: DeviceRegistry;
  alarms: AlarmService;
  logger: Logger;
  metrics: Metrics;
  onStoreFailure(err: Error): void;
}

/** The registered device that stands for the controller: its first unit that is not retired. */
async function controllerDevice(deps: UnknownUnitDeps, cid: string): Promise<DeviceRecord | undefined> {
  const id = await devices.firstUnitOfController(deps.pool, cid);
  return id === undefined ? undefined : deps.registry.lookup(deps.pool, id);
}

/**
 * The alarm for an unknown unit's event: an operator's (manual, priority 1) when the event is
 * urgent (a press, a fall, an exit), else a technician's device fault.
 */
export function unknownUnitAlarm(
  controller: DeviceRecord,
  unit: { cid: string; did: string },
  event: DeviceEvent,
  now: number,
): AlarmRequest {
  const kind = URGENT_EVENT_TYPES.has(event.type) ? 'manual' : 'device_fault';
  return {
    deviceId: controller.deviceId,
    residentId: controller.residentId,
    district: controller.district,
    kind,
    at: now,
    sourceMessageId: event.id,
    details: { fault: `unknown unit ${unit.did} on controller ${unit.cid}: ${event.type}` },
  };
}

/**
 * Raises the unknown unit's alarm and records its event (so a retransmission is recognised), in
 * one transaction. Returns null when the device is not a SCAIP unit of a registered controller,
 * so the caller refuses it as before. Throws when storing failed: no acknowledgement, a resend.
 */
export async function ingestUnknownUnit(
  deps: UnknownUnitDeps,
  deviceId: string,
  event: DeviceEvent,
  now: number,
): Promise<'accepted' | 'duplicate' | null> {
  const unit = parseScaipDeviceId(deviceId);
  if (!unit) return null;
  const controller = await controllerDevice(deps, unit.cid);
  if (!controller) return null;
  const committed = emptyCommitted();
  let fresh = false;
  try {
    await inTransaction(deps.pool, async (client) => {
      fresh = await devices.recordEvent(client, deviceId, event);
      if (fresh) await deps.alarms.raise(client, unknownUnitAlarm(controller, unit, event, now), committed);
    });
  } catch (err) {
    deps.metrics.ingestFailures.inc();
    deps.logger.error({ err, deviceId, messageId: event.id }, 'unknown unit event not stored; it will be resent');
    deps.onStoreFailure(err as Error);
    throw err;
  }
  if (!fresh) return 'duplicate';
  deps.logger.warn(
    { deviceId, controllerDevice: controller.deviceId, eventType: event.type, messageId: event.id },
    'event from an unregistered SCAIP unit raised as an alarm on its controller',
  );
  await deps.alarms.published(committed);
  return 'accepted';
}
