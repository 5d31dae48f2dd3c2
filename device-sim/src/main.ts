// `npm run sim -- --devices 10000 --rate 200` (load mode) or `npm run sim -- --scenario <file>`.
// Without --broker, an embedded broker (the platform's own, with real scrypt authentication) is
// started on a free port, so the simulator measures the broker and devices alone.

import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { startChildBroker } from './embedded-broker.ts';
import { loadDeviceId, runLoad } from './load.ts';
import { loadScenario, runScenario } from './scenario.ts';

const USAGE = `usage:
  npm run sim -- --devices N --rate R [--duration S] [--alarm-share 0.05] [--broker URL --secret S] [--prefix load-]
  npm run sim -- --scenario device-sim/scenarios/fall.yaml [--speed 60] [--broker URL --secret S]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

const { values } = parseArgs({
  options: {
    devices: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    'alarm-share': { type: 'string' },
    broker: { type: 'string' },
    secret: { type: 'string' },
    prefix: { type: 'string' },
    scenario: { type: 'string' },
    speed: { type: 'string' },
    help: { type: 'boolean' },
  },
  strict: true,
}).valueOf() as { values: Record<string, string | boolean | undefined> };

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const str = (name: string) => values[name] as string | undefined;
if (!str('scenario') && !str('devices')) fail('give --devices N (load mode) or --scenario FILE');
if (str('broker') && !str('secret')) fail('--broker needs --secret (the devices’ provisioning secret)');

const prefix = str('prefix') ?? 'load-';
let brokerUrl = str('broker');
let secret = str('secret') ?? 'sim-fleet-secret';
let closeBroker: (() => Promise<void>) | null = null;
if (!brokerUrl) {
  const broker = await startChildBroker(secret);
  brokerUrl = broker.url;
  closeBroker = () => broker.close();
  process.stderr.write(`embedded broker (child process) on ${brokerUrl}\n`);
} else {
  secret = str('secret') as string;
}

try {
  const scenarioPath = str('scenario');
  if (scenarioPath) {
    const scenario = await loadScenario(scenarioPath);
    const speed = positive('speed', str('speed'), 60);
    process.stderr.write(`${scenario.name}: ${scenario.steps.length} steps at ${speed}x\n`);
    const result = await runScenario(scenario, {
      brokerUrl,
      secretOf: () => secret,
      speed,
      onStep: (step, index) => process.stderr.write(`  [${index}] +${step.at}s ${JSON.stringify(step)}\n`),
    });
    process.stdout.write(
      `${JSON.stringify({ scenario: scenario.name, sent: result.sent.length, failed: result.failed })}\n`,
    );
    process.exitCode = result.failed > 0 ? 1 : 0;
  } else {
    const devices = Math.round(positive('devices', str('devices'), 1));
    const rate = positive('rate', str('rate'), 10);
    const durationS = positive('duration', str('duration'), 30);
    const alarmShare = Number(str('alarm-share') ?? 0.05);
    const bar = new cliProgress.MultiBar(
      { format: ' {phase} |{bar}| {value}/{total} {unit}', hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    const connectBar = bar.create(devices, 0, { phase: 'connect', unit: 'devices' });
    connectBar.setTotal(devices);
    const sendBar = bar.create(Math.round(rate * durationS), 0, { phase: 'acked  ', unit: 'messages' });
    sendBar.setTotal(Math.round(rate * durationS));
    const summary = await runLoad({
      brokerUrl,
      devices,
      rate,
      durationS,
      secret,
      prefix,
      alarmShare,
      onProgress: (p) => {
        connectBar.update(p.connected, { phase: 'connect', unit: 'devices' });
        sendBar.update(p.acked, { phase: 'acked  ', unit: `messages (${p.phase}, ${p.failed} failed)` });
      },
    });
    bar.stop();
    const l = summary.latencyMs;
    process.stdout.write(
      [
        '',
        `devices      ${summary.connected}/${summary.devices} connected in ${summary.connectSeconds} s (${summary.connectFailed} failed); first id ${loadDeviceId(prefix, 0)}`,
        `messages     sent ${summary.sent}, acknowledged ${summary.acked}, failed ${summary.failed} at ${summary.achievedRate}/s`,
        `PUBACK ms    p50 ${l.p50.toFixed(1)}  p95 ${l.p95.toFixed(1)}  p99 ${l.p99.toFixed(1)}  max ${l.max.toFixed(1)}`,
        JSON.stringify({ sim: 'load', ...summary }),
        '',
      ].join('\n'),
    );
    process.exitCode = summary.failed > 0 || summary.connectFailed > 0 ? 1 : 0;
  }
} finally {
  await closeBroker?.();
}
