// The gateway's connection to the broker: MQTT 3.1.1, QoS 1, so a publish resolves only once the
// broker acknowledged it (PUBACK). Only then does the gateway answer the SCAIP controller.

import mqtt from 'mqtt';

export interface PublisherOptions {
  url: string;
  username?: string;
  password?: string;
  /** Stable per gateway instance, so the broker's ACL and logs can name it. */
  clientId?: string;
  /** Fail the first connection after this long instead of hanging at start-up. */
  connectTimeoutMs?: number;
  /**
   * Said by the broker when this connection dies (MQTT Last Will), and `birth` published each time
   * it (re)connects and every `everyMs`; both retained, QoS 1. The gateway's status
   * (v1/gateways/<instance>/status); a clean close says the will itself (the calls end with it).
   */
  presence?: { topic: string; will: Buffer; birth: Buffer; everyMs: number };
}

export interface Publisher {
  publish(topic: string, payload: Buffer): Promise<void>;
  close(): Promise<void>;
}

export async function connectPublisher(options: PublisherOptions): Promise<Publisher> {
  const client = await mqtt.connectAsync(options.url, {
    protocolVersion: 4,
    clean: true,
    clientId: options.clientId ?? `scaip-gateway-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 1_000,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.presence
      ? { will: { topic: options.presence.topic, payload: options.presence.will, qos: 1, retain: true } }
      : {}),
  });
  const presence = options.presence;
  if (presence) {
    const birth = () => client.publish(presence.topic, presence.birth, { qos: 1, retain: true });
    birth();
    // after a reconnect the broker may already have said the will: say online again
    client.on('connect', birth);
    // the alarm center judges an instance it has not heard from for a while as lost
    const repeat = setInterval(() => client.connected && birth(), presence.everyMs);
    repeat.unref();
    client.once('end', () => clearInterval(repeat));
  }
  // The publishes of one turn of the event loop (the alarms of one burst of datagrams) leave in one
  // write: mqtt.js writes each packet on its own (a system call each, the gateway's largest cost
  // after parsing). The stream is corked until the turn's I/O is done, then flushed.
  let corked: NodeJS.WritableStream | null = null;
  const batchWrites = () => {
    if (corked || typeof client.stream?.cork !== 'function') return;
    const stream = client.stream;
    stream.cork();
    corked = stream;
    setImmediate(() => {
      corked = null;
      stream.uncork();
    });
  };
  return {
    async publish(topic, payload) {
      batchWrites();
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    async close() {
      if (presence && client.connected) {
        await client.publishAsync(presence.topic, presence.will, { qos: 1, retain: true }).catch(() => {});
      }
      await client.endAsync();
    },
  };
}

/**
 * Several publisher connections, because the broker works through one connection's packets a batch
 * at a time: four connections carried about 1.6 times the SCAIP alarms per second of one
 * (tests/bench/scaip.bench.ts). A topic always goes out on the same connection, so one device's
 * messages (an alarm, then its reset) keep their order.
 */
export function publisherPool(publishers: readonly Publisher[]): Publisher {
  if (publishers.length === 0) throw new RangeError('a publisher pool needs at least one publisher');
  const pick = (topic: string): Publisher => {
    let hash = 0;
    for (let i = 0; i < topic.length; i++) hash = (hash * 31 + topic.charCodeAt(i)) >>> 0;
    return publishers[hash % publishers.length] as Publisher;
  };
  return {
    publish: (topic, payload) => pick(topic).publish(topic, payload),
    async close() {
      await Promise.all(publishers.map((p) => p.close()));
    },
  };
}
