// Zod schemas for every message on the wire. Types are inferred from these schemas; no other
// package declares a message shape of its own. Objects are strict: an unknown field is a
// protocol error, not something to ignore silently.

import { z } from 'zod';

/** Largest payload the platform accepts on any device channel (camera frames are rectangles). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** Unique per message and device, so retransmissions can be recognised (de-duplication key). */
export const messageIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{8,64}$/, 'message id: 8-64 of [A-Za-z0-9_.:-]');

/** Device clock, epoch milliseconds. Bounded to catch garbage, not skew: 2020-01-01 .. 2100-01-01. */
export const deviceTimestampSchema = z.int().min(1_577_836_800_000).max(4_102_444_800_000);

/**
 * C0 and C1 control characters other than tab, line feed and carriage return, and unpaired UTF-16
 * surrogates. PostgreSQL cannot store a NUL in text or jsonb, a lone surrogate has no UTF-8 form
 * (it would be stored as U+FFFD, not as sent), and the other controls mean nothing in a human-read
 * detail but can forge log lines or terminal output. Tabs and line breaks are ordinary layout.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSTORABLE_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\p{Cs}/u;

/** Whether `text` is plain Unicode text the platform can store and show exactly as sent. */
export function isPlainText(text: string): boolean {
  return !UNSTORABLE_TEXT.test(text);
}

/**
 * Free text from a device (a fault's detail, a refused command's error), at most `max` UTF-16
 * units. Refused, not cleaned, when it holds what cannot be stored as sent: the platform never
 * acknowledges a message and then keeps something else.
 */
export const deviceTextSchema = (max: number) =>
  z.string().max(max).refine(isPlainText, 'text holds a control character (NUL, ESC, ...) or an unpaired surrogate');

const envelope = {
  v: z.literal(1),
  id: messageIdSchema,
  ts: deviceTimestampSchema,
};

export const positionSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracyM: z.number().min(0).max(100_000),
});
export type Position = z.infer<typeof positionSchema>;

/** A rectangle in the camera's normalised room coordinates (0..1 on both axes). */
export const rectSchema = z
  .strictObject({
    x: z.number().min(0).max(1),
    y: z.number().min(0).max(1),
    w: z.number().min(0).max(1),
    h: z.number().min(0).max(1),
  })
  .refine((r) => r.x + r.w <= 1.000001 && r.y + r.h <= 1.000001, 'rectangle must lie inside the room image');
export type Rect = z.infer<typeof rectSchema>;

export const ZONE_KINDS = ['bed', 'floor', 'door'] as const;
export const zoneSchema = z.strictObject({ kind: z.enum(ZONE_KINDS), rect: rectSchema });
export const roomLayoutSchema = z.strictObject({ zones: z.array(zoneSchema).min(1).max(16) });
export type RoomLayout = z.infer<typeof roomLayoutSchema>;

export const POSTURES = ['standing', 'sitting', 'lying'] as const;
export const personSchema = z.strictObject({ box: rectSchema, posture: z.enum(POSTURES) });
export type Person = z.infer<typeof personSchema>;

/** An anonymized frame: the room's layout and the person as a rectangle. Never pixels. */
export const anonymizedFrameSchema = z.strictObject({
  layout: roomLayoutSchema,
  person: personSchema.nullable(),
});
export type AnonymizedFrame = z.infer<typeof anonymizedFrameSchema>;

export const FAULT_CODES = [
  'empty', // dispenser: dose roll empty
  'almost_empty', // dispenser: ~72 h left
  'jammed',
  'lid_open',
  'refill_requested',
  'sensor_error',
  'tamper',
] as const;
export const faultCodeSchema = z.enum(FAULT_CODES);

/**
 * A unit that can take the alarm's voice call says so on its alarm (optional: units without a
 * loudspeaker and microphone send none): it is a SIP user agent speaking these G.711 codecs. The
 * platform then offers the call as for SCAIP's `crd`, and tells the unit where to call with a
 * `voice_call` command (SCAIP's `tnu`).
 */
export const voiceCapabilitySchema = z.strictObject({
  codecs: z
    .array(z.enum(['PCMA', 'PCMU']))
    .min(1)
    .max(2),
});
export type VoiceCapability = z.infer<typeof voiceCapabilitySchema>;

const doseIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);

function event<T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) {
  return z.strictObject({ ...envelope, type: z.literal(type), ...shape });
}

export const deviceEventSchema = z.discriminatedUnion('type', [
  // safety alarms (indoor and mobile)
  event('alarm.manual', { position: positionSchema.optional(), voice: voiceCapabilitySchema.optional() }),
  event('alarm.cancel', {}),
  // a responder at the resident's unit confirms they are there (SCAIP stc 0088, presence after alarm)
  event('presence', {}),
  event('position', { position: positionSchema }),
  // common to all devices
  event('battery.low', { level: z.int().min(0).max(100) }),
  event('power.lost', {}),
  event('power.restored', {}),
  event('device.fault', { fault: faultCodeSchema, detail: deviceTextSchema(200).optional() }),
  // smart door alarm
  event('door.open', { direction: z.enum(['exit', 'entry']) }),
  event('door.close', {}),
  event('door.passage', {}),
  // the door's digital lock opened on the platform's `unlock_door` command
  event('door.unlocked', { commandId: messageIdSchema }),
  // fall sensor
  event('fall.detected', {}),
  event('fall.cancelled', {}),
  // bed sensor / mat
  event('bed.in', {}),
  event('bed.out', {}),
  // event-based anonymized camera
  event('camera.layout', { layout: roomLayoutSchema }),
  event('camera.observation', { person: personSchema.nullable() }),
  event('camera.snapshot', { requestId: messageIdSchema, frame: anonymizedFrameSchema }),
  // medication dispenser
  event('dose.schedule', {
    doses: z.array(z.strictObject({ doseId: doseIdSchema, dueAt: deviceTimestampSchema })).max(64),
  }),
  event('dose.dispensed', { doseId: doseIdSchema, dueAt: deviceTimestampSchema }),
  event('dose.taken', { doseId: doseIdSchema }),
  event('dose.missed', { doseId: doseIdSchema }),
]);
export type DeviceEvent = z.infer<typeof deviceEventSchema>;
export type DeviceEventType = DeviceEvent['type'];
export const DEVICE_EVENT_TYPE_NAMES = deviceEventSchema.options.map((o) => o.shape.type.value);

/**
 * Our own devices always send firmware, battery and signal; SCAIP controllers' heartbeats (PI)
 * carry none of them, so they are optional on the wire.
 */
export const heartbeatSchema = z.strictObject({
  ...envelope,
  intervalS: z.int().min(5).max(86_400),
  firmware: z
    .string()
    .regex(/^[A-Za-z0-9_.+-]{1,32}$/)
    .optional(),
  battery: z.int().min(0).max(100).optional(),
  /** Received signal strength in dBm (WiFi/cellular). */
  signalDbm: z.int().min(-140).max(0).optional(),
  mains: z.boolean().optional(),
  /**
   * The mobile network (operator) the unit is on, as it reports it ("Telia", "Tele2"). Optional:
   * units on home WiFi/IP and older firmware send none. Lets the alarm center see a carrier outage
   * as one incident.
   */
  carrier: z
    .string()
    .regex(/^[\p{L}\p{N} _.&+-]{1,32}$/u)
    .optional(),
  /**
   * Set by a protocol gateway (not by units): the gateway instance that relayed this heartbeat, so
   * the alarm center can see a gateway outage as one incident.
   */
  gateway: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,48}$/)
    .optional(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const deviceCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...envelope, type: z.literal('set_heartbeat_interval'), intervalS: z.int().min(5).max(86_400) }),
  z.strictObject({ ...envelope, type: z.literal('request_snapshot') }),
  z.strictObject({ ...envelope, type: z.literal('ping') }),
  /** Opens the door's digital lock for a responder on an active dispatch (answered by door.unlocked). */
  z.strictObject({ ...envelope, type: z.literal('unlock_door') }),
  /**
   * Place the alarm's voice call now: INVITE `uri` (the receiver's SIP address for this one call,
   * as SCAIP's `tnu`) before `deadlineTs`, G.711 over RTP; DTMF 0 from the receiver clears down.
   */
  z.strictObject({
    ...envelope,
    type: z.literal('voice_call'),
    callId: z.string().regex(/^[A-Za-z0-9_.:-]{8,64}$/),
    uri: z.string().regex(/^sip:[A-Za-z0-9_.:-]{1,64}@[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$/),
    deadlineTs: deviceTimestampSchema,
  }),
]);
export type DeviceCommand = z.infer<typeof deviceCommandSchema>;

export const commandAckSchema = z.strictObject({
  ...envelope,
  commandId: messageIdSchema,
  ok: z.boolean(),
  error: deviceTextSchema(200).optional(),
});
export type CommandAck = z.infer<typeof commandAckSchema>;
