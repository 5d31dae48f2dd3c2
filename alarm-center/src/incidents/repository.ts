// Owns the incidents and incident_units tables. The welfare-check list is a read model over
// residents, grant applications (living situation) and alarms (recent falls), like the overview.

import type { IncidentSummary, WelfareCheck } from '@trygg/console-contract';
import type { Queryable } from '../db/database.ts';
import type { GroupRef, LostUnit } from './detector.ts';

interface IncidentRow {
  id: string;
  group_type: IncidentSummary['groupType'];
  group_key: string;
  group_size: number;
  started_at: string;
  opened_at: string;
  closed_at: string | null;
  returned: number;
  not_returned: number;
  units: number;
  still_out: number;
}

const SUMMARY = `
  SELECT i.id, i.group_type, i.group_key, i.group_size, i.started_at, i.opened_at, i.closed_at, i.returned,
         i.not_returned, count(u.device_id)::int AS units, count(u.device_id) FILTER (WHERE u.returned_at IS NULL)::int AS still_out
  FROM incidents i LEFT JOIN incident_units u ON u.incident_id = i.id`;

const toSummary = (r: IncidentRow): IncidentSummary => ({
  id: r.id,
  groupType: r.group_type,
  groupKey: r.group_key,
  groupSize: r.group_size,
  startedAt: r.started_at,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  units: r.units,
  stillOut: r.closed_at ? r.not_returned : r.still_out,
  returned: r.returned,
  notReturned: r.not_returned,
});

export async function open(
  db: Queryable,
  group: GroupRef,
  groupSize: number,
  since: number,
  at: number,
  units: readonly LostUnit[],
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    // Another replica may have opened the group's incident already: join it rather than fail.
    `INSERT INTO incidents (group_type, group_key, group_size, started_at, opened_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (group_type, group_key) WHERE closed_at IS NULL
     DO UPDATE SET started_at = least(incidents.started_at, EXCLUDED.started_at)
     RETURNING id`,
    [group.type, group.key, groupSize, new Date(since), new Date(at)],
  );
  const id = rows[0]!.id;
  await addUnits(db, id, units);
  return id;
}

export async function addUnits(db: Queryable, incidentId: string, units: readonly LostUnit[]): Promise<void> {
  if (units.length === 0) return;
  await db.query(
    `INSERT INTO incident_units (incident_id, device_id, lost_at)
     SELECT $1, d, to_timestamp(t / 1000.0) FROM unnest($2::text[], $3::float8[]) AS x(d, t)
     ON CONFLICT (incident_id, device_id) DO UPDATE SET returned_at = NULL`,
    [incidentId, units.map((u) => u.deviceId), units.map((u) => u.lostAt)],
  );
}

/**
 * Units joining an incident this replica knows as open, only if it still is: the incident is locked
 * first, so a replica closing it (its last units back, `unitsBack`) either finishes before (the
 * join sees it closed and is refused: false) or waits and then sees these units out, and keeps it
 * open. A unit never joins a closed incident, where its outage would be counted as over.
 */
export async function joinIfOpen(db: Queryable, incidentId: string, units: readonly LostUnit[]): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM incidents WHERE id = $1 AND closed_at IS NULL FOR NO KEY UPDATE', [
    incidentId,
  ]);
  if (!rowCount) return false;
  await addUnits(db, incidentId, units);
  return true;
}

export interface ClosedIncident {
  id: string;
  group: GroupRef;
  returned: number;
  notReturned: number;
}

interface ClosedRow {
  id: string;
  group_type: GroupRef['type'];
  group_key: string;
  returned: number;
  not_returned: number;
}

const toClosed = (r: ClosedRow): ClosedIncident => ({
  id: String(r.id),
  group: { type: r.group_type, key: r.group_key },
  returned: r.returned,
  notReturned: r.not_returned,
});

/**
 * Units heard from again, whichever replica counted them lost: marked returned in every open
 * incident they are out in, and each such incident with no unit left out closes. The incidents
 * are locked first (in id order), so two replicas writing the last two returns at once cannot
 * both miss the close: the second waits and then sees the first's return.
 */
export async function unitsBack(db: Queryable, deviceIds: string[], at: number[]): Promise<ClosedIncident[]> {
  const { rows: affected } = await db.query<{ id: string }>(
    `SELECT DISTINCT u.incident_id AS id FROM incident_units u JOIN incidents i ON i.id = u.incident_id
     WHERE i.closed_at IS NULL AND u.returned_at IS NULL AND u.device_id = ANY($1::text[])`,
    [deviceIds],
  );
  if (affected.length === 0) return [];
  const ids = affected.map((r) => r.id);
  await db.query('SELECT id FROM incidents WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE', [ids]);
  await db.query(
    `UPDATE incident_units u SET returned_at = to_timestamp(x.t / 1000.0)
     FROM unnest($2::text[], $3::float8[]) AS x(d, t)
     WHERE u.incident_id = ANY($1::bigint[]) AND u.device_id = x.d AND u.returned_at IS NULL`,
    [ids, deviceIds, at],
  );
  const { rows } = await db.query<ClosedRow>(
    `UPDATE incidents i SET closed_at = $2, not_returned = 0,
       returned = (SELECT count(*) FROM incident_units u WHERE u.incident_id = i.id)
     WHERE i.id = ANY($1::bigint[]) AND i.closed_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM incident_units u WHERE u.incident_id = i.id AND u.returned_at IS NULL)
     RETURNING i.id, i.group_type, i.group_key, i.returned, i.not_returned`,
    [ids, new Date(Math.max(...at))],
  );
  return rows.map(toClosed);
}

/**
 * The settle close, decided on the shared units: some back and no loss or return (by any
 * replica) since `quietSince`. Null when the incident is not settled (or already closed).
 */
export async function closeIfSettled(
  db: Queryable,
  incidentId: string,
  at: number,
  quietSince: number,
): Promise<ClosedIncident | null> {
  await db.query('SELECT id FROM incidents WHERE id = $1 FOR NO KEY UPDATE', [incidentId]);
  const { rows } = await db.query<ClosedRow>(
    `UPDATE incidents i SET closed_at = $2, returned = s.back, not_returned = s.out
     FROM (SELECT count(*) FILTER (WHERE returned_at IS NOT NULL)::int AS back,
                  count(*) FILTER (WHERE returned_at IS NULL)::int AS out,
                  max(coalesce(returned_at, lost_at)) AS last
           FROM incident_units WHERE incident_id = $1) s
     WHERE i.id = $1 AND i.closed_at IS NULL AND s.back > 0 AND s.last <= $3
     RETURNING i.id, i.group_type, i.group_key, i.returned, i.not_returned`,
    [incidentId, new Date(at), new Date(quietSince)],
  );
  return rows[0] ? toClosed(rows[0]) : null;
}

/** The open incidents' ids and groups (replicas compare them with what they hold). */
export async function openIds(db: Queryable): Promise<{ id: string; group: GroupRef }[]> {
  const { rows } = await db.query<{ id: string; group_type: GroupRef['type']; group_key: string }>(
    'SELECT id, group_type, group_key FROM incidents WHERE closed_at IS NULL',
  );
  return rows.map((r) => ({ id: String(r.id), group: { type: r.group_type, key: r.group_key } }));
}

export async function list(db: Queryable, status: 'open' | 'closed' | 'all', limit = 200): Promise<IncidentSummary[]> {
  const where =
    status === 'open' ? 'WHERE i.closed_at IS NULL' : status === 'closed' ? 'WHERE i.closed_at IS NOT NULL' : '';
  const { rows } = await db.query<IncidentRow>(`${SUMMARY} ${where} GROUP BY i.id ORDER BY i.opened_at DESC LIMIT $1`, [
    limit,
  ]);
  return rows.map(toSummary);
}

export async function summary(db: Queryable, incidentId: string): Promise<IncidentSummary | null> {
  const { rows } = await db.query<IncidentRow>(`${SUMMARY} WHERE i.id = $1 GROUP BY i.id`, [incidentId]);
  return rows[0] ? toSummary(rows[0]) : null;
}

export async function units(db: Queryable, incidentId: string) {
  const { rows } = await db.query<{
    device_id: string;
    device_type: string;
    lost_at: string;
    returned_at: string | null;
  }>(
    `SELECT u.device_id, d.device_type, u.lost_at, u.returned_at FROM incident_units u JOIN devices d ON d.id = u.device_id
     WHERE u.incident_id = $1 ORDER BY u.returned_at NULLS FIRST, u.device_id`,
    [incidentId],
  );
  return rows.map((r) => ({
    deviceId: r.device_id,
    deviceType: r.device_type as never,
    lostAt: r.lost_at,
    returnedAt: r.returned_at,
  }));
}

/**
 * Residents whose unit is still out, most at risk first: living alone (from the grant
 * application), falls and other alarms in the 30 days before `now`; among equals, those whose
 * latest alarm ended with no voice contact (the voice feature's calls) come first: nobody has
 * heard them, so nobody knows how they are.
 */
export async function welfareChecks(db: Queryable, incidentId: string, now: number): Promise<WelfareCheck[]> {
  const { rows } = await db.query<{
    resident_id: string;
    name: string;
    address: string;
    device_id: string;
    lives_alone: boolean;
    recent_falls: number;
    recent_alarms: number;
    no_voice_contact: boolean;
  }>(
    `SELECT DISTINCT ON (r.id) r.id AS resident_id, r.name, r.address, u.device_id,
       EXISTS (SELECT 1 FROM applications ap WHERE ap.resident_id = r.id AND ap.living_situation = 'alone') AS lives_alone,
       (SELECT count(*)::int FROM alarms a WHERE a.resident_id = r.id AND a.kind IN ('fall', 'person_on_floor')
          AND a.opened_at >= $2::timestamptz - interval '30 days') AS recent_falls,
       (SELECT count(*)::int FROM alarms a WHERE a.resident_id = r.id AND a.audience = 'operator'
          AND a.opened_at >= $2::timestamptz - interval '30 days') AS recent_alarms,
       coalesce((SELECT c.end_reason = 'no-voice-contact' FROM alarms a
          LEFT JOIN LATERAL (SELECT v.end_reason FROM voice_calls v WHERE v.alarm_id = a.id
            ORDER BY v.offered_at DESC LIMIT 1) c ON true
          WHERE a.resident_id = r.id AND a.audience = 'operator' ORDER BY a.opened_at DESC LIMIT 1), false)
         AS no_voice_contact
     FROM incident_units u JOIN devices d ON d.id = u.device_id JOIN residents r ON r.id = d.resident_id
     WHERE u.incident_id = $1 AND u.returned_at IS NULL
     ORDER BY r.id`,
    [incidentId, new Date(now)],
  );
  return rows
    .map((r) => ({
      residentId: r.resident_id,
      name: r.name,
      address: r.address,
      deviceId: r.device_id,
      livesAlone: r.lives_alone,
      recentFalls: r.recent_falls,
      recentAlarms: r.recent_alarms,
      noVoiceContact: r.no_voice_contact,
      risk: welfareRisk(r.lives_alone, r.recent_falls, r.recent_alarms),
    }))
    .sort(
      (a, b) =>
        b.risk - a.risk || Number(b.noVoiceContact) - Number(a.noVoiceContact) || a.name.localeCompare(b.name, 'sv'),
    );
}

/** Living alone weighs most (nobody else will notice), then falls, then other alarms. */
export function welfareRisk(livesAlone: boolean, recentFalls: number, recentAlarms: number): number {
  return (livesAlone ? 10 : 0) + 3 * Math.min(recentFalls, 5) + Math.min(recentAlarms, 10);
}

/** Open incidents with their units (all, or those of `ids`), for the detector after a restart. */
export async function openWithUnits(db: Queryable, ids: string[] | null = null) {
  const { rows } = await db.query<{
    id: string;
    group_type: GroupRef['type'];
    group_key: string;
    started_at: string;
    device_id: string;
    lost_at: string;
    returned_at: string | null;
  }>(
    `SELECT i.id, i.group_type, i.group_key, i.started_at, u.device_id, u.lost_at, u.returned_at
     FROM incidents i JOIN incident_units u ON u.incident_id = i.id
     WHERE i.closed_at IS NULL AND ($1::bigint[] IS NULL OR i.id = ANY($1::bigint[]))`,
    [ids],
  );
  const byId = new Map<
    string,
    {
      id: string;
      group: GroupRef;
      since: number;
      lastChangeAt: number;
      units: { deviceId: string; returnedAt: number | null }[];
    }
  >();
  for (const r of rows) {
    let incident = byId.get(r.id);
    if (!incident) {
      incident = {
        id: String(r.id),
        group: { type: r.group_type, key: r.group_key },
        since: Date.parse(r.started_at),
        lastChangeAt: 0,
        units: [],
      };
      byId.set(r.id, incident);
    }
    const returnedAt = r.returned_at ? Date.parse(r.returned_at) : null;
    incident.units.push({ deviceId: r.device_id, returnedAt });
    incident.lastChangeAt = Math.max(incident.lastChangeAt, returnedAt ?? Date.parse(r.lost_at));
  }
  return [...byId.values()];
}
