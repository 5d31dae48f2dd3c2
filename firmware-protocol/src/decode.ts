// Turns raw MQTT (topic, payload) into a typed, validated device message, or a coded rejection.
// Pure: shared by the alarm center and the gateway so both refuse the same things the same way.

import type { z } from 'zod';
import { type DeviceType, eventAllowedFor } from './devices.ts';
import {
  type CommandAck,
  commandAckSchema,
  type DeviceCommand,
  type DeviceEvent,
  deviceCommandSchema,
  deviceEventSchema,
  type Heartbeat,
  heartbeatSchema,
  MAX_PAYLOAD_BYTES,
} from './messages.ts';
import { type Rejection, reject } from './rejections.ts';
import { parseDeviceTopic } from './topics.ts';

export type DeviceMessage =
  | { channel: 'event'; deviceId: string; message: DeviceEvent }
  | { channel: 'heartbeat'; deviceId: string; message: Heartbeat }
  | { channel: 'ack'; deviceId: string; message: CommandAck }
  | { channel: 'cmd'; deviceId: string; message: DeviceCommand };

export type Decoded = ({ ok: true } & DeviceMessage) | Rejection;

const schemaByChannel: Record<DeviceMessage['channel'], z.ZodType> = {
  event: deviceEventSchema,
  heartbeat: heartbeatSchema,
  ack: commandAckSchema,
  cmd: deviceCommandSchema,
};

/**
 * Summarises zod issues as `path: message; ...` without echoing input values. Unknown keys are
 * input too (zod's message quotes them), so they are only counted.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const message = i.code === 'unrecognized_keys' ? `${i.keys.length} unrecognized key(s)` : i.message;
      return `${i.path.length ? i.path.join('.') : '(root)'}: ${message}`;
    })
    .join('; ');
}

export function decodeDeviceMessage(topic: string, payload: Uint8Array): Decoded {
  const parsedTopic = parseDeviceTopic(topic);
  if (!parsedTopic) return reject('TOPIC_INVALID');
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return reject('PAYLOAD_TOO_LARGE', `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}`);
  }
  // The engine's error messages quote the offending input, so the details are fixed strings.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return reject('MALFORMED_JSON', 'payload is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return reject('MALFORMED_JSON', 'payload is not valid JSON');
  }
  const result = schemaByChannel[parsedTopic.channel].safeParse(json);
  if (!result.success) return reject('SCHEMA_VIOLATION', describeIssues(result.error));
  return { ok: true, ...parsedTopic, message: result.data } as Decoded;
}

/** Second stage, once the device's registered type is known. */
export function checkEventForDeviceType(deviceType: DeviceType, event: DeviceEvent): Rejection | null {
  return eventAllowedFor(deviceType, event.type)
    ? null
    : reject('EVENT_NOT_FOR_DEVICE_TYPE', `${event.type} from a ${deviceType}`);
}
