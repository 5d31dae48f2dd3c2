// Routing-core throughput and per-event latency with 100,000 devices' state loaded, for a realistic
// mix: mostly heartbeats, some sensor events, a few alarms. Events are built before timing starts,
// so only the core is measured. Prints JSON lines, then a human summary.

import { coreWorkload } from './core-mix.ts';

const DEVICES = 100_000;
const EVENTS = 2_000_000;
const LATENCY_SAMPLES = 200_000;
const { core, items, run, t0 } = coreWorkload(DEVICES, EVENTS);

// Warm up the JIT, then measure throughput over every event.
let decisions = 0;
for (let n = 0; n < 200_000; n++) decisions += run(items[n]!);
globalThis.gc?.();
const start = process.hrtime.bigint();
for (let n = 0; n < EVENTS; n++) decisions += run(items[n]!);
const tickStart = process.hrtime.bigint();
const due = core.tick(t0 + 60_000).length;
const end = process.hrtime.bigint();
const seconds = Number(tickStart - start) / 1e9;
const eventsPerS = Math.round(EVENTS / seconds);

// Per-event latency on a sample, timed one by one.
const samples = new Float64Array(LATENCY_SAMPLES);
for (let n = 0; n < LATENCY_SAMPLES; n++) {
  const item = items[(n * 7) % EVENTS]!;
  const s = process.hrtime.bigint();
  decisions += run(item);
  samples[n] = Number(process.hrtime.bigint() - s) / 1000;
}
samples.sort();
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;

const line = (metric: string, value: number, unit: string) =>
  process.stdout.write(`${JSON.stringify({ bench: 'core', metric, value, unit })}\n`);
line('events_per_s', eventsPerS, '1/s');
line('event_p50_us', Number(pct(50).toFixed(3)), 'us');
line('event_p99_us', Number(pct(99).toFixed(3)), 'us');
line('event_p999_us', Number(pct(99.9).toFixed(3)), 'us');
line('tick_ms', Number((Number(end - tickStart) / 1e6).toFixed(3)), 'ms');
line('devices', DEVICES, 'count');
process.stdout.write(
  `core: ${eventsPerS.toLocaleString('en')} events/s over ${EVENTS.toLocaleString('en')} events (90% heartbeats, 9% sensor events, 1% alarms) with ${DEVICES.toLocaleString('en')} devices; per event p50 ${pct(50).toFixed(2)} µs, p99 ${pct(99).toFixed(2)} µs; ${decisions.toLocaleString('en')} decisions, ${due} due at the minute's tick\n`,
);
