// Routing-core throughput and per-event latency with 100,000 devices' state loaded, for a realistic
// mix: mostly heartbeats, some sensor events, a few alarms. Events are built before timing starts,
// so only the core is measured. Prints JSON lines, then a human summary.

import { type DeviceEvent, type DeviceType, deviceEventSchema, type Heartbeat } from '@trygg/firmware-protocol';
import { RoutingCore } from '../src/core/index.ts';

const DEVICES = 100_000;
const EVENTS = 2_000_000;
const LATENCY_SAMPLES = 200_000;
const t0 = Date.UTC(2026, 0, 15, 21, 0, 0); // 22:00 in Stockholm: door and bed rules are armed

const types: DeviceType[] = [
  'pendant',
  'pendant',
  'pendant',
  'door',
  'bed',
  'fall',
  'camera',
  'dispenser',
  'mobile_pendant',
];
const core = new RoutingCore({ escalateAfterMs: { 1: 60_000, 2: 120_000, 3: 300_000, 4: 900_000 } });
const ids: string[] = [];
const deviceTypes: DeviceType[] = [];
for (let i = 0; i < DEVICES; i++) {
  const id = `dev-${String(i).padStart(6, '0')}`;
  const type = types[i % types.length]!;
  ids.push(id);
  deviceTypes.push(type);
  core.upsertDevice(
    {
      deviceId: id,
      deviceType: type,
      residentId: `res-${i}`,
      district: `district-${i % 40}`,
      heartbeatIntervalS: 60,
      rules: {
        timeZone: 'Europe/Stockholm',
        ...(type === 'mobile_pendant' ? { geofence: { lat: 57.7, lon: 11.97, radiusM: 500 } } : {}),
      },
      supervised: true,
    },
    t0,
  );
}

function sensorEvent(type: DeviceType, n: number, ts: number): DeviceEvent | null {
  const base = { v: 1, id: `m-${n.toString(36).padStart(8, '0')}`, ts };
  switch (type) {
    case 'door':
      return deviceEventSchema.parse({ ...base, type: n % 2 ? 'door.passage' : 'door.close' });
    case 'bed':
      return deviceEventSchema.parse({ ...base, type: n % 2 ? 'bed.in' : 'bed.out' });
    case 'camera':
      return deviceEventSchema.parse({
        ...base,
        type: 'camera.observation',
        person: { box: { x: 0.1, y: 0.1, w: 0.2, h: 0.3 }, posture: 'standing' },
      });
    case 'mobile_pendant':
      return deviceEventSchema.parse({ ...base, type: 'position', position: { lat: 57.7, lon: 11.97, accuracyM: 10 } });
    case 'dispenser':
      return deviceEventSchema.parse({ ...base, type: 'dose.taken', doseId: 'morning' });
    default:
      return null;
  }
}

type Item = { deviceId: string; heartbeat: Heartbeat | null; event: DeviceEvent | null; now: number };
const items: Item[] = [];
let rng = 42;
const random = () => {
  rng = (rng * 1_103_515_245 + 12_345) & 0x7fffffff;
  return rng / 0x7fffffff;
};
for (let n = 0; n < EVENTS; n++) {
  const i = Math.floor(random() * DEVICES);
  const deviceId = ids[i]!;
  const now = t0 + Math.floor((n / EVENTS) * 60_000); // the whole run spans one simulated minute
  const roll = random();
  if (roll < 0.9) {
    items.push({
      deviceId,
      heartbeat: { v: 1, id: `h-${n.toString(36).padStart(8, '0')}`, ts: now, intervalS: 60, battery: 80 },
      event: null,
      now,
    });
  } else if (roll < 0.99) {
    const event = sensorEvent(deviceTypes[i]!, n, now);
    items.push({ deviceId, heartbeat: null, event, now });
  } else {
    const event = deviceEventSchema.parse({
      v: 1,
      id: `a-${n.toString(36).padStart(8, '0')}`,
      ts: now,
      type: deviceTypes[i] === 'fall' ? 'fall.detected' : 'battery.low',
      ...(deviceTypes[i] === 'fall' ? {} : { level: 9 }),
    });
    items.push({ deviceId, heartbeat: null, event, now });
  }
}
// Sensor events for device types without one become heartbeats.
for (const item of items)
  if (!item.heartbeat && !item.event)
    item.heartbeat = { v: 1, id: `h-${Math.random().toString(36).slice(2, 12)}`, ts: item.now, intervalS: 60 };

function run(item: Item): number {
  const decisions = item.heartbeat
    ? core.handleHeartbeat(item.deviceId, item.heartbeat, item.now)
    : core.handleEvent(item.deviceId, item.event!, item.now);
  return decisions.length;
}

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
