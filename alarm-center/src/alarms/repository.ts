// Owns the alarms and alarm_events tables: raising (an upsert, so a repeat from a device whose
// alarm of that kind is open is counted on it), the operator lifecycle, and the read models.

import type pg from 'pg';
import type { AlarmDetail, AlarmHistoryEntry, AlarmSummary } from '../api/schemas.ts';
import type { Queryable } from '../db/database.ts';
import { toleranceSecondsSql } from '../devices/repository.ts';
import { AppError } from '../errors.ts';

export interface RaiseAlarm {
  deviceId: string;
  residentId: string | null;
  district: string;
  kind: AlarmSummary['kind'];
  priority: 1 | 2 | 3 | 4;
  audience: 'operator' | 'technician';
  at: number;
  sourceMessageId: string | null;
  details: Record<string, unknown>;
}

const SUMMARY_COLUMNS = `
  a.id, a.kind, a.priority, a.audience, a.status, a.district, a.device_id, d.device_type,
  a.resident_id, r.name AS resident_name, a.opened_at, a.updated_at, a.repeat_count,
  a.escalated_at, a.acknowledged_by, a.acknowledged_at, a.outcome, a.details,
  a.closed_at, a.follows_alarm_id, i.id AS open_incident_id`;
// An outage alarm counts as grouped only while its incident is open (incidents feature, 011).
const SUMMARY_FROM = `alarms a JOIN devices d ON d.id = a.device_id LEFT JOIN residents r ON r.id = a.resident_id
  LEFT JOIN incidents i ON i.id = a.incident_id AND i.closed_at IS NULL`;

interface SummaryRow {
  id: string;
  kind: AlarmSummary['kind'];
  priority: number;
  audience: AlarmSummary['audience'];
  status: AlarmSummary['status'];
  district: string;
  device_id: string;
  device_type: AlarmSummary['deviceType'];
  resident_id: string | null;
  resident_name: string | null;
  opened_at: string;
  updated_at: string;
  repeat_count: number;
  escalated_at: string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  outcome: AlarmSummary['outcome'];
  details: Record<string, unknown>;
  closed_at: string | null;
  follows_alarm_id: string | null;
  open_incident_id: string | null;
}

function toSummary(row: SummaryRow): AlarmSummary {
  return {
    id: row.id,
    kind: row.kind,
    priority: row.priority,
    audience: row.audience,
    status: row.status,
    district: row.district,
    deviceId: row.device_id,
    deviceType: row.device_type,
    resident: row.resident_id ? { id: row.resident_id, name: row.resident_name ?? '' } : null,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    repeatCount: row.repeat_count,
    escalated: row.escalated_at !== null,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at,
    outcome: row.outcome,
    likelyForgottenPassage: row.details.likelyForgottenPassage === true,
    closedAt: row.closed_at,
    followsAlarmId: row.follows_alarm_id,
    incidentId: row.open_incident_id,
  };
}

async function appendEvent(
  db: Queryable,
  alarmId: string,
  at: number,
  type: string,
  actor: string | null,
  note: string | null,
) {
  await db.query('INSERT INTO alarm_events (alarm_id, at, type, actor, note) VALUES ($1, $2, $3, $4, $5)', [
    alarmId,
    new Date(at),
    type,
    actor,
    note,
  ]);
}

export async function summary(db: Queryable, alarmId: string): Promise<AlarmSummary | null> {
  const { rows } = await db.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE a.id = $1`, [
    alarmId,
  ]);
  return rows[0] ? toSummary(rows[0]) : null;
}

/** Open alarms by status, for the alarms_open gauge; uses the partial index on open alarms. */
export async function countOpenByStatus(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM alarms WHERE status <> 'closed' GROUP BY status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export interface Raised {
  alarmId: string;
  created: boolean;
  /** Presses (or repeats) of this alarm so far, the first included. */
  presses: number;
  openedAt: number;
  escalated: boolean;
  /** For a new operator alarm: the device's last closed case of that kind (a press may follow it). */
  lastClosed: { id: string; closedAt: number } | null;
}

/** Opens an alarm, or counts a repeat on the open alarm of the same device and kind. */
export async function raise(db: Queryable, alarm: RaiseAlarm): Promise<Raised> {
  return (await raiseMany(db, [alarm]))[0]!;
}

/**
 * Opens several alarms (or counts repeats), each with its history entry, in one statement: on a
 * busy machine every round trip to PostgreSQL costs a scheduling wake-up on both sides, and a group
 * commit raises many alarms at once. The same statement finds each new operator alarm's last closed
 * case (which it may follow), so a burst of presses costs no lookup each. Results are in the order
 * of `wanted`; a second request for the same device and kind goes into a later statement, because
 * one statement may not touch a row twice.
 */
export async function raiseMany(db: Queryable, wanted: readonly RaiseAlarm[]): Promise<Raised[]> {
  const results: Raised[] = new Array(wanted.length);
  let left = wanted.map((alarm, index) => ({ alarm, index }));
  while (left.length > 0) {
    const round: typeof left = [];
    const later: typeof left = [];
    const keys = new Set<string>();
    for (const entry of left) {
      const key = `${entry.alarm.deviceId}\u0000${entry.alarm.kind}`;
      (keys.has(key) ? later : round).push(entry);
      keys.add(key);
    }
    const rows = round.map((e) => e.alarm);
    const { rows: raised } = await db.query<{
      id: string;
      device_id: string;
      kind: string;
      created: boolean;
      repeat_count: number;
      opened_at: string;
      escalated: boolean;
      last_closed_id: string | null;
      last_closed_at: string | null;
    }>({
      // named: parsed and planned once per connection, not once per batch
      name: 'alarms.raiseMany',
      text: `WITH input AS (
         SELECT i.device_id, i.resident_id, i.district, i.kind, i.priority, i.audience,
                to_timestamp(i.at_ms / 1000) AS at, i.details, i.source_message_id
         FROM jsonb_to_recordset($1::jsonb) AS i(device_id text, resident_id text, district text, kind text,
                priority smallint, audience text, at_ms float8, details jsonb, source_message_id text)
       ), raised AS (
         INSERT INTO alarms (device_id, resident_id, district, kind, priority, audience, opened_at, updated_at, details, source_message_id)
         SELECT device_id, resident_id, district, kind, priority, audience, at, at, details, source_message_id FROM input
         ON CONFLICT (device_id, kind) WHERE status <> 'closed'
         DO UPDATE SET repeat_count = alarms.repeat_count + 1, updated_at = EXCLUDED.updated_at,
                       details = alarms.details || EXCLUDED.details
         RETURNING id, device_id, kind, audience, (xmax = 0) AS created, repeat_count, opened_at,
                   escalated_at IS NOT NULL AS escalated
       ), history AS (
         INSERT INTO alarm_events (alarm_id, at, type, actor, note)
         SELECT r.id, i.at, CASE WHEN r.created THEN 'raised' ELSE 'repeated' END, NULL, NULL
         FROM raised r JOIN input i USING (device_id, kind)
       )
       SELECT r.id, r.device_id, r.kind, r.created, r.repeat_count, r.opened_at, r.escalated,
              c.id AS last_closed_id, c.closed_at AS last_closed_at
       FROM raised r
       LEFT JOIN LATERAL (
         SELECT p.id, p.closed_at FROM alarms p
         WHERE r.created AND r.audience = 'operator'
           AND p.device_id = r.device_id AND p.kind = r.kind AND p.status = 'closed'
         ORDER BY p.closed_at DESC LIMIT 1
       ) c ON true`,
      // one JSON document, not nine array parameters (see devices.recordEvents)
      values: [
        JSON.stringify(
          rows.map((r) => ({
            device_id: r.deviceId,
            resident_id: r.residentId,
            district: r.district,
            kind: r.kind,
            priority: r.priority,
            audience: r.audience,
            at_ms: r.at,
            details: r.details,
            source_message_id: r.sourceMessageId,
          })),
        ),
      ],
    });
    const byKey = new Map(raised.map((r) => [`${r.device_id}\u0000${r.kind}`, r]));
    for (const { alarm, index } of round) {
      const row = byKey.get(`${alarm.deviceId}\u0000${alarm.kind}`);
      if (!row) throw new Error(`alarm for ${alarm.deviceId}/${alarm.kind} not returned by its insert`);
      results[index] = {
        alarmId: String(row.id),
        created: row.created,
        presses: row.repeat_count + 1,
        openedAt: Date.parse(row.opened_at),
        escalated: row.escalated,
        lastClosed:
          row.last_closed_id && row.last_closed_at
            ? { id: String(row.last_closed_id), closedAt: Date.parse(row.last_closed_at) }
            : null,
      };
    }
    left = later;
  }
  return results;
}

/** Links a new alarm to the closed case it follows; both histories show the link. */
export async function linkToClosedCase(db: Queryable, alarmId: string, closedId: string, at: number): Promise<void> {
  await db.query('UPDATE alarms SET follows_alarm_id = $2 WHERE id = $1', [alarmId, closedId]);
  await appendEvent(db, alarmId, at, 'follows', 'system', closedId);
  await appendEvent(db, closedId, at, 'followed_by', 'system', alarmId);
}

/**
 * Escalates an open alarm whose resident keeps pressing, whatever its status (an acknowledged
 * alarm whose resident still presses needs a supervisor's eyes most of all).
 */
export async function markEscalatedForRepeats(
  db: Queryable,
  alarmId: string,
  at: number,
  reason: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE alarms SET escalated_at = $2, updated_at = $2 WHERE id = $1 AND status <> 'closed' AND escalated_at IS NULL`,
    [alarmId, new Date(at)],
  );
  if (rowCount) await appendEvent(db, alarmId, at, 'escalated', 'system', reason);
  return Boolean(rowCount);
}

/** Closes the open alarm of (device, kind) automatically, e.g. the resident cancelled a fall. */
export async function resolveOpen(
  db: Queryable,
  deviceId: string,
  kind: string,
  outcome: string,
  at: number,
): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE alarms SET status = 'closed', closed_at = $3, updated_at = $3, outcome = $4
     WHERE device_id = $1 AND kind = $2 AND status <> 'closed' RETURNING id`,
    [deviceId, kind, new Date(at), outcome],
  );
  const id = rows[0]?.id ?? null;
  if (id) await appendEvent(db, id, at, 'closed', 'system', outcome);
  return id;
}

async function explainRefusal(db: Queryable, alarmId: string, wanted: 'ack' | 'open' | 'acked'): Promise<never> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM alarms WHERE id = $1', [alarmId]);
  const status = rows[0]?.status;
  if (!status) throw new AppError('ALARM_NOT_FOUND');
  if (status === 'closed') throw new AppError('ALARM_CLOSED');
  if (wanted === 'ack') throw new AppError('ALARM_ALREADY_ACKNOWLEDGED');
  throw new AppError('ALARM_NOT_ACKNOWLEDGED');
}

function isAlarmId(id: string): boolean {
  return /^[1-9][0-9]{0,17}$/.test(id);
}

export async function acknowledge(db: Queryable, alarmId: string, actor: string, at: number): Promise<void> {
  if (!isAlarmId(alarmId)) throw new AppError('ALARM_NOT_FOUND');
  const { rowCount } = await db.query(
    `UPDATE alarms SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3, updated_at = $3
     WHERE id = $1 AND status = 'new'`,
    [alarmId, actor, new Date(at)],
  );
  if (!rowCount) await explainRefusal(db, alarmId, 'ack');
  await appendEvent(db, alarmId, at, 'acknowledged', actor, null);
}

export async function addNote(db: Queryable, alarmId: string, actor: string, text: string, at: number): Promise<void> {
  if (!isAlarmId(alarmId)) throw new AppError('ALARM_NOT_FOUND');
  const { rowCount } = await db.query(`UPDATE alarms SET updated_at = $2 WHERE id = $1 AND status <> 'closed'`, [
    alarmId,
    new Date(at),
  ]);
  if (!rowCount) await explainRefusal(db, alarmId, 'open');
  await appendEvent(db, alarmId, at, 'note', actor, text);
}

/**
 * The alarm a device message raised, else the device's newest open alarm (the message was a
 * repeat press counted on it). Null when the device has neither.
 */
export async function alarmForDeviceMessage(
  db: Queryable,
  deviceId: string,
  messageId: string,
): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM alarms WHERE device_id = $1 AND (source_message_id = $2 OR status <> 'closed')
     ORDER BY (source_message_id = $2) DESC NULLS LAST, opened_at DESC LIMIT 1`,
    [deviceId, messageId],
  );
  return rows[0]?.id ?? null;
}

/**
 * One step of the alarm's voice call in its history (the voice feature's door into it). Also on
 * a closed alarm: a call can outlast the alarm, and its end belongs to the record.
 */
export async function addCallEvent(
  db: Queryable,
  alarmId: string,
  type: string,
  actor: string | null,
  note: string | null,
  at: number,
): Promise<void> {
  await db.query('UPDATE alarms SET updated_at = GREATEST(updated_at, $2) WHERE id = $1', [alarmId, new Date(at)]);
  await appendEvent(db, alarmId, at, type, actor, note);
}

export async function dispatch(db: Queryable, alarmId: string, actor: string, responder: string, at: number) {
  if (!isAlarmId(alarmId)) throw new AppError('ALARM_NOT_FOUND');
  const { rowCount } = await db.query(
    `UPDATE alarms SET status = 'dispatched', dispatched_to = $3, updated_at = $2
     WHERE id = $1 AND status IN ('acknowledged', 'dispatched')`,
    [alarmId, new Date(at), responder],
  );
  if (!rowCount) await explainRefusal(db, alarmId, 'acked');
  await appendEvent(db, alarmId, at, 'dispatched', actor, responder);
}

export async function close(
  db: Queryable,
  alarmId: string,
  actor: string,
  outcome: string,
  note: string | null,
  at: number,
) {
  if (!isAlarmId(alarmId)) throw new AppError('ALARM_NOT_FOUND');
  const { rowCount } = await db.query(
    `UPDATE alarms SET status = 'closed', outcome = $3, closed_at = $2, updated_at = $2
     WHERE id = $1 AND status IN ('acknowledged', 'dispatched')`,
    [alarmId, new Date(at), outcome],
  );
  if (!rowCount) await explainRefusal(db, alarmId, 'acked');
  await appendEvent(db, alarmId, at, 'closed', actor, note ? `${outcome}: ${note}` : outcome);
}

export async function markEscalated(db: Queryable, alarmId: string, at: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE alarms SET escalated_at = $2, updated_at = $2 WHERE id = $1 AND status = 'new' AND escalated_at IS NULL`,
    [alarmId, new Date(at)],
  );
  if (rowCount) await appendEvent(db, alarmId, at, 'escalated', 'system', null);
  return Boolean(rowCount);
}

export interface AlarmFilter {
  status: 'open' | 'closed' | 'all';
  district?: string | undefined;
  kind?: string | undefined;
  audience?: 'operator' | 'technician' | undefined;
  deviceId?: string | undefined;
  limit?: number;
}

export async function list(db: Queryable, filter: AlarmFilter): Promise<AlarmSummary[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status === 'open') where.push(`a.status <> 'closed'`);
  if (filter.status === 'closed') where.push(`a.status = 'closed'`);
  if (filter.district) {
    params.push(filter.district);
    where.push(`a.district = $${params.length}`);
  }
  if (filter.kind) {
    params.push(filter.kind);
    where.push(`a.kind = $${params.length}`);
  }
  if (filter.audience) {
    params.push(filter.audience);
    where.push(`a.audience = $${params.length}`);
  }
  if (filter.deviceId) {
    params.push(filter.deviceId);
    where.push(`a.device_id = $${params.length}`);
  }
  params.push(filter.limit ?? 2000);
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM}
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY a.priority, a.opened_at LIMIT $${params.length}`,
    params,
  );
  return rows.map(toSummary);
}

/** Open alarms the core needs to resume escalation clocks after a restart. */
/** Open alarms the routing core must know about after a restart (escalation clocks, lost connections). */
export async function openForCore(db: Queryable): Promise<
  {
    id: string;
    deviceId: string;
    kind: AlarmSummary['kind'];
    priority: 1 | 2 | 3 | 4;
    openedAt: number;
    status: string;
  }[]
> {
  const { rows } = await db.query<{
    id: string;
    device_id: string;
    kind: AlarmSummary['kind'];
    priority: 1 | 2 | 3 | 4;
    opened_at: string;
    status: string;
    escalated_at: string | null;
  }>(`SELECT id, device_id, kind, priority, opened_at, status, escalated_at FROM alarms WHERE status <> 'closed'`);
  return rows.map((r) => ({
    id: r.id,
    deviceId: r.device_id,
    kind: r.kind,
    priority: r.priority,
    openedAt: Date.parse(r.opened_at),
    // An escalated alarm needs no escalation clock again.
    status: r.escalated_at ? 'escalated' : r.status,
  }));
}

export async function history(db: Queryable, alarmId: string): Promise<AlarmHistoryEntry[]> {
  const { rows } = await db.query<{ at: string; type: string; actor: string | null; note: string | null }>(
    'SELECT at, type, actor, note FROM alarm_events WHERE alarm_id = $1 ORDER BY id',
    [alarmId],
  );
  return rows;
}

export async function details(db: Queryable, alarmId: string): Promise<AlarmDetail['details']> {
  const { rows } = await db.query<{ details: AlarmDetail['details'] }>('SELECT details FROM alarms WHERE id = $1', [
    alarmId,
  ]);
  const { position, frame, fault, doseId, batteryLevel } = rows[0]?.details ?? {};
  return { position, frame, fault, doseId, batteryLevel };
}

// ---- replicas: work that must happen once across alarm-center processes -------------------

/** Current summaries of several alarms (a replica relaying other replicas' changes). */
export async function summaries(db: Queryable, alarmIds: readonly string[]): Promise<AlarmSummary[]> {
  // named: the consoles' summaries of every committed batch, parsed and planned once per connection
  const { rows } = await db.query<SummaryRow>({
    name: 'alarms.summaries',
    text: `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE a.id = ANY($1::bigint[]) ORDER BY a.id`,
    values: [alarmIds],
  });
  return rows.map(toSummary);
}

/** Alarms changed at or after `since` (catching up after the change feed was down). */
export async function changedSince(db: Queryable, since: number): Promise<AlarmSummary[]> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE a.updated_at >= $1 ORDER BY a.updated_at LIMIT 5000`,
    [new Date(since)],
  );
  return rows.map(toSummary);
}

/**
 * Escalates unacknowledged alarms opened at or before their priority's cutoff, whichever replica
 * raised them. SKIP LOCKED: a row another replica is escalating (or acknowledging) right now is
 * left to it, and the `escalated_at IS NULL` test makes a second escalation impossible.
 */
export async function claimOverdueEscalations(
  client: pg.PoolClient,
  cutoffs: Record<1 | 2 | 3 | 4, number>,
  at: number,
  limit = 200,
): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `UPDATE alarms SET escalated_at = $5, updated_at = $5
     WHERE id IN (
       SELECT id FROM alarms
       WHERE status = 'new' AND escalated_at IS NULL
         AND ((priority = 1 AND opened_at <= $1) OR (priority = 2 AND opened_at <= $2)
           OR (priority = 3 AND opened_at <= $3) OR (priority = 4 AND opened_at <= $4))
       ORDER BY opened_at LIMIT $6
       FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    [new Date(cutoffs[1]), new Date(cutoffs[2]), new Date(cutoffs[3]), new Date(cutoffs[4]), new Date(at), limit],
  );
  for (const { id } of rows) await appendEvent(client, id, at, 'escalated', 'system', null);
  return rows.map((r) => r.id);
}

/**
 * Claims the right to raise "connection lost" for a device. Every replica supervises every
 * device, but a device talks to one replica at a time: the claim holds only if no replica has
 * seen the device since this one last did (the shared last_seen_at), no such alarm is open, and
 * no other replica holds the device row right now (SKIP LOCKED).
 */
export async function claimConnectionLost(
  client: pg.PoolClient,
  deviceId: string,
  lastSeenHere: number | null,
): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT d.id FROM devices d
     WHERE d.id = $1 AND (d.last_seen_at IS NULL OR $2::timestamptz IS NULL OR d.last_seen_at <= $2)
       AND NOT EXISTS (SELECT 1 FROM alarms a WHERE a.device_id = d.id AND a.kind = 'connection_lost' AND a.status <> 'closed')
     FOR UPDATE OF d SKIP LOCKED`,
    [deviceId, lastSeenHere === null ? null : new Date(lastSeenHere)],
  );
  return rows.length > 0;
}

export interface SilentDevice {
  deviceId: string;
  residentId: string | null;
  district: string;
  lastSeenAt: number;
}

/**
 * Installed devices no replica has heard from within their heartbeat tolerance (plus `graceMs`
 * for the health writer's batching), with no open "connection lost" alarm: the devices whose
 * replica died, or that died with it. Locks the rows it returns (SKIP LOCKED) until the caller's
 * transaction ends.
 */
export async function claimSilentDevices(
  client: pg.PoolClient,
  now: number,
  defaultTolerance: number,
  graceMs: number,
  limit = 200,
): Promise<SilentDevice[]> {
  const { rows } = await client.query<{
    id: string;
    resident_id: string | null;
    district: string;
    last_seen_at: string;
  }>(
    `SELECT d.id, d.resident_id, d.district, d.last_seen_at FROM devices d
     WHERE d.status = 'installed' AND d.last_seen_at IS NOT NULL
       AND d.last_seen_at + make_interval(secs => ${toleranceSecondsSql('$2')} + $3::float8 / 1000) <= $1
       -- Closed after the last recorded sighting: the device came back (or an operator handled
       -- it) and the batched last_seen_at has not caught up; wait for it.
       AND NOT EXISTS (SELECT 1 FROM alarms a WHERE a.device_id = d.id AND a.kind = 'connection_lost'
                       AND (a.status <> 'closed' OR a.closed_at > d.last_seen_at))
     ORDER BY d.last_seen_at LIMIT $4
     FOR UPDATE OF d SKIP LOCKED`,
    [new Date(now), defaultTolerance, graceMs, limit],
  );
  return rows.map((r) => ({
    deviceId: r.id,
    residentId: r.resident_id,
    district: r.district,
    lastSeenAt: Date.parse(r.last_seen_at),
  }));
}

// ---- response steps recorded by the responders feature -----------------------------------

/** The response times kept on the alarm itself (received is opened_at, closed is closed_at). */
export type ResponseTime = 'dispatched_at' | 'accepted_at' | 'arrived_at' | 'voice_contact_at';

/**
 * Appends a step of the response to the alarm's history (who, when) and, for the first dispatch,
 * accept and arrival, keeps its time on the alarm. Refused on a closed alarm.
 */
export async function recordStep(
  db: Queryable,
  alarmId: string,
  step: { type: string; actor: string; note: string | null; at: number; time?: ResponseTime },
): Promise<void> {
  if (!isAlarmId(alarmId)) throw new AppError('ALARM_NOT_FOUND');
  const at = new Date(step.at);
  // The column name comes from the closed ResponseTime union, never from input.
  const setTime = step.time ? `, ${step.time} = COALESCE(${step.time}, $2)` : '';
  const { rowCount } = await db.query(
    `UPDATE alarms SET updated_at = $2${setTime} WHERE id = $1 AND status <> 'closed'`,
    [alarmId, at],
  );
  if (!rowCount) await explainRefusal(db, alarmId, 'open');
  await appendEvent(db, alarmId, step.at, step.type, step.actor, step.note);
}

/**
 * Escalates an open alarm whatever its status (a call-out nobody accepted: help is not on its
 * way), once; the consoles announce an alarm that becomes escalated.
 */
export async function markEscalatedOpen(db: Queryable, alarmId: string, at: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE alarms SET escalated_at = $2, updated_at = $2 WHERE id = $1 AND status <> 'closed' AND escalated_at IS NULL`,
    [alarmId, new Date(at)],
  );
  if (rowCount) await appendEvent(db, alarmId, at, 'escalated', 'system', null);
  return Boolean(rowCount);
}

/** Keeps the first time of a response step on the alarm. */
export async function setResponseTime(db: Queryable, alarmId: string, time: ResponseTime, at: number): Promise<void> {
  // The column name comes from the closed ResponseTime union, never from input.
  await db.query(`UPDATE alarms SET ${time} = COALESCE(${time}, $2) WHERE id = $1`, [alarmId, new Date(at)]);
}

export async function responseTimes(db: Queryable, alarmId: string) {
  const { rows } = await db.query<{
    opened_at: string;
    acknowledged_at: string | null;
    voice_contact_at: string | null;
    dispatched_at: string | null;
    accepted_at: string | null;
    arrived_at: string | null;
    closed_at: string | null;
  }>(
    `SELECT opened_at, acknowledged_at, voice_contact_at, dispatched_at, accepted_at, arrived_at, closed_at
     FROM alarms WHERE id = $1`,
    [alarmId],
  );
  const r = rows[0];
  return r
    ? {
        received: r.opened_at,
        answered: r.acknowledged_at,
        voiceContact: r.voice_contact_at,
        dispatched: r.dispatched_at,
        accepted: r.accepted_at,
        arrived: r.arrived_at,
        closed: r.closed_at,
      }
    : null;
}

// ---- incidents: outage alarms grouped under a mass-outage incident ------------------------

/** Groups the open alarms of these kinds on these devices under an incident; returns their ids. */
export async function groupUnderIncident(
  db: Queryable,
  incidentId: string,
  deviceIds: readonly string[],
  kinds: readonly string[],
  at: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE alarms SET incident_id = $1, updated_at = greatest(updated_at, $4)
     WHERE device_id = ANY($2::text[]) AND kind = ANY($3::text[]) AND status <> 'closed'
       AND incident_id IS DISTINCT FROM $1
     RETURNING id`,
    [incidentId, deviceIds, kinds, new Date(at)],
  );
  const ids = rows.map((r) => r.id);
  if (ids.length > 0) {
    await db.query(
      `INSERT INTO alarm_events (alarm_id, at, type, actor, note)
       SELECT id, $2, 'grouped', 'system', $3 FROM unnest($1::bigint[]) AS id`,
      [ids, new Date(at), incidentId],
    );
  }
  return ids;
}

/** Open alarms grouped under an incident (its close shows them on their own again). */
export async function openInIncident(db: Queryable, incidentId: string, at: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE alarms SET updated_at = greatest(updated_at, $2) WHERE incident_id = $1 AND status <> 'closed' RETURNING id`,
    [incidentId, new Date(at)],
  );
  return rows.map((r) => r.id);
}

// ---- the closed-alarm search ----------------------------------------------------------------

export interface ClosedSearch {
  resident?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  kind?: string | undefined;
  outcome?: string | undefined;
  page: number;
  pageSize: number;
}

/** Closed alarms matching the filters, newest first, one page of them and the total. */
export async function searchClosed(db: Queryable, q: ClosedSearch): Promise<{ alarms: AlarmSummary[]; total: number }> {
  const where = [`a.status = 'closed'`];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (q.resident) add((p) => `r.name ILIKE ${p} ESCAPE '\\'`, `%${q.resident.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (q.from) add((p) => `a.opened_at >= ${p}::timestamptz`, q.from);
  if (q.to) add((p) => `a.opened_at < ${p}::timestamptz`, q.to);
  if (q.kind) add((p) => `a.kind = ${p}`, q.kind);
  if (q.outcome) add((p) => `a.outcome = ${p}`, q.outcome);
  params.push(q.pageSize, (q.page - 1) * q.pageSize);
  const { rows } = await db.query<SummaryRow & { total: number }>(
    `SELECT ${SUMMARY_COLUMNS}, count(*) OVER ()::int AS total FROM ${SUMMARY_FROM}
     WHERE ${where.join(' AND ')}
     ORDER BY a.closed_at DESC, a.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && q.page > 1) {
    // Past the last page: still tell the console how many there are.
    const count = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${SUMMARY_FROM} WHERE ${where.join(' AND ')}`,
      params.slice(0, -2),
    );
    total = count.rows[0]?.n ?? 0;
  }
  return { alarms: rows.map(toSummary), total };
}
