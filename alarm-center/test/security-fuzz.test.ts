import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import * as users from '../src/session/repository.ts';
import {
  addUser,
  createTestDatabase,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';
import { openApiPath, reviewableRoutes, type ServedRoute } from './security-routes.ts';

// Fuzzes every HTTP route with generated bodies, query strings, headers and path parameters, as
// an operator, a supervisor (who reaches every handler) and anonymously. Bodies are drawn both
// from the route's OpenAPI schema (near-valid, one field wrong) and from nothing (any JSON, broken
// JSON, huge strings, prototype-pollution keys). Requests go through app.inject: the same routing,
// parsing, validation and handlers as a socket, without the socket cost.

const TOTAL_RUNS = 5000;
const MIN_RUNS_PER_BATCH = 40;
const LOGIN_RUNS = 150; // login pays a real scrypt per well-formed attempt
const BODY_LIMIT = 64 * 1024;

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

interface Operation {
  method: string;
  path: string;
  params: string[];
  queryKeys: string[];
  body: JsonSchema | null;
}

type Caller = 'anonymous' | 'operator' | 'supervisor';

interface FuzzRequest {
  params: string[];
  query: string;
  headers: Record<string, string>;
  body: string | null;
  remoteAddress: string;
}

// --- arbitraries ---------------------------------------------------------------------------

const huge = fc
  .tuple(
    fc.constantFrom('A', 'ö', '<script>alert(1)</script>', '\u0000', '🚨'),
    fc.integer({ min: 1_000, max: 20_000 }),
  )
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)));

const nasty = fc.constantFrom(
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  "'; DROP TABLE alarms; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style probe, meant literally
  '${jndi:ldap://x}',
  '../../../../etc/passwd',
  '\u0000',
  '\uFFFF\uD800',
  '%00',
  '__proto__',
  'constructor',
  '9999999999999999999999',
  '-1',
  '1e309',
  ' ',
);

const anyText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: huge },
);

/** A value of the wrong kind for whatever the schema wanted. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  anyText,
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.string(), { maxLength: 4 }),
);

function fromSchema(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: shaped(schema ?? {}, depth) }, { weight: 1, arbitrary: wrongValue });
}

function shaped(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => fromSchema(s, depth + 1)));
  if (schema.enum?.length) return fc.oneof(fc.constantFrom(...schema.enum), anyText);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const base = ((): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'string': {
        const max = schema.maxLength ?? 64;
        return fc.oneof(
          fc.string({ minLength: schema.minLength ?? 0, maxLength: max }),
          fc.string({ minLength: max + 1, maxLength: max + 3 }),
          anyText,
        );
      }
      case 'integer':
      case 'number': {
        const min = schema.minimum ?? -1e6;
        const max = schema.maximum ?? 1e6;
        return fc.oneof(
          fc.integer({ min: Math.ceil(min), max: Math.floor(max) }),
          fc.constantFrom(min - 1, max + 1, min + 0.5),
        );
      }
      case 'boolean':
        return fc.boolean();
      case 'array':
        return depth > 3 ? fc.constant([]) : fc.array(fromSchema(schema.items, depth + 1), { maxLength: 5 });
      case 'object':
        return depth > 3 ? fc.constant({}) : objectFromSchema(schema, depth);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  })();
  return schema.nullable ? fc.oneof(base, fc.constant(null)) : base;
}

function objectFromSchema(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const model = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([k, s]) => [k, fromSchema(s, depth + 1)]),
  );
  return fc
    .tuple(
      fc.record(model, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.boolean(),
    )
    .map(([known, extra, addExtra]) => (addExtra ? { ...extra, ...known } : known));
}

const POLLUTION = [
  '"__proto__":{"polluted":"yes","role":"supervisor"}',
  '"constructor":{"prototype":{"polluted":"yes"}}',
  '"__proto__":{"__proto__":{"polluted":"yes"}}',
  '"prototype":{"polluted":"yes"}',
];

/** Adds a prototype-pollution key to a serialised object (JSON.stringify cannot write one). */
function polluted(json: string, key: string): string {
  if (!json.startsWith('{')) return json;
  return json === '{}' ? `{${key}}` : `{${key},${json.slice(1)}`;
}

function bodyArbitrary(op: Operation): fc.Arbitrary<string | null> {
  const fromOp = op.body ? fromSchema(op.body) : fc.jsonValue({ maxDepth: 3 });
  return fc.oneof(
    { weight: 6, arbitrary: fromOp.map((v) => JSON.stringify(v) ?? 'null') },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fromOp, fc.constantFrom(...POLLUTION))
        .map(([v, key]) => polluted(JSON.stringify(v) ?? '{}', key)),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) }, // not JSON at all
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":1,}', '\u0000', 'null', '"str"', '[]', '1e999') },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** encodeURIComponent throws on lone surrogates; a browser would send U+FFFD instead. */
const encode = (s: string) => encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD'));

const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 60 });

/** Mostly JSON, so bodies reach parsing and validation; sometimes anything else or nothing. */
const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=latin1',
      'application/json;;',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ),
  },
  { weight: 1, arbitrary: headerValue },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

function headersArbitrary(): fc.Arbitrary<Record<string, string>> {
  return fc
    .tuple(
      contentType,
      fc.record(
        {
          accept: fc.oneof(fc.constantFrom('application/json', '*/*', 'text/html'), headerValue),
          cookie: fc.oneof(
            fc.constantFrom('sid=', 'sid=%', 'sid=deadbeef', 'sid=a; sid=b', '=;=;', 'sid'),
            headerValue.map((v) => `sid=${v}`),
          ),
          'x-forwarded-for': fc.oneof(fc.ipV4(), headerValue),
          'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
          'accept-language': headerValue,
          origin: fc.constantFrom('https://evil.example', 'null'),
          extra: fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerValue),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([type, { extra, ...headers }]) => ({
      ...headers,
      ...(type === undefined ? {} : { 'content-type': type }),
      ...(extra ? { [extra[0]]: extra[1] } : {}),
    }));
}

const rawQueryPart = fc.oneof(
  { weight: 5, arbitrary: anyText.map(encode) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2e%2e%2f', '+', '&&', '==', '[]', '[a]') },
);

function queryArbitrary(op: Operation): fc.Arbitrary<string> {
  const key = fc.oneof(
    ...(op.queryKeys.length ? [fc.constantFrom(...op.queryKeys)] : []),
    fc.constantFrom('__proto__', 'constructor', '__proto__[polluted]', 'constructor[prototype][polluted]', 'toString'),
    rawQueryPart,
  );
  return fc
    .array(fc.tuple(key, rawQueryPart), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
}

function paramArbitrary(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,70}$/),
    anyText.map(encode),
    fc.constantFrom('%', '%zz', '..%2F..%2Fetc%2Fpasswd', '%00', '-1', '0', '1.5', '%20'),
  );
}

function requestArbitrary(op: Operation): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    params: fc.array(paramArbitrary(), { minLength: op.params.length, maxLength: op.params.length }),
    query: queryArbitrary(op),
    headers: headersArbitrary(),
    body: op.method === 'GET' ? fc.constant(null) : bodyArbitrary(op),
    remoteAddress: fc.ipV4(),
  });
}

// --- the test ------------------------------------------------------------------------------

/** Every served route with what the OpenAPI document says about its input. */
function operations(routes: ServedRoute[], doc: OpenApiDocument): Operation[] {
  return routes
    .filter((r) => r.path !== '/api/stream') // WebSocket: covered by the role test
    .map((r) => {
      const spec = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
      const params = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
      return {
        method: r.method,
        path: r.path,
        params,
        queryKeys: (spec?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: spec?.requestBody?.content?.['application/json']?.schema ?? null,
      };
    });
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

/** What every answer must look like, whatever was sent. */
function assertWellFormed(res: LightMyRequestResponse, label: string): void {
  assert.ok(res.statusCode < 500, `${label} → ${res.statusCode} ${res.body.slice(0, 300)}`);
  if (res.statusCode < 400) return;
  assert.match(String(res.headers['content-type']), /^application\/json/, `${label} → non-JSON error`);
  const body = JSON.parse(res.body) as { code?: unknown; message?: unknown; statusCode?: unknown };
  assert.equal(typeof body.code, 'string', `${label} → error without code: ${res.body.slice(0, 300)}`);
  assert.ok((body.code as string).length > 0, label);
  assert.equal(typeof body.message, 'string', `${label} → error without message`);
  assert.equal(body.statusCode, res.statusCode, `${label} → statusCode field differs`);
}

describe('HTTP fuzzing: every route, every input the attacker controls', () => {
  let db: TestDatabase;
  let platform: Platform;
  let ops: Operation[];
  const cookies = new Map<Caller, string>();
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    for (const caller of ['operator', 'supervisor'] as const) {
      const user = await addUser(platform, `fuzz-${caller}`, caller);
      cookies.set(caller, (await loginClient(platform, user.username, user.password)).cookie);
    }
    const doc = (await platform.app.inject({ url: '/api/openapi.json' })).json() as OpenApiDocument;
    ops = operations(reviewableRoutes(platform.app), doc);
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  async function cookieFor(caller: Caller, op: Operation, fuzzed: string | undefined): Promise<string | undefined> {
    if (caller === 'anonymous') return fuzzed;
    // Logout would end the shared session; give it one of its own.
    if (op.method === 'DELETE' && op.path === '/api/session') {
      return `sid=${await users.createSession(platform.db.pool, `fuzz-${caller}`, Date.now(), 600)}`;
    }
    return cookies.get(caller);
  }

  async function send(op: Operation, caller: Caller, req: FuzzRequest) {
    let i = 0;
    const path = op.path.replace(/:([A-Za-z0-9_]+)/g, () => req.params[i++] ?? 'x');
    const url = req.query ? `${path}?${req.query}` : path;
    const { cookie: fuzzedCookie, ...headers } = req.headers;
    const cookie = await cookieFor(caller, op, fuzzedCookie);
    const res = await platform.app.inject({
      method: op.method as 'GET',
      url,
      headers: { ...headers, ...(cookie ? { cookie } : {}) },
      ...(req.body === null ? {} : { payload: req.body }),
      remoteAddress: req.remoteAddress,
    });
    return { res, label: `${op.method} ${url.slice(0, 200)} as ${caller}` };
  }

  async function assertHealthy(after: string) {
    const health = await platform.app.inject({ url: '/health' });
    assert.equal(health.statusCode, 200, `/health after ${after}: ${health.body}`);
  }

  it('answers thousands of generated requests without a 500, always with a coded JSON error', async () => {
    const callers: Caller[] = ['anonymous', 'operator', 'supervisor'];
    const batches = ops.length * callers.length;
    const runs = Math.max(MIN_RUNS_PER_BATCH, Math.floor(TOTAL_RUNS / batches));
    let total = 0;
    const statuses = new Map<number, number>();
    for (const op of ops) {
      for (const caller of callers) {
        const numRuns = op.method === 'POST' && op.path === '/api/session' ? Math.ceil(LOGIN_RUNS / 3) : runs;
        await fc.assert(
          fc.asyncProperty(requestArbitrary(op), async (req) => {
            const { res, label } = await send(op, caller, req);
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            assertWellFormed(res, label);
          }),
          { numRuns, includeErrorInReport: true },
        );
        total += numRuns;
        await assertHealthy(`${op.method} ${op.path} as ${caller}`);
      }
    }
    console.info(
      `${total} requests on ${ops.length} routes; by status ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    assert.ok(total >= 3000, `only ${total} cases generated`);
    assert.ok((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) > 0, 'no request ever reached a handler');
    // Refusals must dominate: a fuzz run that mostly succeeds is not exercising validation.
    const refused = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
    assert.ok(refused > total / 2, `only ${refused} of ${total} requests refused: ${JSON.stringify([...statuses])}`);
  });

  it('keeps Object.prototype clean after __proto__ and constructor payloads', async () => {
    for (const op of ops.filter((o) => o.method !== 'GET')) {
      for (const key of POLLUTION) {
        const { res, label } = await send(op, 'supervisor', {
          params: op.params.map(() => '1'),
          query: '__proto__[polluted]=yes&constructor[prototype][polluted]=yes',
          headers: { 'content-type': 'application/json' },
          body: polluted('{"text":"x"}', key),
          remoteAddress: '10.1.1.1',
        });
        assertWellFormed(res, label);
      }
    }
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).role, undefined);
  });

  it('refuses a body over 64 KiB with 413 on every route that takes one, signed in or not', async () => {
    const oversized = JSON.stringify({ text: 'A'.repeat(BODY_LIMIT) });
    const withBody = ops.filter((o) => o.method !== 'GET' && o.method !== 'HEAD');
    assert.ok(withBody.length >= 5, 'expected the POST routes');
    for (const op of withBody) {
      for (const caller of ['anonymous', 'operator'] as Caller[]) {
        const { res, label } = await send(op, caller, {
          params: op.params.map(() => '1'),
          query: '',
          headers: { 'content-type': 'application/json' },
          body: oversized,
          remoteAddress: '10.2.2.2',
        });
        assert.equal(res.statusCode, 413, `${label} → ${res.statusCode}`);
        assertWellFormed(res, label);
      }
    }
    await assertHealthy('oversized bodies');
  });

  it('refuses an oversized body on a real socket and stays up for the next client', async () => {
    const base = `http://127.0.0.1:${platform.httpPort}`;
    const res = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x', password: 'y'.repeat(200 * 1024) }),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: string }).code, 'FST_ERR_CTP_BODY_TOO_LARGE');
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
  });
});
