// Connection capacity: how much memory our broker (in this process) spends per idle, authenticated
// device connection, and how fast devices connect. The devices are mqtt.js clients in a child
// process (device-clients.ts) so only the broker's memory is measured here. Prints JSON lines,
// then a human summary.

import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startBroker } from '../src/broker.ts';
import type { DeviceClientsConfig, DeviceClientsMessage } from './device-clients.ts';

/** The login bounds out of reach: what is measured here is the broker, not its admission. */
const UNBOUNDED_LOGINS = {
  loginsPerSecond: 1e9,
  loginBurst: 1e9,
  maxConcurrentVerifications: 64,
  maxQueuedVerifications: 1e9,
};

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const BATCH = 500;
const SECRET = 'bench-device-secret';
const clientsPath = fileURLToPath(new URL('./device-clients.ts', import.meta.url));

function memory() {
  globalThis.gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

const broker = await startBroker(
  {
    host: '127.0.0.1',
    mqttPort: 0,
    wsPort: null,
    allowAnonymous: false,
    maxPayloadBytes: 16 * 1024,
    admission: UNBOUNDED_LOGINS,
  },
  {
    authenticator: { authenticate: async (_id, secret) => secret === SECRET },
    logger: pino({ level: 'silent' }),
  },
);
const child = fork(clientsPath, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const next = () =>
  new Promise<DeviceClientsMessage>((resolve, reject) => {
    child.once('message', (m: DeviceClientsMessage) =>
      m.kind === 'error' ? reject(new Error(`device clients: ${m.message}`)) : resolve(m),
    );
  });

let report: { connected: number; seconds: number; heapPerConn: number; rssPerConn: number; rssMiB: number };
try {
  await sleep(200);
  const before = memory();
  child.send({ port: broker.mqttPort, count: CONNECTIONS, batch: BATCH, secret: SECRET } satisfies DeviceClientsConfig);
  const done = await next();
  if (done.kind !== 'connected') throw new Error(`unexpected ${done.kind} from the device clients`);
  await sleep(1000); // let the broker finish its per-client bookkeeping before measuring
  const after = memory();
  const connected = broker.stats().connectedClients;
  if (connected !== CONNECTIONS) throw new Error(`broker holds ${connected} of ${CONNECTIONS} connections`);
  report = {
    connected,
    seconds: done.seconds,
    heapPerConn: (after.heapUsed - before.heapUsed) / connected,
    rssPerConn: (after.rss - before.rss) / connected,
    rssMiB: after.rss / 2 ** 20,
  };
  child.send('close');
  await next();
} finally {
  child.kill();
  await broker.close();
}

const rate = Math.round(report.connected / report.seconds);
const line = (metric: string, value: number, unit: string) =>
  process.stdout.write(
    `${JSON.stringify({ bench: 'connections', metric, value, unit, connections: report.connected })}\n`,
  );
line('connects_per_s', rate, '1/s');
line('heap_bytes_per_connection', Math.round(report.heapPerConn), 'B');
line('rss_bytes_per_connection', Math.round(report.rssPerConn), 'B');
line('rss_mib', Number(report.rssMiB.toFixed(1)), 'MiB');
process.stdout.write(
  `connections: ${report.connected.toLocaleString('en')} idle authenticated devices connected in ${report.seconds.toFixed(1)} s (${rate.toLocaleString('en')} connects/s, batches of ${BATCH}); broker memory per connection: heap ${(report.heapPerConn / 1024).toFixed(1)} KiB, RSS ${(report.rssPerConn / 1024).toFixed(1)} KiB; broker process RSS ${report.rssMiB.toFixed(0)} MiB\n`,
);
