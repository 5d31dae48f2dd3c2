// Owns users and sessions. Session tokens are random; only their SHA-256 is stored, so a
// database dump does not hand out live sessions.

import { createHash, randomBytes } from 'node:crypto';
import type { Role, User } from '../api/schemas.ts';

import type { Queryable } from '../db/database.ts';

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** How many users exist (the demo seeds an empty database only). */
export async function count(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  return rows[0]?.n ?? 0;
}

export async function create(db: Queryable, user: User, passwordHash: string): Promise<void> {
  await db.query(
    `INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (username) DO NOTHING`,
    [user.username, user.displayName, user.role, passwordHash],
  );
}

export interface StoredUser extends User {
  passwordHash: string;
  failedLogins: number;
  lockedUntil: number | null;
}

export async function find(db: Queryable, username: string): Promise<StoredUser | null> {
  const { rows } = await db.query<{
    username: string;
    display_name: string;
    role: Role;
    password_hash: string;
    failed_logins: number;
    locked_until: string | null;
  }>('SELECT username, display_name, role, password_hash, failed_logins, locked_until FROM users WHERE username = $1', [
    username,
  ]);
  const r = rows[0];
  if (!r) return null;
  return {
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    passwordHash: r.password_hash,
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until ? Date.parse(r.locked_until) : null,
  };
}

export async function recordLoginFailure(db: Queryable, username: string, lockAfter: number, lockUntil: number) {
  await db.query(
    `UPDATE users SET failed_logins = failed_logins + 1,
       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
     WHERE username = $1`,
    [username, lockAfter, new Date(lockUntil)],
  );
}

export async function recordLoginSuccess(db: Queryable, username: string) {
  await db.query('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = $1', [username]);
}

export async function createSession(db: Queryable, username: string, now: number, ttlS: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    tokenHash(token),
    username,
    new Date(now),
    new Date(now + ttlS * 1000),
  ]);
  return token;
}

export async function sessionUser(db: Queryable, token: string, now: number): Promise<User | null> {
  const { rows } = await db.query<{ username: string; display_name: string; role: Role }>(
    `SELECT u.username, u.display_name, u.role FROM sessions s JOIN users u ON u.username = s.username
     WHERE s.token_hash = $1 AND s.expires_at > $2`,
    [tokenHash(token), new Date(now)],
  );
  const r = rows[0];
  return r ? { username: r.username, displayName: r.display_name, role: r.role } : null;
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash(token)]);
}
