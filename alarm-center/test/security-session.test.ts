import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Platform } from '../src/platform.ts';
import { addUser, createTestDatabase, startTestPlatform, type TestDatabase } from '../src/testing/index.ts';

// Logins: lockout after repeated failures (per account, whatever the address), rate limiting per
// address, session expiry on the platform's clock, and logout ending the session server-side.

const TTL_S = 3600;
const LOCK_MS = 15 * 60_000;

describe('login lockout, rate limiting, session expiry and logout', () => {
  let db: TestDatabase;
  let platform: Platform;
  let now = Date.parse('2026-03-01T20:00:00Z');
  let address = 0;

  before(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      clock: { now: () => now },
      env: { SESSION_TTL_S: String(TTL_S) },
    });
  });

  after(async () => {
    await platform?.close();
    await db?.drop();
  });

  /** A new client address each call unless given: the per-address rate limit stays out of the way. */
  function login(username: string, password: string, remoteAddress = `10.5.${address >> 8}.${address++ & 255}`) {
    return platform.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { username, password },
      remoteAddress,
    });
  }

  const sessionCookie = (res: LightMyRequestResponse) => {
    const sid = res.cookies.find((c) => c.name === 'sid');
    assert.ok(sid, `no session cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
    return sid;
  };

  const whoAmI = (cookie: string) =>
    platform.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: `sid=${cookie}` } });

  it('locks an account after five wrong passwords, even from changing addresses, for 15 minutes', async () => {
    const user = await addUser(platform, 'lock-olga', 'operator');
    for (let i = 1; i <= 5; i++) {
      const res = await login(user.username, `wrong-${i}`);
      assert.equal(res.statusCode, 401, `attempt ${i}`);
      assert.equal(res.json().code, 'AUTH_INVALID');
    }
    // The right password no longer helps while the lock holds.
    const locked = await login(user.username, user.password);
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().code, 'AUTH_LOCKED');
    assert.equal(locked.cookies.length, 0, 'a locked account gets no session');

    now += LOCK_MS - 1000;
    assert.equal((await login(user.username, user.password)).json().code, 'AUTH_LOCKED');

    now += 2000;
    const unlocked = await login(user.username, user.password);
    assert.equal(unlocked.statusCode, 200, unlocked.body);
    assert.equal((await whoAmI(sessionCookie(unlocked).value)).json().user.username, user.username);
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const user = await addUser(platform, 'known-karin', 'caseworker');
    const wrong = await login(user.username, 'not-her-password');
    const unknown = await login('nobody-here', 'whatever');
    assert.equal(unknown.statusCode, wrong.statusCode);
    assert.deepEqual(unknown.json(), wrong.json());
  });

  it('rate-limits login attempts from one address, not from others', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(`guess-${i}`, 'guess', '10.6.6.6')).statusCode);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401), 'the first ten are answered normally');
    const limited = await login('guess-x', 'guess', '10.6.6.6');
    assert.equal(limited.statusCode, 429);
    assert.match(String(limited.headers['content-type']), /^application\/json/);
    assert.equal(typeof limited.json().code, 'string');
    assert.ok(limited.headers['retry-after'], 'tells the client when to retry');
    assert.equal((await login('guess-y', 'guess', '10.6.6.7')).statusCode, 401, 'another address is not limited');
  });

  it('issues an httpOnly, SameSite=Strict session cookie that stops working when the session expires', async () => {
    const user = await addUser(platform, 'ttl-tore', 'technician');
    const res = await login(user.username, user.password);
    assert.equal(res.statusCode, 200, res.body);
    const sid = sessionCookie(res);
    assert.equal(sid.httpOnly, true);
    assert.equal(sid.sameSite, 'Strict');
    assert.equal(sid.maxAge, TTL_S);

    const devices = () =>
      platform.app.inject({ method: 'GET', url: '/api/devices', headers: { cookie: `sid=${sid.value}` } });
    assert.equal((await devices()).statusCode, 200);

    now += TTL_S * 1000 - 1000;
    assert.equal((await whoAmI(sid.value)).statusCode, 200, 'still valid a second before expiry');

    now += 2000;
    const expired = await whoAmI(sid.value);
    assert.equal(expired.statusCode, 401);
    assert.equal(expired.json().code, 'AUTH_REQUIRED');
    assert.equal((await devices()).statusCode, 401, 'an expired session opens no route');
  });

  it('logout ends the session on the server, so a copied cookie is useless afterwards', async () => {
    const user = await addUser(platform, 'out-sara', 'supervisor');
    const sid = sessionCookie(await login(user.username, user.password)).value;
    const other = sessionCookie(await login(user.username, user.password)).value;
    assert.equal((await whoAmI(sid)).statusCode, 200);

    const out = await platform.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: `sid=${sid}` } });
    assert.equal(out.statusCode, 204);
    const cleared = sessionCookie(out);
    assert.equal(cleared.value, '');
    assert.ok(
      cleared.maxAge === 0 || (cleared.expires !== undefined && cleared.expires.getTime() <= Date.now()),
      `the browser is told to drop the cookie: ${JSON.stringify(out.headers['set-cookie'])}`,
    );

    // Replaying the old cookie, as someone who copied it would.
    const replay = await whoAmI(sid);
    assert.equal(replay.statusCode, 401);
    const overview = await platform.app.inject({
      method: 'GET',
      url: '/api/overview',
      headers: { cookie: `sid=${sid}` },
    });
    assert.equal(overview.statusCode, 401);
    assert.equal((await whoAmI(other)).statusCode, 200, 'logging out one browser leaves the others signed in');
  });
});
