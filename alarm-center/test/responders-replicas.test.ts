// Accept deadlines across replicas (issue 18): two alarm-center instances on one PostgreSQL. The
// deadline is the dispatch's accept_by column and the sweep that claims it (FOR UPDATE SKIP
// LOCKED) is the only thing that reports it, so exactly one replica tells the operator, and a
// dispatch whose replica died is reported by the other at its deadline, not a sweep later.
// Simulated time shared by both instances; no sleeps.

import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  addResponder,
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  TEST_DATABASE_MODE,
  type TestDatabase,
} from '../src/testing/index.ts';

type Client = Awaited<ReturnType<typeof loginClient>>;
const ACCEPT_MS = 180_000;

describe('accept deadlines with two replicas', { skip: Boolean(TEST_DATABASE_MODE === 'embedded') }, () => {
  let db: TestDatabase;
  let a: Platform;
  let b: Platform;
  let aClosed = false;
  let now = Date.UTC(2026, 11, 2, 1, 0);
  const clock = { now: () => now };
  let operatorA: Client;
  let press = 0;

  const escalations = async (p: Platform) =>
    (await p.metrics.escalations.get()).values.reduce((n, v) => n + v.value, 0);
  const notAccepted = async (alarmId: string) =>
    (
      await b.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM alarm_events WHERE alarm_id = $1 AND type = 'dispatch_not_accepted'`,
        [alarmId],
      )
    ).rows[0]!.n;

  /** A press on the pendant, taken and dispatched to `responderId` through replica A. */
  async function dispatchedAlarm(responderId: string): Promise<string> {
    press++;
    const event = { v: 1, id: `press-000${press}`, ts: now, type: 'alarm.manual' };
    assert.equal(await a.ingest(deviceTopic('pendant-1', 'event'), Buffer.from(JSON.stringify(event))), 'accepted');
    const alarmId = await eventually(async () => {
      const open = (await operatorA.call('GET', '/api/alarms')).body.alarms as { id: string; status: string }[];
      return open.find((x) => x.status === 'new')?.id;
    });
    assert.equal((await operatorA.call('POST', `/api/alarms/${alarmId}/acknowledge`)).status, 200);
    const sent = await operatorA.call('POST', `/api/alarms/${alarmId}/dispatches`, { responderId, notes: '' });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    return alarmId;
  }

  /** Resolves once the replica's accept sweep has looked at the database at the current time. */
  const looked = (p: Platform) => eventually(async () => p.responders.nextDue() > now);

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { DISPATCH_ACCEPT_S: String(ACCEPT_MS / 1000) };
    a = await startTestPlatform({ databaseUrl: db.url, clock, env: { ...env, INSTANCE_ID: 'node-a' } });
    b = await startTestPlatform({ databaseUrl: db.url, clock, env: { ...env, INSTANCE_ID: 'node-b' } });
    await addResident(a, 'res-1', { name: 'Astrid Andersson', district: 'Majorna' });
    await a.provisioning.register({
      deviceId: 'pendant-1',
      deviceType: 'pendant',
      serial: 'P1',
      residentId: 'res-1',
      district: 'Majorna',
      heartbeatIntervalS: 3600,
      rules: {},
    });
    await addResponder(a, 'anna', { name: 'Anna Nattpatrull', districts: ['Majorna'], login: false });
    await addResponder(a, 'bo', { name: 'Bo Nattpatrull', districts: ['Majorna'], login: false });
    const op = await addUser(a, 'olga', 'operator');
    operatorA = await loginClient(a, op.username, op.password);
  });

  afterAll(async () => {
    if (!aClosed) await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('both replicas sweep when the accept time passes: exactly one "not accepted in time" and one escalation', async () => {
    const alarmId = await dispatchedAlarm('anna');
    const before = (await escalations(a)) + (await escalations(b));
    now += ACCEPT_MS - 1000;
    await Promise.all([looked(a), looked(b)]);
    assert.equal(await notAccepted(alarmId), 0, 'not before its time');
    now += 2000;
    // Both replicas' ticks race for it (and so do these two calls).
    await Promise.all([a.scheduler.runDue(), b.scheduler.runDue()]);
    await Promise.all([looked(a), looked(b)]);
    assert.equal(await notAccepted(alarmId), 1, 'told once, by one replica');
    assert.equal((await escalations(a)) + (await escalations(b)) - before, 1, 'escalated once');
    const { rows } = await b.db.pool.query(`SELECT accept_timed_out_at FROM dispatches WHERE alarm_id = $1`, [alarmId]);
    assert.equal(rows[0].accept_timed_out_at, new Date(now).toISOString());
    const closed = await operatorA.call('POST', `/api/alarms/${alarmId}/close`, { outcome: 'no_action_needed' });
    assert.equal(closed.status, 200);
  });

  it('the replica that dispatched dies: the other reports the call-out at its deadline, not a sweep later', async () => {
    const alarmId = await dispatchedAlarm('bo');
    await a.close();
    aClosed = true;
    now += ACCEPT_MS - 1000;
    await looked(b);
    assert.equal(await notAccepted(alarmId), 0);
    now += 2000;
    await eventually(async () => (await notAccepted(alarmId)) === 1, 5000);
    const alarm = await b.db.pool.query(`SELECT escalated_at FROM alarms WHERE id = $1`, [alarmId]);
    assert.equal(alarm.rows[0].escalated_at, new Date(now).toISOString(), 'escalated by replica B, on time');
  });
});
