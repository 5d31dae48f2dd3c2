// End-to-end latency: from a device's MQTT publish to a console's WebSocket receipt of the new
// alarm, with 10,000 simulated devices connected and heartbeating. The alarm center runs as its
// own process (the `npm start` entry point) on real PostgreSQL; devices and the console run here.
// Prints JSON lines {"bench":"e2e",...} and a human summary.

import { createTestDatabase, freePort } from '@trygg/alarm-center/testing';
import { hashSecret } from '@trygg/broker';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import pg from 'pg';
import WebSocket from 'ws';
import { startAlarmCenterProcess } from '../src/alarm-center-process.ts';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000);
const ALARMS = Number(process.env.BENCH_ALARMS ?? 2_000);
const ALARMS_PER_S = 100;
const SECRET = 'bench-device-secret-0001';

const db = await createTestDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
const httpPort = await freePort();
const mqttPort = await freePort();
const env = {
  DATABASE_URL: db.url,
  PII_KEY: '22'.repeat(32),
  MQTT_PORT: String(mqttPort),
  MQTT_WS_PORT: String(await freePort()),
  HTTP_HOST: '127.0.0.1',
  MQTT_HOST: '127.0.0.1',
  LOG_LEVEL: 'error',
  ESCALATE_AFTER_S: '3600',
};
let center = await startAlarmCenterProcess(env, httpPort);
const clients: mqtt.MqttClient[] = [];
try {
  const hash = await hashSecret(SECRET);
  await pool.query(
    `INSERT INTO devices (id, device_type, serial, district, status)
     SELECT 'bench-' || i, 'pendant', 'SN' || i, 'district-' || (i % 40), 'installed' FROM generate_series(1, $1) i`,
    [DEVICES],
  );
  await pool.query(
    `INSERT INTO device_credentials (device_id, secret_hash) SELECT 'bench-' || i, $2 FROM generate_series(1, $1) i`,
    [DEVICES, hash],
  );
  await pool.query(
    `INSERT INTO users (username, display_name, role, password_hash) VALUES ('bench-op', 'Bench', 'operator', $1)`,
    [await hashSecret('bench-pw')],
  );
  await center.kill('SIGTERM');
  center = await startAlarmCenterProcess(env, httpPort); // loads the devices into the registry

  const connectStart = performance.now();
  for (let i = 1; i <= DEVICES; i += 200) {
    const batch: Promise<mqtt.MqttClient>[] = [];
    for (let j = i; j < Math.min(i + 200, DEVICES + 1); j++) {
      batch.push(
        mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
          protocolVersion: 4,
          clientId: `bench-${j}`,
          username: `bench-${j}`,
          password: SECRET,
          reconnectPeriod: 0,
          keepalive: 300,
        }),
      );
    }
    clients.push(...(await Promise.all(batch)));
  }
  const connectS = (performance.now() - connectStart) / 1000;

  const login = await fetch(`http://127.0.0.1:${httpPort}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench-op', password: 'bench-pw' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const consoleSocket = new WebSocket(`ws://127.0.0.1:${httpPort}/api/stream`, { headers: { cookie } });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let done: () => void = () => {};
  const allReceived = new Promise<void>((r) => (done = r));
  consoleSocket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type !== 'alarm' || message.alarm.repeatCount !== 0) return;
    const t = sentAt.get(message.alarm.deviceId);
    if (t === undefined) return;
    sentAt.delete(message.alarm.deviceId);
    latencies.push(performance.now() - t);
    if (latencies.length === ALARMS) done();
  });
  await new Promise((r) => consoleSocket.once('open', r));

  // Background load: every device heartbeats once a minute (~167 heartbeats/s for 10,000).
  let hbSeq = 0;
  const heartbeat = setInterval(() => {
    for (let k = 0; k < Math.ceil(DEVICES / 600); k++) {
      const c = clients[hbSeq++ % clients.length]!;
      c.publish(
        deviceTopic(c.options.clientId!, 'heartbeat'),
        JSON.stringify({ v: 1, id: `hb-${hbSeq}-${Date.now()}`, ts: Date.now(), intervalS: 60, battery: 90 }),
        { qos: 0 },
      );
    }
  }, 100);

  const started = performance.now();
  for (let n = 0; n < ALARMS; n++) {
    const c = clients[(n * 4999) % clients.length]!; // a different device for every alarm
    const deviceId = c.options.clientId!;
    const payload = JSON.stringify({ v: 1, id: `press-${n}-${Date.now()}`, ts: Date.now(), type: 'alarm.manual' });
    sentAt.set(deviceId, performance.now());
    c.publish(deviceTopic(deviceId, 'event'), payload, { qos: 1 });
    const due = started + ((n + 1) * 1000) / ALARMS_PER_S;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.race([allReceived, new Promise((r) => setTimeout(r, 30_000))]);
  clearInterval(heartbeat);
  consoleSocket.close();

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  const line = (metric: string, value: number, unit: string) =>
    process.stdout.write(`${JSON.stringify({ bench: 'e2e', metric, value: Number(value.toFixed(3)), unit })}\n`);
  line('p50_ms', pct(50), 'ms');
  line('p99_ms', pct(99), 'ms');
  line('max_ms', latencies.at(-1) ?? Number.NaN, 'ms');
  line('received', latencies.length, 'count');
  line('connected_devices', clients.length, 'count');
  line('connect_s', connectS, 's');
  process.stdout.write(
    `e2e: ${latencies.length}/${ALARMS} alarms at ${ALARMS_PER_S}/s from ${clients.length.toLocaleString('en')} connected devices (heartbeating); publish → console WebSocket p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms; devices connected in ${connectS.toFixed(1)} s\n`,
  );
  if (latencies.length < ALARMS) process.exitCode = 1;
} finally {
  for (const c of clients) c.end(true);
  await center.kill('SIGTERM');
  await pool.end();
  await db.drop();
}
