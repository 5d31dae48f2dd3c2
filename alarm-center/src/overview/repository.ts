// The supervisors' overview as SQL: a read model over the alarms and devices tables (aggregates
// only, no personal data). Read-only; the features that own those tables write them.

import type { Queryable } from '../db/database.ts';
import { toleranceSecondsSql } from '../devices/repository.ts';

export interface OverviewRows {
  byKind: { kind: string; n: number }[];
  byDistrict: { district: string; n: number }[];
  ack: { p50: number | null; p90: number | null } | undefined;
  escalations: number;
  falseShare: { district: string; share: number }[];
  offline: number;
}

/**
 * The overview's figures: "today" starts at `dayStart`, the 30-day false-alarm share ends at
 * `now`; a device is offline as core/connection.ts defines it (`tolerance`: its default).
 */
export async function figures(db: Queryable, dayStart: Date, now: Date, tolerance: number): Promise<OverviewRows> {
  const q = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    db.query<T>(sql, params).then((r) => r.rows);
  const [byKind, byDistrict, ack, escalations, falseShare, offline] = await Promise.all([
    q<{ kind: string; n: number }>(
      `SELECT kind, count(*)::int AS n FROM alarms WHERE status <> 'closed' GROUP BY kind`,
    ),
    q<{ district: string; n: number }>(
      `SELECT district, count(*)::int AS n FROM alarms WHERE status <> 'closed' GROUP BY district`,
    ),
    q<{ p50: number | null; p90: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90
       FROM (SELECT extract(epoch FROM acknowledged_at - opened_at) * 1000 AS ms FROM alarms
             WHERE acknowledged_at >= $1) t`,
      [dayStart],
    ),
    q<{ n: number }>(`SELECT count(*)::int AS n FROM alarms WHERE escalated_at >= $1`, [dayStart]),
    q<{ district: string; share: number }>(
      `SELECT district, avg(CASE WHEN outcome IN ('false_alarm', 'forgotten_passage') THEN 1.0 ELSE 0.0 END)::float AS share
       FROM alarms WHERE status = 'closed' AND audience = 'operator' AND closed_at >= $1::timestamptz - interval '30 days'
       GROUP BY district`,
      [now],
    ),
    q<{ n: number }>(
      `SELECT count(*)::int AS n FROM devices d WHERE d.status <> 'retired'
       AND (d.last_seen_at IS NULL OR d.last_seen_at + make_interval(secs => ${toleranceSecondsSql('$2')}) <= $1)`,
      [now, tolerance],
    ),
  ]);
  return {
    byKind,
    byDistrict,
    ack: ack[0],
    escalations: escalations[0]?.n ?? 0,
    falseShare,
    offline: offline[0]?.n ?? 0,
  };
}

// ---- the night shift: answer times and the shift handover -----------------------------------

/** Operators' alarms received in [from, to): received, answered, by whom, still waiting. */
export async function answeredAlarms(db: Queryable, from: Date, to: Date) {
  const { rows } = await db.query<{
    opened_at: string;
    answer_s: number | null;
    acknowledged_by: string | null;
    waiting: boolean;
  }>(
    `SELECT opened_at, extract(epoch FROM acknowledged_at - opened_at)::float8 AS answer_s, acknowledged_by,
            (status = 'new') AS waiting
     FROM alarms WHERE audience = 'operator' AND opened_at >= $1 AND opened_at < $2`,
    [from, to],
  );
  return rows.map((r) => ({
    openedAt: Date.parse(r.opened_at),
    answerS: r.answer_s,
    operator: r.acknowledged_by,
    waiting: r.waiting,
  }));
}

/** Who is sent to each dispatched alarm. */
export async function callOuts(db: Queryable): Promise<{ id: string; responder: string | null }[]> {
  const { rows } = await db.query<{ id: string; dispatched_to: string | null }>(
    `SELECT id, dispatched_to FROM alarms WHERE status = 'dispatched' ORDER BY priority, opened_at`,
  );
  return rows.map((r) => ({ id: r.id, responder: r.dispatched_to }));
}

/** Staff with a live session at `now` (the session feature's table, read here as a read model). */
export async function onDuty(db: Queryable, now: Date) {
  const { rows } = await db.query<{ username: string; display_name: string; role: string; since: string }>(
    `SELECT u.username, u.display_name, u.role, min(s.created_at) AS since
     FROM sessions s JOIN users u ON u.username = s.username
     WHERE s.expires_at > $1 GROUP BY u.username, u.display_name, u.role ORDER BY u.role, u.display_name`,
    [now],
  );
  return rows.map((r) => ({ username: r.username, displayName: r.display_name, role: r.role, since: r.since }));
}

export async function openIncidentCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents WHERE closed_at IS NULL');
  return rows[0]?.n ?? 0;
}
