// The `npm start` demo behaves like a quiet night, not a storm: its defaults escalate an unanswered
// alarm after 3 minutes (unless the environment says otherwise), and every second safety-alarm
// press is a mistake the resident cancels on the unit, so the queue does not fill up unanswered.

import assert from 'node:assert/strict';
import { runDemo } from '@trygg/device-sim';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { configSchema } from '../src/config.ts';
import { DEMO_DEVICES, DEMO_SETTINGS, demoEnvironment, seedDemo } from '../src/demo.ts';
import type { Platform } from '../src/platform.ts';
import { createTestDatabase, eventually, startTestPlatform, type TestDatabase } from '../src/testing/index.ts';

describe('the demo’s settings', () => {
  it('escalates an unanswered alarm after 180 s unless ESCALATE_AFTER_S is set', () => {
    assert.equal(configSchema.parse(demoEnvironment({})).ESCALATE_AFTER_S, 180);
    assert.equal(configSchema.parse(demoEnvironment({ ESCALATE_AFTER_S: '45' })).ESCALATE_AFTER_S, 45);
    assert.equal(configSchema.parse({}).ESCALATE_AFTER_S, 60, 'production keeps 60 s');
    assert.ok(DEMO_SETTINGS.pressEveryMs >= 180_000, 'no more than one press per escalation period');
  });
});

describe('the demo fleet', () => {
  let db: TestDatabase;
  let platform: Platform;
  let stop: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    assert.equal(await seedDemo(platform), true);
  });

  afterAll(async () => {
    await stop?.();
    await platform?.close();
    await db?.drop();
  });

  it('every second safety-alarm press is cancelled by the resident and closes as such', async () => {
    const sim = await runDemo({
      brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`,
      devices: DEMO_DEVICES.map(({ deviceId, deviceType, secret }) => ({ deviceId, deviceType, secret })),
      pressEveryMs: 200,
      firstPressAfterMs: 0,
      cancelEvery: DEMO_SETTINGS.cancelEvery,
      cancelAfterMs: 100,
    });
    stop = () => sim.stop();
    const rows = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ device_id: string; status: string; outcome: string | null }>(
        `SELECT device_id, status, outcome FROM alarms WHERE kind = 'manual' ORDER BY opened_at`,
      );
      return rows.some((r) => r.outcome === 'cancelled_by_resident') && rows.length >= 2 ? rows : undefined;
    });
    // The demo presses pendant-0001, then pendant-0002 (cancelled), then the fall sensor, ...
    assert.deepEqual(rows.slice(0, 2), [
      { device_id: 'pendant-0001', status: 'new', outcome: null },
      { device_id: 'pendant-0002', status: 'closed', outcome: 'cancelled_by_resident' },
    ]);
  });
});
