// A shift change: a whole centre logs in at once from behind one address. Each attempt is counted
// as a failure in advance (so parallel guesses cannot skip the count); attempts still being checked
// must not be held against the colleague logging in beside them, while a burst of guesses at one
// account stays bounded.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ACCOUNT_POLICY } from '../src/session/login-delay.ts';
import {
  addUser,
  createTestDatabase,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

describe('logins at a shift change (one address, real PostgreSQL)', () => {
  let db: TestDatabase;
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('twelve operators logging in at the same moment from one address all get in', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => addUser(platform, `shift${i}`, 'operator')));
    const results = await Promise.allSettled(users.map((u) => loginClient(platform, u.username, u.password)));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(refused, []);
  });

  it('a burst of twenty parallel guesses at one account reaches the password check only a bounded number of times', async () => {
    await addUser(platform, 'target', 'operator');
    const base = `http://127.0.0.1:${platform.httpPort}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${base}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'target', password: `guess-${i}` }),
        }).then((r) => r.status),
      ),
    );
    const checked = answers.filter((s) => s === 401).length;
    assert.equal(checked + answers.filter((s) => s === 429).length, 20, `only 401 or 429: ${answers}`);
    assert.ok(
      checked <= ACCOUNT_POLICY.freeFailures + ACCOUNT_POLICY.inFlightAllowance + 1,
      `${checked} guesses checked in one burst`,
    );
    assert.ok(answers.includes(429), 'the burst is slowed down');
  });
});
