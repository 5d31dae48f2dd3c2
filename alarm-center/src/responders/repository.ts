// Owns the responders, dispatches, resident_keys and key_events tables (migration 010). Writes
// take the caller's client; state changes are conditional updates, so two clicks cannot both win.

import type { Dispatch, DispatchState, ResidentKey, Responder, ResponderStatus } from '@trygg/console-contract';
import type pg from 'pg';
import type { Queryable } from '../db/database.ts';

// TIMESTAMPTZ arrives as an ISO string (db/database.ts sets the parser).
const iso = <T extends string | null>(v: T): T => v;

// ---- responders -------------------------------------------------------------------------------

interface ResponderRow {
  id: string;
  name: string;
  kind: Responder['kind'];
  districts: string[];
  shift_start: string;
  shift_end: string;
  status: ResponderStatus;
  status_changed_at: string;
  username: string | null;
  phone: string | null;
}

const toResponder = (r: ResponderRow): Responder => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  districts: r.districts,
  shiftStart: r.shift_start,
  shiftEnd: r.shift_end,
  status: r.status,
  statusChangedAt: iso(r.status_changed_at)!,
  username: r.username,
  phone: r.phone,
});

export interface NewResponder {
  id: string;
  name: string;
  kind: Responder['kind'];
  districts: string[];
  shiftStart: string;
  shiftEnd: string;
  status: ResponderStatus;
  username: string | null;
  phone: string | null;
}

export async function createResponder(db: Queryable, r: NewResponder, at: number): Promise<void> {
  await db.query(
    `INSERT INTO responders (id, name, kind, districts, shift_start, shift_end, status, status_changed_at, username, phone)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [r.id, r.name, r.kind, r.districts, r.shiftStart, r.shiftEnd, r.status, new Date(at), r.username, r.phone],
  );
}

/** Replaces what a supervisor sets (not the live status); false when there is no such responder. */
export async function updateResponder(
  db: Queryable,
  id: string,
  r: Omit<NewResponder, 'id' | 'status'>,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE responders SET name = $2, kind = $3, districts = $4, shift_start = $5, shift_end = $6, username = $7, phone = $8
     WHERE id = $1`,
    [id, r.name, r.kind, r.districts, r.shiftStart, r.shiftEnd, r.username, r.phone],
  );
  return rowCount === 1;
}

export async function responders(db: Queryable): Promise<Responder[]> {
  const { rows } = await db.query<ResponderRow>('SELECT * FROM responders ORDER BY name');
  return rows.map(toResponder);
}

export async function responder(db: Queryable, id: string): Promise<Responder | null> {
  const { rows } = await db.query<ResponderRow>('SELECT * FROM responders WHERE id = $1', [id]);
  return rows[0] ? toResponder(rows[0]) : null;
}

/** The responder a responder-role login acts as. */
export async function responderOfUser(db: Queryable, username: string): Promise<Responder | null> {
  const { rows } = await db.query<ResponderRow>('SELECT * FROM responders WHERE username = $1', [username]);
  return rows[0] ? toResponder(rows[0]) : null;
}

/** Locks the responder's row for the caller's transaction (status changes race with dispatches). */
export async function lockResponder(client: pg.PoolClient, id: string): Promise<Responder | null> {
  const { rows } = await client.query<ResponderRow>('SELECT * FROM responders WHERE id = $1 FOR UPDATE', [id]);
  return rows[0] ? toResponder(rows[0]) : null;
}

export async function setStatus(db: Queryable, id: string, status: ResponderStatus, at: number): Promise<void> {
  await db.query(
    'UPDATE responders SET status = $2, status_changed_at = $3 WHERE id = $1 AND status IS DISTINCT FROM $2',
    [id, status, new Date(at)],
  );
}

// ---- dispatches -------------------------------------------------------------------------------

interface DispatchRow {
  id: string;
  alarm_id: string;
  responder_id: string;
  responder_name: string;
  state: DispatchState;
  dispatched_by: string;
  notes: string;
  key_id: string | null;
  dispatched_at: string;
  accept_by: string;
  accept_timed_out_at: string | null;
  accepted_at: string | null;
  on_the_way_at: string | null;
  eta_minutes: number | null;
  arrived_at: string | null;
  arrived_via: Dispatch['arrivedVia'];
  ended_at: string | null;
}

const DISPATCH_SELECT = `SELECT d.*, r.name AS responder_name FROM dispatches d JOIN responders r ON r.id = d.responder_id`;

const toDispatch = (r: DispatchRow): Dispatch => ({
  id: String(r.id),
  alarmId: String(r.alarm_id),
  responderId: r.responder_id,
  responderName: r.responder_name,
  state: r.state,
  dispatchedBy: r.dispatched_by,
  notes: r.notes,
  keyId: r.key_id,
  dispatchedAt: iso(r.dispatched_at)!,
  acceptBy: iso(r.accept_by)!,
  acceptTimedOut: r.accept_timed_out_at !== null,
  acceptedAt: iso(r.accepted_at),
  onTheWayAt: iso(r.on_the_way_at),
  etaMinutes: r.eta_minutes,
  arrivedAt: iso(r.arrived_at),
  arrivedVia: r.arrived_via,
  endedAt: iso(r.ended_at),
});

export interface NewDispatch {
  alarmId: string;
  responderId: string;
  dispatchedBy: string;
  notes: string;
  keyId: string | null;
  at: number;
  acceptBy: number;
}

export async function insertDispatch(client: pg.PoolClient, d: NewDispatch): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO dispatches (alarm_id, responder_id, state, dispatched_by, notes, key_id, dispatched_at, accept_by)
     VALUES ($1, $2, 'dispatched', $3, $4, $5, $6, $7) RETURNING id`,
    [d.alarmId, d.responderId, d.dispatchedBy, d.notes, d.keyId, new Date(d.at), new Date(d.acceptBy)],
  );
  return String(rows[0]!.id);
}

export async function dispatch(db: Queryable, id: string): Promise<Dispatch | null> {
  const { rows } = await db.query<DispatchRow>(`${DISPATCH_SELECT} WHERE d.id = $1`, [id]);
  return rows[0] ? toDispatch(rows[0]) : null;
}

export async function dispatchesOfAlarm(db: Queryable, alarmId: string): Promise<Dispatch[]> {
  const { rows } = await db.query<DispatchRow>(`${DISPATCH_SELECT} WHERE d.alarm_id = $1 ORDER BY d.id`, [alarmId]);
  return rows.map(toDispatch);
}

export async function dispatchesOfResponder(db: Queryable, responderId: string, limit = 50): Promise<Dispatch[]> {
  const { rows } = await db.query<DispatchRow>(
    `${DISPATCH_SELECT} WHERE d.responder_id = $1 ORDER BY d.id DESC LIMIT $2`,
    [responderId, limit],
  );
  return rows.map(toDispatch);
}

/** The alarm's active dispatch, locked for the caller's transaction. */
export async function lockActiveDispatchOfAlarm(client: pg.PoolClient, alarmId: string): Promise<Dispatch | null> {
  const { rows } = await client.query<DispatchRow>(
    `${DISPATCH_SELECT} WHERE d.alarm_id = $1 AND d.state IN ('dispatched', 'accepted', 'on_the_way', 'arrived')
     FOR UPDATE OF d`,
    [alarmId],
  );
  return rows[0] ? toDispatch(rows[0]) : null;
}

export async function lockDispatch(client: pg.PoolClient, id: string): Promise<Dispatch | null> {
  const { rows } = await client.query<DispatchRow>(`${DISPATCH_SELECT} WHERE d.id = $1 FOR UPDATE OF d`, [id]);
  return rows[0] ? toDispatch(rows[0]) : null;
}

export interface StepChange {
  state: DispatchState;
  at: number;
  etaMinutes?: number;
  arrivedVia?: 'app' | 'unit';
  jobSheet?: unknown;
}

/** Moves a dispatch to `change.state` if it is still in `from`; false when another step won. */
export async function moveDispatch(
  client: pg.PoolClient,
  id: string,
  from: DispatchState,
  change: StepChange,
): Promise<boolean> {
  const at = new Date(change.at);
  const ends = ['done', 'could_not_enter', 'reassigned', 'cancelled'].includes(change.state);
  const { rowCount } = await client.query(
    `UPDATE dispatches SET state = $3,
       accepted_at = CASE WHEN $3 = 'accepted' THEN $4 ELSE accepted_at END,
       on_the_way_at = CASE WHEN $3 = 'on_the_way' THEN $4 ELSE on_the_way_at END,
       eta_minutes = COALESCE($5, eta_minutes),
       arrived_at = CASE WHEN $3 = 'arrived' THEN $4 ELSE arrived_at END,
       arrived_via = COALESCE($6, arrived_via),
       ended_at = CASE WHEN $7 THEN $4 ELSE ended_at END,
       job_sheet = COALESCE($8, job_sheet)
     WHERE id = $1 AND state = $2`,
    [
      id,
      from,
      change.state,
      at,
      change.etaMinutes ?? null,
      change.arrivedVia ?? null,
      ends,
      change.jobSheet === undefined ? null : JSON.stringify(change.jobSheet),
    ],
  );
  return Boolean(rowCount);
}

/** Dispatches still waiting for an accept whose accept time has not been reported yet. */
/** The earliest accept deadline of any replica's dispatch still waiting (index dispatches_awaiting_accept). */
export async function nextAcceptDeadline(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ next: string | null }>(
    `SELECT min(accept_by) AS next FROM dispatches WHERE state = 'dispatched' AND accept_timed_out_at IS NULL`,
  );
  return rows[0]?.next ? Date.parse(rows[0].next) : null;
}

/** Marks every dispatch whose accept time passed, once (across replicas), and returns them. */
export async function claimAcceptTimeouts(client: pg.PoolClient, now: number): Promise<Dispatch[]> {
  const { rows } = await client.query<{ id: string }>(
    `UPDATE dispatches SET accept_timed_out_at = $1
     WHERE id IN (SELECT id FROM dispatches WHERE state = 'dispatched' AND accept_timed_out_at IS NULL
                  AND accept_by <= $1 ORDER BY accept_by LIMIT 200 FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    [new Date(now)],
  );
  const out: Dispatch[] = [];
  for (const { id } of rows) {
    const d = await dispatch(client, String(id));
    if (d) out.push(d);
  }
  return out;
}

/** Responders who let this alarm's accept time pass (offered last for a re-dispatch). */
export async function timedOutResponders(db: Queryable, alarmId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ responder_id: string }>(
    'SELECT DISTINCT responder_id FROM dispatches WHERE alarm_id = $1 AND accept_timed_out_at IS NOT NULL',
    [alarmId],
  );
  return new Set(rows.map((r) => r.responder_id));
}

/** The active dispatch of a device's open alarm (a presence press on the unit confirms arrival). */
export async function activeDispatchOfDevice(db: Queryable, deviceId: string): Promise<Dispatch | null> {
  const { rows } = await db.query<DispatchRow>(
    `${DISPATCH_SELECT} JOIN alarms a ON a.id = d.alarm_id
     WHERE a.device_id = $1 AND a.status <> 'closed' AND d.state IN ('dispatched', 'accepted', 'on_the_way')
     ORDER BY d.id DESC LIMIT 1`,
    [deviceId],
  );
  return rows[0] ? toDispatch(rows[0]) : null;
}

export async function arrivals(db: Queryable, from: number, to: number) {
  const { rows } = await db.query<{ dispatched_at: string; arrived_at: string }>(
    `SELECT dispatched_at, arrived_at FROM dispatches
     WHERE arrived_at IS NOT NULL AND dispatched_at >= $1 AND dispatched_at < $2`,
    [new Date(from), new Date(to)],
  );
  return rows.map((r) => ({ dispatchedAt: Date.parse(r.dispatched_at), arrivedAt: Date.parse(r.arrived_at) }));
}

// ---- the key register -------------------------------------------------------------------------

interface KeyRow {
  id: string;
  resident_id: string;
  kind: ResidentKey['kind'];
  label: string;
  lock_device_id: string | null;
  holder: string | null;
  signed_out_at: string | null;
}

const toKey = (r: KeyRow): ResidentKey => ({
  id: r.id,
  residentId: r.resident_id,
  kind: r.kind,
  label: r.label,
  lockDeviceId: r.lock_device_id,
  holder: r.holder,
  signedOutAt: iso(r.signed_out_at),
});

export async function createKey(
  db: Queryable,
  residentId: string,
  k: Omit<ResidentKey, 'residentId' | 'holder' | 'signedOutAt'>,
) {
  await db.query(
    'INSERT INTO resident_keys (id, resident_id, kind, label, lock_device_id) VALUES ($1, $2, $3, $4, $5)',
    [k.id, residentId, k.kind, k.label, k.lockDeviceId],
  );
}

export async function keysOf(db: Queryable, residentId: string): Promise<ResidentKey[]> {
  const { rows } = await db.query<KeyRow>('SELECT * FROM resident_keys WHERE resident_id = $1 ORDER BY id', [
    residentId,
  ]);
  return rows.map(toKey);
}

export async function key(db: Queryable, id: string): Promise<ResidentKey | null> {
  const { rows } = await db.query<KeyRow>('SELECT * FROM resident_keys WHERE id = $1', [id]);
  return rows[0] ? toKey(rows[0]) : null;
}

export async function keysHeldBy(db: Queryable, holder: string): Promise<ResidentKey[]> {
  const { rows } = await db.query<KeyRow>('SELECT * FROM resident_keys WHERE holder = $1 ORDER BY signed_out_at', [
    holder,
  ]);
  return rows.map(toKey);
}

export async function keysSignedOut(db: Queryable): Promise<ResidentKey[]> {
  const { rows } = await db.query<KeyRow>(
    'SELECT * FROM resident_keys WHERE holder IS NOT NULL ORDER BY signed_out_at',
  );
  return rows.map(toKey);
}

/** Signs a key out to `holder` (or back in with null); false when it was not in the expected place. */
export async function moveKey(db: Queryable, id: string, holder: string | null, at: number): Promise<boolean> {
  const { rowCount } = await db.query(
    holder === null
      ? 'UPDATE resident_keys SET holder = NULL, signed_out_at = NULL WHERE id = $1 AND holder IS NOT NULL'
      : 'UPDATE resident_keys SET holder = $2, signed_out_at = $3 WHERE id = $1 AND holder IS NULL',
    holder === null ? [id] : [id, holder, new Date(at)],
  );
  return Boolean(rowCount);
}

export type KeyAction = 'signed_out' | 'signed_in' | 'lock_opened' | 'lock_refused';

export async function appendKeyEvent(
  db: Queryable,
  keyId: string,
  action: KeyAction,
  actor: string,
  dispatchId: string | null,
  at: number,
): Promise<void> {
  await db.query('INSERT INTO key_events (key_id, at, action, actor, dispatch_id) VALUES ($1, $2, $3, $4, $5)', [
    keyId,
    new Date(at),
    action,
    actor,
    dispatchId,
  ]);
}

export async function keyEvents(db: Queryable, keyId: string) {
  const { rows } = await db.query<{ at: string; action: string; actor: string; dispatch_id: string | null }>(
    'SELECT at, action, actor, dispatch_id FROM key_events WHERE key_id = $1 ORDER BY id',
    [keyId],
  );
  return rows.map((r) => ({
    at: iso(r.at)!,
    action: r.action,
    actor: r.actor,
    dispatchId: r.dispatch_id === null ? null : String(r.dispatch_id),
  }));
}
