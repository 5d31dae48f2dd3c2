// The voice bridge under load: the gateway runs as its own process (`npm run gateway`'s entry
// point, voice and bridge API on) publishing into an alarm center on PostgreSQL. Units are plain
// UDP sockets (SIP MESSAGE, INVITE, G.711 RTP every 20 ms); the operators' browsers are werift
// peers joining through the bridge API. Measured: the added delay unit RTP -> WebRTC and back (one
// call, then 50 at once), the gateway process's CPU, and SCAIP alarm ingest (mrq -> 200 snu 0,
// sent after the commit) without calls and with the 50 running, side by side in one run.
// Prints JSON lines {"bench":"voice-bridge",...} and a summary.

import { type ChildProcess, fork, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { addResident, createTestDatabase, freePort, startTestPlatform } from '@trygg/alarm-center/testing';
import { scaipDeviceId } from '@trygg/firmware-protocol';
import type { FarEndCommand, FarEndData, FarEndReply } from './voice-far-end.ts';

/** Where the gateway runs its bridges (GATEWAY_BRIDGE_WORKER, passed on to it): a worker thread, or off (its main thread). */
const BRIDGE = process.env.GATEWAY_BRIDGE_WORKER === 'off' ? 'main-thread' : 'worker';
const CALLS = Number(process.env.BENCH_VOICE_CALLS ?? 50);
/** Seconds each measurement window lasts. */
const WINDOW_S = Number(process.env.BENCH_VOICE_WINDOW_S ?? 15);
/** SCAIP alarms per second during the ingest windows. */
const ALARMS_PER_S = Number(process.env.BENCH_VOICE_ALARMS_PER_S ?? 10);
const INGEST_CONTROLLERS = 20;
const ACCOUNT = { username: 'scaip-gateway', password: 'bench-gateway-secret-01' };
const TOKEN = 'bench-bridge-token-0123456789';
/** Processes the units and operators' peers are spread over. */
const FAR_END_PROCESSES = Number(process.env.BENCH_VOICE_PROCESSES ?? 2);
/** The controller id of call `i`. */
const callCid = (i: number) => String(4_700_000 + i);
const MAIN = fileURLToPath(new URL('../../gateway/src/main.ts', import.meta.url));

const line = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ bench: 'voice-bridge', metric, value: Number(value.toFixed(3)), unit, bridge: BRIDGE, ...extra })}\n`,
  );

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** CPU seconds a process has used so far (user + system), from /proc (USER_HZ 100). */
function cpuSecondsOf(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] as string).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * SCAIP alarms at a steady rate; latency of each 200 snu 0. Beside each alarm an OPTIONS, which
 * the gateway answers itself: its round trip is the gateway's own responsiveness, apart from the
 * broker and the alarm center's commit.
 */
async function ingestWindow(
  gatewayPort: number,
  tag: string,
): Promise<{ latencies: number[]; refused: number; optionsRtt: number[] }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = socket.address().port;
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  const optionsRtt: number[] = [];
  let refused = 0;
  socket.on('message', (data) => {
    const text = data.toString('utf8');
    const callId = /\r\nCall-ID: *([^\r\n]+)/i.exec(text)?.[1]?.trim() ?? '';
    const sent = pending.get(callId);
    if (sent === undefined) return;
    pending.delete(callId);
    if (callId.startsWith('o-')) {
      optionsRtt.push(performance.now() - sent);
      return;
    }
    if (text.startsWith('SIP/2.0 200 ') && /<snu>0<\/snu>/.test(text)) latencies.push(performance.now() - sent);
    else refused++;
  });
  const total = ALARMS_PER_S * WINDOW_S;
  for (let i = 0; i < total; i++) {
    const cid = String(4_800_000 + (i % INGEST_CONTROLLERS));
    const ref = `${tag}${String(i).padStart(5, '0')}`;
    const body = `<?xml version="1.0" encoding="UTF-8"?><mrq><ref>${ref}</ref><cid>${cid}</cid><mty>ME</mty><dty>0003</dty><did>1</did><stc>0010</stc><pri>1</pri></mrq>`;
    const callId = `i-${ref}`;
    const message = [
      `MESSAGE sip:scaip@127.0.0.1:${gatewayPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${callId}`,
      `From: <sip:${cid}@127.0.0.1:${local}>;tag=${callId}`,
      `To: <sip:scaip@127.0.0.1:${gatewayPort}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
      'Max-Forwards: 70',
      'Content-Type: application/scaip+xml',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    pending.set(callId, performance.now());
    socket.send(message, gatewayPort, '127.0.0.1');
    const ping = [
      `OPTIONS sip:scaip@127.0.0.1:${gatewayPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-o-${ref}`,
      `From: <sip:${cid}@127.0.0.1:${local}>;tag=o-${ref}`,
      `To: <sip:scaip@127.0.0.1:${gatewayPort}>`,
      `Call-ID: o-${ref}`,
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    pending.set(`o-${ref}`, performance.now());
    socket.send(ping, gatewayPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1000 / ALARMS_PER_S));
  }
  const deadline = Date.now() + 10_000;
  while (pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  refused += [...pending.keys()].filter((id) => id.startsWith('i-')).length;
  socket.close();
  return { latencies, refused, optionsRtt };
}

async function startGatewayProcess(env: Record<string, string>): Promise<{ child: ChildProcess; output(): string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  // ready once its bridge API answers (it starts after the SIP sockets are bound)
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gateway did not start:\n${output}`);
    const answered = await fetch(`http://127.0.0.1:${env.GATEWAY_BRIDGE_PORT}/`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output };
}

const db = await createTestDatabase();
const platform = await startTestPlatform({
  databaseUrl: db.url,
  env: { BROKER_SERVICE_USERS: `${ACCOUNT.username}:${ACCOUNT.password}`, ESCALATE_AFTER_S: '3600' },
});
const sipPort = await freePort();
const bridgePort = await freePort();
let gateway: { child: ChildProcess; output(): string } | null = null;
const farEnds: FarEnd[] = [];
let failed = false;

/** One far-end process, driven one command at a time. */
class FarEnd {
  readonly child: ChildProcess;
  constructor(data: FarEndData) {
    this.child = fork(fileURLToPath(new URL('./voice-far-end.ts', import.meta.url)), [JSON.stringify(data)], {
      execArgv: ['--import', 'tsx'],
    });
  }
  run<T extends FarEndReply['type']>(command: FarEndCommand): Promise<Extract<FarEndReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (reply: FarEndReply) =>
        reply.type === 'failed' ? reject(new Error(reply.error)) : resolve(reply as Extract<FarEndReply, { type: T }>),
      );
      this.child.send(command);
    });
  }
}

try {
  await addResident(platform, 'res-bench');
  const cids = [
    ...Array.from({ length: CALLS }, (_, i) => callCid(i)),
    ...Array.from({ length: INGEST_CONTROLLERS }, (_, i) => String(4_800_000 + i)),
  ];
  for (const cid of cids) {
    await platform.provisioning.register({
      deviceId: scaipDeviceId(cid, '1'),
      deviceType: 'pendant',
      serial: `SCAIP-${cid}-1`,
      residentId: 'res-bench',
      district: 'Centrum',
      heartbeatIntervalS: 300,
      rules: {},
    });
  }
  gateway = await startGatewayProcess({
    GATEWAY_SIP_HOST: '127.0.0.1',
    GATEWAY_SIP_PORT: String(sipPort),
    GATEWAY_AUTH: 'off',
    DATABASE_URL: db.url,
    MQTT_URL: `mqtt://127.0.0.1:${platform.mqttPort}`,
    MQTT_USERNAME: ACCOUNT.username,
    MQTT_PASSWORD: ACCOUNT.password,
    GATEWAY_MQTT_CONNECTIONS: '1',
    GATEWAY_INSTANCE_ID: 'voice-bench',
    METRICS_PORT: String(await freePort()),
    GATEWAY_BRIDGE_TOKEN: TOKEN,
    GATEWAY_BRIDGE_PORT: String(bridgePort),
    LOG_LEVEL: 'warn',
  });
  const pid = gateway.child.pid as number;

  const farEndCpu = () => farEnds.reduce((n, f) => n + cpuSecondsOf(f.child.pid as number), 0);
  /** CPU share of one core the gateway (and the far ends) used during `work`. */
  const cpuDuring = async <T>(work: () => Promise<T>): Promise<{ result: T; cpu: number; farEndCpu: number }> => {
    const cpu0 = cpuSecondsOf(pid);
    const far0 = farEndCpu();
    const t0 = performance.now();
    const result = await work();
    const seconds = (performance.now() - t0) / 1000;
    return { result, cpu: (cpuSecondsOf(pid) - cpu0) / seconds, farEndCpu: (farEndCpu() - far0) / seconds };
  };
  const talk = async (seconds: number) => {
    const replies = await Promise.all(farEnds.map((t) => t.run<'talked'>({ type: 'talk', seconds })));
    return {
      toBrowser: replies.flatMap((r) => r.toBrowser),
      toUnit: replies.flatMap((r) => r.toUnit),
      sent: replies.reduce((n, r) => n + r.sent, 0),
    };
  };

  // 1. ingest with no call, the gateway idle otherwise
  const quiet = await cpuDuring(() => ingestWindow(sipPort, 'Q'));

  // 2. one call (alarm, INVITE, the operator joins through the bridge API), talking
  for (let t = 0; t < FAR_END_PROCESSES; t++) {
    farEnds.push(new FarEnd({ sipPort, bridgePort, token: TOKEN, databaseUrl: db.url }));
  }
  await (farEnds[0] as FarEnd).run({ type: 'connect', cids: [callCid(0)] });
  const single = await cpuDuring(() => talk(WINDOW_S));

  // 3. all the calls at once, with alarms arriving meanwhile
  const setupStarted = performance.now();
  const connected = await Promise.all(
    farEnds.map((thread, t) =>
      thread.run<'connected'>({
        type: 'connect',
        cids: Array.from({ length: CALLS }, (_, i) => i)
          .filter((i) => i > 0 && i % FAR_END_PROCESSES === t)
          .map(callCid),
      }),
    ),
  );
  const calls = connected.reduce((n, r) => n + r.calls, 0);
  const setupS = (performance.now() - setupStarted) / 1000;
  const loaded = await cpuDuring(async () => {
    const [ingest, media] = await Promise.all([ingestWindow(sipPort, 'L'), talk(WINDOW_S)]);
    return { ingest, media };
  });
  const many = loaded.result.media;
  // 4. the far ends gone, ingest once more: before and after bracket the loaded window, so a
  // change in the machine's load during the run shows as a difference between them
  for (const thread of farEnds.splice(0)) await thread.run({ type: 'close' });
  const after = await cpuDuring(() => ingestWindow(sipPort, 'A'));

  line('delay_unit_to_browser_p50', percentile(single.result.toBrowser, 50), 'ms', { calls: 1 });
  line('delay_unit_to_browser_p99', percentile(single.result.toBrowser, 99), 'ms', { calls: 1 });
  line('delay_browser_to_unit_p50', percentile(single.result.toUnit, 50), 'ms', { calls: 1 });
  line('delay_browser_to_unit_p99', percentile(single.result.toUnit, 99), 'ms', { calls: 1 });
  line('gateway_cpu', single.cpu * 100, '% of one core', { calls: 1 });
  line('calls_connected', calls, 'calls', { setup_s: Number(setupS.toFixed(1)) });
  line('delay_unit_to_browser_p50', percentile(many.toBrowser, 50), 'ms', { calls });
  line('delay_unit_to_browser_p99', percentile(many.toBrowser, 99), 'ms', { calls });
  line('delay_browser_to_unit_p50', percentile(many.toUnit, 50), 'ms', { calls });
  line('delay_browser_to_unit_p99', percentile(many.toUnit, 99), 'ms', { calls });
  line('packets_delivered_to_browser', (many.toBrowser.length / many.sent) * 100, '%', { calls });
  line('packets_delivered_to_unit', (many.toUnit.length / many.sent) * 100, '%', { calls });
  line('gateway_cpu', loaded.cpu * 100, '% of one core', { calls, alarms_per_s: ALARMS_PER_S });
  line('far_end_cpu', loaded.farEndCpu * 100, '% of one core', { calls, processes: FAR_END_PROCESSES });
  line('load_average', loadavg()[0] as number, 'runnable', { cores: cpus().length });
  line('gateway_cpu', quiet.cpu * 100, '% of one core', { calls: 0, alarms_per_s: ALARMS_PER_S });
  for (const [n, when, window] of [
    [0, 'before', quiet.result],
    [calls, 'during', loaded.result.ingest],
    [0, 'after', after.result],
  ] as const) {
    line('ingest_p50', percentile(window.latencies, 50), 'ms', { calls: n, when });
    line('ingest_p99', percentile(window.latencies, 99), 'ms', { calls: n, when });
    line('ingest_committed', window.latencies.length, 'alarms', { calls: n, when, refused: window.refused });
    line('gateway_options_rtt_p50', percentile(window.optionsRtt, 50), 'ms', { calls: n, when });
    line('gateway_options_rtt_p99', percentile(window.optionsRtt, 99), 'ms', { calls: n, when });
  }
  const p99 = Math.max(percentile(many.toBrowser, 99), percentile(many.toUnit, 99));
  process.stdout.write(
    `\nvoice bridge: ${calls} calls, added delay p99 ${p99.toFixed(1)} ms (goal < 20 ms), ` +
      `gateway CPU ${(loaded.cpu * 100).toFixed(0)} % of a core; ingest p99 ` +
      `${percentile(quiet.result.latencies, 99).toFixed(1)} ms without calls, ` +
      `${percentile(loaded.result.ingest.latencies, 99).toFixed(1)} ms with them, ` +
      `${percentile(after.result.latencies, 99).toFixed(1)} ms after\n`,
  );
  failed = calls !== CALLS || [quiet.result, loaded.result.ingest, after.result].some((w) => w.refused > 0);
} catch (err) {
  process.stderr.write(`${(err as Error).stack}\n${gateway?.output() ?? ''}\n`);
  failed = true;
} finally {
  for (const thread of farEnds) {
    await thread.run({ type: 'close' }).catch(() => thread.child.kill('SIGKILL'));
  }
  gateway?.child.kill('SIGTERM');
  await platform.close();
  await db.drop();
}
process.exit(failed ? 1 : 0);
