// The device types the municipalities use, and which event types each may send. A message whose
// event type does not belong to the sending device's type is rejected, not guessed at.

import { z } from 'zod';

export const DEVICE_TYPES = [
  'pendant', // safety alarm, indoor push button (trygghetslarm)
  'mobile_pendant', // safety alarm, mobile outdoor unit with GPS
  'door', // smart door alarm with passage button
  'fall', // fall sensor
  'bed', // bed sensor / sensor mat
  'camera', // event-based anonymized camera
  'dispenser', // medication dispenser (läkemedelsautomat)
] as const;

export const deviceTypeSchema = z.enum(DEVICE_TYPES);
export type DeviceType = z.infer<typeof deviceTypeSchema>;

/** Events every device type may send, whatever it is. */
export const COMMON_EVENT_TYPES = ['battery.low', 'power.lost', 'power.restored', 'device.fault'] as const;

export const DEVICE_EVENT_TYPES = {
  pendant: ['alarm.manual', 'alarm.cancel', 'presence'],
  mobile_pendant: ['alarm.manual', 'alarm.cancel', 'position', 'presence'],
  door: ['door.open', 'door.close', 'door.passage', 'door.unlocked'],
  fall: ['fall.detected', 'fall.cancelled'],
  bed: ['bed.in', 'bed.out'],
  camera: ['camera.layout', 'camera.observation', 'camera.snapshot'],
  dispenser: ['dose.schedule', 'dose.dispensed', 'dose.taken', 'dose.missed', 'alarm.manual'],
} as const satisfies Record<DeviceType, readonly string[]>;

export function eventAllowedFor(deviceType: DeviceType, eventType: string): boolean {
  return (
    (COMMON_EVENT_TYPES as readonly string[]).includes(eventType) ||
    (DEVICE_EVENT_TYPES[deviceType] as readonly string[]).includes(eventType)
  );
}

/**
 * Events that may mean someone needs help now. Firmware keeps them over other messages when its
 * offline queue is full, and the platform never refuses them for rate: a flooding device's button
 * press must still reach an operator.
 */
export const URGENT_EVENT_TYPES: ReadonlySet<string> = new Set([
  'alarm.manual',
  'fall.detected',
  'door.open',
  'bed.out',
  'dose.missed',
  'power.lost',
]);
