// Owns the residents table. Door codes and identity numbers are stored encrypted and decrypted
// only for a resident card view, which the caller audit-logs.

import type { ResidentCard, ResidentHit } from '../api/schemas.ts';
import type { Queryable } from '../db/database.ts';
import type { PiiCipher } from '../privacy/pii.ts';

export interface NewResident {
  id: string;
  name: string;
  address: string;
  district: string;
  access: string;
  doorCode: string | null;
  personalNumber: string | null;
  contacts: ResidentCard['contacts'];
  notes: string;
}

export async function create(db: Queryable, pii: PiiCipher, r: NewResident): Promise<void> {
  await db.query(
    `INSERT INTO residents (id, name, address, district, access, door_code_enc, personal_number_enc, contacts, notes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      r.id,
      r.name,
      r.address,
      r.district,
      r.access,
      r.doorCode ? pii.encrypt(r.doorCode) : null,
      r.personalNumber ? pii.encrypt(r.personalNumber) : null,
      JSON.stringify(r.contacts),
      r.notes,
    ],
  );
}

export async function card(db: Queryable, pii: PiiCipher, residentId: string): Promise<ResidentCard | null> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    address: string;
    district: string;
    access: string;
    door_code_enc: string | null;
    contacts: ResidentCard['contacts'];
    notes: string;
  }>('SELECT id, name, address, district, access, door_code_enc, contacts, notes FROM residents WHERE id = $1', [
    residentId,
  ]);
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    district: r.district,
    access: r.access,
    doorCode: r.door_code_enc ? pii.decrypt(r.door_code_enc) : null,
    contacts: r.contacts,
    notes: r.notes,
  };
}

/** `text` as a literal ILIKE pattern: its own % and _ match themselves. */
const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Residents whose name, address or id contains every word of `query` (case-insensitive), an exact
 * id first, then names that start with the query, then the rest by name. Only the fields that tell
 * residents apart are read; the encrypted columns are never touched.
 */
export async function search(db: Queryable, query: string, limit: number): Promise<ResidentHit[]> {
  // The longest word goes through the trigram index (migration 013); the others filter its hits.
  const words = query
    .split(/\s+/)
    .filter(Boolean)
    .sort((a, b) => b.length - a.length)
    .map((w) => `%${literal(w)}%`);
  const { rows } = await db.query<ResidentHit>(
    `SELECT id, name, address, district FROM residents
     WHERE (name || ' ' || address || ' ' || id) ILIKE $1
       AND (name || ' ' || address || ' ' || id) ILIKE ALL ($2::text[])
     ORDER BY (lower(id) = lower($3)) DESC, (name ILIKE $4) DESC, name, id
     LIMIT $5`,
    [words[0], words.slice(1), query, `${literal(query)}%`, limit],
  );
  return rows;
}

export async function doorCode(db: Queryable, pii: PiiCipher, residentId: string): Promise<string | null> {
  const { rows } = await db.query<{ door_code_enc: string | null }>(
    'SELECT door_code_enc FROM residents WHERE id = $1',
    [residentId],
  );
  const enc = rows[0]?.door_code_enc;
  return enc ? pii.decrypt(enc) : null;
}
