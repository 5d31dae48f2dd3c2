// Delivery: aedes' authorizeForward, asked for every message before it is written to a subscriber
// (live, retained and queued offline). This is where device topics are kept from anyone not
// entitled to them, whatever wildcard they subscribed with.

import type { AedesPublishPacket, Client } from 'aedes';
import { mayReceive, withinTopics } from '../acl.ts';
import type { BrokerContext } from '../context.ts';

export function authorizeForward(
  ctx: BrokerContext,
): (client: Client, packet: AedesPublishPacket) => AedesPublishPacket | null {
  return (client, packet) => {
    const identity = ctx.identities.get(client);
    if (!identity || !mayReceive(identity, packet.topic) || withinTopics(packet.topic, ctx.noSubscribeTopics)) {
      return null;
    }
    return packet;
  };
}
