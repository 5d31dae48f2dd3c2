// A group commit's messages share one client: their statements must go to PostgreSQL one after
// another. pg 8 warns ("client.query() when the client is already executing a query is
// deprecated") when a second query is handed to a busy client, and pg 9 refuses it, which would
// turn every batch of a burst into an unacknowledged one.

import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  createTestDatabase,
  envelope,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

const DEVICES = 24;
const deviceId = (n: number) => `burst-pendant-${n}`;

describe('a burst of presses from many units in shared batches (real PostgreSQL)', () => {
  let db: TestDatabase;
  let platform: Platform;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    for (let n = 0; n < DEVICES; n++) {
      await addResident(platform, `burst-res-${n}`);
      await platform.provisioning.register({
        deviceId: deviceId(n),
        deviceType: 'pendant',
        serial: `BURST${n}`,
        residentId: `burst-res-${n}`,
        district: 'Centrum',
        heartbeatIntervalS: 60,
        rules: {},
      });
    }
    process.on('warning', onWarning);
  });

  afterAll(async () => {
    process.off('warning', onWarning);
    await platform?.close();
    await db?.drop();
  });

  const press = (n: number) =>
    platform.ingest(
      deviceTopic(deviceId(n), 'event'),
      Buffer.from(JSON.stringify({ ...envelope(), type: 'alarm.manual' })),
    );

  it('every press stored, the ones after a closed case linked to it, and pg never warns of a query on a busy client', async () => {
    // half the units had a case closed a moment ago: their new press follows it (one more lookup each)
    const first = await Promise.all(Array.from({ length: DEVICES }, (_, n) => press(n)));
    assert.deepEqual(new Set(first), new Set(['accepted']));
    await platform.db.pool.query(
      `UPDATE alarms SET status = 'closed', closed_at = now(), outcome = 'false_alarm'
       WHERE device_id = ANY($1::text[])`,
      [Array.from({ length: DEVICES / 2 }, (_, n) => deviceId(n))],
    );
    await platform.db.pool.query(`UPDATE alarms SET repeat_count = 5 WHERE status <> 'closed'`);

    // one turn of the event loop: the group commit takes them into shared batches
    const outcomes = await Promise.all(Array.from({ length: DEVICES }, (_, n) => press(n)));
    assert.deepEqual(new Set(outcomes), new Set(['accepted']));

    const { rows } = await platform.db.pool.query<{ device_id: string; open: number; follows: number }>(
      `SELECT device_id, count(*) FILTER (WHERE status <> 'closed')::int AS open,
              count(follows_alarm_id)::int AS follows
       FROM alarms WHERE device_id LIKE 'burst-pendant-%' GROUP BY device_id ORDER BY device_id`,
    );
    assert.equal(rows.length, DEVICES);
    for (const row of rows) {
      const n = Number(row.device_id.split('-').pop());
      assert.equal(row.open, 1, `${row.device_id} has one open alarm`);
      assert.equal(row.follows, n < DEVICES / 2 ? 1 : 0, `${row.device_id} follows its closed case`);
    }
    const busyClient = warnings.filter((w) => /already executing a query/.test(w.message));
    assert.deepEqual(
      busyClient.map((w) => w.message),
      [],
      'pg warned that a query was handed to a client still executing another',
    );
  });
});
