// End-to-end latency: from a device's MQTT publish to a console's WebSocket receipt of the new
// alarm (committed in PostgreSQL first), with BENCH_DEVICES (10,000; also run with 50,000)
// simulated devices connected and heartbeating once a minute. The alarm center runs as its own
// process (the `npm start` entry point) on real PostgreSQL; devices and the console run here.
// Prints JSON lines {"bench":"e2e","devices":N,...} and a human summary.

import type mqtt from 'mqtt';
import { startFleet } from '../src/fleet.ts';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000);
const ALARMS = Number(process.env.BENCH_ALARMS ?? 2_000);
const ALARMS_PER_S = 100;

const fleet = await startFleet(DEVICES, 'bench-');
try {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let done: () => void = () => {};
  const allReceived = new Promise<void>((r) => (done = r));
  fleet.consoleSocket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type !== 'alarm' || message.alarm.repeatCount !== 0) return;
    const t = sentAt.get(message.alarm.deviceId);
    if (t === undefined) return;
    sentAt.delete(message.alarm.deviceId);
    latencies.push(performance.now() - t);
    if (latencies.length === ALARMS) done();
  });

  const stopHeartbeats = fleet.startHeartbeats(60);
  const started = performance.now();
  const { clients } = fleet;
  for (let n = 0; n < ALARMS; n++) {
    const c = clients[(n * 4999) % clients.length] as mqtt.MqttClient; // a different device each time
    sentAt.set(c.options.clientId as string, performance.now());
    fleet.publishAlarm(c, `press-${n}-${Date.now()}`);
    const wait = started + ((n + 1) * 1000) / ALARMS_PER_S - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.race([allReceived, new Promise((r) => setTimeout(r, 30_000))]);
  stopHeartbeats();
  const rssMiB = await fleet.centerRssMiB();

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  const line = (metric: string, value: number, unit: string) =>
    process.stdout.write(
      `${JSON.stringify({ bench: 'e2e', metric, value: Number(value.toFixed(3)), unit, devices: clients.length })}\n`,
    );
  line('p50_ms', pct(50), 'ms');
  line('p99_ms', pct(99), 'ms');
  line('max_ms', latencies.at(-1) ?? Number.NaN, 'ms');
  line('received', latencies.length, 'count');
  line('connect_s', fleet.connectSeconds, 's');
  line('center_rss_mib', rssMiB, 'MiB');
  process.stdout.write(
    `e2e: ${latencies.length}/${ALARMS} alarms at ${ALARMS_PER_S}/s from ${clients.length.toLocaleString('en')} connected devices (heartbeating); publish → console WebSocket p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${(latencies.at(-1) ?? Number.NaN).toFixed(1)} ms; alarm center RSS ${rssMiB.toFixed(0)} MiB; devices connected in ${fleet.connectSeconds.toFixed(1)} s\n`,
  );
  if (latencies.length < ALARMS) process.exitCode = 1;
} finally {
  await fleet.close();
}
