// SCAIP (SS 91100:2014, CLC/TS 50134-9) code tables and their mapping onto our device protocol,
// so that a real SCAIP pendant and one of our simulated pendants mean the same thing.
// Only codes named in the domain brief are listed; anything else is refused as "wrong content"
// rather than guessed at.

import type { DeviceType } from './devices.ts';
import type { DeviceEventType } from './messages.ts';

/** SCAIP device type codes (`dty`). */
export const SCAIP_DEVICE_TYPES = {
  // the controller itself (the carephone base unit, with its own alarm button); its PI heartbeats
  // are the controller's, and real units send them with dty 0002
  '0002': 'social alarm unit',
  '0003': 'personal trigger',
  '0004': 'fixed trigger',
  '0005': 'fall detector',
  '0011': 'pill dispenser',
  '0012': 'bed monitor',
  '0013': 'mat sensor',
  '0014': 'door sensor',
  '0015': 'wandering sensor',
  '0051': 'tracking device',
} as const;
export type ScaipDeviceTypeCode = keyof typeof SCAIP_DEVICE_TYPES;

/** SCAIP status codes (`stc`). */
export const SCAIP_STATUS_CODES = {
  '0009': 'automatic alarm',
  '0010': 'manual alarm',
  '0016': 'battery low',
  '0076': 'open',
  '0081': 'pill not taken',
  '0083': 'pill taken',
  '0088': 'presence after alarm',
  '0094': 'restoral',
  '0117': 'lying in bed',
} as const;
export type ScaipStatusCode = keyof typeof SCAIP_STATUS_CODES;

/** SCAIP message types (`mty`): ME message, RE reset, IN information, PI heartbeat (ping). */
export const SCAIP_MESSAGE_TYPES = ['ME', 'RE', 'IN', 'PI'] as const;
export type ScaipMessageType = (typeof SCAIP_MESSAGE_TYPES)[number];

/** Status numbers (`snu`) in an `mrs` response. */
export const SCAIP_RESPONSE_STATUS = {
  OK: 0,
  TOO_LONG: 1,
  INVALID_FORMAT: 2,
  WRONG_CONTENT: 3,
  /** Not treated: the controller should send the message to its secondary receiver. */
  NOT_TREATED: 5,
  /** Busy: the receiver already holds a voice call for this controller; no second call is offered. */
  BUSY: 6,
  MANDATORY_TAG_MISSING: 7,
} as const;

/** Which of our device types a SCAIP device type is. */
export const SCAIP_DEVICE_TYPE_MAP: Record<ScaipDeviceTypeCode, DeviceType> = {
  '0002': 'pendant', // the base unit's own button behaves like an indoor pendant
  '0003': 'pendant',
  '0004': 'pendant', // fixed trigger: a wall button behaves like an indoor pendant
  '0005': 'fall',
  '0011': 'dispenser',
  '0012': 'bed',
  '0013': 'bed',
  '0014': 'door',
  '0015': 'door', // wandering sensor: an exit detector
  '0051': 'mobile_pendant',
};

/**
 * (our device type, SCAIP status code) → our event type, for ME/IN messages. Reset (RE) messages
 * map through `restoral`. A pair missing here is "wrong content" (snu 3).
 */
export const SCAIP_STATUS_MAP: Partial<Record<DeviceType, Partial<Record<ScaipStatusCode, DeviceEventType>>>> = {
  pendant: { '0010': 'alarm.manual', '0016': 'battery.low', '0094': 'alarm.cancel', '0088': 'presence' },
  mobile_pendant: { '0010': 'alarm.manual', '0016': 'battery.low', '0094': 'alarm.cancel', '0088': 'presence' },
  fall: { '0009': 'fall.detected', '0010': 'fall.detected', '0016': 'battery.low', '0094': 'fall.cancelled' },
  dispenser: { '0081': 'dose.missed', '0083': 'dose.taken', '0016': 'battery.low', '0010': 'alarm.manual' },
  bed: { '0117': 'bed.in', '0009': 'bed.out', '0016': 'battery.low' },
  door: { '0076': 'door.open', '0094': 'door.close', '0016': 'battery.low' },
};

/** The reverse direction, for documentation and for simulating SCAIP peers from our events. */
export function scaipCodesFor(deviceType: DeviceType, eventType: DeviceEventType): ScaipStatusCode | null {
  const row = SCAIP_STATUS_MAP[deviceType];
  if (!row) return null;
  for (const [code, mapped] of Object.entries(row)) if (mapped === eventType) return code as ScaipStatusCode;
  return null;
}

export function isScaipDeviceType(code: string): code is ScaipDeviceTypeCode {
  return Object.hasOwn(SCAIP_DEVICE_TYPES, code);
}

export function isScaipStatusCode(code: string): code is ScaipStatusCode {
  return Object.hasOwn(SCAIP_STATUS_CODES, code);
}

/**
 * The device id a SCAIP device publishes as: `scaip-<cid>-<did>`. Controller and device ids are
 * [A-Za-z0-9] only (the gateway's parser admits nothing else), so the id is unambiguous; a
 * technician provisions the device under this id.
 */
export function scaipDeviceId(cid: string, did: string): string {
  return `scaip-${cid}-${did}`;
}

/** The (controller, device) of a SCAIP device id, or null for any other device id. */
export function parseScaipDeviceId(deviceId: string): { cid: string; did: string } | null {
  const match = /^scaip-([A-Za-z0-9]{1,24})-([A-Za-z0-9]{1,24})$/.exec(deviceId);
  return match ? { cid: match[1] as string, did: match[2] as string } : null;
}
