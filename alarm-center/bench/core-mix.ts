// The routing core's benchmark workload, shared by core.bench.ts (events per second) and
// core-instructions.worker.ts (instructions per event under callgrind): devices of every type
// loaded into a core, and a realistic mix of events for them (mostly heartbeats, some sensor
// events, a few alarms), built before anything is measured. Deterministic: a fixed seed.

import { type DeviceEvent, type DeviceType, deviceEventSchema, type Heartbeat } from '@trygg/firmware-protocol';
import { RoutingCore } from '../src/core/index.ts';

export type Item = { deviceId: string; heartbeat: Heartbeat | null; event: DeviceEvent | null; now: number };

export function coreWorkload(DEVICES: number, EVENTS: number) {
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
        return deviceEventSchema.parse({
          ...base,
          type: 'position',
          position: { lat: 57.7, lon: 11.97, accuracyM: 10 },
        });
      case 'dispenser':
        return deviceEventSchema.parse({ ...base, type: 'dose.taken', doseId: 'morning' });
      default:
        return null;
    }
  }

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
      item.heartbeat = { v: 1, id: `h-${item.now.toString(36)}-${item.deviceId}`, ts: item.now, intervalS: 60 };

  function run(item: Item): number {
    const decisions = item.heartbeat
      ? core.handleHeartbeat(item.deviceId, item.heartbeat, item.now)
      : core.handleEvent(item.deviceId, item.event!, item.now);
    return decisions.length;
  }
  return { core, items, run, t0 };
}
