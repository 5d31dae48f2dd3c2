// Owns users, sessions, login failure counts and known workstations. Session and workstation
// tokens are random; only their SHA-256 is stored, so a database dump hands out neither.

import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Role, User } from '../api/schemas.ts';
import type { Queryable } from '../db/database.ts';
import type { FailureCount } from './login-delay.ts';

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

/** Every user's name and role (no password hashes), by display name. */
export async function directory(db: Queryable): Promise<User[]> {
  const { rows } = await db.query<{ username: string; display_name: string; role: Role }>(
    'SELECT username, display_name, role FROM users ORDER BY display_name, username',
  );
  return rows.map((r) => ({ username: r.username, displayName: r.display_name, role: r.role }));
}

export interface StoredUser extends User {
  passwordHash: string;
}

export async function find(db: Queryable, username: string): Promise<StoredUser | null> {
  const { rows } = await db.query<{
    username: string;
    display_name: string;
    role: Role;
    password_hash: string;
  }>('SELECT username, display_name, role, password_hash FROM users WHERE username = $1', [username]);
  const r = rows[0];
  if (!r) return null;
  return {
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    passwordHash: r.password_hash,
  };
}

/**
 * The failure counts under `keys`, locked until the caller's transaction ends (keys without a
 * count get an empty one first, so they are locked too): concurrent attempts are judged one after
 * the other, and a burst of parallel guesses cannot all pass before the first is counted.
 */
export async function lockFailureCounts(tx: pg.PoolClient, keys: string[]): Promise<Map<string, FailureCount>> {
  const sorted = [...keys].sort(); // one locking order, so two attempts never deadlock
  await tx.query(
    `INSERT INTO login_failures (key, failures, last_failure_at)
     SELECT unnest($1::text[]), 0, 'epoch' ON CONFLICT (key) DO NOTHING`,
    [sorted],
  );
  const { rows } = await tx.query<{ key: string; failures: number; last_failure_at: Date | string }>(
    'SELECT key, failures, last_failure_at FROM login_failures WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE',
    [sorted],
  );
  return new Map(
    rows.map((r) => [r.key, { failures: r.failures, lastFailureAt: new Date(r.last_failure_at).getTime() }]),
  );
}

/** Counts one more failure under `key`, starting again from 1 when the last is older than `forgetBefore`. */
export async function addFailure(db: Queryable, key: string, now: number, forgetBefore: number): Promise<void> {
  await db.query(
    `INSERT INTO login_failures (key, failures, last_failure_at) VALUES ($1, 1, $2)
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN login_failures.last_failure_at < $3 THEN 1 ELSE login_failures.failures + 1 END,
       last_failure_at = $2`,
    [key, new Date(now), new Date(forgetBefore)],
  );
}

/** Takes back one failure counted in advance for an attempt that turned out right. */
export async function takeBackFailure(db: Queryable, key: string): Promise<void> {
  await db.query('UPDATE login_failures SET failures = GREATEST(failures - 1, 0) WHERE key = $1', [key]);
}

/** Forgets the failures under `key`; true if there were any. */
export async function clearFailures(db: Queryable, key: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM login_failures WHERE key = $1', [key]);
  return (rowCount ?? 0) > 0;
}

/** Drops counts too old to matter, so guessed usernames do not pile up. */
export async function pruneFailures(db: Queryable, before: number): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE last_failure_at < $1', [new Date(before)]);
}

/** Who has logged in on the workstation holding `token` since `since`. */
export async function workstationUsers(db: Queryable, token: string, since: number): Promise<Set<string>> {
  const { rows } = await db.query<{ username: string }>(
    'SELECT username FROM known_workstations WHERE token_hash = $1 AND last_login_at >= $2',
    [tokenHash(token), new Date(since)],
  );
  return new Set(rows.map((r) => r.username));
}

/** Remembers that `username` logged in on the workstation holding `token`, and forgets old ones. */
export async function rememberWorkstation(
  db: Queryable,
  token: string,
  username: string,
  now: number,
  forgetBefore: number,
) {
  await db.query(
    `INSERT INTO known_workstations (token_hash, username, last_login_at) VALUES ($1, $2, $3)
     ON CONFLICT (token_hash, username) DO UPDATE SET last_login_at = $3`,
    [tokenHash(token), username, new Date(now)],
  );
  await db.query('DELETE FROM known_workstations WHERE last_login_at < $1', [new Date(forgetBefore)]);
}

/** The key a workstation's own failures are counted under (never its token itself). */
export const workstationKey = (token: string) => `workstation:${tokenHash(token)}`;

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
