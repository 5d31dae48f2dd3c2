// The night shift's read side through the API on real PostgreSQL and simulated time: answer
// times against the targets, the closed-alarm search with paging, and the shift handover.

import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  addUser,
  connectDevice,
  createTestDatabase,
  envelope,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

const S = 1000;
const MIN = 60 * S;

describe('night shift figures, search and handover', () => {
  let db: TestDatabase;
  let platform: Platform;
  let now = Date.UTC(2026, 11, 1, 22, 0);
  const clock = { now: () => now };
  let pendant: MqttClient;
  let olga: Awaited<ReturnType<typeof loginClient>>;
  let per: Awaited<ReturnType<typeof loginClient>>;
  let supervisor: Awaited<ReturnType<typeof loginClient>>;

  /** A press answered after `answerS` by `who`, then closed with `outcome`. */
  const handled = async (who: typeof olga, answerS: number, outcome: string) => {
    await pendant.publishAsync(
      deviceTopic('pendant-n1', 'event'),
      JSON.stringify({ ...envelope(now), type: 'alarm.manual' }),
      {
        qos: 1,
      },
    );
    const open = (await who.call('GET', '/api/alarms')).body.alarms.find(
      (a: { deviceId: string }) => a.deviceId === 'pendant-n1',
    );
    now += answerS * S;
    assert.equal((await who.call('POST', `/api/alarms/${open.id}/acknowledge`)).status, 200);
    assert.equal((await who.call('POST', `/api/alarms/${open.id}/close`, { outcome })).status, 200);
    now += 31 * MIN; // past the follow window: each press is a case of its own
    return open.id as string;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, clock, env: { ANSWER_TARGETS: '60:0.975,180:0.99' } });
    await addResident(platform, 'res-n1', { name: 'Nanna Natt' });
    const secret = await platform.provisioning.register({
      deviceId: 'pendant-n1',
      deviceType: 'pendant',
      serial: 'SNN1',
      residentId: 'res-n1',
      district: 'Centrum',
      heartbeatIntervalS: 3600 * 24,
      rules: {},
    });
    pendant = await connectDevice(platform, 'pendant-n1', secret);
    olga = await loginClient(
      platform,
      ...(Object.values(await addUser(platform, 'olga', 'operator')) as [string, string]),
    );
    per = await loginClient(
      platform,
      ...(Object.values(await addUser(platform, 'per', 'operator')) as [string, string]),
    );
    supervisor = await loginClient(
      platform,
      ...(Object.values(await addUser(platform, 'siv', 'supervisor')) as [string, string]),
    );
  });

  afterAll(async () => {
    await pendant?.endAsync();
    await platform?.close();
    await db?.drop();
  });

  it('answer times per hour and per operator are measured against the 60 s and 180 s targets', async () => {
    await handled(olga, 20, 'helped'); // 22:00
    await handled(olga, 90, 'false_alarm'); // 22:31
    await handled(per, 200, 'helped'); // 23:04
    const targets = await olga.call('GET', '/api/answer-targets');
    assert.deepEqual(targets.body.targets, [
      { withinS: 60, share: 0.975 },
      { withinS: 180, share: 0.99 },
    ]);
    const { status, body } = await supervisor.call('GET', '/api/overview/answer-times?hours=3');
    assert.equal(status, 200);
    assert.deepEqual(body.overall.withinTarget, [1 / 3, 2 / 3]);
    assert.equal(body.overall.answered, 3);
    const hours = Object.fromEntries(body.byHour.map((h: { hour: string }) => [h.hour.slice(11, 16), h]));
    assert.deepEqual([hours['22:00'].alarms, hours['22:00'].withinTarget], [2, [0.5, 1]]);
    assert.deepEqual([hours['23:00'].alarms, hours['23:00'].withinTarget], [1, [0, 0]]);
    const byOperator = Object.fromEntries(body.byOperator.map((o: { operator: string }) => [o.operator, o]));
    assert.deepEqual([byOperator.olga.answered, byOperator.olga.p50S], [2, 20]);
    assert.deepEqual([byOperator.per.answered, byOperator.per.p50S], [1, 200]);
    assert.equal((await olga.call('GET', '/api/overview/answer-times')).status, 403, 'figures are for supervisors');
  });

  it('closed alarms can be searched by resident, kind and outcome, and paged on the server', async () => {
    const all = await olga.call('GET', '/api/alarms/closed?resident=nanna&pageSize=2');
    assert.equal(all.status, 200);
    assert.equal(all.body.total, 3);
    assert.equal(all.body.alarms.length, 2, 'one page');
    assert.ok(all.body.alarms.every((a: { closedAt: string | null }) => a.closedAt));
    const page2 = await olga.call('GET', '/api/alarms/closed?resident=nanna&pageSize=2&page=2');
    assert.deepEqual([page2.body.total, page2.body.alarms.length], [3, 1]);
    const falseAlarms = await olga.call('GET', '/api/alarms/closed?outcome=false_alarm');
    assert.equal(falseAlarms.body.total, 1);
    assert.equal((await olga.call('GET', '/api/alarms/closed?resident=100%25')).body.total, 0, '% is a character');
    assert.equal((await olga.call('GET', '/api/alarms/closed?kind=fall')).body.total, 0);
    const period = await olga.call(
      'GET',
      `/api/alarms/closed?from=${encodeURIComponent('2026-12-01T23:00:00Z')}&to=${encodeURIComponent('2026-12-02T00:00:00Z')}`,
    );
    assert.equal(period.body.total, 1);
    const bad = await olga.call('GET', '/api/alarms/closed?outcome=lost');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION');
  });

  it('the handover lists open alarms with who took them, call-outs and who is on duty', async () => {
    await pendant.publishAsync(
      deviceTopic('pendant-n1', 'event'),
      JSON.stringify({ ...envelope(now), type: 'alarm.manual' }),
      {
        qos: 1,
      },
    );
    const open = (await olga.call('GET', '/api/alarms')).body.alarms[0];
    await olga.call('POST', `/api/alarms/${open.id}/acknowledge`);
    await olga.call('POST', `/api/alarms/${open.id}/dispatch`, { responder: 'Nattpatrull 2' });
    const { status, body } = await per.call('GET', '/api/handover');
    assert.equal(status, 200);
    assert.deepEqual(
      body.open.map((a: { id: string; acknowledgedBy: string }) => [a.id, a.acknowledgedBy]),
      [[open.id, 'olga']],
    );
    assert.deepEqual(
      body.callOuts.map((c: { alarm: { id: string }; responder: string }) => [c.alarm.id, c.responder]),
      [[open.id, 'Nattpatrull 2']],
    );
    assert.deepEqual(
      body.onDuty.map((p: { username: string }) => p.username),
      ['olga', 'per', 'siv'],
    );
    assert.equal(body.openIncidents, 0);
    assert.deepEqual(body.keysOut, []);
  });

  it('a key signed out shows on the handover with who has it and since when, and leaves it when signed back in', async () => {
    const added = await olga.call('POST', '/api/residents/res-n1/keys', {
      id: 'key-n1',
      kind: 'key_safe',
      label: 'Nyckelskåp vid entrén',
    });
    assert.equal(added.status, 200);
    assert.equal((await olga.call('POST', '/api/keys/key-n1/sign-out', {})).status, 200);
    const signedOutAt = new Date(now).toISOString();
    now += 5 * MIN;

    const out = await per.call('GET', '/api/handover');
    assert.equal(out.status, 200);
    assert.deepEqual(
      out.body.keysOut.map(
        (k: { id: string; residentId: string; label: string; holder: string; signedOutAt: string }) => [
          k.id,
          k.residentId,
          k.label,
          k.holder,
          k.signedOutAt,
        ],
      ),
      [['key-n1', 'res-n1', 'Nyckelskåp vid entrén', 'olga', signedOutAt]],
    );

    assert.equal((await olga.call('POST', '/api/keys/key-n1/sign-in', {})).status, 200);
    assert.deepEqual((await per.call('GET', '/api/handover')).body.keysOut, []);
  });
});
