// Owns applicant_sign_ins (one authorization request each, used once) and applicant_sessions (a
// signed-in applicant). Tokens and states are random; only their SHA-256 is stored.

import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database.ts';

export const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export async function insertSignIn(
  db: Queryable,
  s: { state: string; nonce: string; codeVerifier: string; now: number; forgetBefore: number },
): Promise<void> {
  await db.query('DELETE FROM applicant_sign_ins WHERE created_at < $1', [new Date(s.forgetBefore)]);
  await db.query(
    'INSERT INTO applicant_sign_ins (state_hash, nonce, code_verifier, created_at) VALUES ($1, $2, $3, $4)',
    [hashOf(s.state), s.nonce, s.codeVerifier, new Date(s.now)],
  );
}

/** Marks the sign-in used and returns it; null when unknown, expired or already used (a replay). */
export async function useSignIn(
  db: Queryable,
  state: string,
  now: number,
  notBefore: number,
): Promise<{ nonce: string; codeVerifier: string } | null> {
  const { rows } = await db.query<{ nonce: string; code_verifier: string }>(
    `UPDATE applicant_sign_ins SET used_at = $2
     WHERE state_hash = $1 AND used_at IS NULL AND created_at >= $3
     RETURNING nonce, code_verifier`,
    [hashOf(state), new Date(now), new Date(notBefore)],
  );
  const r = rows[0];
  return r ? { nonce: r.nonce, codeVerifier: r.code_verifier } : null;
}

export interface StoredApplicant {
  personalNumberEnc: string;
  personKey: string;
  name: string;
}

export async function insertSession(
  db: Queryable,
  s: StoredApplicant & { token: string; issuer: string; now: number; expiresAt: number },
): Promise<void> {
  await db.query('DELETE FROM applicant_sessions WHERE expires_at < $1', [new Date(s.now)]);
  await db.query(
    `INSERT INTO applicant_sessions (token_hash, personal_number_enc, person_key, name, issuer, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [hashOf(s.token), s.personalNumberEnc, s.personKey, s.name, s.issuer, new Date(s.now), new Date(s.expiresAt)],
  );
}

export async function session(db: Queryable, token: string, now: number): Promise<StoredApplicant | null> {
  const { rows } = await db.query<{ personal_number_enc: string; person_key: string; name: string }>(
    'SELECT personal_number_enc, person_key, name FROM applicant_sessions WHERE token_hash = $1 AND expires_at > $2',
    [hashOf(token), new Date(now)],
  );
  const r = rows[0];
  return r ? { personalNumberEnc: r.personal_number_enc, personKey: r.person_key, name: r.name } : null;
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM applicant_sessions WHERE token_hash = $1', [hashOf(token)]);
}
