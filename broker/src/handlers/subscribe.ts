// SUBSCRIBE: aedes' authorizeSubscribe. A refused filter gets SUBACK 0x80 and the connection stays;
// what a granted wildcard may deliver is decided per message by the forward handler.

import type { Client, Subscription } from 'aedes';
import { maySubscribe, withinTopics } from '../acl.ts';
import type { BrokerContext } from '../context.ts';

type AuthorizeSubscribe = (
  client: Client,
  subscription: Subscription,
  done: (err: Error | null, subscription?: Subscription | null) => void,
) => void;

export function authorizeSubscribe(ctx: BrokerContext): AuthorizeSubscribe {
  return (client, subscription, done) => {
    const filter = subscription.topic;
    const identity = ctx.identities.get(client);
    if (withinTopics(filter, ctx.noSubscribeTopics)) {
      ctx.refusals.subscribe({ reason: 'NO_SUBSCRIBE_TOPIC', clientId: client.id, filter });
      return done(null, null);
    }
    if (!identity || !maySubscribe(identity, filter)) {
      ctx.refusals.subscribe({ reason: 'FILTER_NOT_ALLOWED', clientId: client.id, filter });
      return done(null, null);
    }
    done(null, subscription);
  };
}
