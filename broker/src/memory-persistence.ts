// The standalone broker's in-memory persistence: aedes-persistence's own MemoryPersistence (what
// aedes uses by default), answering at once what it would compute for nothing. aedes 1.2.0 asks
// for every QoS 1 message which offline sessions subscribed to its topic (a trie match and a
// promise) and queues it for them (another promise), and looks up the outgoing queue on every
// PUBACK (creating an empty one per clean client). With no persistent subscription at all, and
// for a client that never had a message queued, the answer is known without looking: the same
// resolved promise every time. Everything with a persistent session is the library's own code.

import { createRequire } from 'node:module';

interface Subscription {
  topic: string;
  qos: number;
}

interface ClientRef {
  id: string;
}

/** The parts of aedes-persistence 11's MemoryPersistence this overrides (its code, untyped). */
interface MemoryPersistenceBase {
  addSubscriptions(client: ClientRef, subs: Subscription[]): Promise<void>;
  removeSubscriptions(client: ClientRef, subs: string[]): Promise<void>;
  cleanSubscriptions(client: ClientRef): Promise<void>;
  subscriptionsByTopic(topic: string): Promise<unknown[]>;
  outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: object): Promise<void>;
  outgoingClearMessageId(client: ClientRef, packet: object): Promise<unknown>;
}

// The class itself (the package's main export wraps it in a callback layer aedes does not need).
const MemoryPersistence = createRequire(import.meta.url)('aedes-persistence/asyncPersistence.js') as new (
  opts?: object,
) => MemoryPersistenceBase;

const NO_SUBSCRIPTIONS: Promise<unknown[]> = Promise.resolve(Object.freeze([]) as unknown as unknown[]);
const NOTHING: Promise<undefined> = Promise.resolve(undefined);

export class PlatformMemoryPersistence extends MemoryPersistence {
  /** Persistent subscriptions with QoS > 0 (what the base puts in its trie), by client. */
  readonly #persistent = new Map<string, Set<string>>();
  /** Clients that ever had an outgoing message queued (the base keeps their queue forever). */
  readonly #queued = new Set<string>();

  // Kept in step synchronously, before the base changes its trie, so no message can pass between.
  override addSubscriptions(client: ClientRef, subs: Subscription[]): Promise<void> {
    let topics = this.#persistent.get(client.id);
    for (const sub of subs) {
      if (sub.qos > 0) {
        if (!topics) {
          topics = new Set();
          this.#persistent.set(client.id, topics);
        }
        topics.add(sub.topic);
      } else topics?.delete(sub.topic);
    }
    if (topics?.size === 0) this.#persistent.delete(client.id);
    return super.addSubscriptions(client, subs);
  }

  override removeSubscriptions(client: ClientRef, subs: string[]): Promise<void> {
    const topics = this.#persistent.get(client.id);
    for (const topic of subs) topics?.delete(topic);
    if (topics?.size === 0) this.#persistent.delete(client.id);
    return super.removeSubscriptions(client, subs);
  }

  override cleanSubscriptions(client: ClientRef): Promise<void> {
    this.#persistent.delete(client.id);
    return super.cleanSubscriptions(client);
  }

  override subscriptionsByTopic(topic: string): Promise<unknown[]> {
    return this.#persistent.size === 0 ? NO_SUBSCRIPTIONS : super.subscriptionsByTopic(topic);
  }

  override outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void> {
    this.#queued.add(sub.clientId);
    return super.outgoingEnqueue(sub, packet);
  }

  override outgoingEnqueueCombi(subs: { clientId: string }[], packet: object): Promise<void> {
    if (subs.length === 0) return NOTHING;
    for (const sub of subs) this.#queued.add(sub.clientId);
    return super.outgoingEnqueueCombi(subs, packet);
  }

  override outgoingClearMessageId(client: ClientRef, packet: object): Promise<unknown> {
    return this.#queued.has(client.id) ? super.outgoingClearMessageId(client, packet) : NOTHING;
  }
}
