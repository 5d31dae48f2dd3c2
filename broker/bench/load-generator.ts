// The MQTT load generator behind broker.bench.ts, run as its own process (forked with IPC) so the
// broker under test and the clients never share an event loop, whichever broker is measured.
// Publishers keep a window of QoS 1 publishes in flight; one subscriber counts deliveries and takes
// each message's publish→delivery latency from the send time written into its payload.

import { pathToFileURL } from 'node:url';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt, { type MqttClient } from 'mqtt';

export interface LoadConfig {
  port: number;
  publishers: number;
  /** QoS 1 publishes in flight per publisher connection. */
  window: number;
  messages: number;
  warmupMessages: number;
  payloadBytes: number;
  /** Publishers connect as devices with this secret; the subscriber as this service account. */
  deviceSecret: string;
  service: { username: string; password: string };
}

export interface LoadResult {
  messages: number;
  seconds: number;
  msgsPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU the generator itself used during the measured phase, per message. */
  generatorCpuUsPerMsg: number;
}

/** Messages the parent receives: `measuring` right before the timed phase, then the result. */
export type LoadMessage =
  | { kind: 'measuring' }
  | { kind: 'result'; result: LoadResult }
  | { kind: 'error'; message: string };

export const publisherId = (n: number) => `bench-pub-${String(n).padStart(3, '0')}`;
export const SUBSCRIBE_FILTER = 'v1/devices/+/event';

function connect(port: number, clientId: string, username: string, password: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 4,
      clientId,
      username,
      password,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

interface Phase {
  total: number;
  delivered: number;
  latencies: Float64Array;
  lastDeliveryAt: number;
  done: () => void;
}

async function runLoad(config: LoadConfig, send: (m: LoadMessage) => void): Promise<void> {
  const subscriber = await connect(config.port, 'bench-subscriber', config.service.username, config.service.password);
  await subscriber.subscribeAsync(SUBSCRIBE_FILTER, { qos: 1 });
  const publishers = await Promise.all(
    Array.from({ length: config.publishers }, (_, n) =>
      connect(config.port, publisherId(n), publisherId(n), config.deviceSecret),
    ),
  );
  const topics = publishers.map((_, n) => deviceTopic(publisherId(n), 'event'));
  // A JSON-looking body of the requested size; its first 8 bytes are overwritten with the send time.
  const template = Buffer.alloc(config.payloadBytes, '{"v":1,"type":"alarm.pressed","pad":"xxxxxxxx"}');

  let phase: Phase | null = null;
  subscriber.on('message', (_topic, payload) => {
    const now = performance.now();
    if (!phase || phase.delivered >= phase.total) return;
    phase.latencies[phase.delivered++] = now - payload.readDoubleLE(0);
    phase.lastDeliveryAt = now;
    if (phase.delivered === phase.total) phase.done();
  });

  const run = (total: number) =>
    new Promise<{ current: Phase; startedAt: number }>((resolve, reject) => {
      let issued = 0;
      const startedAt = performance.now();
      const current: Phase = {
        total,
        delivered: 0,
        latencies: new Float64Array(total),
        lastDeliveryAt: startedAt,
        done: () => resolve({ current, startedAt }),
      };
      phase = current;
      const pump = (client: MqttClient, topic: string) => {
        if (issued >= total) return;
        issued++;
        const payload = Buffer.from(template);
        payload.writeDoubleLE(performance.now(), 0);
        client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : pump(client, topic)));
      };
      publishers.forEach((client, n) => {
        for (let w = 0; w < config.window; w++) pump(client, topics[n]!);
      });
    });

  await run(config.warmupMessages);
  globalThis.gc?.();
  send({ kind: 'measuring' });
  const cpuBefore = process.cpuUsage();
  const { current, startedAt } = await run(config.messages);
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (current.lastDeliveryAt - startedAt) / 1000;
  const sorted = current.latencies.sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  send({
    kind: 'result',
    result: {
      messages: config.messages,
      seconds,
      msgsPerS: config.messages / seconds,
      p50Ms: pct(50),
      p99Ms: pct(99),
      maxMs: sorted[sorted.length - 1]!,
      generatorCpuUsPerMsg: (cpu.user + cpu.system) / config.messages,
    },
  });
  await Promise.all([subscriber, ...publishers].map((c) => c.endAsync()));
}

// Run only when forked as the generator, not when the bench imports the types and names above.
if (process.send && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const send = (m: LoadMessage) => process.send!(m);
  process.once('message', (config: LoadConfig) => {
    runLoad(config, send).catch((err: Error) => send({ kind: 'error', message: err.message }));
  });
}
