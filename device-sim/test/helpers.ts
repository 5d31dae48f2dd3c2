// A real broker (the platform's own aedes broker on an ephemeral port) with a service-account
// monitor that records every device message, for asserting what the platform would receive.

import { type RunningBroker, startBroker } from '@trygg/broker';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';

export const FLEET_SECRET = 'test-fleet-secret';

export interface Received {
  deviceId: string;
  channel: string;
  raw: string;
  body: Record<string, unknown> | null;
}

export interface TestBroker {
  broker: RunningBroker;
  url: string;
  received: Received[];
  ofDevice(deviceId: string): Received[];
  waitFor(predicate: (all: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

async function start(port: number) {
  return startBroker(
    { host: '127.0.0.1', mqttPort: port, wsPort: null, allowAnonymous: false, maxPayloadBytes: 16 * 1024 },
    {
      authenticator: { authenticate: async (_id, secret) => secret === FLEET_SECRET },
      serviceAccounts: [{ username: 'monitor', password: 'monitor-pw' }],
      logger: pino({ level: 'silent' }),
    },
  );
}

export async function startTestBroker(): Promise<TestBroker> {
  let broker = await start(0);
  const port = broker.mqttPort;
  const received: Received[] = [];
  const monitor: MqttClient = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 4,
    clientId: 'monitor',
    username: 'monitor',
    password: 'monitor-pw',
    reconnectPeriod: 100,
    clean: false,
  });
  await new Promise<void>((resolve) => monitor.once('connect', () => resolve()));
  await monitor.subscribeAsync('v1/devices/#', { qos: 1 });
  monitor.on('connect', () => monitor.subscribe('v1/devices/#', { qos: 1 }));
  monitor.on('message', (topic, payload) => {
    const [, , deviceId = '', channel = ''] = topic.split('/');
    const raw = payload.toString();
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(raw);
    } catch {
      body = null;
    }
    received.push({ deviceId, channel, raw, body });
  });
  const testBroker: TestBroker = {
    get broker() {
      return broker;
    },
    url: `mqtt://127.0.0.1:${port}`,
    received,
    ofDevice: (deviceId) => received.filter((r) => r.deviceId === deviceId),
    async waitFor(predicate, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > until) throw new Error(`timed out; received ${JSON.stringify(received.map((r) => r.raw))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      await broker.close();
    },
    async restart() {
      broker = await start(port);
    },
    async close() {
      monitor.end(true);
      await broker.close();
    },
  };
  return testBroker;
}

/** The event type of a received message, or the channel name for heartbeats and acks. */
export const kindOf = (r: Received) => (r.channel === 'event' ? String(r.body?.type) : r.channel);
