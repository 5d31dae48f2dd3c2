// A stalled database is visible at once: with PostgreSQL frozen (no error, no answer), /health
// answers 503 within a second, every console is told the service is degraded, and the alarm
// center still stops within its bound. Once the database answers again, so does /health. On the
// local PostgreSQL's twin (a private cluster) and on the embedded default.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { eventually, startTestPlatform } from '@trygg/alarm-center/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DATABASE_MODES } from '../src/center-under-test.ts';
import { freeze } from '../src/freeze.ts';
import { type HealthFeed, healthFeed } from '../src/health-feed.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../src/private-postgres.ts';

// Node's fetch types a reply's JSON as unknown (the DOM's said any); these tests read replies loosely.
type Json = ReturnType<typeof JSON.parse>;

for (const mode of DATABASE_MODES) {
  describe(`a stalled database (${mode})`, () => {
    let server: PrivatePostgres | null = null;
    let platform: Platform;
    let feed: HealthFeed;
    let thaw: (() => Promise<void>) | null = null;

    beforeAll(async () => {
      if (mode === 'postgres') server = await startPrivatePostgres();
      platform = await startTestPlatform({ databaseUrl: server?.url ?? null });
      feed = await healthFeed(platform);
    });

    afterAll(async () => {
      feed?.close();
      await thaw?.();
      await server?.destroy();
    });

    const postmaster = async () => (server ? server.pid() : platform.db.serverPid!);
    const healthNow = async () => {
      // The guarantee: an answer within one second, whatever the database does.
      const res = await fetch(`http://127.0.0.1:${platform.httpPort}/health`, { signal: AbortSignal.timeout(1_000) });
      return { status: res.status, body: (await res.json()) as Json };
    };

    it('answers /health with 503 within a second and tells the consoles, then recovers', async () => {
      assert.equal((await healthNow()).status, 200);
      thaw = await freeze(await postmaster());
      const stalled = await healthNow();
      assert.equal(stalled.status, 503);
      assert.equal(stalled.body.checks.database, 'stalled');
      await eventually(async () => feed.degraded.at(-1) === true, 5_000);
      await thaw();
      thaw = null;
      await eventually(async () => (await healthNow()).status === 200, 10_000);
      await eventually(async () => feed.degraded.at(-1) === false, 5_000);
    });

    it('stops within its bound while the database hangs', { timeout: 60_000 }, async () => {
      thaw = await freeze(await postmaster());
      await platform.close(); // the test's timeout is the hang guard
      await thaw();
      thaw = null;
    });
  });
}
