// The reconnect storm: a power returns and BENCH_STORM_DEVICES (19,000) units reconnect within 10
// seconds, each sending a restoral (power.restored) and a heartbeat; in the middle of the storm
// already-connected units press their buttons. Reports how long each press took to be committed
// (its PUBACK, which the broker sends only after the commit) and how long the storm took to be
// stored. The devices run in BENCH_STORM_PROCESSES (4) processes: 20,000 connections and everything
// else exceed one process's 20,000 open files. Runs a transaction per message (as ingest did before
// group commit) and the group commit's priority lanes in one run (BENCH_STORM_MODE picks one).
// Prints JSON lines {"bench":"storm",...} and a human summary.

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@trygg/alarm-center/testing';
import { generateSecret, hashDeviceSecret } from '@trygg/broker';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import pg from 'pg';
import { centerEnvironment, startAlarmCenterProcess } from '../src/alarm-center-process.ts';

// 19,000: one alarm-center process may hold 20,000 descriptors here, less the 512 its broker keeps
// back for the database pool, consoles and logs (MQTT_FD_RESERVE); beyond that a node refuses devices.
const DEVICES = Number(process.env.BENCH_STORM_DEVICES ?? 19_000);
const PROCESSES = Number(process.env.BENCH_STORM_PROCESSES ?? 4);
const STORM_MS = 10_000;
const PRESSES = 5;
/** Longest the storm may take to be stored before the run counts as failed. */
const STORM_LIMIT_MS = Number(process.env.BENCH_STORM_LIMIT_S ?? 120) * 1000;
/** One issued-length secret for every unit, stored with the fast hash issued secrets get. */
const SECRET = generateSecret();
const PREFIX = 'storm-';
const devicesScript = fileURLToPath(new URL('./storm-devices.ts', import.meta.url));

const MODES: { name: string; env: Record<string, string> }[] = [
  { name: 'per_message', env: { INGEST_BATCH_MAX: '1', INGEST_TRANSACTIONS: '8' } },
  { name: 'group_commit', env: {} as Record<string, string> },
].filter((m) => !process.env.BENCH_STORM_MODE || m.name === process.env.BENCH_STORM_MODE);

const line = (mode: string, metric: string, value: number, unit: string) =>
  process.stdout.write(
    `${JSON.stringify({ bench: 'storm', mode, metric, value: Number(value.toFixed(3)), unit, devices: DEVICES })}\n`,
  );

const db = await createTestDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
const { env, httpPort, mqttPort } = await centerEnvironment(db.url);
let center = await startAlarmCenterProcess(env, httpPort); // migrates the empty database
let failed = false;
try {
  const hash = await hashDeviceSecret(SECRET);
  await pool.query(
    `INSERT INTO devices (id, device_type, serial, district, status)
     SELECT $2 || i, 'pendant', 'SN' || i, 'district-' || (i % 40), 'installed' FROM generate_series(1, $1) i`,
    [DEVICES, PREFIX],
  );
  await pool.query(
    `INSERT INTO devices (id, device_type, serial, district, status)
     SELECT 'presser-' || i, 'pendant', 'SNP' || i, 'district-0', 'installed' FROM generate_series(1, $1) i`,
    [PRESSES],
  );
  await pool.query(`INSERT INTO device_credentials (device_id, secret_hash) SELECT id, $1 FROM devices`, [hash]);
  await center.kill('SIGTERM');

  for (const mode of MODES) {
    await pool.query('TRUNCATE alarm_events, alarms, device_messages CASCADE');
    center = await startAlarmCenterProcess({ ...env, ...mode.env }, httpPort); // loads the devices
    const pressers: mqtt.MqttClient[] = [];
    const children: ChildProcess[] = [];
    try {
      for (let i = 1; i <= PRESSES; i++) {
        pressers.push(
          await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
            protocolVersion: 4,
            clientId: `presser-${i}`,
            username: `presser-${i}`,
            password: SECRET,
            reconnectOnConnackError: true,
            keepalive: 300,
          }),
        );
      }
      const perProcess = Math.ceil(DEVICES / PROCESSES);
      const finished: Promise<{ connected: number; acknowledged: number; seconds: number }>[] = [];
      const started = performance.now();
      for (let p = 0; p < PROCESSES; p++) {
        const first = 1 + p * perProcess;
        const count = Math.min(perProcess, DEVICES - p * perProcess);
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            devicesScript,
            String(mqttPort),
            PREFIX,
            String(first),
            String(count),
            String(STORM_MS),
            SECRET,
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
        children.push(child);
        finished.push(
          new Promise((resolve, reject) => {
            createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
            child.once('exit', (code) => reject(new Error(`storm devices exited with ${code}`)));
          }),
        );
      }

      // presses in the middle of the storm, from units that kept their connection
      const pressLatencies: number[] = [];
      const presses = pressers.map(async (client, k) => {
        const at = started + STORM_MS * (0.3 + 0.1 * k);
        await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
        const payload = JSON.stringify({ v: 1, id: `press-${mode.name}-${k}`, ts: Date.now(), type: 'alarm.manual' });
        const sent = performance.now();
        await client.publishAsync(deviceTopic(`presser-${k + 1}`, 'event'), payload, { qos: 1 });
        pressLatencies.push(performance.now() - sent);
      });

      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        Promise.all([Promise.all(finished), Promise.all(presses)]).then(([shares]) => shares),
        new Promise<null>((r) => (timer = setTimeout(() => r(null), STORM_LIMIT_MS))),
      ]);
      clearTimeout(timer);
      const stormS = (performance.now() - started) / 1000;
      const { rows } = await pool.query<{ restorals: number; presses: number }>(
        `SELECT (SELECT count(*)::int FROM device_messages WHERE event_type = 'power.restored') AS restorals,
                (SELECT count(*)::int FROM alarms WHERE kind = 'manual' AND device_id LIKE 'presser-%') AS presses`,
      );
      const stored = rows[0] ?? { restorals: 0, presses: 0 };
      pressLatencies.sort((a, b) => a - b);
      const maxPress = pressLatencies.at(-1) ?? Number.NaN;
      for (const [k, ms] of pressLatencies.entries()) line(mode.name, `press_committed_ms_${k + 1}`, ms, 'ms');
      line(mode.name, 'press_committed_max_ms', maxPress, 'ms');
      line(mode.name, 'storm_stored_s', stormS, 's');
      line(mode.name, 'restorals_stored', stored.restorals, 'count');
      line(mode.name, 'presses_stored', stored.presses, 'count');
      const connected = outcome ? outcome.reduce((s, o) => s + o.connected, 0) : 0;
      process.stdout.write(
        `storm ${mode.name}: ${DEVICES.toLocaleString('en')} units reconnecting within ${STORM_MS / 1000} s in ${PROCESSES} processes, each a restoral and a heartbeat; ${outcome ? `${connected.toLocaleString('en')} connected and every restoral acknowledged after ${stormS.toFixed(1)} s` : `not done within ${STORM_LIMIT_MS / 1000} s`}; ${stored.restorals.toLocaleString('en')} restorals stored; ${pressLatencies.length}/${PRESSES} in-storm presses committed in ${pressLatencies.map((ms) => ms.toFixed(0)).join(', ')} ms (max ${maxPress.toFixed(0)} ms)\n`,
      );
      if (!outcome || stored.presses !== PRESSES || stored.restorals !== DEVICES) failed = true;
    } finally {
      for (const child of children) {
        child.stdin?.end();
        if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      }
      for (const client of pressers) await client.endAsync(true);
      await center.kill('SIGTERM');
    }
  }
  if (failed) process.exitCode = 1;
} finally {
  await center.kill('SIGTERM');
  await pool.end();
  await db.drop();
}
