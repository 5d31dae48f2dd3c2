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

/** Summarises zod issues as `path: message; ...` without echoing input values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

export function decodeDeviceMessage(topic: string, payload: Uint8Array): Decoded {
  const parsedTopic = parseDeviceTopic(topic);
  if (!parsedTopic) return reject('TOPIC_INVALID');
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return reject('PAYLOAD_TOO_LARGE', `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (err) {
    return reject('MALFORMED_JSON', (err as Error).message.slice(0, 120));
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
