import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  applicantClient,
  cookieBrowser,
  createTestDatabase,
  signInApplicant,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

/** The outcomes counted in applicant_sign_ins_total, read from the metrics endpoint. */
async function signInOutcomes(platform: Platform): Promise<Record<string, number>> {
  const text = await (await fetch(platform.metricsUrl)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^applicant_sign_ins_total\{outcome="([A-Z_a-z]+)"\} (\d+)/gm)) {
    counts[m[1]!] = Number(m[2]);
  }
  return counts;
}

const failedCode = (location: URL | null) => /sign-in-failed\/([A-Z_]+)/.exec(location?.hash ?? '')?.[1] ?? null;

describe('applicant sign-in with e-legitimation over OpenID Connect', () => {
  let db: TestDatabase;
  let platform: Platform;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('an applicant signs in at the provider and the e-service knows who they are from the verified token', async () => {
    const { call } = await applicantClient(platform, '19400312-2381');
    const me = await call('GET', '/api/public/applicant');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.applicant, { name: 'Greta Andersson', personalNumber: '19400312-****' });
    const { rows } = await platform.db.pool.query('SELECT personal_number_enc FROM applicant_sessions');
    assert.doesNotMatch(JSON.stringify(rows), /19400312/, 'the identity number is stored encrypted');
  });

  it('signing out ends the applicant session on the server', async () => {
    const { call, cookie } = await applicantClient(platform, '19850621-2466');
    assert.equal((await call('DELETE', '/api/public/applicant')).status, 204);
    const res = await fetch(`http://127.0.0.1:${platform.httpPort}/api/public/applicant`, { headers: { cookie } });
    assert.deepEqual(await res.json(), { applicant: null }, 'the old cookie no longer signs anyone in');
  });

  it('sends the browser to the provider with PKCE (S256), a state and a nonce', async () => {
    const browser = cookieBrowser();
    const res = await browser.step(`http://127.0.0.1:${platform.httpPort}/api/public/sign-in`);
    assert.equal(res.status, 303);
    const params = res.location!.searchParams;
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.ok((params.get('code_challenge') ?? '').length >= 43);
    assert.ok((params.get('state') ?? '').length >= 32);
    assert.ok((params.get('nonce') ?? '').length >= 32);
  });

  it('refuses a replayed callback (the same state twice) with a coded error, counted', async () => {
    const before = await signInOutcomes(platform);
    const first = await signInApplicant(platform, '19850621-2466');
    assert.equal(first.landed.location?.hash, '#/apply');
    const replay = await first.browser.step(first.callback);
    assert.equal(replay.status, 303);
    assert.equal(failedCode(replay.location), 'SIGN_IN_STATE_INVALID');
    // The replay started no session: its reply set no applicant cookie.
    const counts = await signInOutcomes(platform);
    assert.equal((counts.SIGN_IN_STATE_INVALID ?? 0) - (before.SIGN_IN_STATE_INVALID ?? 0), 1);
  });

  it('a person cancelling at the provider comes back to a coded refusal, counted, with no session', async () => {
    const before = await signInOutcomes(platform);
    const browser = cookieBrowser();
    const base = `http://127.0.0.1:${platform.httpPort}`;
    const atProvider = await browser.follow(await browser.step(`${base}/api/public/sign-in`));
    const abort = /formaction="([^"]+)"/.exec(atProvider.body)?.[1];
    assert.ok(abort, 'the provider page has a cancel button');
    const back = await browser.follow(
      await browser.step(new URL(abort, atProvider.url), { method: 'POST', form: {} }),
      (s) => s.url.pathname.endsWith('/callback'),
    );
    assert.equal(failedCode(back.location), 'SIGN_IN_REFUSED');
    assert.doesNotMatch(browser.cookieFor(base), /applicant_sid=/);
    const counts = await signInOutcomes(platform);
    assert.equal((counts.SIGN_IN_REFUSED ?? 0) - (before.SIGN_IN_REFUSED ?? 0), 1);
  });

  it('refuses a callback whose state this browser never began (a stolen link), counted', async () => {
    const first = await signInApplicant(platform, '19330920-1188');
    // Another browser (no state cookie) opens the link the provider sent.
    const stranger = cookieBrowser();
    const res = await stranger.step(first.callback);
    assert.equal(failedCode(res.location), 'SIGN_IN_STATE_INVALID');
  });

  it('the application routes do not take a staff session or no session as an applicant', async () => {
    const res = await fetch(`http://127.0.0.1:${platform.httpPort}/api/public/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { code: string }).code, 'APPLICANT_SIGN_IN_REQUIRED');
  });
});

type Mode = 'valid' | 'forged' | 'expired' | 'wrong-audience';

/**
 * A hostile OpenID Connect issuer on a real socket: discovery, keys, an authorization endpoint that
 * sends the browser straight back, and a token endpoint that answers with the ID token `mode` asks for.
 */
async function hostileIssuer(clientId: string) {
  const published = await generateKeyPair('RS256');
  const attacker = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'published', alg: 'RS256', use: 'sig' };
  const nonces = new Map<string, string>();
  let mode: Mode = 'valid';
  let issuer = '';
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return json({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json({ keys: [jwk] });
    if (url.pathname === '/auth') {
      const code = randomBytes(16).toString('hex');
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return res.writeHead(303, { location: back.toString() }).end();
    }
    if (url.pathname === '/token') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const code = new URLSearchParams(body).get('code') ?? '';
      const now = Math.floor(Date.now() / 1000);
      const exp = mode === 'expired' ? now - 3600 : now + 300;
      const idToken = await new SignJWT({ nonce: nonces.get(code), personal_number: '194003122381', name: 'Greta' })
        .setProtectedHeader({ alg: 'RS256', kid: 'published' })
        .setIssuer(issuer)
        .setAudience(mode === 'wrong-audience' ? 'some-other-service' : clientId)
        .setSubject('194003122381')
        .setIssuedAt(mode === 'expired' ? now - 7200 : now)
        .setExpirationTime(exp)
        .sign(mode === 'forged' ? attacker.privateKey : published.privateKey);
      return json({ access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', id_token: idToken });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    setMode: (m: Mode) => {
      mode = m;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('an ID token that does not verify starts no applicant session', () => {
  let db: TestDatabase;
  let platform: Platform;
  let issuer: Awaited<ReturnType<typeof hostileIssuer>>;

  beforeAll(async () => {
    issuer = await hostileIssuer('e-service');
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      env: { OIDC_ISSUER: issuer.issuer, OIDC_CLIENT_ID: 'e-service', OIDC_CLIENT_SECRET: 'hostile-test-secret-0123' },
    });
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
    await issuer?.close();
  });

  async function signInThrough(mode: Mode) {
    issuer.setMode(mode);
    const browser = cookieBrowser();
    const base = `http://127.0.0.1:${platform.httpPort}`;
    const landed = await browser.follow(await browser.step(`${base}/api/public/sign-in`), (s) =>
      s.url.pathname.endsWith('/callback'),
    );
    return { landed, cookie: browser.cookieFor(base) };
  }

  it('a correctly signed token for this client is accepted (the issuer itself is sound)', async () => {
    const { landed, cookie } = await signInThrough('valid');
    assert.equal(landed.location?.hash, '#/apply');
    assert.match(cookie, /applicant_sid=/);
  });

  for (const [mode, what] of [
    ['forged', 'signed with a key the issuer never published'],
    ['expired', 'expired an hour ago'],
    ['wrong-audience', 'issued to another service'],
  ] as const) {
    it(`refuses an ID token ${what}: SIGN_IN_TOKEN_INVALID, counted, no session`, async () => {
      const before = await signInOutcomes(platform);
      const { landed, cookie } = await signInThrough(mode);
      assert.equal(failedCode(landed.location), 'SIGN_IN_TOKEN_INVALID');
      assert.doesNotMatch(cookie, /applicant_sid=/);
      const counts = await signInOutcomes(platform);
      assert.equal((counts.SIGN_IN_TOKEN_INVALID ?? 0) - (before.SIGN_IN_TOKEN_INVALID ?? 0), 1);
    });
  }
});

describe('starting sign-ins from one address', () => {
  it('is limited to 30 a minute, refused with its own code and counted', async () => {
    const db = await createTestDatabase();
    const platform = await startTestPlatform({ databaseUrl: db.url });
    try {
      const statuses: number[] = [];
      let refusal: { code?: string } = {};
      for (let i = 0; i < 31; i += 1) {
        const res = await fetch(`http://127.0.0.1:${platform.httpPort}/api/public/sign-in`, { redirect: 'manual' });
        statuses.push(res.status);
        if (res.status === 429) refusal = (await res.json()) as { code?: string };
        else await res.body?.cancel();
      }
      assert.deepEqual(statuses, [...Array(30).fill(303), 429]);
      assert.equal(refusal.code, 'SIGN_IN_TOO_MANY');
      assert.equal((await signInOutcomes(platform)).SIGN_IN_TOO_MANY, 1);
    } finally {
      await platform.close();
      await db.drop();
    }
  });
});

describe('without an identity provider configured', () => {
  it('the sign-in says so with a code instead of failing, and the alarm center runs', async () => {
    const db = await createTestDatabase();
    const platform = await startTestPlatform({
      databaseUrl: db.url,
      env: { OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'x', OIDC_CLIENT_SECRET: 'nobody-listens-here-0' },
    });
    try {
      const res = await cookieBrowser().step(`http://127.0.0.1:${platform.httpPort}/api/public/sign-in`);
      assert.equal(failedCode(res.location), 'SIGN_IN_UNAVAILABLE');
      const health = await fetch(`http://127.0.0.1:${platform.httpPort}/health`);
      assert.equal(health.status, 200);
    } finally {
      await platform.close();
      await db.drop();
    }
  });
});
