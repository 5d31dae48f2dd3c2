// Owns the append-only audit_log: who looked at which personal data, when and why.

import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

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
