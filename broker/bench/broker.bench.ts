// Broker throughput and publish→delivery latency, side by side with Mosquitto: the same load
// generator (load-generator.ts, its own process) publishes QoS 1 messages through our broker (in
// this process, with and without a no-op publish hook) and through a Mosquitto the benchmark starts
// on a free port. Runs alternate and the median of each figure is reported, with the ratio
// ours/Mosquitto from this one run. BENCH_BASELINE=<another checkout's broker/src/broker.ts> adds
// that broker (e.g. main's, without a hook) to every round, so a branch and main are compared in the
// same run. Prints JSON lines, then a human summary.

import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { type BrokerHooks, startBroker } from '../src/broker.ts';
import type { LoadConfig, LoadMessage, LoadResult } from './load-generator.ts';

/** The login bounds out of reach: what is measured here is the broker, not its admission. */
const UNBOUNDED_LOGINS = {
  loginsPerSecond: 1e9,
  loginBurst: 1e9,
  maxConcurrentVerifications: 64,
  maxQueuedVerifications: 1e9,
};

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SERVICE = { username: 'bench-subscriber', password: 'bench-service-pw' };
const DEVICE_SECRET = 'bench-device-secret';
const LOAD: Omit<LoadConfig, 'port'> = {
  publishers: Number(process.env.BENCH_PUBLISHERS ?? 20),
  window: Number(process.env.BENCH_WINDOW ?? 10),
  messages: Number(process.env.BENCH_MESSAGES ?? 100_000),
  warmupMessages: 10_000,
  payloadBytes: 200,
  deviceSecret: DEVICE_SECRET,
  service: SERVICE,
};
const MOSQUITTO = '/usr/sbin/mosquitto';
const generatorPath = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

type Target = 'ours' | 'ours_hook' | 'mosquitto' | 'baseline';
interface Run extends LoadResult {
  target: Target;
  brokerCpuUsPerMsg: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** CPU time (user + system) a process has used so far, in µs, from /proc. */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerS = 100; // USER_HZ, 100 on Linux
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerS) * 1e6;
}

interface Mosquitto {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Debian's mosquitto on a free loopback port with its own config in a temp dir. */
async function startMosquitto(): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'trygg-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  // Unlimited in-flight and queued messages per client, as aedes has: with the defaults (20, 1000)
  // Mosquitto would drop QoS 1 messages to the subscriber under this load.
  writeFileSync(
    config,
    `listener ${port} 127.0.0.1
allow_anonymous true
persistence false
log_dest none
max_inflight_messages 0
max_queued_messages 0
`,
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto did not start on port ${port} (exit ${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, pid: child.pid!, stop };
}

/** Runs the load generator against a port; `cpuUs` reads the broker's CPU time. */
function generate(port: number, cpuUs: () => number): Promise<LoadResult & { brokerCpuUsPerMsg: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(generatorPath, [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let cpuAtStart = 0;
    child.on('message', (m: LoadMessage) => {
      if (m.kind === 'measuring') cpuAtStart = cpuUs();
      else if (m.kind === 'result') {
        const brokerCpuUsPerMsg = (cpuUs() - cpuAtStart) / m.result.messages;
        child.disconnect();
        resolve({ ...m.result, brokerCpuUsPerMsg });
      } else {
        child.kill();
        reject(new Error(`load generator: ${m.message}`));
      }
    });
    child.once('exit', (code) => code && reject(new Error(`load generator exited with ${code}`)));
    child.send({ ...LOAD, port } satisfies LoadConfig);
  });
}

const BASELINE = process.env.BENCH_BASELINE;
const startBaseline = BASELINE
  ? ((await import(pathToFileURL(BASELINE).href)) as { startBroker: typeof startBroker }).startBroker
  : null;

async function runOurs(
  hooks: BrokerHooks | undefined,
  start = startBroker,
): Promise<LoadResult & { brokerCpuUsPerMsg: number }> {
  const broker = await start(
    {
      host: '127.0.0.1',
      mqttPort: 0,
      wsPort: null,
      allowAnonymous: false,
      maxPayloadBytes: 16 * 1024,
      admission: UNBOUNDED_LOGINS,
    },
    {
      authenticator: { authenticate: async (_id, secret) => secret === DEVICE_SECRET },
      serviceAccounts: [SERVICE],
      ...(hooks ? { hooks } : {}),
      logger: pino({ level: 'silent' }),
    },
  );
  try {
    globalThis.gc?.();
    return await generate(broker.mqttPort, () => {
      const { user, system } = process.cpuUsage();
      return user + system;
    });
  } finally {
    await broker.close();
  }
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const mosquitto = await startMosquitto();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void mosquitto.stop().then(() => process.exit(130)));
}
const runs: Run[] = [];
try {
  const noopHook: BrokerHooks = { onPublished: async () => {} };
  for (let round = 1; round <= ROUNDS; round++) {
    const plan: [Target, () => Promise<LoadResult & { brokerCpuUsPerMsg: number }>][] = [
      ['ours', () => runOurs(undefined)],
      ['mosquitto', () => generate(mosquitto.port, () => processCpuUs(mosquitto.pid))],
      ['ours_hook', () => runOurs(noopHook)],
    ];
    if (startBaseline) plan.push(['baseline', () => runOurs(undefined, startBaseline)]);
    for (const [target, go] of plan) {
      const run = { target, ...(await go()) };
      runs.push(run);
      process.stdout.write(
        `# round ${round} ${target.padEnd(9)} ${Math.round(run.msgsPerS).toLocaleString('en').padStart(7)} msgs/s  p50 ${run.p50Ms.toFixed(1)} ms  p99 ${run.p99Ms.toFixed(1)} ms  broker ${run.brokerCpuUsPerMsg.toFixed(1)} µs CPU/msg  generator ${run.generatorCpuUsPerMsg.toFixed(1)} µs CPU/msg\n`,
      );
    }
  }
} finally {
  await mosquitto.stop();
}

const line = (fields: Record<string, string | number>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'broker', ...fields })}\n`);
function summarize(target: Target) {
  const mine = runs.filter((r) => r.target === target);
  const s = {
    msgsPerS: Math.round(median(mine.map((r) => r.msgsPerS))),
    p50: Number(median(mine.map((r) => r.p50Ms)).toFixed(2)),
    p99: Number(median(mine.map((r) => r.p99Ms)).toFixed(2)),
    cpu: Number(median(mine.map((r) => r.brokerCpuUsPerMsg)).toFixed(2)),
  };
  line({ target, metric: 'msgs_per_s', value: s.msgsPerS, unit: '1/s' });
  line({ target, metric: 'p50_ms', value: s.p50, unit: 'ms' });
  line({ target, metric: 'p99_ms', value: s.p99, unit: 'ms' });
  line({ target, metric: 'broker_cpu_us_per_msg', value: s.cpu, unit: 'us' });
  return s;
}
const summary = { ours: summarize('ours'), ours_hook: summarize('ours_hook'), mosquitto: summarize('mosquitto') };
const baseline = startBaseline ? summarize('baseline') : null;
const ratio = Number((summary.ours.msgsPerS / summary.mosquitto.msgsPerS).toFixed(3));
const ratioHook = Number((summary.ours_hook.msgsPerS / summary.mosquitto.msgsPerS).toFixed(3));
line({ metric: 'ratio_vs_mosquitto', value: ratio, unit: 'ratio' });
line({ metric: 'ratio_vs_mosquitto_with_hook', value: ratioHook, unit: 'ratio' });
// Throughput is capped by the load generator's own CPU when the broker is fast; CPU per message
// compares the brokers' efficiency independently of the generator (Mosquitto's / ours).
const cpuRatio = Number((summary.mosquitto.cpu / summary.ours.cpu).toFixed(3));
line({ metric: 'cpu_efficiency_vs_mosquitto', value: cpuRatio, unit: 'ratio' });

const fmt = (n: number) => n.toLocaleString('en');
process.stdout.write(
  `broker: ${fmt(LOAD.messages)} QoS 1 messages of ${LOAD.payloadBytes} bytes from ${LOAD.publishers} publishers (window ${LOAD.window} each) to 1 QoS 1 subscriber, median of ${ROUNDS} alternating runs:
  ours              ${fmt(summary.ours.msgsPerS)} msgs/s, p50 ${summary.ours.p50} ms, p99 ${summary.ours.p99} ms, ${summary.ours.cpu} µs broker CPU/msg
  ours + no-op hook ${fmt(summary.ours_hook.msgsPerS)} msgs/s, p50 ${summary.ours_hook.p50} ms, p99 ${summary.ours_hook.p99} ms, ${summary.ours_hook.cpu} µs broker CPU/msg
  mosquitto         ${fmt(summary.mosquitto.msgsPerS)} msgs/s, p50 ${summary.mosquitto.p50} ms, p99 ${summary.mosquitto.p99} ms, ${summary.mosquitto.cpu} µs broker CPU/msg
  ours/mosquitto    ${ratio} throughput (with hook ${ratioHook}), ${cpuRatio} CPU efficiency
`,
);
if (baseline) {
  process.stdout.write(
    `  baseline          ${fmt(baseline.msgsPerS)} msgs/s, p50 ${baseline.p50} ms, p99 ${baseline.p99} ms, ${baseline.cpu} µs broker CPU/msg (${BASELINE})\n`,
  );
}
