// The residents' one door: registering a resident (inside the caller's transaction) and reading
// the resident card, which holds the door code, so every card read is audit-logged with its reason.

import type pg from 'pg';
import type { ResidentCard, ResidentHit } from '../api/schemas.ts';
import type { AuditLog } from '../audit/service.ts';
import type { PiiCipher } from '../privacy/pii.ts';
import * as residents from './repository.ts';

export type { NewResident } from './repository.ts';

export class ResidentService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly pii: PiiCipher,
    private readonly audit: AuditLog,
  ) {}

  /** Stores a resident in the caller's transaction. */
  async createWith(client: pg.PoolClient, resident: residents.NewResident): Promise<void> {
    await residents.create(client, this.pii, resident);
  }

  /** The resident card for `actor`, logged with `reason` before it is read. */
  async card(actor: string, residentId: string, reason: string): Promise<ResidentCard | null> {
    await this.audit.record({
      actor,
      action: 'view_resident_card',
      subjectType: 'resident',
      subjectId: residentId,
      reason,
    });
    return residents.card(this.pool, this.pii, residentId);
  }

  /**
   * Residents matching `query` (name, address or id) for choosing one. Logged first with the
   * query, then with whom it showed, so the audit log answers "who looked whom up".
   */
  async search(actor: string, query: string, limit: number): Promise<ResidentHit[]> {
    const hits = await residents.search(this.pool, query, limit);
    await this.audit.record({
      actor,
      action: 'search_residents',
      subjectType: 'resident',
      subjectId: hits.map((h) => h.id).join(','),
      reason: `query: ${query}`,
    });
    return hits;
  }

  /**
   * A resident's door code for a physical visit, logged with `reason` before it is read; null when
   * the resident has none (or does not exist).
   */
  async doorCode(actor: string, residentId: string, reason: string): Promise<string | null> {
    await this.audit.record({
      actor,
      action: 'view_door_code',
      subjectType: 'resident',
      subjectId: residentId,
      reason,
    });
    return residents.doorCode(this.pool, this.pii, residentId);
  }
}
