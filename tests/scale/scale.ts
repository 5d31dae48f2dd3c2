// The scale run (`npm run scale`, not part of npm test): SCALE_DEVICES simulated devices (100,000)
// in SCALE_PROCESSES device processes (at least six; a process here may hold 20,000 descriptors)
// connect through HAProxy (one process per 9,000 devices: each proxied device is two descriptors)
// to SCALE_NODES alarm-center nodes on a private PostgreSQL (fsync on). Then, for SCALE_DURATION_S,
// every device heartbeats once per SCALE_HEARTBEAT_S and SCALE_ALARMS_PER_S buttons are pressed,
// each on a different device. Prints one JSON line per figure: connect time, publish -> committed
// -> console WebSocket p50/p99 (the console on node-a, so most alarms cross nodes by NOTIFY),
// PUBACK p99, memory per device on the nodes and in the device processes. Loopback only, a fixed
// count and duration; a watchdog ends everything if a phase does not finish.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CLUSTER_SECRET, type Cluster, openConsole, provisionDevices, startCluster } from '../src/cluster.ts';
import { type Haproxy, startHaproxy } from '../src/haproxy.ts';
import { startPrivatePostgres } from '../src/private-postgres.ts';
import { type LoopSample, startLoopMonitor } from './loop-monitor.ts';
import { traceReport } from './trace-report.ts';

const DEVICES = Number(process.env.SCALE_DEVICES ?? 100_000);
const NODES = Number(process.env.SCALE_NODES ?? 6);
const PROCESSES = Math.max(6, Number(process.env.SCALE_PROCESSES ?? Math.ceil(DEVICES / 17_000)));
const DURATION_S = Number(process.env.SCALE_DURATION_S ?? 60);
const HEARTBEAT_S = Number(process.env.SCALE_HEARTBEAT_S ?? 300);
const ALARMS_PER_S = Number(process.env.SCALE_ALARMS_PER_S ?? 50);
const CONNECT_LIMIT_S = Number(process.env.SCALE_CONNECT_LIMIT_S ?? 900);
const PER_BALANCER = 9000;
const PREFIX = 'sc-';
const DEVICE_MAIN = fileURLToPath(new URL('./devices.ts', import.meta.url));
// SCALE_TRACE=1: every press's stages from device to console, and each process's loop and GC
const TRACE = process.env.SCALE_TRACE === '1';
const NODE_TRACE = fileURLToPath(new URL('./node-trace.ts', import.meta.url));

if (Math.ceil(DEVICES / PROCESSES) > 19_000)
  throw new Error('more than 19,000 devices per process: raise SCALE_PROCESSES');
if (Math.ceil(DEVICES / NODES) > 18_000) throw new Error('more than 18,000 devices per node: raise SCALE_NODES');

const line = (metric: string, value: number, unit: string) =>
  process.stdout.write(
    `${JSON.stringify({ bench: 'scale', metric, value: Number(value.toFixed(3)), unit, devices: DEVICES, nodes: NODES, processes: PROCESSES })}\n`,
  );
const log = (text: string) => process.stderr.write(`scale: ${text}\n`);

async function rssMiB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** User + system CPU seconds a process has used so far (utime + stime, in clock ticks of 10 ms). */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

/** The PostgreSQL server's processes: the postmaster and its children (backends, WAL writer, ...). */
async function postgresPids(postmaster: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const children = await Promise.all(
    pids.map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster ? pid : null;
    }),
  );
  return [postmaster, ...children.filter((p): p is number => p !== null)];
}

const children: ChildProcess[] = [];
const balancers: Haproxy[] = [];
let cluster: Cluster | null = null;
const postgres = await startPrivatePostgres({ fsync: 'on', max_connections: '300', shared_buffers: '256MB' });
const traceDir = TRACE ? await mkdtemp(join(tmpdir(), 'trygg-scale-trace-')) : null;
if (traceDir) {
  process.env.SCALE_TRACE_DIR = traceDir;
  process.env.BENCH_CENTER_NODE_ARGS =
    `${process.env.BENCH_CENTER_NODE_ARGS ?? ''} --import tsx --import ${NODE_TRACE}`.trim();
}
const loops = new Map<string, LoopSample[]>();
const keepLoop = (label: string) => (sample: LoopSample) => {
  const samples = loops.get(label) ?? [];
  samples.push(sample);
  loops.set(label, samples);
};
if (TRACE) startLoopMonitor(keepLoop('scale'));
let stopping = false;
async function shutdown() {
  stopping = true;
  for (const c of children) c.kill('SIGKILL');
  for (const b of balancers) await b.stop();
  await cluster?.stop();
  await postgres.destroy();
  if (traceDir && !process.env.SCALE_KEEP_TRACE) await rm(traceDir, { recursive: true, force: true });
  else if (traceDir) log(`trace kept in ${traceDir}`);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void shutdown().finally(() => process.exit(130)));
}
const watchdog = setTimeout(
  () => {
    log('watchdog: a phase did not finish in time; stopping');
    void shutdown().finally(() => process.exit(2));
  },
  (CONNECT_LIMIT_S + DURATION_S + 180) * 1000,
);

try {
  log(
    `${DEVICES} devices, ${PROCESSES} device processes, ${NODES} nodes, ${Math.ceil(DEVICES / PER_BALANCER)} HAProxy`,
  );
  cluster = await startCluster({
    databaseUrl: postgres.url,
    nodes: NODES,
    maxconn: PER_BALANCER + 500,
    // six nodes loading 100,000 devices each at once on two cores
    healthyWithinMs: 300_000,
    env: { DATABASE_POOL_SIZE: '8' },
    provision: (pool) => provisionDevices(pool, PREFIX, DEVICES),
  });
  const servers = cluster.nodes.map((n) => ({ name: n.name, port: n.mqttPort, healthPort: n.httpPort }));
  const urls = [cluster.mqttUrl];
  for (let b = 1; b < Math.ceil(DEVICES / PER_BALANCER); b++) {
    const extra = await startHaproxy([{ name: 'mqtt', servers }], { maxconn: PER_BALANCER + 500 });
    balancers.push(extra);
    urls.push(`mqtt://127.0.0.1:${extra.port('mqtt')}`);
  }
  const baseline = await Promise.all(cluster.nodes.map((n) => rssMiB(n.process.child.pid)));
  // CPU seconds by kind of process and process id, read at the phases' edges (a PostgreSQL backend
  // that ends within a phase takes its CPU with it: the figure is a floor)
  const running = cluster;
  const postmaster = await postgres.pid();
  type CpuSnapshot = Record<string, Map<number, number>>;
  const cpuGroups = async (): Promise<CpuSnapshot> => {
    const read = async (pids: (number | undefined)[]) =>
      new Map(
        await Promise.all(
          pids.filter((p): p is number => p !== undefined).map(async (p) => [p, await cpuSeconds(p)] as const),
        ),
      );
    return {
      nodes: await read(running.nodes.map((n) => n.process.child.pid)),
      devices: await read(children.map((c) => c.pid)),
      haproxy: await read([running.haproxy.child.pid, ...balancers.map((b) => b.child.pid)]),
      postgres: await read(await postgresPids(postmaster)),
      scale: await read([process.pid]),
    };
  };
  const cpuLines = (phase: string, before: CpuSnapshot, after: CpuSnapshot, seconds: number) => {
    for (const [group, pids] of Object.entries(after)) {
      let used = 0;
      for (const [pid, s] of pids) used += s - (before[group]?.get(pid) ?? 0);
      line(`cpu_${phase}_${group}_cores`, used / seconds, 'cores');
    }
  };
  const cpuBeforeConnect = await cpuGroups();

  // Device processes: contiguous ranges; each balancer serves about PER_BALANCER devices.
  const per = Math.ceil(DEVICES / PROCESSES);
  const sentAt = new Map<string, number>();
  const pubacks: number[] = [];
  const connected: Promise<{ ms: number; startAt: number; endAt: number }>[] = [];
  for (let p = 0; p < PROCESSES; p++) {
    const from = p * per + 1;
    const to = Math.min(DEVICES, (p + 1) * per);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        DEVICE_MAIN,
        urls.join(','),
        String(PER_BALANCER),
        PREFIX,
        String(from),
        String(to),
        CLUSTER_SECRET,
      ],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    // a device process that dies (killed, out of memory) fails the run now, not at the watchdog
    child.once('exit', (code, signal) => {
      if (stopping) return;
      log(`device process ${p} (${from}..${to}) exited: code ${code}, signal ${signal}; stopping`);
      void shutdown().finally(() => process.exit(3));
    });
    connected.push(
      new Promise((resolve) => {
        createInterface({ input: child.stdout! }).on('line', (text) => {
          const m = JSON.parse(text);
          if (m.type === 'connected') resolve(m);
          if (m.type === 'sent') sentAt.set(m.deviceId, m.at);
          if (m.type === 'acked') pubacks.push(m.ms);
          if (m.type === 'loop') keepLoop(`devices-${p}`)(m);
        });
      }),
    );
  }
  // from the first device process starting to connect to the last device connected
  const reports = await Promise.all(connected);
  const connectMs = reports.map((r) => r.ms);
  const connectS = (Math.max(...reports.map((r) => r.endAt)) - Math.min(...reports.map((r) => r.startAt))) / 1000;
  log(`all connected in ${connectS.toFixed(1)} s`);
  const cpuAfterConnect = await cpuGroups();
  cpuLines('connect', cpuBeforeConnect, cpuAfterConnect, connectS);
  const held = await Promise.all(cluster.nodes.map((n) => n.connectedDevices()));
  log(`devices per node: ${held.join(', ')}`);

  const consoleFeed = await openConsole(cluster.nodes[0]!.httpPort);
  // matched at the end: a console may see an alarm before its device process's 'sent' line is read
  const seenAt = new Map<string, number>();
  consoleFeed.socket.on('message', (data) => {
    const at = performance.timeOrigin + performance.now();
    const m = JSON.parse(String(data));
    if (m.type === 'alarm' && m.alarm.status === 'new' && !seenAt.has(m.alarm.deviceId))
      seenAt.set(m.alarm.deviceId, at);
  });

  // Presses: a different device each time, spread over every process.
  const presses = Math.floor(DURATION_S * ALARMS_PER_S);
  const pressEveryMs = 1000 / ALARMS_PER_S;
  const byProcess: number[][] = children.map(() => []);
  for (let n = 0; n < presses; n++) {
    const device = ((n * 7919) % DEVICES) + 1;
    byProcess[Math.min(PROCESSES - 1, Math.floor((device - 1) / per))]!.push(device);
  }
  const pressedBy = new Map<string, string>();
  byProcess.forEach((share, p) => {
    for (const device of share) pressedBy.set(`${PREFIX}${device}`, `devices-${p}`);
  });
  const pressesFrom = performance.timeOrigin + performance.now();
  const cpuBeforePresses = await cpuGroups();
  children.forEach((child, p) => {
    // each process presses its share at the common rate's share, so the sum is ALARMS_PER_S
    const share = byProcess[p]!;
    const every = share.length > 0 ? (DURATION_S * 1000) / share.length : pressEveryMs;
    child.stdin!.write(
      `${JSON.stringify({ type: 'go', heartbeatS: HEARTBEAT_S, presses: share, pressEveryMs: every })}\n`,
    );
  });
  await new Promise((r) => setTimeout(r, DURATION_S * 1000));
  cpuLines('presses', cpuBeforePresses, await cpuGroups(), DURATION_S);
  const pressesTo = performance.timeOrigin + performance.now();
  const deadline = performance.now() + 15_000;
  while (seenAt.size < presses && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const latencies = [...sentAt].flatMap(([id, sent]) => {
    const seen = seenAt.get(id);
    return seen === undefined ? [] : [seen - sent];
  });

  const nodesRss = await Promise.all(cluster.nodes.map((n) => rssMiB(n.process.child.pid)));
  const devicesRss = await Promise.all(children.map((c) => rssMiB(c.pid)));
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
  const e2e = sorted(latencies);
  const puback = sorted(pubacks);
  const nodeGrowth = nodesRss.reduce((a, b) => a + b, 0) - baseline.reduce((a, b) => a + b, 0);
  line('connect_s', connectS, 's');
  line('connect_per_s', DEVICES / connectS, 'devices/s');
  line('slowest_process_connect_s', Math.max(...connectMs) / 1000, 's');
  line('e2e_p50_ms', pct(e2e, 50), 'ms');
  line('e2e_p99_ms', pct(e2e, 99), 'ms');
  line('e2e_max_ms', e2e.at(-1) ?? Number.NaN, 'ms');
  line('puback_p99_ms', pct(puback, 99), 'ms');
  const { rows } = await cluster.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM alarms WHERE kind = 'manual' AND device_id LIKE '${PREFIX}%'`,
  );
  line('alarms_acked', pubacks.length, 'count');
  line('alarms_stored', rows[0]?.n ?? 0, 'count');
  line('alarms_seen', e2e.length, 'count');
  line('alarms_pressed', presses, 'count');
  line('node_rss_per_device_kib', (nodeGrowth * 1024) / DEVICES, 'KiB');
  line(
    'node_rss_total_mib',
    nodesRss.reduce((a, b) => a + b, 0),
    'MiB',
  );
  line('device_process_rss_per_device_kib', (devicesRss.reduce((a, b) => a + b, 0) * 1024) / DEVICES, 'KiB');
  line('max_devices_on_a_node', Math.max(...held), 'count');
  process.stdout.write(
    `scale: ${DEVICES.toLocaleString('en')} devices in ${PROCESSES} processes via ${urls.length} HAProxy to ${NODES} nodes, connected in ${connectS.toFixed(1)} s; ${e2e.length}/${presses} alarms, publish → console p50 ${pct(e2e, 50).toFixed(1)} ms, p99 ${pct(e2e, 99).toFixed(1)} ms; nodes ${((nodeGrowth * 1024) / DEVICES).toFixed(1)} KiB per device\n`,
  );
  if (traceDir) {
    await new Promise((r) => setTimeout(r, 1500)); // the nodes' last second of trace
    const nodes = new Map<string, Record<string, unknown>[]>();
    for (const n of cluster.nodes) {
      const text = await readFile(join(traceDir, `${n.name}.jsonl`), 'utf8').catch(() => '');
      const records = text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      nodes.set(
        n.name,
        records.filter((r) => r.stage !== 'loop'),
      );
      loops.set(n.name, records.filter((r) => r.stage === 'loop') as unknown as LoopSample[]);
    }
    const input = { sentAt, seenAt, pressedBy, nodes, consoleNode: cluster.nodes[0]!.name, loops };
    traceReport({ ...input, from: pressesFrom, to: pressesTo }, line, log);
  }
  if (e2e.length < presses) process.exitCode = 1;
  consoleFeed.socket.close();
} finally {
  clearTimeout(watchdog);
  await shutdown();
}
