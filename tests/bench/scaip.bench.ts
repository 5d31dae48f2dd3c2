// SCAIP throughput end to end: distinct `mrq` manual alarms per second that a controller gets a
// 200 OK with snu 0 for, which the gateway sends only after the alarm center committed the alarm
// (gateway → broker → ingest → PostgreSQL → PUBACK). The alarm center runs as its own process
// (`npm start` entry point) on real PostgreSQL; the gateway runs here, the UDP load client
// (scaip-load.ts) as a process of its own. Runs twice in one run, a transaction per message and
// group commit (BENCH_SCAIP_MODE picks one), and reports the CPU each alarm cost the alarm center,
// PostgreSQL, the gateway and the load client, each apart.
// Prints JSON lines {"bench":"scaip",...} and a human summary.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createTestDatabase } from '@trygg/alarm-center/testing';
import { connectPublisher, pgControllerRegistry, scaipDeviceId, startGateway } from '@trygg/gateway';
import pg from 'pg';
import pino from 'pino';
import { centerEnvironment, startAlarmCenterProcess } from '../src/alarm-center-process.ts';
import type { Outcome } from './scaip-load.ts';

const CONTROLLERS = Number(process.env.BENCH_SCAIP_CONTROLLERS ?? 200);
const DEVICES_PER_CONTROLLER = Number(process.env.BENCH_SCAIP_DEVICES_PER_CONTROLLER ?? 20);
/** Requests in flight at once, across all controllers. */
const WINDOW = Number(process.env.BENCH_SCAIP_WINDOW ?? 100);
/** MQTT connections the gateway publishes over (main.ts: GATEWAY_MQTT_CONNECTIONS, 4), each publish on the next in turn. */
const CONNECTIONS = Number(process.env.BENCH_SCAIP_CONNECTIONS ?? 1);
/**
 * BENCH_SCAIP_SAMPLE_BACKENDS=1: sample the database's backends in a transaction every 5 ms. Off by
 * default: the sampler runs in this process and queries the same database, so its CPU would count
 * as the gateway's (about 8 µs per alarm) and its backend's as PostgreSQL's.
 */
const SAMPLE_BACKENDS = process.env.BENCH_SCAIP_SAMPLE_BACKENDS === '1';
const ACCOUNT = { username: 'scaip-gateway', password: 'bench-gateway-secret-01' };

const cidOf = (c: number) => String(4_700_000 + c);
const MESSAGES = CONTROLLERS * DEVICES_PER_CONTROLLER;

const alarmBody = (cid: string, did: string, ref: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><mrq><ref>${ref}</ref><cid>${cid}</cid><mty>ME</mty><dty>0003</dty><did>${did}</did><stc>0010</stc><pri>1</pri></mrq>`;
const heartbeatBody = (cid: string, ref: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><mrq><ref>${ref}</ref><cid>${cid}</cid><mty>PI</mty><dty>0003</dty><did>1</did><hbi>300</hbi></mrq>`;

const LOAD_CLIENT = new URL('./scaip-load.ts', import.meta.url).pathname;

/**
 * The requests through the load client (scaip-load.ts), a process of its own, so that this
 * process's CPU is the gateway's: its answer carries its outcome, how long it drove and its CPU.
 */
async function drive(
  port: number,
  bodies: { callId: string; body: string }[],
): Promise<Outcome & { elapsedS: number; cpuS: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD_CLIENT], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.stdin.end(JSON.stringify({ port, window: WINDOW, bodies }));
  const code = await exited;
  if (code !== 0) throw new Error(`load client exited with ${code}`);
  return JSON.parse(output);
}

/** CPU seconds a process has used so far (user + system), from /proc; 0 where there is no /proc. */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** CPU seconds of the PostgreSQL backends serving `database` now. */
async function backendCpuSeconds(pool: pg.Pool, database: string): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return new Map(rows.map((r) => [r.pid, cpuSecondsOf(r.pid)]));
}

/**
 * How many of the database's backends are inside a transaction (or a statement), sampled every
 * 5 ms until stopped: with one gateway connection, how many ingest transactions are in flight.
 */
function sampleBusyBackends(
  pool: pg.Pool,
  database: string,
): () => Promise<{ mean: number; max: number; overlap: number }> {
  let running = true;
  const samples: number[] = [];
  const loop = (async () => {
    while (running) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start IS NOT NULL`,
        [database],
      );
      samples.push(rows[0]?.n ?? 0);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return async () => {
    running = false;
    await loop;
    const sum = samples.reduce((a, b) => a + b, 0);
    const busy = samples.filter((n) => n >= 1).length;
    const overlap = samples.filter((n) => n >= 2).length / Math.max(1, busy);
    return { mean: sum / Math.max(1, samples.length), max: Math.max(0, ...samples), overlap };
  };
}

/**
 * The ingest modes compared in one run: a transaction per message (what ingest did before group
 * commit: up to 8 at once on the pool) and the group commit's defaults.
 */
const MODES: { name: string; env: Record<string, string> }[] = [
  { name: 'per_message', env: { INGEST_BATCH_MAX: '1', INGEST_TRANSACTIONS: '8' } },
  { name: 'group_commit', env: {} as Record<string, string> },
].filter((m) => !process.env.BENCH_SCAIP_MODE || m.name === process.env.BENCH_SCAIP_MODE);

const db = await createTestDatabase();
const databaseName = new URL(db.url).pathname.slice(1);
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
const { env, httpPort, mqttPort } = await centerEnvironment(db.url, {
  BROKER_SERVICE_USERS: `${ACCOUNT.username}:${ACCOUNT.password}`,
});
/** BENCH_SCAIP_DATABASE_SOCKET=/var/run/postgresql: the alarm center reaches PostgreSQL over its Unix socket, not TCP. */
if (process.env.BENCH_SCAIP_DATABASE_SOCKET) {
  const url = new URL(db.url);
  url.searchParams.set('host', process.env.BENCH_SCAIP_DATABASE_SOCKET);
  env.DATABASE_URL = url.toString();
}
let center = await startAlarmCenterProcess(env, httpPort);
const registryPool = new pg.Pool({ connectionString: db.url, max: 4 });
const line = (mode: string, metric: string, value: number, unit: string) =>
  process.stdout.write(`${JSON.stringify({ bench: 'scaip', mode, metric, value: Number(value.toFixed(3)), unit })}\n`);
let failed = false;
const perSecondByMode = new Map<string, number>();
try {
  // every SCAIP device provisioned like any device, one controller per CONTROLLERS
  await pool.query(
    `INSERT INTO devices (id, device_type, serial, district, status, heartbeat_interval_s)
     SELECT 'scaip-' || (4700000 + c) || '-' || d, 'pendant', 'SCAIP' || c || '-' || d, 'district-' || (c % 40),
            'installed', 300
     FROM generate_series(0, $1 - 1) c, generate_series(1, $2) d`,
    [CONTROLLERS, DEVICES_PER_CONTROLLER],
  );
  await center.kill('SIGTERM');

  for (const mode of MODES) {
    // each mode starts from no alarms, on a fresh process (which loads the devices into its registry)
    await pool.query('TRUNCATE alarm_events, alarms, device_messages CASCADE');
    center = await startAlarmCenterProcess({ ...env, ...mode.env }, httpPort);
    const publishers: Awaited<ReturnType<typeof connectPublisher>>[] = [];
    let gateway: Awaited<ReturnType<typeof startGateway>> | null = null;
    try {
      for (let i = 0; i < CONNECTIONS; i++) {
        publishers.push(
          await connectPublisher({
            url: `mqtt://127.0.0.1:${mqttPort}`,
            ...ACCOUNT,
            clientId: `scaip-gateway-bench-${i}`,
          }),
        );
      }
      let turn = 0;
      gateway = await startGateway({
        host: '127.0.0.1',
        udpPort: 0,
        tcpPort: 0,
        controllers: pgControllerRegistry({ pool: registryPool }),
        publish: (topic, payload) => publishers[turn++ % publishers.length]!.publish(topic, payload),
        logger: pino({ level: 'error' }),
      });
      const sipPort = gateway.udpPort;

      // warm-up: one heartbeat per controller (registry cache, broker session, JIT); not measured
      const warm = await drive(
        sipPort,
        Array.from({ length: CONTROLLERS }, (_, c) => ({
          callId: `warm-${mode.name}-${c}`,
          body: heartbeatBody(cidOf(c), `W${c}`),
        })),
      );
      if (warm.ok !== CONTROLLERS) throw new Error(`warm-up: ${warm.ok}/${CONTROLLERS} heartbeats accepted`);

      // interleave controllers so concurrent requests come from different controllers and devices
      const alarms = Array.from({ length: MESSAGES }, (_, n) => {
        const c = n % CONTROLLERS;
        const did = String(Math.floor(n / CONTROLLERS) + 1);
        return { callId: `alarm-${mode.name}-${n}`, body: alarmBody(cidOf(c), did, `A${n}`) };
      });
      const centerPid = center.child.pid ?? 0;
      const centerCpu0 = cpuSecondsOf(centerPid);
      const backends0 = await backendCpuSeconds(pool, databaseName);
      const ownCpu0 = process.cpuUsage();
      const stopSampling = SAMPLE_BACKENDS ? sampleBusyBackends(pool, databaseName) : async () => null;
      const outcome = await drive(sipPort, alarms);
      const busy = await stopSampling();
      // the rate over the load client's own sending and answers, not its start-up
      const { elapsedS } = outcome;
      const ownCpu = process.cpuUsage(ownCpu0);
      const gatewayCpuS = (ownCpu.user + ownCpu.system) / 1e6;
      const centerCpuS = cpuSecondsOf(centerPid) - centerCpu0;
      let databaseCpuS = 0;
      for (const [pid, cpu] of await backendCpuSeconds(pool, databaseName))
        databaseCpuS += cpu - (backends0.get(pid) ?? 0);

      const { rows } = await pool.query<{ messages: number; alarms: number }>(
        `SELECT (SELECT count(*)::int FROM device_messages WHERE event_type = 'alarm.manual' AND device_id LIKE 'scaip-%') AS messages,
                (SELECT count(*)::int FROM alarms WHERE kind = 'manual' AND device_id LIKE 'scaip-%') AS alarms`,
      );
      const committed = rows[0] ?? { messages: 0, alarms: 0 };
      const sample = scaipDeviceId(cidOf(0), '1');

      outcome.latenciesMs.sort((a, b) => a - b);
      const pct = (p: number) =>
        outcome.latenciesMs[
          Math.min(outcome.latenciesMs.length - 1, Math.floor((p / 100) * outcome.latenciesMs.length))
        ] ?? Number.NaN;
      const perS = outcome.ok / elapsedS;
      perSecondByMode.set(mode.name, perS);
      const perAlarmUs = (cpuS: number) => (cpuS * 1e6) / Math.max(1, outcome.ok);
      line(mode.name, 'accepted_per_s', perS, 'msg/s');
      line(mode.name, 'p50_ms', pct(50), 'ms');
      line(mode.name, 'p99_ms', pct(99), 'ms');
      line(mode.name, 'accepted', outcome.ok, 'count');
      line(mode.name, 'committed_alarms', committed.alarms, 'count');
      line(mode.name, 'retransmissions', outcome.retransmissions, 'count');
      line(mode.name, 'alarm_center_cpu_per_alarm_us', perAlarmUs(centerCpuS), 'us');
      line(mode.name, 'postgres_cpu_per_alarm_us', perAlarmUs(databaseCpuS), 'us');
      line(mode.name, 'gateway_cpu_per_alarm_us', perAlarmUs(gatewayCpuS), 'us');
      line(mode.name, 'load_client_cpu_per_alarm_us', perAlarmUs(outcome.cpuS), 'us');
      line(mode.name, 'gateway_and_client_cpu_per_alarm_us', perAlarmUs(gatewayCpuS + outcome.cpuS), 'us');
      if (busy) {
        line(mode.name, 'db_backends_in_transaction_mean', busy.mean, 'count');
        line(mode.name, 'db_backends_in_transaction_max', busy.max, 'count');
        line(mode.name, 'db_busy_samples_with_two_or_more', busy.overlap, 'ratio');
      }
      line(mode.name, 'window', WINDOW, 'count');
      line(mode.name, 'mqtt_connections', CONNECTIONS, 'count');
      process.stdout.write(
        `scaip ${mode.name}: ${outcome.ok}/${MESSAGES} mrq manual alarms from ${CONTROLLERS} controllers (${WINDOW} in flight, ${CONNECTIONS} MQTT connection${CONNECTIONS === 1 ? '' : 's'}) answered 200 OK snu 0 in ${elapsedS.toFixed(1)} s: ${perS.toFixed(0)} msg/s end to end, SIP round trip p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms; CPU per alarm: alarm center ${perAlarmUs(centerCpuS).toFixed(0)} µs, PostgreSQL ${perAlarmUs(databaseCpuS).toFixed(0)} µs, gateway ${perAlarmUs(gatewayCpuS).toFixed(0)} µs, load client ${perAlarmUs(outcome.cpuS).toFixed(0)} µs; ${committed.messages} events and ${committed.alarms} alarms committed (e.g. ${sample}); ${outcome.retransmissions} retransmissions, ${outcome.refused} refused, ${outcome.timedOut} timed out${busy ? `; database backends in a transaction: mean ${busy.mean.toFixed(2)}, max ${busy.max}, two or more in ${(busy.overlap * 100).toFixed(0)} % of the busy samples` : ''}\n`,
      );
      if (outcome.ok !== MESSAGES || committed.messages !== MESSAGES || committed.alarms !== MESSAGES) failed = true;
    } finally {
      await gateway?.close();
      for (const publisher of publishers) await publisher.close();
      await center.kill('SIGTERM');
    }
  }
  const before = perSecondByMode.get('per_message');
  const after = perSecondByMode.get('group_commit');
  if (before && after) {
    line('group_commit', 'speedup_vs_per_message', after / before, 'ratio');
    process.stdout.write(`scaip: group commit ${(after / before).toFixed(2)}x the per-message rate in this run\n`);
  }
  if (failed) process.exitCode = 1;
} finally {
  await registryPool.end();
  await center.kill('SIGTERM');
  await pool.end();
  await db.drop();
}
