// Repeated presses through the real path (MQTT publish -> ingest -> routing core -> AlarmService
// -> PostgreSQL -> API), on simulated time: a resident who keeps pressing is seen and escalated,
// and a press soon after a close follows that case instead of starting a context-free one.

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

const MIN = 60_000;

describe('repeated presses', () => {
  let db: TestDatabase;
  let platform: Platform;
  let now = Date.UTC(2026, 11, 1, 23, 0);
  const clock = { now: () => now };
  const pendants = new Map<string, MqttClient>();
  let operator: Awaited<ReturnType<typeof loginClient>>;

  const press = async (deviceId: string) => {
    await pendants
      .get(deviceId)!
      .publishAsync(deviceTopic(deviceId, 'event'), JSON.stringify({ ...envelope(now), type: 'alarm.manual' }), {
        qos: 1,
      });
    const list = await operator.call('GET', '/api/alarms');
    return list.body.alarms.find((a: { deviceId: string }) => a.deviceId === deviceId);
  };
  const history = async (alarmId: string) =>
    (await operator.call('GET', `/api/alarms/${alarmId}`)).body.history as { type: string; note: string | null }[];
  const metric = async (name: string) => {
    const text = await (await fetch(platform.metricsUrl)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    // The unacknowledged-alarm ladder is set far out, so any escalation seen here is the repeats'.
    platform = await startTestPlatform({ databaseUrl: db.url, clock, env: { ESCALATE_AFTER_S: '3600' } });
    for (const n of [1, 2, 3, 4, 5]) {
      await addResident(platform, `res-r${n}`);
      const secret = await platform.provisioning.register({
        deviceId: `pendant-r${n}`,
        deviceType: 'pendant',
        serial: `SNR${n}`,
        residentId: `res-r${n}`,
        district: 'Centrum',
        heartbeatIntervalS: 3600,
        rules: {},
      });
      pendants.set(`pendant-r${n}`, await connectDevice(platform, `pendant-r${n}`, secret));
    }
    const op = await addUser(platform, 'olga', 'operator');
    operator = await loginClient(platform, op.username, op.password);
  });

  afterAll(async () => {
    for (const p of pendants.values()) await p.endAsync();
    await platform?.close();
    await db?.drop();
  });

  it('a second press is counted on the open alarm at once; the third escalates it to supervisors', async () => {
    const first = await press('pendant-r1');
    now += MIN;
    const second = await press('pendant-r1');
    assert.equal(second.id, first.id, 'still one case');
    assert.equal(second.repeatCount, 1);
    assert.equal(second.escalated, false, 'two presses a minute apart are not yet escalated');
    const escalationsBefore = await metric('alarm_repeat_escalations_total{reason="presses"}');
    now += MIN;
    const third = await press('pendant-r1');
    assert.equal(third.repeatCount, 2);
    assert.equal(third.escalated, true);
    const escalated = (await history(first.id)).find((h) => h.type === 'escalated');
    assert.equal(escalated?.note, 'repeated_presses');
    assert.equal(await metric('alarm_repeat_escalations_total{reason="presses"}'), escalationsBefore + 1);
  });

  it('a resident still pressing ten minutes after the first press is escalated, even once acknowledged', async () => {
    const first = await press('pendant-r2');
    assert.equal((await operator.call('POST', `/api/alarms/${first.id}/acknowledge`)).status, 200);
    now += 10 * MIN;
    const again = await press('pendant-r2');
    assert.equal(again.status, 'acknowledged');
    assert.equal(again.escalated, true);
    assert.equal((await history(first.id)).find((h) => h.type === 'escalated')?.note, 'repeated_duration');
  });

  it('a press 12 minutes after the case was closed follows that case; both histories show the link', async () => {
    const first = await press('pendant-r3');
    await operator.call('POST', `/api/alarms/${first.id}/acknowledge`);
    await operator.call('POST', `/api/alarms/${first.id}/close`, { outcome: 'no_action_needed' });
    now += 12 * MIN;
    const next = await press('pendant-r3');
    assert.notEqual(next.id, first.id, 'a new alarm, so the queue and the answer time start again');
    assert.equal(next.followsAlarmId, first.id);
    assert.deepEqual(
      (await history(next.id)).filter((h) => h.type === 'follows').map((h) => h.note),
      [first.id],
    );
    assert.deepEqual(
      (await history(first.id)).filter((h) => h.type === 'followed_by').map((h) => h.note),
      [next.id],
    );
  });

  it('a press 31 minutes after a close starts a fresh case', async () => {
    const first = await press('pendant-r4');
    await operator.call('POST', `/api/alarms/${first.id}/acknowledge`);
    await operator.call('POST', `/api/alarms/${first.id}/close`, { outcome: 'helped' });
    now += 31 * MIN;
    const next = await press('pendant-r4');
    assert.notEqual(next.id, first.id);
    assert.equal(next.followsAlarmId, null);
  });

  it('another unit closing its case does not link this one', async () => {
    const other = await press('pendant-r5');
    assert.equal(other.followsAlarmId, null);
  });
});
