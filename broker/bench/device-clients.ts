// Idle device clients for connections.bench.ts, in their own process so that their memory is not
// counted as the broker's. Connects `count` mqtt.js devices in batches, reports how long that took,
// and holds the connections open until the parent says `close`.

import { pathToFileURL } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';

export interface DeviceClientsConfig {
  port: number;
  count: number;
  /** Connections opened concurrently. */
  batch: number;
  secret: string;
}

export type DeviceClientsMessage =
  | { kind: 'connected'; count: number; seconds: number }
  | { kind: 'closed' }
  | { kind: 'error'; message: string };

export const deviceClientId = (n: number) => `bench-dev-${String(n).padStart(6, '0')}`;

function connectDevice(port: number, id: string, secret: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 4,
      clientId: id,
      username: id,
      password: secret,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
    });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

async function connectAll(config: DeviceClientsConfig, send: (m: DeviceClientsMessage) => void): Promise<void> {
  const clients: MqttClient[] = [];
  const start = performance.now();
  for (let first = 0; first < config.count; first += config.batch) {
    const ids = Array.from({ length: Math.min(config.batch, config.count - first) }, (_, i) =>
      deviceClientId(first + i),
    );
    clients.push(...(await Promise.all(ids.map((id) => connectDevice(config.port, id, config.secret)))));
  }
  send({ kind: 'connected', count: clients.length, seconds: (performance.now() - start) / 1000 });
  process.once('message', async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    send({ kind: 'closed' });
  });
}

// Run only when forked, not when the bench imports the names above.
if (process.send && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const send = (m: DeviceClientsMessage) => process.send!(m);
  process.once('message', (config: DeviceClientsConfig) => {
    connectAll(config, send).catch((err: Error) => send({ kind: 'error', message: err.message }));
  });
}
