// Simulated devices and time for the routing-core tests: events are built with the wire schemas,
// and a winter date in Stockholm (UTC+1) so local times read naturally.

import {
  type DeviceEvent,
  type DeviceType,
  deviceEventSchema,
  type Heartbeat,
  heartbeatSchema,
} from '@trygg/firmware-protocol';
import { type Decision, type DeviceRules, RoutingCore } from '../src/core/index.ts';

export const ESCALATE_MS = { 1: 60_000, 2: 120_000, 3: 300_000, 4: 900_000 } as const;

/** Epoch ms of a local Stockholm time on 15 January 2026 (`day` adds days). */
export function at(h: number, m = 0, s = 0, ms = 0, day = 0): number {
  return Date.UTC(2026, 0, 15 + day, h - 1, m, s, ms);
}

let seq = 0;

export function ev(type: DeviceEvent['type'], ts: number, fields: Record<string, unknown> = {}): DeviceEvent {
  seq++;
  return deviceEventSchema.parse({ v: 1, id: `msg-${String(seq).padStart(6, '0')}`, ts, type, ...fields });
}

export function hb(ts: number, fields: Partial<Heartbeat> = {}): Heartbeat {
  seq++;
  return heartbeatSchema.parse({ v: 1, id: `hb-${String(seq).padStart(6, '0')}`, ts, intervalS: 60, ...fields });
}

export function coreWith(
  devices: { id: string; type: DeviceType; rules?: Partial<DeviceRules>; supervised?: boolean; intervalS?: number }[],
  now = at(12),
): RoutingCore {
  const core = new RoutingCore({ escalateAfterMs: ESCALATE_MS });
  for (const d of devices) {
    core.upsertDevice(
      {
        deviceId: d.id,
        deviceType: d.type,
        residentId: `res-${d.id}`,
        district: 'Centrum',
        heartbeatIntervalS: d.intervalS ?? 60,
        rules: { timeZone: 'Europe/Stockholm', ...d.rules },
        supervised: d.supervised ?? false,
      },
      now,
    );
  }
  return core;
}

/** Sends an event at its own timestamp (no network delay) and returns the decisions. */
export function send(core: RoutingCore, deviceId: string, event: DeviceEvent): readonly Decision[] {
  return core.handleEvent(deviceId, event, event.ts);
}

export const alarmsOf = (ds: readonly Decision[]) => ds.filter((d) => d.type === 'alarm');
export const kindsOf = (ds: readonly Decision[]) => alarmsOf(ds).map((d) => d.kind);
export const entriesOf = (ds: readonly Decision[]) => ds.flatMap((d) => (d.type === 'log' ? [d.entry] : []));
