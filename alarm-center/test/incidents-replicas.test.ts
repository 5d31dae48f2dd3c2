// A mass outage seen by two replicas (issue 18): each raises the lost-connection alarms of the
// units it noticed, and units come back through either. The incident's membership and returns
// live in the database, so it holds every unit whichever replica raised it, and it closes only
// when all of them are back, whichever replica heard them. Real PostgreSQL, the alarms' one road
// (AlarmService), simulated time.

import assert from 'node:assert/strict';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Decision } from '../src/core/index.ts';
import type { Platform } from '../src/platform.ts';
import {
  addUser,
  createTestDatabase,
  loginClient,
  startTestPlatform,
  TEST_DATABASE_MODE,
  type TestDatabase,
} from '../src/testing/index.ts';

const MIN = 60_000;
const units = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `norr-${from + i}`);

describe('an outage incident shared by two replicas', { skip: Boolean(TEST_DATABASE_MODE === 'embedded') }, () => {
  let db: TestDatabase;
  let a: Platform;
  let b: Platform;
  let now = Date.UTC(2026, 11, 2, 2, 0);
  const clock = { now: () => now };
  let operator: Awaited<ReturnType<typeof loginClient>>;

  /** The replica noticed these units silent (as its routing core would decide). */
  const lost = async (p: Platform, deviceIds: string[]) => {
    const decisions: Decision[] = deviceIds.map((deviceId) => ({
      type: 'alarm',
      deviceId,
      residentId: null,
      district: 'Norr',
      kind: 'connection_lost',
      priority: 4,
      audience: 'technician',
      at: now,
      sourceMessageId: null,
      details: {},
    }));
    await p.service.applyTimed(decisions);
    await p.incidents.settled();
  };
  /** The replica heard these units again. */
  const back = async (p: Platform, deviceIds: string[]) => {
    await p.service.applyTimed(
      deviceIds.map((deviceId) => ({
        type: 'resolve',
        deviceId,
        kind: 'connection_lost',
        outcome: 'connection_restored',
        at: now,
      })),
    );
    await p.incidents.settled();
  };
  const incidents = async (status: 'open' | 'closed') =>
    (await operator.call('GET', `/api/incidents?status=${status}`)).body.incidents as {
      id: string;
      units: number;
      stillOut: number;
      returned: number;
      notReturned: number;
    }[];

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestPlatform({ databaseUrl: db.url, clock, env: { INSTANCE_ID: 'node-a' } });
    await a.close();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    // A day's heartbeat interval: the routing cores' own supervision stays out of the way of the
    // losses and returns this test decides.
    await pool.query(
      `INSERT INTO devices (id, device_type, serial, district, status, heartbeat_interval_s, last_seen_at)
       SELECT 'norr-' || i, 'pendant', 'SN' || i, 'Norr', 'installed', 86400, $1::timestamptz FROM generate_series(1, 40) i
       UNION ALL SELECT 'soder-' || i, 'pendant', 'SS' || i, 'Söder', 'installed', 86400, $1::timestamptz FROM generate_series(1, 30) i`,
      [new Date(now)],
    );
    await pool.end();
    a = await startTestPlatform({ databaseUrl: db.url, clock, env: { INSTANCE_ID: 'node-a' } });
    b = await startTestPlatform({ databaseUrl: db.url, clock, env: { INSTANCE_ID: 'node-b' } });
    const op = await addUser(a, 'olga', 'operator');
    operator = await loginClient(a, op.username, op.password);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('A raises 25 of Norr’s 40 units, B the other 15 (too few alone): one incident with all 40', async () => {
    await lost(a, units(1, 25));
    now += 10_000;
    await lost(b, units(26, 40));
    await b.incidents.tick(); // B's tick takes in the incident A opened
    const open = await incidents('open');
    assert.deepEqual(
      open.map((i) => [i.units, i.stillOut]),
      [[40, 40]],
    );
    const alarms = (await operator.call('GET', '/api/alarms')).body.alarms as { incidentId: string | null }[];
    assert.equal(alarms.filter((x) => x.incidentId === open[0]!.id).length, 40, 'B’s 15 alarms are grouped too');
  });

  it('A hears back every unit it raised and 5 of B’s: the incident stays open with B’s other 10 still out', async () => {
    now += 10 * MIN;
    await back(a, [...units(1, 25), ...units(26, 30)]);
    assert.deepEqual(
      (await incidents('open')).map((i) => [i.units, i.stillOut]),
      [[40, 10]],
    );
    assert.deepEqual(await incidents('closed'), []);
  });

  it('B hears back the last ten: the incident closes with all 40 returned, on either replica’s list', async () => {
    now += MIN;
    await back(b, units(31, 40));
    await a.incidents.tick();
    const closed = await incidents('closed');
    assert.deepEqual(
      closed.map((i) => [i.returned, i.notReturned]),
      [[40, 0]],
    );
    assert.deepEqual(await incidents('open'), []);
    // A, which opened it, forgot it: a new outage opens a new incident rather than joining the closed one.
    now += MIN;
    await lost(a, units(1, 25));
    const open = await incidents('open');
    assert.equal(open.length, 1);
    assert.notEqual(open[0]!.id, closed[0]!.id);
    assert.equal(open[0]!.units, 25);
  });
});
