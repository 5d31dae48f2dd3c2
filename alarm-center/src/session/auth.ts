// Cookie sessions and role checks. Every route declares the roles that may use it; the session
// cookie is httpOnly and SameSite=Strict, and only the token's hash is stored.

import { verifySecret } from '@trygg/broker';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Role, User } from '../api/schemas.ts';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import * as users from './repository.ts';

export const SESSION_COOKIE = 'sid';
const LOCK_AFTER_FAILURES = 5;
const LOCK_FOR_MS = 15 * 60_000;

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

export async function login(
  options: AuthOptions,
  reply: FastifyReply,
  username: string,
  password: string,
): Promise<User> {
  const now = options.clock.now();
  const stored = await users.find(options.pool, username);
  if (stored?.lockedUntil && stored.lockedUntil > now) throw new AppError('AUTH_LOCKED');
  // Verify against a dummy hash for unknown users too, so timing does not reveal who exists.
  const ok = await verifySecret(password, stored?.passwordHash ?? options.dummyHash);
  if (!stored || !ok) {
    if (stored) await users.recordLoginFailure(options.pool, username, LOCK_AFTER_FAILURES, now + LOCK_FOR_MS);
    throw new AppError('AUTH_INVALID');
  }
  await users.recordLoginSuccess(options.pool, username);
  const token = await users.createSession(options.pool, username, now, options.sessionTtlS);
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: options.secureCookies,
    maxAge: options.sessionTtlS,
  });
  return { username: stored.username, displayName: stored.displayName, role: stored.role };
}

export async function logout(options: AuthOptions, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = request.cookies[SESSION_COOKIE];
  if (token) await users.deleteSession(options.pool, token);
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
