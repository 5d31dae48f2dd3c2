// The technician's commands through the API: ping, a new heartbeat interval and a snapshot
// request go to the device over its command channel (the one road for commands), are
// audit-logged, and the reply says whether the device answered or refused; the device's own
// technical alarms can be listed.

import assert from 'node:assert/strict';
import { SimDevice } from '@trygg/device-sim';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

type Client = Awaited<ReturnType<typeof loginClient>>;

describe('device commands from the technician', () => {
  let db: TestDatabase;
  let platform: Platform;
  let pendant: SimDevice;
  let technician: Client;
  let operator: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    const secret = await platform.provisioning.register({
      deviceId: 'pendant-1',
      deviceType: 'pendant',
      serial: 'P1',
      residentId: null,
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    pendant = new SimDevice(
      { deviceId: 'pendant-1', deviceType: 'pendant', secret },
      { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}` },
    );
    await pendant.connect();
    const [t, o] = await Promise.all([addUser(platform, 'tore', 'technician'), addUser(platform, 'olga', 'operator')]);
    [technician, operator] = await Promise.all([
      loginClient(platform, t.username, t.password),
      loginClient(platform, o.username, o.password),
    ]);
  });

  afterAll(async () => {
    await pendant?.stop();
    await platform?.close();
    await db?.drop();
  });

  const command = (body: unknown, deviceId = 'pendant-1', client = technician) =>
    client.call('POST', `/api/devices/${deviceId}/commands`, body);

  it('a ping is answered by the device and the answer is timed', async () => {
    const reply = await command({ type: 'ping' });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual([reply.body.type, reply.body.result, reply.body.error], ['ping', 'answered', null]);
    assert.ok(Date.parse(reply.body.answeredAt) >= Date.parse(reply.body.sentAt));
    assert.equal(pendant.stats.commands, 1);
  });

  it('a new heartbeat interval reaches the device, which then beats at it', async () => {
    const reply = await command({ type: 'set_heartbeat_interval', intervalS: 300 });
    assert.equal(reply.body.result, 'answered');
    assert.equal(pendant.heartbeatIntervalS, 300);
  });

  it('a snapshot request to a device without a camera is refused by the device, in words', async () => {
    const reply = await command({ type: 'request_snapshot' });
    assert.deepEqual([reply.body.result, reply.body.error], ['refused', 'not a camera']);
  });

  it('every command is audit-logged with who sent what to which device', async () => {
    const { rows } = await platform.db.pool.query(
      `SELECT actor, subject_id, reason FROM audit_log WHERE action = 'device_command' ORDER BY id`,
    );
    assert.deepEqual(rows, [
      { actor: 'tore', subject_id: 'pendant-1', reason: 'ping' },
      { actor: 'tore', subject_id: 'pendant-1', reason: 'set_heartbeat_interval 300 s' },
      { actor: 'tore', subject_id: 'pendant-1', reason: 'request_snapshot' },
    ]);
  });

  it('an unknown command, an interval out of range, an unknown device and an operator are refused with codes', async () => {
    const unknown = await command({ type: 'reboot' });
    assert.deepEqual([unknown.status, unknown.body.code], [400, 'VALIDATION']);
    const tooShort = await command({ type: 'set_heartbeat_interval', intervalS: 1 });
    assert.deepEqual([tooShort.status, tooShort.body.code], [400, 'VALIDATION']);
    const missing = await command({ type: 'ping' }, 'no-such-device');
    assert.deepEqual([missing.status, missing.body.code], [404, 'DEVICE_NOT_FOUND']);
    const byOperator = await command({ type: 'ping' }, 'pendant-1', operator);
    assert.equal(byOperator.status, 403);
    assert.equal(pendant.stats.commands, 3, 'none of them reached the device');
  });

  it('the device’s technical alarms are listed by device', async () => {
    await pendant.send({ type: 'battery.low', level: 9 });
    const alarms = await eventually(async () => {
      const r = await technician.call('GET', '/api/alarms?status=all&deviceId=pendant-1');
      return r.body.alarms.length > 0 ? r.body.alarms : undefined;
    });
    assert.deepEqual(
      alarms.map((a: { kind: string; deviceId: string }) => [a.kind, a.deviceId]),
      [['battery_low', 'pendant-1']],
    );
    const other = await technician.call('GET', '/api/alarms?status=all&deviceId=pendant-2');
    assert.deepEqual(other.body.alarms, []);
  });
});
