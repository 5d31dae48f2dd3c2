// Cookie sessions, logins slowed by growing delays (never locked), and role checks. Every route
// declares the roles that may use it; cookies are httpOnly and SameSite=Strict, and only token
// hashes are stored.

import { randomBytes } from 'node:crypto';
import { verifySecret } from '@trygg/broker';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Role, User } from '../api/schemas.ts';
import type { AuditLog } from '../audit/service.ts';
import type { Clock } from '../clock.ts';
import { inTransaction } from '../db/database.ts';
import { AppError } from '../errors.ts';
import {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  type DelayPolicy,
  judgedCount,
  LONGEST_MEMORY_MS,
  WORKSTATION_POLICY,
  waitMs,
} from './login-delay.ts';
import * as users from './repository.ts';

export const SESSION_COOKIE = 'sid';
/** Marks a workstation where someone has logged in before (see login). */
export const WORKSTATION_COOKIE = 'workstation';
/** How long an unused workstation stays known. */
const WORKSTATION_MEMORY_S = 180 * 24 * 3600;

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
}

export interface AuthOptions {
  pool: pg.Pool;
  clock: Clock;
  sessionTtlS: number;
  secureCookies: boolean;
  /** Hash of a random secret nobody knows: unknown users are verified against it, so timing
   *  does not reveal which usernames exist. */
  dummyHash: string;
}

export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) request.user = await users.sessionUser(options.pool, token, options.clock.now());
  });
  // Routes declare role checks as preHandler, which Fastify runs after schema validation; moved
  // to preValidation, a caller without the role gets 401/403 before any field-level feedback.
  app.addHook('onRoute', (route) => {
    const preHandler = hookList(route.preHandler);
    const checks = preHandler.filter(isRoleCheck);
    if (checks.length === 0) return;
    route.preHandler = preHandler.filter((hook) => !isRoleCheck(hook)) as typeof route.preHandler;
    route.preValidation = [...checks, ...hookList(route.preValidation)] as typeof route.preValidation;
  });
}

const ROLE_CHECK = Symbol('roleCheck');

function hookList(hooks: unknown): unknown[] {
  if (hooks === undefined || hooks === null) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

function isRoleCheck(hook: unknown): boolean {
  return typeof hook === 'function' && ROLE_CHECK in hook;
}

/** Only these roles may use the route (declared as preHandler; runs before validation). */
export function requireRole(...roles: Role[]) {
  const check = async (request: FastifyRequest) => {
    if (!request.user) throw new AppError('AUTH_REQUIRED');
    if (!roles.includes(request.user.role)) throw new AppError('FORBIDDEN_ROLE');
  };
  return Object.assign(check, { [ROLE_CHECK]: roles });
}

/** The answer to a login attempt: a session, or how long this client must wait first. */
export type LoginResult = { kind: 'ok'; user: User } | { kind: 'delayed'; retryAfterS: number };

/**
 * One login attempt. Failures are counted per account and per address for clients that have never
 * logged in there, and per workstation for a known one; an attempt while any of its counts asks
 * for a wait is refused before the password is checked (so waiting cannot be skipped). A
 * workstation known for this account skips the account's count, and any known workstation skips
 * the address's: guesses made elsewhere never keep an operator out of her own workstation.
 */
export async function login(
  options: AuthOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  username: string,
  password: string,
): Promise<LoginResult> {
  const now = options.clock.now();
  const token = request.cookies[WORKSTATION_COOKIE];
  const knownFor = token
    ? await users.workstationUsers(options.pool, token, now - WORKSTATION_MEMORY_S * 1000)
    : new Set<string>();
  const checks: [string, DelayPolicy][] = [];
  if (token && knownFor.size > 0) checks.push([users.workstationKey(token), WORKSTATION_POLICY]);
  if (!knownFor.has(username)) checks.push([accountKey(username), ACCOUNT_POLICY]);
  if (knownFor.size === 0) checks.push([`address:${request.ip}`, ADDRESS_POLICY]);

  // Judged and counted in one short transaction, before the (slow) password check: the attempt
  // counts as a failure at once and is taken back if the password is right.
  const keys = checks.map(([key]) => key);
  let counted = false;
  const wait = await inTransaction(options.pool, async (tx) => {
    const counts = await users.lockFailureCounts(tx, keys);
    const ms = Math.max(
      ...checks.map(([key, policy]) =>
        waitMs(judgedCount(counts.get(key) ?? null, inFlight.get(key) ?? 0, policy), policy, now),
      ),
    );
    if (ms === 0) {
      for (const [key, policy] of checks) await users.addFailure(tx, key, now, now - policy.forgetAfterMs);
      // In flight from here, before the commit lets the next attempt read these counts.
      if (!counted) for (const key of keys) inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      counted = true;
    }
    return ms;
  }).catch((err: unknown) => {
    if (counted) settle(keys);
    throw err;
  });
  if (wait > 0) return { kind: 'delayed', retryAfterS: Math.ceil(wait / 1000) };
  try {
    return await checkedLogin(options, reply, username, password, checks, token, knownFor, now);
  } finally {
    settle(keys);
  }
}

/** Attempts of this process counted in advance and still being checked, per key (see judgedCount). */
const inFlight = new Map<string, number>();

function settle(keys: readonly string[]): void {
  for (const key of keys) {
    const n = (inFlight.get(key) ?? 1) - 1;
    if (n > 0) inFlight.set(key, n);
    else inFlight.delete(key);
  }
}

async function checkedLogin(
  options: AuthOptions,
  reply: FastifyReply,
  username: string,
  password: string,
  checks: readonly [string, DelayPolicy][],
  token: string | undefined,
  knownFor: Set<string>,
  now: number,
): Promise<LoginResult> {
  const stored = await users.find(options.pool, username);
  // Verify against a dummy hash for unknown users too, so timing does not reveal who exists.
  const ok = await verifySecret(password, stored?.passwordHash ?? options.dummyHash);
  if (!stored || !ok) {
    await users.pruneFailures(options.pool, now - LONGEST_MEMORY_MS);
    throw new AppError('AUTH_INVALID');
  }
  // The password holder proved herself: her account's and this workstation's counts start over.
  // An address's count only loses this attempt, or one valid account would reset it for a guesser
  // beside it.
  for (const [key] of checks) {
    if (key.startsWith('address:')) await users.takeBackFailure(options.pool, key);
    else await users.clearFailures(options.pool, key);
  }
  const workstation = token && knownFor.size > 0 ? token : randomBytes(32).toString('base64url');
  await users.rememberWorkstation(options.pool, workstation, stored.username, now, now - WORKSTATION_MEMORY_S * 1000);

  const session = await users.createSession(options.pool, username, now, options.sessionTtlS);
  // The session cookie first: clients that read one cookie read this one.
  reply.setCookie(SESSION_COOKIE, session, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: options.secureCookies,
    maxAge: options.sessionTtlS,
  });
  // Sent only to the login route, and never readable by scripts.
  reply.setCookie(WORKSTATION_COOKIE, workstation, {
    path: '/api/session',
    httpOnly: true,
    sameSite: 'strict',
    secure: options.secureCookies,
    maxAge: WORKSTATION_MEMORY_S,
  });
  return { kind: 'ok', user: { username: stored.username, displayName: stored.displayName, role: stored.role } };
}

const accountKey = (username: string) => `account:${username}`;

/**
 * A supervisor lifts the delays on an account (after an attack, for an operator on a new
 * workstation); audited. True if there was a delay or count to lift.
 */
export async function liftAccountDelay(
  options: AuthOptions,
  audit: AuditLog,
  supervisor: string,
  username: string,
): Promise<boolean> {
  const lifted = await users.clearFailures(options.pool, accountKey(username));
  await audit.record({
    actor: supervisor,
    action: 'lift_login_delay',
    subjectType: 'user',
    subjectId: username,
    reason: lifted ? 'failed logins forgotten' : 'no failed logins counted',
  });
  return lifted;
}

export async function logout(options: AuthOptions, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = request.cookies[SESSION_COOKIE];
  if (token) await users.deleteSession(options.pool, token);
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
