// Who may publish and subscribe where. Pure functions of the client's identity and the topic, so
// the rules are tested exhaustively without sockets. A device is its client id and username: it
// publishes only on its own event/heartbeat/ack channels and subscribes only to its own commands.
// A device's own topics are built once, at login: the checks run for every message in and out
// (authorizePublish, authorizeForward) and compare strings without building any.

import {
  DEVICE_PUBLISH_CHANNELS,
  DEVICE_SUBSCRIBE_CHANNELS,
  deviceTopic,
  isDeviceId,
  parseGatewayStatusTopic,
  TOPIC_VERSION,
} from '@trygg/firmware-protocol';

export type Identity =
  | {
      kind: 'device';
      deviceId: string;
      /** Its own `v1/devices/<id>/{event,heartbeat,ack}`: the only topics it may publish on. */
      publishTopics: readonly string[];
      /** Its own `v1/devices/<id>/cmd`: the only topics it may subscribe to and receive. */
      receiveTopics: readonly string[];
    }
  | { kind: 'service'; username: string }
  | { kind: 'anonymous' };

const PLATFORM_PREFIX = `${TOPIC_VERSION}/`;
const GATEWAYS_PREFIX = `${TOPIC_VERSION}/gateways/`;

/** `$` topics belong to the broker (aedes' `$SYS` cluster channels); no client routes through them. */
export function isReservedTopic(topic: string): boolean {
  return topic.startsWith('$');
}

/** Is the first topic level `v1` (`v1` itself or `v1/...`)? */
function namesPlatform(topicOrFilter: string): boolean {
  return (
    topicOrFilter.startsWith(TOPIC_VERSION) &&
    (topicOrFilter.length === TOPIC_VERSION.length || topicOrFilter.startsWith('/', TOPIC_VERSION.length))
  );
}

/** A `$` topic is not decided here: the publish handler acknowledges and drops it (MQTT-3.3.5-2). */
export function mayPublish(identity: Identity, topic: string): boolean {
  if (isReservedTopic(topic)) return false;
  switch (identity.kind) {
    case 'device':
      return identity.publishTopics.includes(topic);
    case 'service':
      // under v1/gateways/ only an instance's status (its birth and Last Will), nothing else
      if (topic.startsWith(GATEWAYS_PREFIX)) return parseGatewayStatusTopic(topic) !== null;
      return topic.startsWith(PLATFORM_PREFIX);
    case 'anonymous':
      return !namesPlatform(topic);
  }
}

/**
 * Whether a subscription is granted. An anonymous client may hold wildcards (`#`, `+/...`) that
 * could match platform topics, as any MQTT client expects to: what it receives is guarded by
 * mayReceive at delivery. A filter that names the platform or the broker could only ever deliver
 * what it may not see, so it is refused outright (SUBACK 0x80).
 */
export function maySubscribe(identity: Identity, filter: string): boolean {
  if (isReservedTopic(filter)) return false;
  switch (identity.kind) {
    case 'device':
      return identity.receiveTopics.includes(filter);
    case 'service':
      return filter.startsWith(PLATFORM_PREFIX);
    case 'anonymous':
      return !namesPlatform(filter);
  }
}

/** Whether a message on `topic` may be delivered to this client, whatever its subscriptions. */
export function mayReceive(identity: Identity, topic: string): boolean {
  if (isReservedTopic(topic)) return false;
  switch (identity.kind) {
    case 'device':
      return identity.receiveTopics.includes(topic);
    case 'service':
      return topic.startsWith(PLATFORM_PREFIX);
    case 'anonymous':
      return !namesPlatform(topic);
  }
}

/** Is `topicOrFilter` one of the configured topics, or below one (`closed/#` matches `closed/x`)? */
export function withinTopics(topicOrFilter: string, topics: readonly string[]): boolean {
  return topics.some(
    (topic) =>
      topicOrFilter.startsWith(topic) &&
      (topicOrFilter.length === topic.length || topicOrFilter.startsWith('/', topic.length)),
  );
}

/** A device's username must be its client id and a valid device id; anything else is refused. */
export function deviceIdentityOf(clientId: string, username: string): Identity | null {
  if (clientId !== username || !isDeviceId(username)) return null;
  return {
    kind: 'device',
    deviceId: username,
    publishTopics: DEVICE_PUBLISH_CHANNELS.map((channel) => deviceTopic(username, channel)),
    receiveTopics: DEVICE_SUBSCRIBE_CHANNELS.map((channel) => deviceTopic(username, channel)),
  };
}
