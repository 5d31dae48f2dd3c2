// Why a device message was refused. Every component that reads device input (alarm center,
// gateway, broker) counts and logs refusals by these codes, so metrics mean the same everywhere.

export const REJECTION_REASONS = {
  TOPIC_INVALID: 'topic is not v1/devices/<deviceId>/<channel>',
  TOPIC_NOT_ALLOWED: 'topic belongs to another device than the publisher',
  PAYLOAD_TOO_LARGE: 'payload exceeds the maximum size',
  MALFORMED_JSON: 'payload is not valid UTF-8 JSON',
  SCHEMA_VIOLATION: 'payload does not match the message schema',
  UNKNOWN_DEVICE: 'device is not provisioned',
  EVENT_NOT_FOR_DEVICE_TYPE: 'event type is not one this device type sends',
  RATE_LIMITED: 'device exceeded its message rate',
  NOT_STORABLE: 'the store refused the message as data; acknowledged so the device moves on, one technical alarm',
} as const;

export type RejectionReason = keyof typeof REJECTION_REASONS;

export interface Rejection {
  ok: false;
  reason: RejectionReason;
  /** Human-readable detail for the log; never contains the raw payload. */
  detail: string;
}

export function reject(reason: RejectionReason, detail: string = REJECTION_REASONS[reason]): Rejection {
  return { ok: false, reason, detail };
}
