// A device message the store refused as data is acknowledged (resending it would mute the device)
// and shown as one alarm per device (an operator's when it was urgent, else a technician's): a
// resend of the same message, or another refused message while the alarm is open, adds no second alarm.

import { type DeviceEvent, URGENT_EVENT_TYPES } from '@trygg/firmware-protocol';
import type { AlarmRequest } from '../core/types.ts';

export interface RefusedDevice {
  deviceId: string;
  residentId: string | null;
  district: string;
}

/**
 * The alarm for a device whose message could not be stored: a technician's device fault, or, when
 * the message was an urgent event (a press, a fall, an exit), an operator's priority-1 alarm, since
 * someone may be waiting for help behind it.
 */
export function storeRefusedAlarm(device: RefusedDevice, eventType: string | undefined, now: number): AlarmRequest {
  const urgent = eventType !== undefined && URGENT_EVENT_TYPES.has(eventType as DeviceEvent['type']);
  return {
    deviceId: device.deviceId,
    residentId: device.residentId,
    district: device.district,
    kind: urgent ? 'manual' : 'device_fault',
    at: now,
    sourceMessageId: null,
    details: { fault: 'message_not_stored' },
  };
}

/**
 * The alarm for an event the device's registered type never sends (a fall from a device
 * registered as a pendant): the registration is wrong. An operator's priority-1 alarm when the
 * event is urgent, else a technician's fault; the event itself is not routed.
 */
export function misregisteredAlarm(
  device: RefusedDevice & { deviceType: string },
  event: { id: string; type: string },
  now: number,
): AlarmRequest {
  const urgent = URGENT_EVENT_TYPES.has(event.type as DeviceEvent['type']);
  return {
    deviceId: device.deviceId,
    residentId: device.residentId,
    district: device.district,
    kind: urgent ? 'manual' : 'device_fault',
    at: now,
    sourceMessageId: event.id,
    details: { fault: `event_not_for_device_type: ${event.type} from a ${device.deviceType}` },
  };
}

/**
 * Messages already refused and alarmed, so a resend (a lost PUBACK, a firmware retry) is counted
 * but raises nothing. Bounded: the oldest are forgotten first; a forgotten resend only repeats the
 * open alarm's count.
 */
export class RefusedMessages {
  readonly #keys = new Set<string>();

  constructor(private readonly max = 10_000) {}

  has(deviceId: string, messageId: string): boolean {
    return this.#keys.has(`${deviceId}/${messageId}`);
  }

  add(deviceId: string, messageId: string): void {
    this.#keys.add(`${deviceId}/${messageId}`);
    if (this.#keys.size > this.max) this.#keys.delete(this.#keys.values().next().value as string);
  }
}
