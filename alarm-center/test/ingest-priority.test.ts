// Priority under load: when a power returns and thousands of units reconnect with restorals and
// heartbeats, a button press must not queue behind them. The store is blocked (a lock held on the
// event log, as a slow disk would), a storm of restorals is handed to ingest, then a press; once the
// store moves again, the press is committed before the restorals queued ahead of it. Ordering, not
// timing: the test counts what was acknowledged before the press.

import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  createTestDatabase,
  envelope,
  eventually,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

const STORM_DEVICES = 30;
const RESTORALS_EACH = 20; // within the per-device rate limit's burst

const event = (type: string) => Buffer.from(JSON.stringify({ ...envelope(), type }));

describe('a press in a reconnect storm is committed before the queued telemetry (real PostgreSQL)', () => {
  let db: TestDatabase | null = null;
  let platform: Platform;
  // The test's own connections: the platform's pool may be all taken by transactions stuck on the lock.
  let own: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    own = new pg.Pool({ connectionString: platform.db.url, max: 3 });
    own.on('error', () => {}); // a client still closing when the database is dropped
    await addResident(platform, 'res-storm');
    const ids = [...Array.from({ length: STORM_DEVICES }, (_, i) => `storm-${i}`), 'presser', 'canceller'];
    for (const deviceId of ids) {
      await platform.provisioning.register({
        deviceId,
        deviceType: 'pendant',
        serial: `SN-${deviceId}`,
        residentId: 'res-storm',
        district: 'Centrum',
        heartbeatIntervalS: 60,
        rules: {},
      });
    }
  });

  afterAll(async () => {
    await own?.end();
    await platform?.close();
    await db?.drop();
  });

  /** Holds the event log so no device message can be stored until `release` is called. */
  async function blockTheStore(): Promise<{ release(): Promise<void> }> {
    const client = await own.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE device_messages IN EXCLUSIVE MODE');
    return {
      async release() {
        await client.query('COMMIT');
        client.release();
      },
    };
  }

  /** Backends of this database waiting for the lock: the ingest's transactions stuck on the store. */
  const waitingOnTheStore = async () => {
    const { rows } = await own.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0]!.n;
  };

  const openAlarm = async (deviceId: string) => {
    const { rows } = await platform.db.pool.query<{ status: string }>(
      `SELECT status FROM alarms WHERE device_id = $1 AND kind = 'manual'`,
      [deviceId],
    );
    return rows;
  };

  it('a press handed over behind 600 queued restorals, with the store blocked, is stored before them', async () => {
    const block = await blockTheStore();
    const acknowledged: string[] = [];
    const handed: Promise<unknown>[] = [];
    for (let r = 0; r < RESTORALS_EACH; r++) {
      for (let d = 0; d < STORM_DEVICES; d++) {
        handed.push(
          platform
            .ingest(deviceTopic(`storm-${d}`, 'event'), event('alarm.cancel'))
            .then(() => acknowledged.push('restoral')),
        );
      }
    }
    handed.push(
      platform.ingest(deviceTopic('presser', 'event'), event('alarm.manual')).then(() => acknowledged.push('press')),
    );
    await eventually(async () => (await waitingOnTheStore()) > 0);
    assert.equal(acknowledged.length, 0, 'nothing is acknowledged while the store is blocked');
    await block.release();
    await Promise.all(handed);

    const restoralsBeforePress = acknowledged.indexOf('press');
    assert.ok(restoralsBeforePress >= 0, 'the press was acknowledged');
    assert.ok(
      restoralsBeforePress < (STORM_DEVICES * RESTORALS_EACH) / 2,
      `${restoralsBeforePress} of ${STORM_DEVICES * RESTORALS_EACH} restorals queued ahead were stored before the press`,
    );
    assert.deepEqual(await openAlarm('presser'), [{ status: 'new' }], 'the press is one new alarm');
  });

  it("a unit's restoral sent before its new press is not applied to that press when the press jumps the queue", async () => {
    const block = await blockTheStore();
    const handed: Promise<unknown>[] = [];
    for (let d = 0; d < STORM_DEVICES; d++) {
      handed.push(platform.ingest(deviceTopic(`storm-${d}`, 'event'), event('alarm.cancel')));
    }
    // the cancel has nothing to cancel yet; applied after the press, it would close a real alarm
    handed.push(platform.ingest(deviceTopic('canceller', 'event'), event('alarm.cancel')));
    handed.push(platform.ingest(deviceTopic('canceller', 'event'), event('alarm.manual')));
    await eventually(async () => (await waitingOnTheStore()) > 0);
    await block.release();
    await Promise.all(handed);
    assert.deepEqual(await openAlarm('canceller'), [{ status: 'new' }], 'the press stays an open alarm');
  });
});
