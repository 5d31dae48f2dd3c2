// The audit log's one door: every access to personal data is recorded here, whichever feature
// serves it, and the data-protection export reads it back (itself logged first).

import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Queryable } from '../db/database.ts';
import { primaryReads, type Reads } from '../db/read-replica.ts';
import { AppError } from '../errors.ts';
import * as audit from './repository.ts';

/** Bounds one export; a longer period is exported in parts. */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;

export type { AuditEntry, AuditExportRow } from './repository.ts';

export class AuditLog {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: Clock,
    /** The export is read on the replica when there is one (it may miss the last moment). */
    private readonly reads: Reads = primaryReads(pool),
  ) {}

  /** Appends one entry; inside a transaction pass its client, so the entry commits with it. */
  async record(entry: audit.AuditEntry, db: Queryable = this.pool): Promise<void> {
    await audit.append(db, entry);
  }

  /** The entries in [from, to) (to defaults to now), oldest first; the export is logged before it is read. */
  async export(actor: string, from: Date, toOrNow: Date | null, format: string) {
    const to = toOrNow ?? new Date(this.clock.now());
    if (!(from < to)) throw new AppError('VALIDATION', '`from` must be before `to`');
    await this.record({
      actor,
      action: 'export_audit_log',
      subjectType: 'audit_log',
      subjectId: `${from.toISOString()}/${to.toISOString()}`,
      reason: `format ${format}`,
    });
    const rows = await this.reads.read((pool) => audit.exportRange(pool, from, to, AUDIT_EXPORT_MAX_ROWS + 1));
    if (rows.length > AUDIT_EXPORT_MAX_ROWS) {
      throw new AppError('VALIDATION', `more than ${AUDIT_EXPORT_MAX_ROWS} entries: export a shorter period`);
    }
    return { from, to, rows };
  }
}
