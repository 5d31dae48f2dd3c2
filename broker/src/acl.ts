// Who may publish and subscribe where. Pure functions of the client's identity and the topic, so
// the rules are tested exhaustively without sockets. A device is its client id and username: it
// publishes only on its own event/heartbeat/ack channels and subscribes only to its own commands.

import {
  DEVICE_PUBLISH_CHANNELS,
  DEVICE_SUBSCRIBE_CHANNELS,
  deviceTopic,
  isDeviceId,
  TOPIC_VERSION,
} from '@trygg/firmware-protocol';

export type Identity =
  | { kind: 'device'; deviceId: string }
  | { kind: 'service'; username: string }
  | { kind: 'anonymous' };

const PLATFORM_PREFIX = `${TOPIC_VERSION}/`;

/** Could this filter match a platform topic or a broker-internal one? */
function reachesProtected(filter: string): boolean {
  const first = filter.split('/')[0] ?? '';
  return first === '#' || first === '+' || first === TOPIC_VERSION || filter.startsWith('$');
}

export function mayPublish(identity: Identity, topic: string): boolean {
  if (topic.startsWith('$')) return false;
  switch (identity.kind) {
    case 'device':
      return DEVICE_PUBLISH_CHANNELS.some((channel) => topic === deviceTopic(identity.deviceId, channel));
    case 'service':
      return topic.startsWith(PLATFORM_PREFIX);
    case 'anonymous':
      return !reachesProtected(topic);
  }
}

export function maySubscribe(identity: Identity, filter: string): boolean {
  if (filter.startsWith('$')) return false;
  switch (identity.kind) {
    case 'device':
      return DEVICE_SUBSCRIBE_CHANNELS.some((channel) => filter === deviceTopic(identity.deviceId, channel));
    case 'service':
      return filter.startsWith(PLATFORM_PREFIX);
    case 'anonymous':
      return !reachesProtected(filter);
  }
}

/** A device's username must be its client id and a valid device id; anything else is refused. */
export function deviceIdentityOf(clientId: string, username: string): Identity | null {
  return clientId === username && isDeviceId(username) ? { kind: 'device', deviceId: username } : null;
}
