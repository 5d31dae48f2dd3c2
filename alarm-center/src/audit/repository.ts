// Owns the append-only audit_log: who looked at which personal data, when and why.

import type { Queryable } from '../db/database.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  reason: string | null;
}

export async function append(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    'INSERT INTO audit_log (actor, action, subject_type, subject_id, reason) VALUES ($1, $2, $3, $4, $5)',
    [entry.actor, entry.action, entry.subjectType, entry.subjectId, entry.reason],
  );
}

/** One line of the data-protection officer's export: who did what to whose data, when and why. */
export interface AuditExportRow {
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  reason: string | null;
}

/**
 * Both append-only logs of personal-data access in [from, to), oldest first: this table, and the
 * camera frame access log the supervision module writes (read here so the export is one list).
 * Returns at most `limit` rows; the caller asks for one more than it serves to detect overflow.
 */
export async function exportRange(db: Queryable, from: Date, to: Date, limit: number): Promise<AuditExportRow[]> {
  const { rows } = await db.query<{
    at: Date | string;
    actor: string;
    action: string;
    subject_type: string;
    subject_id: string;
    reason: string | null;
  }>(
    `SELECT at, actor, action, subject_type, subject_id, reason FROM (
       SELECT at, actor, action, subject_type, subject_id, reason, 0 AS source, id
         FROM audit_log WHERE at >= $1 AND at < $2
       UNION ALL
       SELECT at, actor,
              CASE WHEN allowed THEN 'view_camera_frame' ELSE 'camera_frame_refused' END,
              'resident', resident_id,
              concat_ws('; ', reason, 'visit ' || visit_id::text, 'alarm ' || alarm_id::text),
              1 AS source, id
         FROM frame_access_log WHERE at >= $1 AND at < $2
     ) entries ORDER BY at, source, id LIMIT $3`,
    [from, to, limit],
  );
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    reason: r.reason,
  }));
}
