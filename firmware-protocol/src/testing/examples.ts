// Shared fixtures for protocol tests, here and in other packages' (@trygg/firmware-protocol/testing):
// one valid example per event type, plus how to break it.
// Typed as Record<DeviceEventType, …> so a new event type without an example fails to compile,
// and messages.test.ts also checks the table against DEVICE_EVENT_TYPE_NAMES at run time.

import type { DeviceCommand, DeviceEventType } from '../index.ts';

type DeviceCommandType = DeviceCommand['type'];

export const TS_2020 = 1_577_836_800_000; // 2020-01-01T00:00:00Z
export const TS_2100 = 4_102_444_800_000; // 2100-01-01T00:00:00Z

export const ENVELOPE = { v: 1, id: 'msg-00000001', ts: 1_700_000_000_000 } as const;

export type Json = Record<string, unknown>;

export interface EventExample {
  /** A complete, valid message of this type. */
  valid: Json;
  /** A field that must be present; deleting it must make the message invalid. */
  required: string;
  /** A field and a value of the wrong type for it. */
  wrongType: [field: string, value: unknown];
}

export const RECT = { x: 0.1, y: 0.2, w: 0.3, h: 0.4 };
export const POSITION = { lat: 59.3293, lon: 18.0686, accuracyM: 12.5 };
export const LAYOUT = {
  zones: [
    { kind: 'bed', rect: { x: 0, y: 0, w: 0.4, h: 0.5 } },
    { kind: 'floor', rect: { x: 0, y: 0.5, w: 1, h: 0.5 } },
    { kind: 'door', rect: { x: 0.8, y: 0, w: 0.2, h: 0.3 } },
  ],
};
export const PERSON = { box: RECT, posture: 'lying' };

function ev(type: DeviceEventType, fields: Json = {}): Json {
  return { ...ENVELOPE, type, ...fields };
}

export const EVENT_EXAMPLES: Record<DeviceEventType, EventExample> = {
  'alarm.manual': {
    valid: ev('alarm.manual', { position: POSITION, voice: { codecs: ['PCMA'] } }),
    required: 'id',
    wrongType: ['position', 'home'],
  },
  'alarm.cancel': { valid: ev('alarm.cancel'), required: 'ts', wrongType: ['ts', '1700000000000'] },
  presence: { valid: ev('presence'), required: 'id', wrongType: ['ts', 'now'] },
  position: { valid: ev('position', { position: POSITION }), required: 'position', wrongType: ['position', [59, 18]] },
  'battery.low': { valid: ev('battery.low', { level: 15 }), required: 'level', wrongType: ['level', '15'] },
  'power.lost': { valid: ev('power.lost'), required: 'v', wrongType: ['v', '1'] },
  'power.restored': { valid: ev('power.restored'), required: 'id', wrongType: ['id', 12345678] },
  'device.fault': {
    valid: ev('device.fault', { fault: 'jammed', detail: 'motor stalled' }),
    required: 'fault',
    wrongType: ['detail', 42],
  },
  'door.open': { valid: ev('door.open', { direction: 'exit' }), required: 'direction', wrongType: ['direction', true] },
  'door.close': { valid: ev('door.close'), required: 'ts', wrongType: ['ts', null] },
  'door.passage': { valid: ev('door.passage'), required: 'id', wrongType: ['id', ['msg-00000001']] },
  'door.unlocked': {
    valid: ev('door.unlocked', { commandId: 'cmd-00000007' }),
    required: 'commandId',
    wrongType: ['commandId', 7],
  },
  'fall.detected': { valid: ev('fall.detected'), required: 'v', wrongType: ['v', true] },
  'fall.cancelled': { valid: ev('fall.cancelled'), required: 'ts', wrongType: ['ts', { ms: 1 }] },
  'bed.in': { valid: ev('bed.in'), required: 'id', wrongType: ['id', null] },
  'bed.out': { valid: ev('bed.out'), required: 'type', wrongType: ['type', 7] },
  'camera.layout': { valid: ev('camera.layout', { layout: LAYOUT }), required: 'layout', wrongType: ['layout', 'x'] },
  'camera.observation': {
    valid: ev('camera.observation', { person: PERSON }),
    required: 'person',
    wrongType: ['person', 'lying'],
  },
  'camera.snapshot': {
    valid: ev('camera.snapshot', { requestId: 'req-00000042', frame: { layout: LAYOUT, person: null } }),
    required: 'frame',
    wrongType: ['requestId', 42_000_000],
  },
  'dose.schedule': {
    valid: ev('dose.schedule', {
      doses: [
        { doseId: 'morning-1', dueAt: 1_700_000_000_000 },
        { doseId: 'evening-1', dueAt: 1_700_040_000_000 },
      ],
    }),
    required: 'doses',
    wrongType: ['doses', { doseId: 'morning-1', dueAt: 1_700_000_000_000 }],
  },
  'dose.dispensed': {
    valid: ev('dose.dispensed', { doseId: 'morning-1', dueAt: 1_700_000_000_000 }),
    required: 'dueAt',
    wrongType: ['dueAt', '2023-11-14T22:13:20Z'],
  },
  'dose.taken': { valid: ev('dose.taken', { doseId: 'morning-1' }), required: 'doseId', wrongType: ['doseId', 1] },
  'dose.missed': { valid: ev('dose.missed', { doseId: 'd' }), required: 'doseId', wrongType: ['doseId', false] },
};

export function without(obj: Json, field: string): Json {
  const copy = { ...obj };
  delete copy[field];
  return copy;
}

export const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** One valid message for each shape that is not an event: heartbeat, command acknowledgement, commands. */
export const HEARTBEAT_EXAMPLE: Json = {
  ...ENVELOPE,
  intervalS: 60,
  firmware: '1.4.2',
  battery: 80,
  signalDbm: -61,
  mains: true,
};
export const ACK_EXAMPLE: Json = { ...ENVELOPE, commandId: 'cmd-00000001', ok: false, error: 'lid open' };
export const COMMAND_EXAMPLES: Record<DeviceCommandType, Json> = {
  set_heartbeat_interval: { ...ENVELOPE, type: 'set_heartbeat_interval', intervalS: 60 },
  request_snapshot: { ...ENVELOPE, type: 'request_snapshot' },
  ping: { ...ENVELOPE, type: 'ping' },
  unlock_door: { ...ENVELOPE, type: 'unlock_door' },
  voice_call: {
    ...ENVELOPE,
    type: 'voice_call',
    callId: 'call-00000001',
    uri: 'sip:call-00000001@127.0.0.1:5060',
    deadlineTs: ENVELOPE.ts,
  },
};
