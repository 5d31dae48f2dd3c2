// A device message the store refused as data is acknowledged (resending it would mute the device)
// and shown to technicians as one technical alarm per device: a resend of the same message, or
// another refused message while the alarm is open, adds no second alarm.

import type { AlarmRequest } from '../core/types.ts';

export interface RefusedDevice {
  deviceId: string;
  residentId: string | null;
  district: string;
}

/** The technical alarm for a device whose message could not be stored. */
export function storeRefusedAlarm(device: RefusedDevice, now: number): AlarmRequest {
  return {
    deviceId: device.deviceId,
    residentId: device.residentId,
    district: device.district,
    kind: 'device_fault',
    at: now,
    sourceMessageId: null,
    details: { fault: 'message_not_stored' },
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
