// The controller registry backed by the alarm center's PostgreSQL: a SCAIP controller is known
// when a technician provisioned at least one of its devices (`scaip-<cid>-<did>`, not retired).
// Positive answers are cached briefly so a busy controller costs one query per TTL, not per alarm.

import { type DeviceType, parseScaipDeviceId } from '@trygg/firmware-protocol';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { ControllerRegistry } from './handler.ts';
import { scaipDeviceId } from './map.ts';

/** How long "this controller is provisioned" is trusted before asking the database again. */
export const DEFAULT_CONTROLLER_CACHE_TTL_MS = 30_000;
/** Bounds the cache; the oldest entries go first when it is full. */
const MAX_CACHED_CONTROLLERS = 100_000;

export interface PgControllerRegistryOptions {
  pool: Pick<pg.Pool, 'query'>;
  cacheTtlMs?: number;
  /** Epoch milliseconds; tests pass a simulated clock. */
  now?: () => number;
}

interface Known {
  /** Shortest heartbeat interval provisioned for the controller's devices, seconds. */
  heartbeatIntervalS: number | undefined;
  /** The controller's registered units (`did` → our device type). */
  units: Map<string, DeviceType>;
}

/** `LIKE` pattern for every device of a controller; cids are [A-Za-z0-9] but escape regardless. */
function devicePrefixPattern(cid: string): string {
  return `${scaipDeviceId(cid, '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function pgControllerRegistry(options: PgControllerRegistryOptions): ControllerRegistry {
  const { pool } = options;
  const ttlMs = options.cacheTtlMs ?? DEFAULT_CONTROLLER_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  // Size-bounded, with one TTL read from the injected clock: lru-cache, not a hand-written map.
  // (+1: lru-cache reads a start time of 0 as "no TTL", which a simulated clock could hit.)
  const known = new LRUCache<string, Known>({
    max: MAX_CACHED_CONTROLLERS,
    ttl: ttlMs,
    ttlResolution: 0,
    noDeleteOnStaleGet: true,
    perf: { now: () => now() + 1 },
  });
  /** One query per controller at a time, however many of its requests arrive together. */
  const inFlight = new Map<string, Promise<boolean>>();

  async function lookup(cid: string): Promise<boolean> {
    // The alarm center's published view, never its tables.
    const { rows } = await pool.query<{ id: string; device_type: DeviceType; heartbeat_interval_s: number }>(
      `SELECT device_id AS id, device_type, heartbeat_interval_s
       FROM directory_active_devices WHERE device_id LIKE $1`,
      [devicePrefixPattern(cid)],
    );
    const units = new Map<string, DeviceType>();
    let hbi: number | undefined;
    for (const row of rows) {
      const unit = parseScaipDeviceId(row.id);
      if (!unit || unit.cid !== cid) continue;
      units.set(unit.did, row.device_type);
      hbi = Math.min(hbi ?? row.heartbeat_interval_s, row.heartbeat_interval_s);
    }
    if (units.size === 0) {
      known.delete(cid);
      return false;
    }
    known.set(cid, { heartbeatIntervalS: hbi, units });
    return true;
  }

  function ask(cid: string): Promise<boolean> {
    let pending = inFlight.get(cid);
    if (!pending) {
      pending = lookup(cid).finally(() => inFlight.delete(cid));
      inFlight.set(cid, pending);
    }
    return pending;
  }

  return {
    isKnown(cid) {
      if (known.get(cid)) return true;
      // unknown answers are not cached: a controller provisioned a moment ago is accepted at once
      return ask(cid);
    },
    async unit(cid, did) {
      let deviceType = known.get(cid)?.units.get(did);
      // a unit missing from the cache may have been registered since: ask again before calling it unknown
      if (deviceType === undefined && (await ask(cid))) deviceType = known.get(cid)?.units.get(did);
      return deviceType === undefined ? null : { deviceType };
    },
    heartbeatIntervalS(cid) {
      // the last known value, even past its TTL: an interval is better than none for the mrs
      return known.get(cid, { allowStale: true })?.heartbeatIntervalS;
    },
  };
}
