// MQTT topic layout, version 1. Every device lives under its own id; the broker's ACL and the
// alarm center both derive "who sent this" from the topic, never from the payload.

export const TOPIC_VERSION = 'v1';

/** Device → platform channels, and the one platform → device channel (`cmd`). */
export const DEVICE_CHANNELS = ['event', 'heartbeat', 'ack', 'cmd'] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];

/** Channels a device may publish on; it may subscribe only to its own `cmd`. */
export const DEVICE_PUBLISH_CHANNELS: readonly DeviceChannel[] = ['event', 'heartbeat', 'ack'];
export const DEVICE_SUBSCRIBE_CHANNELS: readonly DeviceChannel[] = ['cmd'];

/** Device ids are also MQTT client ids and usernames: no wildcards, separators or spaces. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$/;

export function isDeviceId(value: string): boolean {
  return DEVICE_ID_PATTERN.test(value);
}

export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  return `${TOPIC_VERSION}/devices/${deviceId}/${channel}`;
}

/** Subscription filter for one channel across all devices (used by the alarm center). */
export function allDevicesFilter(channel: DeviceChannel): string {
  return `${TOPIC_VERSION}/devices/+/${channel}`;
}

export interface ParsedDeviceTopic {
  deviceId: string;
  channel: DeviceChannel;
}

/** Returns null for anything that is not exactly `v1/devices/<id>/<channel>`. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4) return null;
  const [version, devices, deviceId, channel] = parts as [string, string, string, string];
  if (version !== TOPIC_VERSION || devices !== 'devices') return null;
  if (!isDeviceId(deviceId)) return null;
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel)) return null;
  return { deviceId, channel: channel as DeviceChannel };
}
