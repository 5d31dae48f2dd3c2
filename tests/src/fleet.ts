// A fleet of connected devices in front of a real alarm-center process on a fresh PostgreSQL
// database, with an operator console on the WebSocket stream: the set-up shared by the
// end-to-end benchmark and the soak run. Devices share one secret (hashed once) so that
// provisioning 50,000 of them is a single INSERT.

import { readFile } from 'node:fs/promises';
import { createTestDatabase, type TestDatabase } from '@trygg/alarm-center/testing';
import { hashSecret } from '@trygg/broker';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import pg from 'pg';
import WebSocket from 'ws';
import { type AlarmCenterProcess, centerEnvironment, startAlarmCenterProcess } from './alarm-center-process.ts';

const SECRET = 'fleet-device-secret-0001';

export interface Fleet {
  center: AlarmCenterProcess;
  pool: pg.Pool;
  clients: mqtt.MqttClient[];
  consoleSocket: WebSocket;
  connectSeconds: number;
  /** The alarm center's resident set size in MiB (Linux /proc). */
  centerRssMiB(): Promise<number>;
  /** Starts the background heartbeat load: every device once per `intervalS`. */
  startHeartbeats(intervalS: number): () => void;
  publishAlarm(client: mqtt.MqttClient, id: string): void;
  close(): Promise<void>;
}

export async function startFleet(devices: number, prefix = 'fleet-'): Promise<Fleet> {
  const db: TestDatabase = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {}); // a client still closing when the database is dropped
  const { env, httpPort, mqttPort } = await centerEnvironment(db.url);
  let center = await startAlarmCenterProcess(env, httpPort); // migrates the empty database
  const clients: mqtt.MqttClient[] = [];
  const close = async () => {
    for (const c of clients) c.end(true);
    await center.kill('SIGTERM');
    await pool.end();
    await db.drop();
  };
  try {
    const hash = await hashSecret(SECRET);
    await pool.query(
      `INSERT INTO devices (id, device_type, serial, district, status)
       SELECT $2 || i, 'pendant', 'SN' || i, 'district-' || (i % 40), 'installed' FROM generate_series(1, $1) i`,
      [devices, prefix],
    );
    await pool.query(
      `INSERT INTO device_credentials (device_id, secret_hash) SELECT $3 || i, $2 FROM generate_series(1, $1) i`,
      [devices, hash, prefix],
    );
    await pool.query(
      `INSERT INTO users (username, display_name, role, password_hash) VALUES ('fleet-op', 'Fleet', 'operator', $1)`,
      [await hashSecret('fleet-pw')],
    );
    await center.kill('SIGTERM');
    center = await startAlarmCenterProcess(env, httpPort); // loads the devices into the registry

    const connectStart = performance.now();
    for (let i = 1; i <= devices; i += 200) {
      const batch: Promise<mqtt.MqttClient>[] = [];
      for (let j = i; j < Math.min(i + 200, devices + 1); j++) {
        // As firmware does: a login refused for now (CONNACK 3 while the broker admits logins at
        // its bounded rate) is retried, and a dropped connection reconnects; never crash on either.
        const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
          protocolVersion: 4,
          clientId: `${prefix}${j}`,
          username: `${prefix}${j}`,
          password: SECRET,
          reconnectPeriod: 500 + Math.floor(Math.random() * 500),
          reconnectOnConnackError: true,
          keepalive: 300,
        });
        client.on('error', () => {});
        batch.push(new Promise((resolve) => client.once('connect', () => resolve(client))));
      }
      clients.push(...(await Promise.all(batch)));
    }
    const connectSeconds = (performance.now() - connectStart) / 1000;

    const login = await fetch(`http://127.0.0.1:${httpPort}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'fleet-op', password: 'fleet-pw' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const consoleSocket = new WebSocket(`ws://127.0.0.1:${httpPort}/api/stream`, { headers: { cookie } });
    consoleSocket.on('error', () => {});
    await new Promise((r) => consoleSocket.once('open', r));

    return {
      center,
      pool,
      clients,
      consoleSocket,
      connectSeconds,
      async centerRssMiB() {
        const status = await readFile(`/proc/${center.child.pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
        return kb / 1024;
      },
      startHeartbeats(intervalS) {
        let seq = 0;
        const perTick = Math.max(1, Math.ceil(clients.length / (intervalS * 10)));
        const timer = setInterval(() => {
          for (let k = 0; k < perTick; k++) {
            const c = clients[seq++ % clients.length] as mqtt.MqttClient;
            c.publish(
              deviceTopic(c.options.clientId as string, 'heartbeat'),
              JSON.stringify({ v: 1, id: `hb-${seq}-${Date.now()}`, ts: Date.now(), intervalS, battery: 90 }),
              { qos: 0 },
            );
          }
        }, 100);
        return () => clearInterval(timer);
      },
      publishAlarm(client, id) {
        const payload = JSON.stringify({ v: 1, id, ts: Date.now(), type: 'alarm.manual' });
        client.publish(deviceTopic(client.options.clientId as string, 'event'), payload, { qos: 1 });
      },
      close: async () => {
        consoleSocket.close();
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
