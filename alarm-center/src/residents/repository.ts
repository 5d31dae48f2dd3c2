// Owns the residents table. Door codes and identity numbers are stored encrypted and decrypted
// only for a resident card view, which the caller audit-logs.

import type { ResidentCard } from '../api/schemas.ts';
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
