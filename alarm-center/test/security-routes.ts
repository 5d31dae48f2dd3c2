// Shared by the security tests: every route the app really serves (read from Fastify's router, so
// routes hidden from the OpenAPI document count too) and the reviewed table of who may call each.
// A new route fails security-roles.test.ts until it gets a row here.

import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '../src/api/schemas.ts';

export type Identity = 'anonymous' | Role;
export const IDENTITIES: readonly Identity[] = ['anonymous', ...ROLES];

/**
 * 'everyone' includes anonymous callers; 'signed-in' is any role with a session; 'applicant' needs
 * an applicant's e-legitimation session, which no staff session replaces (401 for every identity here).
 */
export type Access = 'everyone' | 'signed-in' | 'applicant' | readonly Role[];

/** Ids of real records the role test creates, so allowed callers reach the handler. */
export type Fixtures = Record<'alarmId' | 'deviceId' | 'loginUser' | 'loginPassword', string>;

export interface RequestSample {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

export interface RouteAccess {
  method: string;
  /** Fastify's form, e.g. /api/alarms/:id */
  path: string;
  allow: Access;
  /** A request that passes validation, so allowed callers reach the handler (path parameters
   *  without a sample are filled with "1"). */
  sample?: (f: Fixtures) => RequestSample;
  /** A WebSocket route: the role check happens after the upgrade. */
  websocket?: true;
  /** Calling it ends the caller's session, so the test uses a throwaway session. */
  endsSession?: true;
  /** A 403 with this code passed the role check and was refused for ownership (e.g. not the alarm's holder). */
  ownershipCode?: string;
  why?: string;
}

const alarmHandlers: Role[] = ['operator', 'supervisor'];
const alarmViewers: Role[] = ['operator', 'supervisor', 'technician'];
const deviceTeam: Role[] = ['technician', 'supervisor'];
const caseWorkers: Role[] = ['caseworker'];
const planners: Role[] = ['nightteam', 'caseworker', 'supervisor'];
const planViewers: Role[] = [...planners, 'operator'];
const nightTeam: Role[] = ['nightteam', 'supervisor'];
const responderActors: Role[] = ['responder', 'operator', 'supervisor'];
const alarmId = (f: Fixtures) => ({ params: { id: f.alarmId } });
const deviceId = (f: Fixtures) => ({ params: { id: f.deviceId } });

/** Reviewed access rules, one row per method and path. HEAD follows GET. */
export const ROUTE_ACCESS: readonly RouteAccess[] = [
  { method: 'GET', path: '/health', allow: 'everyone', why: 'load balancers and probes' },
  {
    method: 'GET',
    path: '/health/live',
    allow: 'everyone',
    why: 'the load balancer: the node answers, its broker is up',
  },
  { method: 'GET', path: '/api/openapi.json', allow: 'everyone' },

  {
    method: 'POST',
    path: '/api/session',
    allow: 'everyone',
    sample: (f) => ({ body: { username: f.loginUser, password: f.loginPassword } }),
  },
  { method: 'GET', path: '/api/session', allow: 'signed-in' },
  { method: 'DELETE', path: '/api/session', allow: 'everyone', endsSession: true, why: 'logout is harmless' },
  {
    method: 'DELETE',
    path: '/api/login-delays/:username',
    allow: ['supervisor'],
    sample: (f) => ({ params: { username: f.loginUser } }),
    why: 'lifting the delays guesses earned is a supervisor decision, audited',
  },
  {
    method: 'GET',
    path: '/api/stream',
    allow: alarmViewers,
    websocket: true,
    why: 'a responder login linked to a responder also gets it, with its own dispatches only (responders e2e)',
  },

  { method: 'GET', path: '/api/alarms', allow: alarmViewers, sample: () => ({ query: { status: 'all' } }) },
  { method: 'GET', path: '/api/alarms/:id', allow: alarmViewers, sample: alarmId },
  { method: 'POST', path: '/api/alarms/:id/acknowledge', allow: alarmHandlers, sample: alarmId },
  {
    method: 'GET',
    path: '/api/alarms/:id/calls',
    allow: alarmHandlers,
    sample: alarmId,
    why: "the alarm's voice calls (who answered, how long); joining one needs the alarm taken",
  },
  {
    method: 'POST',
    path: '/api/alarms/:id/calls/:callId/join',
    allow: alarmHandlers,
    sample: (f) => ({
      params: { id: f.alarmId, callId: 'call-00000001' },
      body: { sdp: 'v=0 o=- 1 1 IN IP4 127.0.0.1' },
    }),
    ownershipCode: 'VOICE_NOT_HOLDER',
    why: 'only the operator who holds the alarm joins (VOICE_NOT_HOLDER for the others)',
  },
  {
    method: 'POST',
    path: '/api/alarms/:id/callback',
    allow: alarmHandlers,
    sample: alarmId,
    ownershipCode: 'VOICE_NOT_HOLDER',
    why: 'only the operator who holds the alarm has its unit called back ("Ring upp")',
  },
  {
    method: 'POST',
    path: '/api/alarms/:id/calls/:callId/control',
    allow: alarmHandlers,
    sample: (f) => ({ params: { id: f.alarmId, callId: 'call-00000001' }, body: { action: 'hangup' } }),
    ownershipCode: 'VOICE_NOT_HOLDER',
    why: 'only the operator who holds the alarm controls its call',
  },
  {
    method: 'POST',
    path: '/api/alarms/:id/notes',
    allow: alarmHandlers,
    sample: (f) => ({ ...alarmId(f), body: { text: 'Ringt boende, batteri byts i morgon' } }),
  },
  {
    method: 'POST',
    path: '/api/alarms/:id/dispatch',
    allow: alarmHandlers,
    sample: (f) => ({ ...alarmId(f), body: { responder: 'Larmpatrull 2' } }),
  },
  {
    method: 'POST',
    path: '/api/alarms/:id/close',
    allow: alarmHandlers,
    sample: (f) => ({ ...alarmId(f), body: { outcome: 'technical_fixed' } }),
  },

  { method: 'GET', path: '/api/devices', allow: deviceTeam },
  {
    method: 'POST',
    path: '/api/devices',
    allow: deviceTeam,
    sample: () => ({
      body: { deviceId: 'role-test-door', deviceType: 'door', serial: 'SN-R1', residentId: null, district: 'Centrum' },
    }),
  },
  { method: 'GET', path: '/api/devices/:id/telemetry', allow: deviceTeam, sample: deviceId },
  {
    method: 'POST',
    path: '/api/devices/:id/commands',
    allow: deviceTeam,
    // An unregistered id: the handler answers at once instead of waiting for a device's reply.
    sample: () => ({ params: { id: 'no-such-device' }, body: { type: 'ping' } }),
  },
  { method: 'POST', path: '/api/devices/:id/installed', allow: deviceTeam, sample: deviceId },

  { method: 'GET', path: '/api/overview', allow: ['supervisor'] },

  // The night shift (issue 18): targets for every queue, figures for supervisors, the closed-alarm
  // search and the handover for those who handle alarms, incidents for everyone who sees alarms.
  { method: 'GET', path: '/api/answer-targets', allow: alarmViewers },
  { method: 'GET', path: '/api/overview/answer-times', allow: ['supervisor'] },
  { method: 'GET', path: '/api/handover', allow: alarmHandlers },
  { method: 'GET', path: '/api/alarms/closed', allow: alarmHandlers },
  { method: 'GET', path: '/api/incidents', allow: alarmViewers },
  {
    method: 'GET',
    path: '/api/incidents/:id',
    allow: alarmViewers,
    why: 'welfare checks only for alarm handlers, logged',
  },

  // Safety-alarm grants: the citizens' public e-service (rate-limited per address; the status
  // page needs the applicant's token), the case workers' e-service and the installation orders.
  {
    method: 'POST',
    path: '/api/public/applications',
    allow: 'applicant',
    why: 'citizens apply after signing in with e-legitimation',
  },
  { method: 'GET', path: '/api/public/districts', allow: 'everyone', why: 'the form lists them' },
  { method: 'GET', path: '/api/districts', allow: ['caseworker', 'supervisor'] },
  {
    method: 'PUT',
    path: '/api/districts/:name',
    allow: ['caseworker', 'supervisor'],
    sample: () => ({ params: { name: 'Centrum' }, body: { active: true } }),
  },
  // Applicant sign-in over OpenID Connect: browser navigations, answered with redirects.
  { method: 'GET', path: '/api/public/sign-in', allow: 'everyone', why: 'off to the identity provider' },
  { method: 'GET', path: '/api/public/sign-in/callback', allow: 'everyone', why: 'checked by state and token' },
  { method: 'GET', path: '/api/public/applicant', allow: 'everyone', why: 'null without a sign-in' },
  { method: 'DELETE', path: '/api/public/applicant', allow: 'everyone', why: 'signing out is harmless' },
  { method: 'GET', path: '/api/public/applications/:reference', allow: 'everyone', why: 'needs the token' },
  { method: 'POST', path: '/api/applications', allow: caseWorkers },
  { method: 'GET', path: '/api/applications/manual-queue', allow: caseWorkers },
  { method: 'GET', path: '/api/applications/:id', allow: caseWorkers },
  { method: 'POST', path: '/api/applications/:id/decide', allow: caseWorkers },
  { method: 'GET', path: '/api/grants/figures', allow: ['caseworker', 'supervisor'] },
  { method: 'GET', path: '/api/orders', allow: deviceTeam },
  { method: 'GET', path: '/api/orders/:id', allow: deviceTeam },
  { method: 'POST', path: '/api/orders/:id/book', allow: deviceTeam },
  { method: 'POST', path: '/api/orders/:id/provision', allow: deviceTeam },
  { method: 'POST', path: '/api/orders/:id/close', allow: deviceTeam },

  // Digital night supervision: plans, consents, the round, look-ins and the frame access log.
  { method: 'GET', path: '/api/supervision/plans', allow: planViewers },
  { method: 'GET', path: '/api/supervision/plans/:residentId', allow: planViewers },
  { method: 'PUT', path: '/api/supervision/plans/:residentId', allow: planners },
  { method: 'DELETE', path: '/api/supervision/plans/:residentId', allow: planners },
  { method: 'PUT', path: '/api/supervision/plan-visits/:id/mode', allow: nightTeam },
  { method: 'GET', path: '/api/supervision/residents/:residentId/consents', allow: planViewers },
  { method: 'POST', path: '/api/supervision/residents/:residentId/consents', allow: planners },
  { method: 'POST', path: '/api/supervision/consents/:id/withdraw', allow: planners },
  { method: 'GET', path: '/api/supervision/round', allow: ['nightteam', 'supervisor', 'operator'] },
  {
    method: 'POST',
    path: '/api/supervision/look-in',
    allow: 'signed-in',
    why: 'the supervision rules decide per resident and log refusals like views',
  },
  { method: 'POST', path: '/api/supervision/visits/:id/close', allow: nightTeam },
  {
    method: 'GET',
    path: '/api/supervision/visits/:id/door-code',
    allow: nightTeam,
    why: 'the door code goes only to those who do the round, audit-logged',
  },
  {
    method: 'GET',
    path: '/api/staff',
    allow: 'signed-in',
    why: 'display names of staff, no personal data of residents',
  },
  { method: 'GET', path: '/api/console-settings', allow: 'signed-in', why: 'map tiles and links, no personal data' },
  // Residents: the search wherever a resident is chosen (name, address, district, id only).
  {
    method: 'GET',
    path: '/api/residents',
    allow: ['operator', 'technician', 'supervisor', 'caseworker', 'nightteam'],
    sample: () => ({ query: { q: 'Andersson' } }),
    why: 'every office role chooses residents somewhere; a responder sees only the resident of a call-out; each search is audit-logged',
  },
  { method: 'GET', path: '/api/supervision/access-log', allow: ['supervisor'] },
  { method: 'GET', path: '/api/supervision/savings', allow: planners },

  // Responders and dispatch: the operators send, the responder's phone sees and steps through its
  // own dispatches only (the service refuses another responder's with DISPATCH_NOT_YOURS).
  { method: 'GET', path: '/api/responders', allow: alarmHandlers },
  { method: 'GET', path: '/api/responders/me', allow: ['responder'] },
  {
    method: 'POST',
    path: '/api/responders',
    allow: ['supervisor'],
    why: 'who can be sent is the supervisor’s to manage',
    sample: () => ({
      body: {
        id: 'sec-team',
        name: 'Team',
        kind: 'team',
        districts: ['Centrum'],
        shiftStart: '22:00',
        shiftEnd: '07:00',
      },
    }),
  },
  {
    method: 'PUT',
    path: '/api/responders/:id',
    allow: ['supervisor'],
    sample: () => ({
      params: { id: 'sec-team' },
      body: { name: 'Team', kind: 'team', districts: ['Centrum'], shiftStart: '22:00', shiftEnd: '07:00' },
    }),
  },
  {
    method: 'PUT',
    path: '/api/responders/:id/status',
    allow: responderActors,
    why: 'a responder sets only their own (checked in the service)',
  },
  { method: 'GET', path: '/api/alarms/:id/dispatches', allow: alarmHandlers, sample: alarmId },
  { method: 'POST', path: '/api/alarms/:id/dispatches', allow: alarmHandlers, sample: alarmId },
  { method: 'GET', path: '/api/arrival-times', allow: ['supervisor'] },
  { method: 'GET', path: '/api/my/dispatches', allow: ['responder'] },
  { method: 'GET', path: '/api/dispatches/:id', allow: ['responder'], why: 'holds the door code while active' },
  { method: 'POST', path: '/api/dispatches/:id/accept', allow: responderActors },
  { method: 'POST', path: '/api/dispatches/:id/on-the-way', allow: responderActors },
  { method: 'POST', path: '/api/dispatches/:id/arrived', allow: responderActors },
  { method: 'POST', path: '/api/dispatches/:id/done', allow: responderActors },
  { method: 'POST', path: '/api/dispatches/:id/could-not-enter', allow: responderActors },
  { method: 'POST', path: '/api/dispatches/:id/unlock', allow: responderActors, why: 'only during an active dispatch' },
  { method: 'GET', path: '/api/residents/:residentId/keys', allow: alarmHandlers },
  { method: 'POST', path: '/api/residents/:residentId/keys', allow: alarmHandlers },
  { method: 'GET', path: '/api/keys/signed-out', allow: alarmHandlers },
  { method: 'GET', path: '/api/my/keys', allow: ['responder'] },
  { method: 'GET', path: '/api/keys/:id/events', allow: alarmHandlers },
  { method: 'POST', path: '/api/keys/:id/sign-out', allow: responderActors },
  { method: 'POST', path: '/api/keys/:id/sign-in', allow: responderActors },
  {
    method: 'POST',
    path: '/api/keys/:id/unlock-for-visit',
    allow: nightTeam,
    why: 'only for a due physical visit of the lock’s resident',
  },

  // The data-protection officer's audit-log export (no dedicated role: supervisors).
  {
    method: 'GET',
    path: '/api/audit/export',
    allow: ['supervisor'],
    sample: () => ({ query: { from: '2020-01-01T00:00:00Z' } }),
  },
];

export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

export function allows(access: Access, who: Identity): boolean {
  if (access === 'everyone') return true;
  if (who === 'anonymous' || access === 'applicant') return false;
  return access === 'signed-in' || access.includes(who);
}

export interface ServedRoute {
  method: string;
  path: string;
}

/**
 * Every method and path Fastify's router serves, parsed from printRoutes({commonPrefix: false}):
 * each tree line is a path segment appended to its parent's, with its methods in parentheses.
 */
export function servedRoutes(app: FastifyInstance): ServedRoute[] {
  const parents: string[] = [];
  const routes: ServedRoute[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] as string).length / 4;
    const path = (depth === 0 ? '' : (parents[depth - 1] ?? '')) + (m[2] as string);
    parents[depth] = path;
    parents.length = depth + 1;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim())) {
      if (method) routes.push({ method, path });
    }
  }
  return routes;
}

/** Served routes without the HEAD twins Fastify adds for each GET. */
export function reviewableRoutes(app: FastifyInstance): ServedRoute[] {
  const all = servedRoutes(app);
  const gets = new Set(all.filter((r) => r.method === 'GET').map((r) => r.path));
  return all.filter((r) => !(r.method === 'HEAD' && gets.has(r.path)));
}

/** /api/alarms/:id → /api/alarms/{id}, the OpenAPI document's form. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? '1'));
}
