import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import { addUser, createTestDatabase, startTestPlatform, type TestDatabase } from '../src/testing/index.ts';

// Logins: delays that grow with failures per account and per address (never a lockout), known
// workstations that guesses made elsewhere cannot hold back, a supervisor lifting an account's
// delays, session expiry on the platform's clock, and logout ending the session server-side.
// Time is the test's simulated clock: waiting out a delay moves it, nothing sleeps.

const TTL_S = 3600;

describe('login delays, known workstations, session expiry and logout', () => {
  let db: TestDatabase;
  let platform: Platform;
  let now = Date.parse('2026-03-01T20:00:00Z');
  let address = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      clock: { now: () => now },
      env: { SESSION_TTL_S: String(TTL_S) },
    });
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  /** A new client address each call unless given: the per-address rate limit stays out of the way. */
  function login(
    username: string,
    password: string,
    remoteAddress = `10.5.${address >> 8}.${address++ & 255}`,
    cookies: Record<string, string> = {},
  ) {
    return platform.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { username, password },
      remoteAddress,
      cookies,
    });
  }

  const workstationCookie = (res: LightMyRequestResponse) => {
    const cookie = res.cookies.find((c) => c.name === 'workstation');
    assert.ok(cookie, `no workstation cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
    assert.equal(cookie.httpOnly, true);
    assert.ok((cookie.maxAge ?? 0) >= 90 * 24 * 3600, 'long-lived');
    return cookie;
  };

  /**
   * Wrong passwords at `username`, waiting out each delay on the simulated clock, until `count`
   * guesses were really checked; returns how many were. Leaves the account delayed.
   */
  async function guessUntilDelayed(username: string, count: number, from: () => string): Promise<number> {
    let checked = 0;
    for (let attempt = 0; checked < count && attempt < count * 3; attempt++) {
      const res = await login(username, `guess-${attempt}`, from());
      if (res.statusCode === 401) checked++;
      else if (res.statusCode === 429) now += Number(res.headers['retry-after']) * 1000;
      else assert.fail(`unexpected ${res.statusCode} ${res.body}`);
    }
    return checked;
  }

  const sessionCookie = (res: LightMyRequestResponse) => {
    const sid = res.cookies.find((c) => c.name === 'sid');
    assert.ok(sid, `no session cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
    return sid;
  };

  const whoAmI = (cookie: string) =>
    platform.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: `sid=${cookie}` } });

  it("an attacker's guesses at 'operator' from elsewhere do not stop her logging in from her known workstation", async () => {
    const user = await addUser(platform, 'operator-nora', 'operator');
    const centre = '10.1.0.1'; // the centre's one NAT address, which the attacker shares below
    const workstation = workstationCookie(await login(user.username, user.password, centre));

    // The attacker waits out every delay, from another address and from the centre's own.
    const guesses = await guessUntilDelayed(user.username, 12, () => '10.9.9.9');
    assert.ok(guesses >= 12, `${guesses} real guesses were made`);
    await guessUntilDelayed(user.username, 6, () => centre);
    const stranger = await login(user.username, user.password, '10.9.9.10');
    assert.equal(stranger.statusCode, 429, 'the account is held back for clients that never logged in to it');

    const res = await login(user.username, user.password, centre, { workstation: workstation.value });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await whoAmI(sessionCookie(res).value)).json().user.username, user.username);
  });

  it("many operators logging in correctly behind the centre's one address are never held back", async () => {
    const centre = '10.2.0.1';
    const workstations: { username: string; password: string; token: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const user = await addUser(platform, `nat-op-${i}`, 'operator');
      const res = await login(user.username, user.password, centre);
      assert.equal(res.statusCode, 200, `operator ${i}: ${res.body}`);
      workstations.push({ ...user, token: workstationCookie(res).value });
    }
    // Someone at the same address guesses at names that do not exist, far beyond the free ones.
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await login(`nobody-${i}`, 'guess', centre)).statusCode);
    assert.ok(statuses.includes(429), 'unknown clients at the address are slowed');
    for (const w of workstations) {
      const res = await login(w.username, w.password, centre, { workstation: w.token });
      assert.equal(res.statusCode, 200, `${w.username} on her workstation: ${res.body}`);
    }
  });

  it('an unknown client is delayed more and more, with Retry-After, and waiting cannot be skipped', async () => {
    const user = await addUser(platform, 'guessed-gun', 'operator');
    const address = '10.3.0.1';
    const retries: number[] = [];
    for (let attempt = 0; attempt < 40 && retries.length < 9; attempt++) {
      const res = await login(user.username, `wrong-${attempt}`, address);
      if (res.statusCode === 401) continue;
      assert.equal(res.statusCode, 429, res.body);
      assert.equal(res.json().code, 'AUTH_DELAYED');
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > 0, `Retry-After: ${res.headers['retry-after']}`);
      assert.equal(res.json().retryAfterS, retryAfter);
      retries.push(retryAfter);
      const right = await login(user.username, user.password, address);
      assert.equal(right.statusCode, 429, 'the right password does not skip the wait');
      assert.equal(right.cookies.length, 0, 'a delayed attempt gets no session');
      now += retryAfter * 1000;
    }
    assert.equal(retries.length, 9, `delayed ${retries.length} times`);
    for (let i = 1; i < retries.length; i++) {
      assert.ok(retries[i]! >= retries[i - 1]!, `delays grow: ${retries.join(', ')}`);
    }
    assert.ok(retries.at(-1)! >= 8 * retries[0]!, `delays grow: ${retries.join(', ')}`);
    assert.ok(retries.at(-1)! <= 600, 'bounded: a delay, never a lockout');

    const other = await login('nobody-at-all', 'whatever', '10.3.0.2');
    assert.equal(other.statusCode, 401, 'another account from another address is not slowed');
  });

  it('a burst of parallel guesses cannot slip past the wait: each is counted before its password is checked', async () => {
    const user = await addUser(platform, 'burst-berit', 'operator');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(user.username, `parallel-${i}`, `10.8.0.${i}`)),
    );
    const checked = answers.filter((a) => a.statusCode === 401).length;
    assert.equal(checked, 4, 'the three free failures and the one that starts the wait');
    assert.ok(
      answers.every((a) => a.statusCode === 401 || a.statusCode === 429),
      answers.map((a) => a.statusCode).join(','),
    );
    const right = await login(user.username, user.password);
    assert.equal(right.statusCode, 429, 'the account now waits');
    now += Number(right.headers['retry-after']) * 1000;
    assert.equal((await login(user.username, user.password)).statusCode, 200, 'and the wait ends');
  });

  it('a known workstation is slowed by its own failures, and a forged workstation cookie counts for nothing', async () => {
    const user = await addUser(platform, 'shared-siv', 'operator');
    const token = workstationCookie(await login(user.username, user.password)).value;
    const fromWorkstation = (password: string) => login(user.username, password, '10.4.0.1', { workstation: token });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fromWorkstation(`wrong-${i}`)).statusCode);
    assert.ok(statuses.includes(429), `its own guesses slow it: ${statuses.join(',')}`);

    const forged = await addUser(platform, 'forged-frida', 'operator');
    await guessUntilDelayed(forged.username, 6, () => '10.4.0.2');
    const res = await login(forged.username, forged.password, '10.4.0.3', { workstation: 'made-up' });
    assert.equal(res.statusCode, 429, 'an unknown token is an unknown client');
  });

  it('answers an unknown user exactly like a wrong password, also once delays begin', async () => {
    const user = await addUser(platform, 'known-karin', 'caseworker');
    for (let i = 0; i < 5; i++) {
      const wrong = await login(user.username, `not-her-password-${i}`, '10.7.0.1');
      const unknown = await login('nobody-here', `whatever-${i}`, '10.7.0.2');
      assert.equal(unknown.statusCode, wrong.statusCode, `attempt ${i}`);
      assert.deepEqual(unknown.json(), wrong.json(), `attempt ${i}`);
      assert.equal(unknown.headers['retry-after'], wrong.headers['retry-after']);
    }
  });

  it('a supervisor lifts the delays on an account, which is audited; other roles may not', async () => {
    const user = await addUser(platform, 'lifted-lena', 'operator');
    await guessUntilDelayed(user.username, 6, () => '10.5.9.9');
    assert.equal((await login(user.username, user.password)).statusCode, 429);

    const lift = (cookie: string) =>
      platform.app.inject({
        method: 'DELETE',
        url: `/api/login-delays/${user.username}`,
        headers: { cookie: `sid=${cookie}` },
      });
    const operator = await addUser(platform, 'other-olle', 'operator');
    const refused = await lift(sessionCookie(await login(operator.username, operator.password)).value);
    assert.equal(refused.statusCode, 403);

    const supervisor = await addUser(platform, 'super-sigrid', 'supervisor');
    const lifted = await lift(sessionCookie(await login(supervisor.username, supervisor.password)).value);
    assert.equal(lifted.statusCode, 200, lifted.body);
    assert.deepEqual(lifted.json(), { lifted: true });
    const { rows } = await platform.db.pool.query(
      `SELECT actor, action, subject_type, subject_id FROM audit_log WHERE action = 'lift_login_delay'`,
    );
    assert.deepEqual(rows, [
      { actor: supervisor.username, action: 'lift_login_delay', subject_type: 'user', subject_id: user.username },
    ]);

    const res = await login(user.username, user.password);
    assert.equal(res.statusCode, 200, `the operator gets in at once from a new workstation: ${res.body}`);
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
