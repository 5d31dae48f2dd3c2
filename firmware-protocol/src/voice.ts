// The alarm's voice call on the wire: SCAIP's call negotiation codes (`mre`, `cre`) and the call
// events the SCAIP gateway publishes to the alarm center, one topic per device whose alarm the
// call belongs to. Zod schemas, types inferred; the gateway and the alarm center both import them.

import { z } from 'zod';
import { deviceTimestampSchema, messageIdSchema } from './messages.ts';
import { isDeviceId, TOPIC_VERSION } from './topics.ts';

/** SS 91100 `mre`: which media the receiver offers for the alarm's call. */
export const SCAIP_MEDIA = { NONE: 0, DUPLEX: 1, LISTEN_ONLY: 2, SPEAK_ONLY: 3 } as const;
export type ScaipMedia = (typeof SCAIP_MEDIA)[keyof typeof SCAIP_MEDIA];

/**
 * `cre`, how the call is set up: 61 the unit calls the receiver at `tnu`, 62 the receiver calls the
 * unit back at its `crd`. (The values are the ones this platform answers; a unit that does not know
 * `cre` follows `cha` and `tnu` alone.)
 */
export const SCAIP_CALL_HANDLING = { UNIT_CALLS: 61, RECEIVER_CALLS_BACK: 62 } as const;

/** How long after its alarm a unit may place the call (SS 91100: "about a minute"). */
export const VOICE_CALL_WINDOW_MS = 60_000;

/** DTMF digits the receiver sends to control a social alarm unit during the call (RFC 4733). */
export const UNIT_DTMF = {
  CLEAR_DOWN: '0',
  VOLUME_UP: '1',
  VOLUME_DOWN: '3',
  DUPLEX: '4',
  LISTEN_IN: '7',
  SPEAKER_ONLY: '8',
} as const;
export type UnitDtmf = (typeof UNIT_DTMF)[keyof typeof UNIT_DTMF];

export const callIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{8,64}$/, 'call id: 8-64 of [A-Za-z0-9_.:-]');

export const CALL_END_REASONS = [
  /** The unit sent BYE (or the unit's clear-down ended it). */
  'unit-hung-up',
  /** The operator hung up (the gateway sent DTMF 0 and BYE). */
  'operator-hung-up',
  /** The unit never called within the window, or nobody answered: suggests dispatch. */
  'no-voice-contact',
  /** The unit reset its alarm (RE) before calling. */
  'withdrawn',
  /** The call could not be set up (the call-back was refused, the unit went silent). */
  'failed',
] as const;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

/** A gateway instance (its GATEWAY_INSTANCE_ID). */
export const gatewayInstanceSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,48}$/, 'gateway instance id');

/**
 * Where and how a unit can be called back: its `crd` (a sip:/sips: URI) and the transport its
 * controller spoke. The alarm center keeps it, so any gateway instance, also after a restart, can
 * call a unit reachable over UDP.
 */
export const unitAddressSchema = z.strictObject({
  uri: z.string().regex(/^sips?:[A-Za-z0-9@+*#.:;=_%~!$,/?-]{1,200}$/, 'a sip: or sips: URI'),
  transport: z.enum(['udp', 'tcp', 'tls']),
});
export type UnitAddress = z.infer<typeof unitAddressSchema>;

const callEnvelope = {
  v: z.literal(1),
  id: messageIdSchema,
  ts: deviceTimestampSchema,
  callId: callIdSchema,
  /** The gateway instance holding the call (its bridge is where the call is joined). */
  instance: gatewayInstanceSchema.optional(),
};

export const callEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...callEnvelope,
    type: z.literal('call.offered'),
    /** The id of the alarm event the call belongs to (as published on the device's event channel). */
    alarmMessageId: messageIdSchema,
    direction: z.enum(['unit-calls', 'receiver-calls-back']),
    media: z.enum(['duplex', 'listen-only', 'speak-only']),
    deadlineTs: deviceTimestampSchema,
    /** The unit's sip: crd and its controller's transport, when it gave one. */
    unit: unitAddressSchema.optional(),
  }),
  /** The unit's INVITE was accepted (or the unit answered the call-back): the call rings at the console. */
  z.strictObject({ ...callEnvelope, type: z.literal('call.ringing'), codec: z.enum(['PCMU', 'PCMA']) }),
  z.strictObject({ ...callEnvelope, type: z.literal('call.answered'), by: z.string().min(1).max(64) }),
  z.strictObject({
    ...callEnvelope,
    type: z.literal('call.ended'),
    reason: z.enum(CALL_END_REASONS),
    /** Seconds the voice path was up; absent when it never was. */
    durationS: z.number().min(0).max(86_400).optional(),
    /** A call-back the unit refused: its final SIP status (486 busy, 480, 603, ...); 408 when it never answered. */
    sipStatus: z.number().int().min(300).max(699).optional(),
  }),
]);
export type CallEvent = z.infer<typeof callEventSchema>;

/** Gateway → alarm center: the call events of one device's alarm. */
export function voiceCallTopic(deviceId: string): string {
  return `${TOPIC_VERSION}/voice/${deviceId}/call`;
}
export const VOICE_CALLS_FILTER = `${TOPIC_VERSION}/voice/+/call`;

/** The device id of a call topic, or null for anything else. */
export function parseVoiceCallTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== TOPIC_VERSION || parts[1] !== 'voice' || parts[3] !== 'call') return null;
  return isDeviceId(parts[2] as string) ? (parts[2] as string) : null;
}

/**
 * Gateway → alarm center: whether a gateway instance is up. The gateway says `online` (retained)
 * each time it connects and leaves `offline` as its MQTT Last Will, so the broker says it for the
 * gateway when its connection dies (a SIGKILL, a lost host): its calls are then lost.
 */
export function gatewayStatusTopic(instance: string): string {
  return `${TOPIC_VERSION}/gateways/${instance}/status`;
}
export const GATEWAY_STATUS_FILTER = `${TOPIC_VERSION}/gateways/+/status`;
export const gatewayStatusSchema = z.strictObject({ state: z.enum(['online', 'offline']) });
export type GatewayStatus = z.infer<typeof gatewayStatusSchema>;

/** The instance of a gateway status topic, or null for anything else (only `v1/gateways/<instance>/status`). */
export function parseGatewayStatusTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== TOPIC_VERSION || parts[1] !== 'gateways' || parts[3] !== 'status') return null;
  const instance = parts[2] as string;
  return gatewayInstanceSchema.safeParse(instance).success ? instance : null;
}
