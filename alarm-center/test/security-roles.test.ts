import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import WebSocket from 'ws';
import { ROLES, type Role } from '../src/api/schemas.ts';
import type { Platform } from '../src/platform.ts';
import * as users from '../src/session/repository.ts';
import {
  addUser,
  createTestDatabase,
  envelope,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';
import {
  allows,
  type Fixtures,
  fillPath,
  IDENTITIES,
  type Identity,
  openApiPath,
  ROUTE_ACCESS,
  type RouteAccess,
  reviewableRoutes,
  routeKey,
  servedRoutes,
} from './security-routes.ts';

describe('role checks on every route (route × role table)', () => {
  let db: TestDatabase;
  let platform: Platform;
  const cookies = new Map<Role, string>();
  let fixtures: Fixtures;
  let clientNo = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    for (const role of ROLES) {
      const user = await addUser(platform, `role-${role}`, role);
      cookies.set(role, (await loginClient(platform, user.username, user.password)).cookie);
    }
    const login = await addUser(platform, 'role-login-sample', 'operator');
    // A technical alarm (battery low), which every alarm viewer, technicians included, may open.
    await platform.provisioning.register({
      deviceId: 'role-pendant',
      deviceType: 'pendant',
      serial: 'SN-ROLE',
      residentId: null,
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    const outcome = await platform.ingest(
      deviceTopic('role-pendant', 'event'),
      Buffer.from(JSON.stringify({ ...envelope(), type: 'battery.low', level: 7 })),
    );
    assert.equal(outcome, 'accepted');
    const { rows } = await platform.db.pool.query<{ id: string }>(
      `SELECT id::text FROM alarms WHERE device_id = 'role-pendant'`,
    );
    assert.ok(rows[0], 'battery-low alarm was opened');
    fixtures = {
      alarmId: rows[0].id,
      deviceId: 'role-pendant',
      loginUser: login.username,
      loginPassword: login.password,
    };
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('lists every served route in the reviewed table, and nothing the app does not serve', () => {
    const served = new Set(reviewableRoutes(platform.app).map((r) => routeKey(r.method, r.path)));
    const reviewed = new Set(ROUTE_ACCESS.map((r) => routeKey(r.method, r.path)));
    assert.equal(reviewed.size, ROUTE_ACCESS.length, 'the table lists a route twice');
    const unreviewed = [...served].filter((k) => !reviewed.has(k));
    assert.deepEqual(unreviewed, [], 'routes without a row in test/security-routes.ts ROUTE_ACCESS');
    const stale = [...reviewed].filter((k) => !served.has(k));
    assert.deepEqual(stale, [], 'rows for routes the app no longer serves');
  });

  it('reads the same routes from the router as the OpenAPI document describes', async () => {
    const doc = (await platform.app.inject({ url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => routeKey(m, path)),
    );
    const served = new Set(servedRoutes(platform.app).map((r) => routeKey(r.method, openApiPath(r.path))));
    assert.ok(documented.length >= 10, `OpenAPI document lists only ${documented.length} operations`);
    assert.deepEqual(
      documented.filter((k) => !served.has(k)),
      [],
      'the route parser missed documented routes',
    );
  });

  async function cookieFor(who: Identity, route: RouteAccess): Promise<string | undefined> {
    if (who === 'anonymous') return undefined;
    if (!route.endsSession) return cookies.get(who);
    const token = await users.createSession(platform.db.pool, `role-${who}`, Date.now(), 600);
    return `sid=${token}`;
  }

  async function call(route: RouteAccess, who: Identity, method = route.method) {
    const sample = route.sample?.(fixtures) ?? {};
    const cookie = await cookieFor(who, route);
    clientNo += 1;
    return platform.app.inject({
      method: method as 'GET',
      url: fillPath(route.path, sample.params),
      ...(sample.query ? { query: sample.query } : {}),
      headers: cookie ? { cookie } : {},
      ...(sample.body === undefined ? {} : { payload: sample.body as object }),
      // A client address per call: the login rate limit counts per address.
      remoteAddress: `10.9.${Math.floor(clientNo / 250)}.${clientNo % 250}`,
    });
  }

  async function callInvalid(route: RouteAccess, who: Identity, method: string) {
    const cookie = await cookieFor(who, route);
    return platform.app.inject({
      method: method as 'GET',
      url: `${route.path.replace(/:[A-Za-z0-9_]+/g, '%00')}?status=nonsense&hours=-1&month=13`,
      headers: { ...(cookie ? { cookie } : {}), 'content-type': 'application/json' },
      ...(method === 'GET' || method === 'HEAD' ? {} : { payload: '{"unexpected":[1,2,3]}' }),
      remoteAddress: '10.8.0.1',
    });
  }

  for (const route of ROUTE_ACCESS.filter((r) => !r.websocket)) {
    const methods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
    for (const method of methods) {
      it(`${method} ${route.path}: ${describeAccess(route)}`, async () => {
        for (const who of IDENTITIES) {
          const res = await call(route, who, method);
          const label = `${method} ${route.path} as ${who} → ${res.statusCode} ${res.body.slice(0, 200)}`;
          assert.ok(res.statusCode < 500, label);
          if (allows(route.allow, who)) {
            const ownership =
              res.statusCode === 403 &&
              route.ownershipCode !== undefined &&
              res.body.includes(`"code":"${route.ownershipCode}"`);
            assert.ok(res.statusCode !== 401 && (res.statusCode !== 403 || ownership), `allowed but refused: ${label}`);
            continue;
          }
          const applicantOnly = route.allow === 'applicant';
          const expected = who === 'anonymous' || applicantOnly ? 401 : 403;
          assert.equal(res.statusCode, expected, `not refused: ${label}`);
          if (method !== 'HEAD') {
            const code = applicantOnly
              ? 'APPLICANT_SIGN_IN_REQUIRED'
              : who === 'anonymous'
                ? 'AUTH_REQUIRED'
                : 'FORBIDDEN_ROLE';
            assert.equal(res.json().code, code, label);
          }
          // The role check comes before validation: an invalid request tells a stranger nothing.
          const bad = await callInvalid(route, who, method);
          assert.equal(bad.statusCode, expected, `invalid request ${method} ${route.path} as ${who}: ${bad.body}`);
        }
      });
    }
  }

  for (const route of ROUTE_ACCESS.filter((r) => r.websocket)) {
    it(`WebSocket ${route.path}: ${describeAccess(route)}`, async () => {
      for (const who of IDENTITIES) {
        const cookie = await cookieFor(who, route);
        const first = await firstWsEvent(`ws://127.0.0.1:${platform.httpPort}${route.path}`, cookie);
        if (allows(route.allow, who)) {
          assert.equal(first.kind, 'message', `${who} should get the snapshot, got ${JSON.stringify(first)}`);
          assert.equal(JSON.parse(first.data).type, 'hello');
        } else {
          assert.deepEqual(first, { kind: 'close', code: 4401 }, `${who} should be refused`);
        }
      }
    });
  }
});

function describeAccess(route: RouteAccess): string {
  if (route.allow === 'everyone') return 'open to everyone';
  if (route.allow === 'signed-in') return 'any signed-in role';
  if (route.allow === 'applicant') return 'only a signed-in applicant, never a staff session';
  return `only ${route.allow.join(', ')}`;
}

type WsEvent = { kind: 'message'; data: string } | { kind: 'close'; code: number };

function firstWsEvent(url: string, cookie: string | undefined): Promise<WsEvent> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, cookie ? { headers: { cookie } } : {});
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no message or close from ${url} within 5 s`));
    }, 5000);
    const done = (event: WsEvent) => {
      clearTimeout(timer);
      ws.close();
      resolve(event);
    };
    ws.once('message', (data) => done({ kind: 'message', data: data.toString() }));
    ws.once('close', (code) => done({ kind: 'close', code }));
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
