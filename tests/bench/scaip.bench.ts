// SCAIP throughput end to end: distinct `mrq` manual alarms per second that a controller gets a
// 200 OK with snu 0 for, which the gateway sends only after the alarm center committed the alarm
// (gateway → broker → ingest → PostgreSQL → PUBACK). The alarm center runs as its own process
// (`npm start` entry point) on real PostgreSQL; the gateway and a UDP load client run here.
// Runs twice in one run, a transaction per message and group commit (BENCH_SCAIP_MODE picks one),
// and reports the CPU each alarm cost the alarm center, PostgreSQL and the gateway + load client.
// Prints JSON lines {"bench":"scaip",...} and a human summary.

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createTestDatabase } from '@trygg/alarm-center/testing';
import { connectPublisher, pgControllerRegistry, scaipDeviceId, startGateway } from '@trygg/gateway';
import pg from 'pg';
import pino from 'pino';
import { centerEnvironment, startAlarmCenterProcess } from '../src/alarm-center-process.ts';

const CONTROLLERS = Number(process.env.BENCH_SCAIP_CONTROLLERS ?? 200);
const DEVICES_PER_CONTROLLER = Number(process.env.BENCH_SCAIP_DEVICES_PER_CONTROLLER ?? 20);
/** Requests in flight at once, across all controllers. */
const WINDOW = Number(process.env.BENCH_SCAIP_WINDOW ?? 100);
/** A request unanswered this long is sent again with the same ref, as a controller would. */
/** MQTT connections the gateway publishes over (main.ts uses one); the broker handles each client's batch in turn. */
const CONNECTIONS = Number(process.env.BENCH_SCAIP_CONNECTIONS ?? 1);
const RETRANSMIT_MS = 2000;
const MAX_ATTEMPTS = 4;
const ACCOUNT = { username: 'scaip-gateway', password: 'bench-gateway-secret-01' };

const cidOf = (c: number) => String(4_700_000 + c);
const MESSAGES = CONTROLLERS * DEVICES_PER_CONTROLLER;

function sipMessage(port: number, localPort: number, callId: string, body: string): Buffer {
  return Buffer.from(
    [
      `MESSAGE sip:scaip@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK-${callId}`,
      `From: <sip:controller@127.0.0.1:${localPort}>;tag=${callId}`,
      `To: <sip:scaip@127.0.0.1:${port}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
      'Max-Forwards: 70',
      'Content-Type: application/scaip+xml',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

const alarmBody = (cid: string, did: string, ref: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><mrq><ref>${ref}</ref><cid>${cid}</cid><mty>ME</mty><dty>0003</dty><did>${did}</did><stc>0010</stc><pri>1</pri></mrq>`;
const heartbeatBody = (cid: string, ref: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><mrq><ref>${ref}</ref><cid>${cid}</cid><mty>PI</mty><dty>0003</dty><did>1</did><hbi>300</hbi></mrq>`;

interface Outcome {
  ok: number;
  refused: number;
  timedOut: number;
  retransmissions: number;
  latenciesMs: number[];
}

/**
 * Sends every request over one UDP socket, at most WINDOW unanswered at a time, and waits for a
 * 200 OK carrying snu 0 for each. Unanswered requests are retransmitted unchanged.
 */
async function drive(port: number, bodies: { callId: string; body: string }[]): Promise<Outcome> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', (err) => process.stderr.write(`load client socket: ${err.message}\n`));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  socket.setSendBufferSize(4 * 1024 * 1024);
  const localPort = socket.address().port;
  const outcome: Outcome = { ok: 0, refused: 0, timedOut: 0, retransmissions: 0, latenciesMs: [] };
  const pending = new Map<string, { packet: Buffer; firstSentAt: number; sentAt: number; attempts: number }>();
  let next = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));

  const fill = () => {
    while (pending.size < WINDOW && next < bodies.length) {
      const { callId, body } = bodies[next++]!;
      const packet = sipMessage(port, localPort, callId, body);
      const now = performance.now();
      pending.set(callId, { packet, firstSentAt: now, sentAt: now, attempts: 1 });
      socket.send(packet, port, '127.0.0.1');
    }
    if (pending.size === 0 && next >= bodies.length) finish();
  };

  socket.on('message', (data) => {
    const text = data.toString('utf8');
    const callId = /\r\nCall-ID: *([^\r\n]+)/i.exec(text)?.[1]?.trim();
    const request = callId === undefined ? undefined : pending.get(callId);
    if (!callId || !request) return; // an answer to a retransmission already answered
    pending.delete(callId);
    if (text.startsWith('SIP/2.0 200 ') && /<snu>0<\/snu>/.test(text)) {
      outcome.ok++;
      outcome.latenciesMs.push(performance.now() - request.firstSentAt);
    } else {
      outcome.refused++;
      process.stderr.write(`refused: ${text.split('\r\n')[0]} ${/<snu>\d+<\/snu>/.exec(text)?.[0] ?? ''}\n`);
    }
    fill();
  });

  const retransmit = setInterval(() => {
    const now = performance.now();
    for (const [callId, request] of pending) {
      if (now - request.sentAt < RETRANSMIT_MS) continue;
      if (request.attempts >= MAX_ATTEMPTS) {
        pending.delete(callId);
        outcome.timedOut++;
        continue;
      }
      request.attempts++;
      request.sentAt = now;
      outcome.retransmissions++;
      socket.send(request.packet, port, '127.0.0.1');
    }
    fill();
  }, 250);

  fill();
  await done;
  clearInterval(retransmit);
  socket.close();
  return outcome;
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
      const started = performance.now();
      const outcome = await drive(sipPort, alarms);
      const elapsedS = (performance.now() - started) / 1000;
      const ownCpu = process.cpuUsage(ownCpu0);
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
      line(mode.name, 'gateway_and_client_cpu_per_alarm_us', perAlarmUs((ownCpu.user + ownCpu.system) / 1e6), 'us');
      line(mode.name, 'window', WINDOW, 'count');
      line(mode.name, 'mqtt_connections', CONNECTIONS, 'count');
      process.stdout.write(
        `scaip ${mode.name}: ${outcome.ok}/${MESSAGES} mrq manual alarms from ${CONTROLLERS} controllers (${WINDOW} in flight, ${CONNECTIONS} MQTT connection${CONNECTIONS === 1 ? '' : 's'}) answered 200 OK snu 0 in ${elapsedS.toFixed(1)} s: ${perS.toFixed(0)} msg/s end to end, SIP round trip p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms; CPU per alarm: alarm center ${perAlarmUs(centerCpuS).toFixed(0)} µs, PostgreSQL ${perAlarmUs(databaseCpuS).toFixed(0)} µs, gateway + load client ${perAlarmUs((ownCpu.user + ownCpu.system) / 1e6).toFixed(0)} µs; ${committed.messages} events and ${committed.alarms} alarms committed (e.g. ${sample}); ${outcome.retransmissions} retransmissions, ${outcome.refused} refused, ${outcome.timedOut} timed out\n`,
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
