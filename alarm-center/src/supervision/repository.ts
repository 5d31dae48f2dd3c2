// Owns the supervision tables: plans and their visits, consents, the visits of each night, and the
// append-only frame access log. Also the two small reads supervision needs from devices and
// alarms (the resident's camera, whether an alarm is open).

import type pg from 'pg';
import type { Queryable } from '../db/database.ts';
import type { ConsentParty, ConsentScope, VisitMode, VisitStatus } from './rules.ts';

export interface PlanVisit {
  id: string;
  time: string;
  mode: VisitMode;
}

export interface Plan {
  residentId: string;
  residentName: string;
  nightTeam: string;
  timeZone: string;
  cohabitantName: string | null;
  residentCanConsent: boolean;
  /** The resident has a camera in service: a visit can be a camera look-in only then. */
  hasCamera: boolean;
  visits: PlanVisit[];
}

export interface PlanInput {
  nightTeam: string;
  timeZone: string;
  cohabitantName: string | null;
  residentCanConsent: boolean;
  visits: { time: string; mode: VisitMode }[];
}

export interface ConsentRecord {
  id: string;
  residentId: string;
  party: ConsentParty;
  partyName: string | null;
  scope: ConsentScope;
  recordedBy: string;
  recordedAt: number;
  withdrawnAt: number | null;
  withdrawnBy: string | null;
}

export interface Visit {
  id: string;
  planVisitId: string | null;
  residentId: string;
  residentName: string;
  /** Where a physical visit goes and how to get in (the door code is read apart, audit-logged). */
  address: string;
  access: string;
  hasCamera: boolean;
  nightTeam: string | null;
  night: string;
  time: string;
  dueAt: number;
  mode: VisitMode;
  status: VisitStatus;
  modeChangedReason: string | null;
  closedBy: string | null;
  closedAt: number | null;
  note: string | null;
  alarmId: string | null;
}

export interface AccessLogEntry {
  id: string;
  at: number;
  actor: string;
  actorRole: string;
  residentId: string;
  residentName: string | null;
  visitId: string | null;
  alarmId: string | null;
  allowed: boolean;
  reason: string | null;
}

// The pool returns timestamps as ISO strings; the rules work in epoch milliseconds.
type Timestamp = Date | string;
const toMs = (v: Timestamp): number => new Date(v).getTime();
const ms = (v: Timestamp | null): number | null => (v === null ? null : toMs(v));

/** Whether the resident of the row has a camera in service (`resident` names the id column). */
const hasCameraOf = (resident: string) =>
  `EXISTS (SELECT 1 FROM devices d WHERE d.resident_id = ${resident} AND d.device_type = 'camera'
             AND d.status <> 'retired') AS has_camera`;

// ---- plans --------------------------------------------------------------------------------

interface PlanRow {
  resident_id: string;
  resident_name: string;
  night_team: string;
  time_zone: string;
  cohabitant_name: string | null;
  resident_can_consent: boolean;
  has_camera: boolean;
  visits: { id: number | string; time: string; mode: VisitMode }[] | null;
}

const PLAN_SELECT = `
  SELECT p.resident_id, r.name AS resident_name, p.night_team, p.time_zone, p.cohabitant_name,
         p.resident_can_consent, ${hasCameraOf('p.resident_id')},
         (SELECT json_agg(json_build_object('id', v.id, 'time', v.time_of_night, 'mode', v.mode)
                          ORDER BY (v.time_of_night < '12:00'), v.time_of_night)
            FROM supervision_plan_visits v WHERE v.resident_id = p.resident_id) AS visits
  FROM supervision_plans p JOIN residents r ON r.id = p.resident_id`;

const toPlan = (r: PlanRow): Plan => ({
  residentId: r.resident_id,
  residentName: r.resident_name,
  nightTeam: r.night_team,
  timeZone: r.time_zone,
  cohabitantName: r.cohabitant_name,
  residentCanConsent: r.resident_can_consent,
  hasCamera: r.has_camera,
  visits: (r.visits ?? []).map((v) => ({ id: String(v.id), time: v.time, mode: v.mode })),
});

export async function plan(db: Queryable, residentId: string): Promise<Plan | null> {
  const { rows } = await db.query<PlanRow>(`${PLAN_SELECT} WHERE p.resident_id = $1`, [residentId]);
  return rows[0] ? toPlan(rows[0]) : null;
}

export async function plans(db: Queryable): Promise<Plan[]> {
  const { rows } = await db.query<PlanRow>(`${PLAN_SELECT} ORDER BY r.name, p.resident_id`);
  return rows.map(toPlan);
}

export async function residentExists(db: Queryable, residentId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM residents WHERE id = $1', [residentId]);
  return (rowCount ?? 0) > 0;
}

/** Creates or replaces a plan. Visits are matched by time: a kept time keeps its id. */
export async function savePlan(client: pg.PoolClient, residentId: string, input: PlanInput, now: number) {
  const at = new Date(now);
  await client.query(
    `INSERT INTO supervision_plans (resident_id, night_team, time_zone, cohabitant_name, resident_can_consent, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (resident_id) DO UPDATE SET night_team = EXCLUDED.night_team, time_zone = EXCLUDED.time_zone,
       cohabitant_name = EXCLUDED.cohabitant_name, resident_can_consent = EXCLUDED.resident_can_consent,
       updated_at = EXCLUDED.updated_at`,
    [residentId, input.nightTeam, input.timeZone, input.cohabitantName, input.residentCanConsent, at],
  );
  const times = input.visits.map((v) => v.time);
  // Open visits of removed times go with them; what was done stays on record.
  await client.query(
    `DELETE FROM supervision_visits WHERE status IN ('pending', 'due') AND plan_visit_id IN
       (SELECT id FROM supervision_plan_visits WHERE resident_id = $1 AND NOT (time_of_night = ANY($2::text[])))`,
    [residentId, times],
  );
  await client.query(
    'DELETE FROM supervision_plan_visits WHERE resident_id = $1 AND NOT (time_of_night = ANY($2::text[]))',
    [residentId, times],
  );
  for (const v of input.visits) {
    await client.query(
      `INSERT INTO supervision_plan_visits (resident_id, time_of_night, mode) VALUES ($1, $2, $3)
       ON CONFLICT (resident_id, time_of_night) DO UPDATE SET mode = EXCLUDED.mode`,
      [residentId, v.time, v.mode],
    );
  }
  await client.query(
    `UPDATE supervision_visits s SET mode = v.mode, mode_changed_reason = NULL
     FROM supervision_plan_visits v
     WHERE s.plan_visit_id = v.id AND v.resident_id = $1 AND s.status IN ('pending', 'due') AND s.mode <> v.mode`,
    [residentId],
  );
}

export async function deletePlan(client: pg.PoolClient, residentId: string): Promise<boolean> {
  await client.query(`DELETE FROM supervision_visits WHERE resident_id = $1 AND status IN ('pending', 'due')`, [
    residentId,
  ]);
  const { rowCount } = await client.query('DELETE FROM supervision_plans WHERE resident_id = $1', [residentId]);
  return (rowCount ?? 0) > 0;
}

export async function planVisit(db: Queryable, planVisitId: string): Promise<{ residentId: string } | null> {
  const { rows } = await db.query<{ resident_id: string }>(
    'SELECT resident_id FROM supervision_plan_visits WHERE id = $1',
    [planVisitId],
  );
  return rows[0] ? { residentId: rows[0].resident_id } : null;
}

/** Sets a planned visit's mode and the mode of its visits still open. */
export async function setPlanVisitMode(
  client: pg.PoolClient,
  planVisitIds: readonly string[],
  mode: VisitMode,
  reason: string | null,
): Promise<void> {
  if (planVisitIds.length === 0) return;
  await client.query('UPDATE supervision_plan_visits SET mode = $2 WHERE id = ANY($1::bigint[])', [planVisitIds, mode]);
  await client.query(
    `UPDATE supervision_visits SET mode = $2, mode_changed_reason = $3
     WHERE plan_visit_id = ANY($1::bigint[]) AND status IN ('pending', 'due')`,
    [planVisitIds, mode, reason],
  );
}

// ---- consents -----------------------------------------------------------------------------

interface ConsentRow {
  id: string;
  resident_id: string;
  party: ConsentParty;
  party_name: string | null;
  scope: ConsentScope;
  recorded_by: string;
  recorded_at: Timestamp;
  withdrawn_at: Timestamp | null;
  withdrawn_by: string | null;
}

const toConsent = (r: ConsentRow): ConsentRecord => ({
  id: r.id,
  residentId: r.resident_id,
  party: r.party,
  partyName: r.party_name,
  scope: r.scope,
  recordedBy: r.recorded_by,
  recordedAt: toMs(r.recorded_at),
  withdrawnAt: ms(r.withdrawn_at),
  withdrawnBy: r.withdrawn_by,
});

export async function consents(db: Queryable, residentId: string): Promise<ConsentRecord[]> {
  const { rows } = await db.query<ConsentRow>(
    'SELECT * FROM supervision_consents WHERE resident_id = $1 ORDER BY recorded_at, id',
    [residentId],
  );
  return rows.map(toConsent);
}

export async function consent(db: Queryable, consentId: string): Promise<ConsentRecord | null> {
  const { rows } = await db.query<ConsentRow>('SELECT * FROM supervision_consents WHERE id = $1', [consentId]);
  return rows[0] ? toConsent(rows[0]) : null;
}

export async function addConsent(
  db: Queryable,
  c: { residentId: string; party: ConsentParty; partyName: string | null; scope: ConsentScope },
  recordedBy: string,
  now: number,
): Promise<ConsentRecord> {
  const { rows } = await db.query<ConsentRow>(
    `INSERT INTO supervision_consents (resident_id, party, party_name, scope, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [c.residentId, c.party, c.partyName, c.scope, recordedBy, new Date(now)],
  );
  return toConsent(rows[0]!);
}

/** Marks a consent withdrawn; null when it already was. */
export async function withdrawConsent(
  client: pg.PoolClient,
  consentId: string,
  by: string,
  now: number,
): Promise<ConsentRecord | null> {
  const { rows } = await client.query<ConsentRow>(
    `UPDATE supervision_consents SET withdrawn_at = $2, withdrawn_by = $3
     WHERE id = $1 AND withdrawn_at IS NULL RETURNING *`,
    [consentId, new Date(now), by],
  );
  return rows[0] ? toConsent(rows[0]) : null;
}

// ---- visits of a night --------------------------------------------------------------------

interface VisitRow {
  id: string;
  plan_visit_id: string | null;
  resident_id: string;
  resident_name: string;
  address: string;
  access: string;
  has_camera: boolean;
  night_team: string | null;
  night: string;
  time_of_night: string;
  due_at: Timestamp;
  mode: VisitMode;
  status: VisitStatus;
  mode_changed_reason: string | null;
  closed_by: string | null;
  closed_at: Timestamp | null;
  note: string | null;
  alarm_id: string | null;
}

const VISIT_SELECT = `
  SELECT s.id, s.plan_visit_id, s.resident_id, r.name AS resident_name, r.address, r.access,
         ${hasCameraOf('s.resident_id')}, p.night_team,
         to_char(s.night, 'YYYY-MM-DD') AS night, s.time_of_night, s.due_at, s.mode, s.status,
         s.mode_changed_reason, s.closed_by, s.closed_at, s.note, s.alarm_id
  FROM supervision_visits s JOIN residents r ON r.id = s.resident_id
  LEFT JOIN supervision_plans p ON p.resident_id = s.resident_id`;

const toVisit = (r: VisitRow): Visit => ({
  id: r.id,
  planVisitId: r.plan_visit_id,
  residentId: r.resident_id,
  residentName: r.resident_name,
  address: r.address,
  access: r.access,
  hasCamera: r.has_camera,
  nightTeam: r.night_team,
  night: r.night,
  time: r.time_of_night,
  dueAt: toMs(r.due_at),
  mode: r.mode,
  status: r.status,
  modeChangedReason: r.mode_changed_reason,
  closedBy: r.closed_by,
  closedAt: ms(r.closed_at),
  note: r.note,
  alarmId: r.alarm_id,
});

export interface NightVisit {
  planVisitId: string;
  residentId: string;
  night: string;
  time: string;
  dueAt: number;
  mode: VisitMode;
}

/** Lays out a night's visits; visits already laid out are left as they are. */
export async function layOutNight(db: Queryable, visits: readonly NightVisit[]): Promise<number> {
  if (visits.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO supervision_visits (plan_visit_id, resident_id, night, time_of_night, due_at, mode)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::date[], $4::text[], $5::timestamptz[], $6::text[])
     ON CONFLICT (resident_id, night, time_of_night) DO NOTHING`,
    [
      visits.map((v) => v.planVisitId),
      visits.map((v) => v.residentId),
      visits.map((v) => v.night),
      visits.map((v) => v.time),
      visits.map((v) => new Date(v.dueAt)),
      visits.map((v) => v.mode),
    ],
  );
  return rowCount ?? 0;
}

export async function visit(db: Queryable, visitId: string): Promise<Visit | null> {
  const { rows } = await db.query<VisitRow>(`${VISIT_SELECT} WHERE s.id = $1`, [visitId]);
  return rows[0] ? toVisit(rows[0]) : null;
}

/** A night's visits across residents in time order. */
export async function night(db: Queryable, night: string, nightTeam: string | null): Promise<Visit[]> {
  const { rows } = await db.query<VisitRow>(
    `${VISIT_SELECT} WHERE s.night = $1 AND ($2::text IS NULL OR p.night_team = $2)
     ORDER BY s.due_at, r.name, s.id`,
    [night, nightTeam],
  );
  return rows.map(toVisit);
}

/** Every night team that has a plan, for filtering the round. */
export async function nightTeams(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ night_team: string }>(
    'SELECT DISTINCT night_team FROM supervision_plans ORDER BY night_team',
  );
  return rows.map((r) => r.night_team);
}

/** Open visits of a resident (those a consent change can still affect). */
export async function openVisitsOf(db: Queryable, residentId: string): Promise<Visit[]> {
  const { rows } = await db.query<VisitRow>(
    `${VISIT_SELECT} WHERE s.resident_id = $1 AND s.status IN ('pending', 'due') ORDER BY s.due_at`,
    [residentId],
  );
  return rows.map(toVisit);
}

/** Open visits whose time has come, for the scheduler. */
export async function openVisitsDueBy(db: Queryable, until: number): Promise<Visit[]> {
  const { rows } = await db.query<VisitRow>(
    `${VISIT_SELECT} WHERE s.status IN ('pending', 'due') AND s.due_at <= $1 ORDER BY s.due_at`,
    [new Date(until)],
  );
  return rows.map(toVisit);
}

export async function setVisitMode(db: Queryable, visitIds: readonly string[], mode: VisitMode, reason: string) {
  if (visitIds.length === 0) return;
  await db.query(
    `UPDATE supervision_visits SET mode = $2, mode_changed_reason = $3
     WHERE id = ANY($1::bigint[]) AND status IN ('pending', 'due')`,
    [visitIds, mode, reason],
  );
}

/** Moves an open visit on, only from the status the caller saw; false when someone was first. */
export async function setVisitStatus(
  db: Queryable,
  visitId: string,
  from: VisitStatus,
  to: VisitStatus,
  close: { by: string | null; at: number; note: string | null; alarmId: string | null } | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE supervision_visits SET status = $3, closed_by = $4, closed_at = $5, note = COALESCE($6, note),
            alarm_id = COALESCE($7, alarm_id)
     WHERE id = $1 AND status = $2`,
    [
      visitId,
      from,
      to,
      close?.by ?? null,
      close ? new Date(close.at) : null,
      close?.note ?? null,
      close?.alarmId ?? null,
    ],
  );
  return (rowCount ?? 0) > 0;
}

export async function setVisitAlarm(db: Queryable, visitId: string, alarmId: string): Promise<void> {
  await db.query('UPDATE supervision_visits SET alarm_id = $2 WHERE id = $1', [visitId, alarmId]);
}

/** Visits of the nights in [fromNight, toNight], for savings. */
export async function visitsBetween(db: Queryable, fromNight: string, toNight: string) {
  const { rows } = await db.query<{ night: string; mode: VisitMode; status: VisitStatus }>(
    `SELECT to_char(night, 'YYYY-MM-DD') AS night, mode, status FROM supervision_visits
     WHERE night BETWEEN $1 AND $2`,
    [fromNight, toNight],
  );
  return rows;
}

// ---- frame access log ---------------------------------------------------------------------

export async function logFrameAccess(db: Queryable, e: Omit<AccessLogEntry, 'id' | 'residentName'>): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO frame_access_log (at, actor, actor_role, resident_id, visit_id, alarm_id, allowed, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [new Date(e.at), e.actor, e.actorRole, e.residentId, e.visitId, e.alarmId, e.allowed, e.reason],
  );
  return rows[0]!.id;
}

export async function accessLog(
  db: Queryable,
  filter: { residentId?: string | undefined; limit: number },
): Promise<AccessLogEntry[]> {
  const { rows } = await db.query<{
    id: string;
    at: Timestamp;
    actor: string;
    actor_role: string;
    resident_id: string;
    resident_name: string | null;
    visit_id: string | null;
    alarm_id: string | null;
    allowed: boolean;
    reason: string | null;
  }>(
    `SELECT l.*, r.name AS resident_name FROM frame_access_log l LEFT JOIN residents r ON r.id = l.resident_id
     WHERE ($1::text IS NULL OR l.resident_id = $1) ORDER BY l.at DESC, l.id DESC LIMIT $2`,
    [filter.residentId ?? null, filter.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    at: toMs(r.at),
    actor: r.actor,
    actorRole: r.actor_role,
    residentId: r.resident_id,
    residentName: r.resident_name,
    visitId: r.visit_id,
    alarmId: r.alarm_id,
    allowed: r.allowed,
    reason: r.reason,
  }));
}

// ---- reads from devices and alarms --------------------------------------------------------

/** The resident's camera, or failing that any device an alarm can be raised on. */
export async function devicesOf(db: Queryable, residentId: string) {
  const { rows } = await db.query<{ id: string; device_type: string; district: string }>(
    `SELECT id, device_type, district FROM devices WHERE resident_id = $1 AND status <> 'retired'
     ORDER BY (device_type = 'camera') DESC, created_at`,
    [residentId],
  );
  return rows.map((r) => ({ deviceId: r.id, deviceType: r.device_type, district: r.district }));
}

export async function alarmFacts(db: Queryable, alarmId: string) {
  const { rows } = await db.query<{ resident_id: string | null; status: string }>(
    'SELECT resident_id, status FROM alarms WHERE id = $1',
    [alarmId],
  );
  return rows[0] ? { residentId: rows[0].resident_id, open: rows[0].status !== 'closed' } : null;
}
