// Owns devices, device_credentials and device_messages: the device registry, the de-duplication
// log of accepted device events, and device health for technicians.

import type { DeviceEvent, DeviceType } from '@trygg/firmware-protocol';
import type { Queryable } from '../db/database.ts';
import { AppError } from '../errors.ts';

export interface DeviceRecord {
  deviceId: string;
  deviceType: DeviceType;
  serial: string;
  residentId: string | null;
  district: string;
  heartbeatIntervalS: number;
  rules: Record<string, unknown>;
  status: 'provisioned' | 'installed' | 'retired';
  /** The mobile carrier the unit last reported; null for units on home IP or not heard yet. */
  carrier: string | null;
  /** The SCAIP gateway instance that last relayed the unit's heartbeat; null for MQTT units. */
  gateway: string | null;
}

interface DeviceRow {
  id: string;
  device_type: DeviceType;
  serial: string;
  resident_id: string | null;
  district: string;
  heartbeat_interval_s: number;
  rules: Record<string, unknown>;
  status: DeviceRecord['status'];
  carrier: string | null;
  gateway: string | null;
}

const toRecord = (r: DeviceRow): DeviceRecord => ({
  deviceId: r.id,
  deviceType: r.device_type,
  serial: r.serial,
  residentId: r.resident_id,
  district: r.district,
  heartbeatIntervalS: r.heartbeat_interval_s,
  rules: r.rules,
  status: r.status,
  carrier: r.carrier ?? null,
  gateway: r.gateway ?? null,
});

/** What provisioning knows of a new device; its status and network path come later. */
export type NewDevice = Omit<DeviceRecord, 'status' | 'carrier' | 'gateway'>;

export async function register(db: Queryable, device: NewDevice, secretHash: string) {
  try {
    await db.query(
      `INSERT INTO devices (id, device_type, serial, resident_id, district, heartbeat_interval_s, rules)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        device.deviceId,
        device.deviceType,
        device.serial,
        device.residentId,
        device.district,
        device.heartbeatIntervalS,
        device.rules,
      ],
    );
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new AppError('DEVICE_EXISTS');
    throw err;
  }
  await db.query('INSERT INTO device_credentials (device_id, secret_hash) VALUES ($1, $2)', [
    device.deviceId,
    secretHash,
  ]);
}

export async function all(db: Queryable): Promise<DeviceRecord[]> {
  const { rows } = await db.query<DeviceRow>(
    `SELECT id, device_type, serial, resident_id, district, heartbeat_interval_s, rules, status, carrier, gateway
     FROM devices WHERE status <> 'retired'`,
  );
  return rows.map(toRecord);
}

export async function secretHash(db: Queryable, deviceId: string): Promise<string | null> {
  const { rows } = await db.query<{ secret_hash: string }>(
    // One definition of "the active secret", the one the standalone broker reads too.
    'SELECT secret_hash FROM directory_device_secrets WHERE device_id = $1',
    [deviceId],
  );
  return rows[0]?.secret_hash ?? null;
}

/** The active secrets' hashes of several devices in one query (a reconnect storm's logins); absent: none. */
export async function secretHashes(db: Queryable, deviceIds: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ device_id: string; secret_hash: string }>({
    // named: parsed and planned once per connection, not once per batch of logins
    name: 'devices.secretHashes',
    text: 'SELECT device_id, secret_hash FROM directory_device_secrets WHERE device_id = ANY($1::text[])',
    values: [deviceIds],
  });
  return new Map(rows.map((r) => [r.device_id, r.secret_hash]));
}

/** Replaces a stored hash with another of the same secret, only if it is still the one read. */
export async function upgradeSecretHash(db: Queryable, deviceId: string, from: string, to: string): Promise<void> {
  await db.query(
    'UPDATE device_credentials SET secret_hash = $3 WHERE device_id = $1 AND secret_hash = $2 AND revoked_at IS NULL',
    [deviceId, from, to],
  );
}

/**
 * Records an accepted device event exactly once. Returns false when the (device, message id)
 * was already recorded: a retransmission, whose effects were already committed.
 */
export async function recordEvent(db: Queryable, deviceId: string, event: DeviceEvent): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO device_messages (device_id, message_id, event_type, device_ts, body)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [deviceId, event.id, event.type, new Date(event.ts), event],
  );
  return rowCount === 1;
}

/**
 * Records a batch of device events in one statement; returns, for each, whether it is new (a
 * retransmission, or a second copy in the same batch, is not). Same semantics as recordEvent.
 */
export async function recordEvents(
  db: Queryable,
  events: readonly { deviceId: string; event: DeviceEvent }[],
): Promise<boolean[]> {
  if (events.length === 0) return [];
  const { rows } = await db.query<{ device_id: string; message_id: string }>({
    // named: parsed and planned once per connection, not once per batch. The batch is one JSON
    // document: node-postgres escapes each element of an array parameter (five per event here),
    // which cost about 3 us of the alarm center's CPU per event; JSON.stringify of the batch 0.9.
    name: 'devices.recordEvents',
    text: `INSERT INTO device_messages (device_id, message_id, event_type, device_ts, body)
     SELECT m.device_id, m.event->>'id', m.event->>'type', to_timestamp((m.event->>'ts')::float8 / 1000), m.event
     FROM jsonb_to_recordset($1::jsonb) AS m(device_id text, event jsonb)
     ON CONFLICT DO NOTHING RETURNING device_id, message_id`,
    values: [JSON.stringify(events.map((e) => ({ device_id: e.deviceId, event: e.event })))],
  });
  const inserted = new Set(rows.map((r) => `${r.device_id}\u0000${r.message_id}`));
  return events.map((e) => inserted.delete(`${e.deviceId}\u0000${e.event.id}`));
}

export async function recentEvents(db: Queryable, deviceId: string, limit = 20) {
  const { rows } = await db.query<{ at: string; type: string }>(
    `SELECT received_at AS at, event_type AS type FROM device_messages
     WHERE device_id = $1 ORDER BY received_at DESC LIMIT $2`,
    [deviceId, limit],
  );
  return rows;
}

export interface HealthUpdate {
  deviceId: string;
  lastSeenAt: number;
  firmware?: string | undefined;
  battery?: number | undefined;
  signalDbm?: number | undefined;
  carrier?: string | undefined;
  gateway?: string | undefined;
}

/** One statement for a whole batch of heartbeats: device health is written behind, not per message. */
export async function updateHealth(db: Queryable, updates: HealthUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await db.query(
    `UPDATE devices d SET last_seen_at = GREATEST(d.last_seen_at, u.last_seen_at),
       firmware = COALESCE(u.firmware, d.firmware), battery = COALESCE(u.battery, d.battery),
       signal_dbm = COALESCE(u.signal_dbm, d.signal_dbm), carrier = COALESCE(u.carrier, d.carrier),
       gateway = COALESCE(u.gateway, d.gateway)
     FROM jsonb_to_recordset($1::jsonb)
       AS u(id text, last_seen_at timestamptz, firmware text, battery int, signal_dbm int, carrier text, gateway text)
     WHERE d.id = u.id`,
    [
      JSON.stringify(
        updates.map((u) => ({
          id: u.deviceId,
          last_seen_at: new Date(u.lastSeenAt).toISOString(),
          firmware: u.firmware ?? null,
          battery: u.battery ?? null,
          signal_dbm: u.signalDbm ?? null,
          carrier: u.carrier ?? null,
          gateway: u.gateway ?? null,
        })),
      ),
    ],
  );
}

export async function byId(db: Queryable, deviceId: string): Promise<DeviceRecord | null> {
  const { rows } = await db.query<DeviceRow>(
    `SELECT id, device_type, serial, resident_id, district, heartbeat_interval_s, rules, status, carrier, gateway
     FROM devices WHERE id = $1 AND status <> 'retired'`,
    [deviceId],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The technician has tested the device on site; false when it is unknown or retired. */
export async function markInstalled(db: Queryable, deviceId: string): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE devices SET status = 'installed' WHERE id = $1 AND status <> 'retired'`, [
    deviceId,
  ]);
  return Boolean(rowCount);
}

/**
 * The seconds after its last sighting at which a device (table alias `d`) counts as lost: its
 * heartbeat interval times its rules' heartbeatTolerance, or the parameter `toleranceParam`
 * (pass core's HEARTBEAT_TOLERANCE). The SQL twin of core/connection.ts.
 */
export const toleranceSecondsSql = (toleranceParam: string) =>
  `d.heartbeat_interval_s * coalesce((d.rules->>'heartbeatTolerance')::float8, ${toleranceParam})`;

export interface DeviceHealthRow {
  id: string;
  device_type: DeviceRecord['deviceType'];
  serial: string;
  resident_id: string | null;
  resident_name: string | null;
  district: string;
  status: string;
  last_seen_at: string | null;
  heartbeat_interval_s: number;
  battery: number | null;
  signal_dbm: number | null;
  firmware: string | null;
  open_technical: number;
  /** The device's own heartbeatTolerance, if its rules set one. */
  heartbeat_tolerance: number | null;
}

/** Every device not retired, with its health and its count of open technical alarms. */
export async function listWithHealth(db: Queryable): Promise<DeviceHealthRow[]> {
  const { rows } = await db.query<DeviceHealthRow>(
    `SELECT d.id, d.device_type, d.serial, d.resident_id, r.name AS resident_name, d.district, d.status,
            d.last_seen_at, d.heartbeat_interval_s, d.battery, d.signal_dbm, d.firmware,
            (d.rules->>'heartbeatTolerance')::float8 AS heartbeat_tolerance,
            (SELECT count(*)::int FROM alarms a WHERE a.device_id = d.id AND a.audience = 'technician'
               AND a.status <> 'closed') AS open_technical
     FROM devices d LEFT JOIN residents r ON r.id = d.resident_id
     WHERE d.status <> 'retired' ORDER BY d.district, d.id`,
  );
  return rows;
}

/** The first registered unit of a SCAIP controller that is not retired: the device standing for it. */
export async function firstUnitOfController(db: Queryable, cid: string): Promise<string | undefined> {
  // cids are [A-Za-z0-9]; LIKE metacharacters cannot occur in them
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM devices WHERE id LIKE $1 AND status <> 'retired' ORDER BY id LIMIT 1`,
    [`scaip-${cid}-%`],
  );
  return rows[0]?.id;
}

/** Deletes up to `batch` device messages received more than `retentionS` ago (database time). */
export async function pruneMessages(db: Queryable, retentionS: number, batch: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM device_messages WHERE ctid IN (
       SELECT ctid FROM device_messages WHERE received_at < now() - make_interval(secs => $1) LIMIT $2)`,
    [retentionS, batch],
  );
  return rowCount ?? 0;
}
