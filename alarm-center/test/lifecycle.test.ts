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

describe('alarm lifecycle through the API', () => {
  let db: TestDatabase;
  let platform: Platform;
  let pendant: MqttClient;
  let operator: Awaited<ReturnType<typeof loginClient>>;
  let technician: Awaited<ReturnType<typeof loginClient>>;

  const press = async () => {
    await pendant.publishAsync(
      deviceTopic('pendant-7', 'event'),
      JSON.stringify({ ...envelope(), type: 'alarm.manual' }),
      {
        qos: 1,
      },
    );
    const list = await operator.call('GET', '/api/alarms');
    return list.body.alarms.find((a: { deviceId: string }) => a.deviceId === 'pendant-7');
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    await addResident(platform, 'res-7', { name: 'Astrid Test', doorCode: '9753' });
    const secret = await platform.provisioning.register({
      deviceId: 'pendant-7',
      deviceType: 'pendant',
      serial: 'SN7',
      residentId: 'res-7',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    pendant = await connectDevice(platform, 'pendant-7', secret);
    const op = await addUser(platform, 'olga', 'operator');
    const tech = await addUser(platform, 'tore', 'technician');
    operator = await loginClient(platform, op.username, op.password);
    technician = await loginClient(platform, tech.username, tech.password);
  });

  afterAll(async () => {
    await pendant?.endAsync();
    await platform?.close();
    await db?.drop();
  });

  it('an operator acknowledges, notes a call, dispatches and closes an alarm with an outcome; history shows each step', async () => {
    const alarm = await press();
    assert.equal(alarm.status, 'new');
    assert.equal(alarm.resident.name, 'Astrid Test');

    const ack = await operator.call('POST', `/api/alarms/${alarm.id}/acknowledge`);
    assert.equal(ack.status, 200);
    assert.equal(ack.body.alarm.status, 'acknowledged');
    assert.equal(ack.body.alarm.acknowledgedBy, 'olga');

    assert.equal(
      (await operator.call('POST', `/api/alarms/${alarm.id}/notes`, { text: 'Ringde, inget svar' })).status,
      200,
    );
    const dispatched = await operator.call('POST', `/api/alarms/${alarm.id}/dispatch`, { responder: 'Nattpatrull 2' });
    assert.equal(dispatched.body.alarm.status, 'dispatched');
    const closed = await operator.call('POST', `/api/alarms/${alarm.id}/close`, {
      outcome: 'helped',
      note: 'Hjälp i säng',
    });
    assert.equal(closed.body.alarm.status, 'closed');
    assert.equal(closed.body.alarm.outcome, 'helped');

    const detail = await operator.call('GET', `/api/alarms/${alarm.id}`);
    assert.deepEqual(
      detail.body.history.map((h: { type: string }) => h.type),
      ['raised', 'acknowledged', 'note', 'dispatched', 'closed'],
    );
    assert.equal(detail.body.resident.doorCode, '9753');
    const { rows } = await platform.db.pool.query(
      `SELECT actor FROM audit_log WHERE action = 'view_resident_card' AND subject_id = 'res-7'`,
    );
    assert.ok(
      rows.some((r) => r.actor === 'olga'),
      'the resident card view is audit-logged',
    );
  });

  it('acknowledging twice is refused with a clear code', async () => {
    const alarm = await press();
    assert.equal((await operator.call('POST', `/api/alarms/${alarm.id}/acknowledge`)).status, 200);
    const again = await operator.call('POST', `/api/alarms/${alarm.id}/acknowledge`);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'ALARM_ALREADY_ACKNOWLEDGED');
    await operator.call('POST', `/api/alarms/${alarm.id}/close`, { outcome: 'false_alarm' });
  });

  it('closing an unacknowledged alarm is refused', async () => {
    const alarm = await press();
    const res = await operator.call('POST', `/api/alarms/${alarm.id}/close`, { outcome: 'helped' });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'ALARM_NOT_ACKNOWLEDGED');
  });

  it('a technician may not acknowledge operator alarms nor read their resident card', async () => {
    const list = await operator.call('GET', '/api/alarms');
    const alarm = list.body.alarms.find((a: { deviceId: string }) => a.deviceId === 'pendant-7');
    assert.equal((await technician.call('POST', `/api/alarms/${alarm.id}/acknowledge`)).body.code, 'FORBIDDEN_ROLE');
    assert.equal((await technician.call('GET', `/api/alarms/${alarm.id}`)).status, 403);
    const techList = await technician.call('GET', '/api/alarms');
    assert.equal(techList.body.alarms.filter((a: { audience: string }) => a.audience === 'operator').length, 0);
  });

  it('requests without a session are refused; bad bodies get field-level errors', async () => {
    const res = await fetch(`http://127.0.0.1:${platform.httpPort}/api/alarms`);
    assert.equal(res.status, 401);
    const list = await operator.call('GET', '/api/alarms');
    const id = list.body.alarms[0].id;
    const bad = await operator.call('POST', `/api/alarms/${id}/close`, { outcome: 'vanished' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION');
    assert.match(bad.body.message, /outcome/);
  });

  it('serves an OpenAPI document describing the alarm routes', async () => {
    const res = await fetch(`http://127.0.0.1:${platform.httpPort}/api/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/api/alarms/{id}/acknowledge']);
  });
});
