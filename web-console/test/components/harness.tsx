// What the component tests share: the console's real I18nProvider around a view, and a fake
// alarm center at the one place the console meets the network, `fetch`. Each route answers with the
// status and JSON the real server sends; every request is recorded so a test can check what the
// operator's action actually sent.

import { cleanup, render } from '@testing-library/react';
import type { AlarmDispatches, AlarmSummary, ResidentHit, ResidentKey, User, VoiceCall } from '@trygg/console-contract';
import { type ReactNode, useState } from 'react';
import { afterEach, beforeEach, vi } from 'vitest';
import { I18nProvider } from '../../src/i18n/i18n.tsx';
import { applyMessage, applyOwnChange, emptyQueue } from '../../src/live/queueState.ts';
import type { LiveQueue } from '../../src/live/useLiveQueue.ts';
import { T0 } from '../fixtures.ts';

export { alarm, at } from '../fixtures.ts';

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SentRequest {
  method: string;
  path: string;
  body: unknown;
}

/**
 * `METHOD /path` -> the reply, or a function of the request body (and the full path, query and
 * all); `'no-answer'` simulates no answer. A path with a query string is answered by its exact route
 * if there is one, else by the route of the path without the query.
 */
export type Routes = Record<string, Reply | ((body: unknown, path: string) => Reply | 'no-answer')>;

export function fakeAlarmCenter(routes: Routes) {
  const sent: SentRequest[] = [];
  const unrouted: string[] = [];
  vi.stubGlobal('fetch', async (input: string | URL, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    const path = String(input);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    sent.push({ method, path, body });
    const route = routes[`${method} ${path}`] ?? routes[`${method} ${path.split('?')[0]}`];
    if (!route) unrouted.push(`${method} ${path}`);
    if (!route) return json(404, { code: 'NOT_FOUND', message: `no route ${method} ${path}`, statusCode: 404 });
    const reply = typeof route === 'function' ? route(body, path) : route;
    if (reply === 'no-answer') throw new TypeError('fetch failed');
    return json(reply.status ?? 200, reply.body, reply.headers);
  });
  return {
    sent,
    /** Requests no route answered (they got a 404): a view calling an endpoint the fake does not know. */
    unrouted,
    to: (method: string, path: string) => sent.filter((r) => r.method === method && r.path === path),
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Each test starts in Swedish with nothing stored, and leaves nothing rendered and fetch as it was. */
export function freshConsoleEachTest() {
  beforeEach(() => localStorage.clear());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });
}

export function renderInConsole(ui: ReactNode) {
  return render(<I18nProvider>{ui}</I18nProvider>);
}

export const operator: User = { username: 'olga', displayName: 'Olga Operatör', role: 'operator' };
export const technician: User = { username: 'tore', displayName: 'Tore Tekniker', role: 'technician' };

/** The live queue as the stream would leave it after a `hello` snapshot of `alarms`. */
export function useSnapshotQueue(alarms: AlarmSummary[]): LiveQueue {
  const [queue, setQueue] = useState(
    () => applyMessage(emptyQueue, { type: 'hello', alarms, degraded: false }, T0).state,
  );
  return {
    queue,
    connection: 'open',
    downSince: null,
    muted: true,
    setMuted: () => {},
    applyOwn: (a) => setQueue((q) => applyOwnChange(q, a)),
  };
}

/** A citizen signed in over OpenID Connect, as `GET /api/public/applicant` reports them. */
export const greta = { name: 'Greta Gran', personalNumber: '19400312-1234' };
/** The municipality's districts, as `GET /api/public/districts` lists them. */
export const districts = ['Centrum', 'Majorna-Linné', 'Västra Hisingen'];

/** What the e-service page asks for before it shows the form: who is signed in, and the districts. */
export function eServiceRoutes(applicant: typeof greta | null = greta): Routes {
  return {
    'GET /api/public/applicant': { body: { applicant } },
    'GET /api/public/districts': { body: { districts } },
  };
}

/** Residents the search knows, as `GET /api/residents?q=` finds them (by name, address or id). */
export const residents: ResidentHit[] = [
  { id: 'res-9', name: 'Ingrid Berg', address: 'Storgatan 1', district: 'Norr' },
  { id: 'res-12', name: 'Ingvar Lund', address: 'Hamngatan 4', district: 'Söder' },
];

/** The residents search the resident pickers use: a case-insensitive match on name, address or id. */
export function residentSearchRoutes(known: ResidentHit[] = residents): Routes {
  return {
    'GET /api/residents': (_body, path) => {
      const q = (new URLSearchParams(path.split('?')[1]).get('q') ?? '').toLowerCase();
      return {
        body: { residents: known.filter((r) => [r.name, r.address, r.id].some((v) => v.toLowerCase().includes(q))) },
      };
    },
  };
}

/** The staff directory (`GET /api/staff`) the console reads display names from. */
export const staff: User[] = [operator, technician];

/** A night patrol on duty in the resident's district, as the call-out panel suggests it. */
export const nightPatrol: AlarmDispatches['suggestions'][number] = {
  responder: {
    id: 'patrol-2',
    name: 'Nattpatrull 2',
    kind: 'team',
    districts: ['Centrum'],
    shiftStart: '22:00',
    shiftEnd: '07:00',
    status: 'on_duty',
    statusChangedAt: '2026-01-01T21:55:00.000Z',
    username: 'patrull2',
    phone: '070-111 22 33',
  },
  inDistrict: true,
  inShift: true,
  timedOutBefore: false,
};

/**
 * What the alarm page's panels ask for besides the alarm itself: the staff names, the call-out
 * panel's dispatches and suggestions, the resident's keys and the alarm's voice calls. An alarm
 * nobody has called out yet, with no call from the unit.
 */
export function alarmPanelRoutes(
  a: AlarmSummary,
  over: { dispatches?: AlarmDispatches; keys?: ResidentKey[]; calls?: VoiceCall[] } = {},
): Routes {
  const alarmPath = `/api/alarms/${encodeURIComponent(a.id)}`;
  const dispatches: AlarmDispatches = over.dispatches ?? {
    dispatches: [],
    suggestions: [nightPatrol],
    times: {
      received: a.openedAt,
      answered: null,
      voiceContact: null,
      dispatched: null,
      accepted: null,
      arrived: null,
      closed: null,
    },
  };
  return {
    'GET /api/staff': { body: { staff } },
    [`GET ${alarmPath}/dispatches`]: { body: dispatches },
    [`GET ${alarmPath}/calls`]: { body: { calls: over.calls ?? [] } },
    ...(a.resident
      ? { [`GET /api/residents/${encodeURIComponent(a.resident.id)}/keys`]: { body: { keys: over.keys ?? [] } } }
      : {}),
  };
}
