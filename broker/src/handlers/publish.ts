// PUBLISH: aedes' authorizePublish. A device publishes only on its own channels and its message is
// acknowledged only after the platform's hook accepted it (the hook runs before aedes writes the
// PUBACK); a refused publish closes the connection without a PUBACK, so the device resends. A `$`
// topic from a non-device client is acknowledged and dropped (MQTT-3.3.5-2 allows either): `$`
// topics are the broker's, and routed, `$SYS/<id>/new/clients` would close any client as a takeover.

import { parseDeviceTopic } from '@trygg/firmware-protocol';
import type { Aedes, Client, PublishPacket } from 'aedes';
import { isReservedTopic, mayPublish } from '../acl.ts';
import type { BrokerContext } from '../context.ts';
import type { PublishPipeline } from '../publish-pipeline.ts';

type AuthorizePublish = (client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) => void;

/** aedes' own errors for a PUBLISH topic it will not route (lib/handlers/publish.js). */
export const PUBLISH_TOPIC_ERROR = /not allowed in PUBLISH|topic has too many levels/;

/**
 * Makes aedes acknowledge, then not route, the packets put in the returned set. aedes 1.2.0
 * (pinned) calls broker.publish with the very packet authorizePublish saw, after writing the
 * PUBACK (QoS 1) or storing it for PUBREC (QoS 2); it has no hook for "acknowledge but drop".
 */
export function dropAfterAcknowledging(aedes: Aedes): WeakSet<PublishPacket> {
  const dropped = new WeakSet<PublishPacket>();
  const route = aedes.publish.bind(aedes) as (packet: PublishPacket, client: unknown, done?: unknown) => void;
  const publish = (packet: PublishPacket, client: unknown, done?: (err?: Error) => void) => {
    if (typeof client === 'object' && client !== null && dropped.has(packet)) {
      dropped.delete(packet);
      return done?.();
    }
    route(packet, client, done);
  };
  Object.assign(aedes, { publish });
  return dropped;
}

export function authorizePublish(
  ctx: BrokerContext,
  dropped: WeakSet<PublishPacket>,
  pipeline: PublishPipeline,
): AuthorizePublish {
  return (client, packet, done) => {
    if (!client) return done(null); // the broker's own will/internal publishes
    const identity = ctx.identities.get(client);
    if (identity && identity.kind !== 'device' && isReservedTopic(packet.topic)) {
      ctx.refusals.publish({ reason: 'TOPIC_NOT_ALLOWED', clientId: client.id }, packet.topic);
      dropped.add(packet);
      return done(null);
    }
    if (!identity || !mayPublish(identity, packet.topic)) {
      // Someone else's valid device topic is an impersonation attempt; anything else is malformed.
      const reason = parseDeviceTopic(packet.topic) ? 'TOPIC_NOT_ALLOWED' : 'TOPIC_INVALID';
      ctx.refusals.publish({ reason, clientId: client.id }, packet.topic);
      return done(new Error(`not allowed to publish on ${packet.topic}`));
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (payload.byteLength > ctx.maxPayloadBytes) {
      ctx.refusals.publish({ reason: 'PAYLOAD_TOO_LARGE', clientId: client.id }, packet.topic);
      return done(new Error(`payload of ${payload.byteLength} bytes exceeds ${ctx.maxPayloadBytes}`));
    }
    if (identity.kind === 'device') packet.retain = false; // a device's alarm is an event, never a state
    const hook = ctx.onPublished;
    if (!hook) {
      ctx.counters.published++;
      return done(null);
    }
    // The connection's next publishes are read while this one's hook runs (publish-pipeline.ts);
    // the outcomes reach aedes in the order the publishes came.
    const settled = pipeline.started(client, done);
    hook({ topic: packet.topic, payload, qos: packet.qos, clientId: client.id }).then(
      () => {
        ctx.counters.published++;
        settled(null);
      },
      (err: Error) => {
        ctx.counters.hookFailed++;
        ctx.logger.error(
          { err: err.message, clientId: client.id, topic: packet.topic },
          'publish not accepted; no PUBACK',
        );
        settled(err);
      },
    );
  };
}
