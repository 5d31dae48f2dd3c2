import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  connectDevice,
  createTestDatabase,
  envelope,
  eventually,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

async function openAlarms(platform: Platform, deviceId: string) {
  const { rows } = await platform.db.pool.query<{ id: string; kind: string; repeat_count: number; status: string }>(
    `SELECT id, kind, repeat_count, status FROM alarms WHERE device_id = $1 AND status <> 'closed'`,
    [deviceId],
  );
  return rows;
}

const rejected = async (platform: Platform, reason: string) => {
  const metric = await platform.metrics.rejected.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
};

describe('device events become alarms (real PostgreSQL, real broker)', () => {
  let db: TestDatabase;
  let platform: Platform;
  let pendant: MqttClient;
  let secret: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    await addResident(platform, 'res-1');
    secret = await platform.provisioning.register({
      deviceId: 'pendant-1',
      deviceType: 'pendant',
      serial: 'SN1',
      residentId: 'res-1',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    pendant = await connectDevice(platform, 'pendant-1', secret);
  });

  afterAll(async () => {
    await pendant?.endAsync();
    await platform?.close();
    await db?.drop();
  });

  it('a pendant press is stored as one new manual alarm before the device gets its PUBACK', async () => {
    await pendant.publishAsync(
      deviceTopic('pendant-1', 'event'),
      JSON.stringify({ ...envelope(), type: 'alarm.manual' }),
      {
        qos: 1,
      },
    );
    // publishAsync resolved on PUBACK: the alarm must already be committed, without waiting.
    const rows = await openAlarms(platform, 'pendant-1');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.kind, 'manual');
    assert.equal(rows[0]!.status, 'new');
  });

  it('a retransmission with the same message id is not applied twice', async () => {
    const before = (await openAlarms(platform, 'pendant-1'))[0]!;
    const message = JSON.stringify({ ...envelope(), type: 'alarm.manual' });
    await pendant.publishAsync(deviceTopic('pendant-1', 'event'), message, { qos: 1 });
    await pendant.publishAsync(deviceTopic('pendant-1', 'event'), message, { qos: 1 });
    const rows = await openAlarms(platform, 'pendant-1');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.repeat_count, before.repeat_count + 1, 'one repeat counted, not two');
  });

  it('a malformed payload is refused with a counted reason and the service keeps serving', async () => {
    const malformedBefore = await rejected(platform, 'MALFORMED_JSON');
    const schemaBefore = await rejected(platform, 'SCHEMA_VIOLATION');
    await pendant.publishAsync(deviceTopic('pendant-1', 'event'), '{not json', { qos: 1 });
    await pendant.publishAsync(
      deviceTopic('pendant-1', 'event'),
      JSON.stringify({ ...envelope(), type: 'alarm.nuclear' }),
      {
        qos: 1,
      },
    );
    assert.equal(await rejected(platform, 'MALFORMED_JSON'), malformedBefore + 1);
    assert.equal(await rejected(platform, 'SCHEMA_VIOLATION'), schemaBefore + 1);
    const res = await fetch(`http://127.0.0.1:${platform.httpPort}/health`);
    assert.equal(res.status, 200);
  });

  it('an event type that a pendant does not send is refused, not guessed at', async () => {
    const beforeCount = await rejected(platform, 'EVENT_NOT_FOR_DEVICE_TYPE');
    await pendant.publishAsync(
      deviceTopic('pendant-1', 'event'),
      JSON.stringify({ ...envelope(), type: 'door.open', direction: 'exit' }),
      { qos: 1 },
    );
    assert.equal(await rejected(platform, 'EVENT_NOT_FOR_DEVICE_TYPE'), beforeCount + 1);
    assert.equal((await openAlarms(platform, 'pendant-1')).filter((a) => a.kind === 'door_exit').length, 0);
  });

  it('a fall from a device registered as a pendant is not routed as a fall, but reaches an operator once', async () => {
    const fall = { ...envelope(), type: 'fall.detected' };
    const before = (await openAlarms(platform, 'pendant-1')).map((a) => a.id);
    await pendant.publishAsync(deviceTopic('pendant-1', 'event'), JSON.stringify(fall), { qos: 1 });
    await pendant.publishAsync(deviceTopic('pendant-1', 'event'), JSON.stringify(fall), { qos: 1 }); // resent
    const { rows } = await platform.db.pool.query<{ kind: string; audience: string; details: { fault?: string } }>(
      `SELECT kind, audience, details FROM alarms WHERE device_id = 'pendant-1' AND details->>'fault' LIKE 'event_not_for_device_type%'`,
    );
    assert.equal(rows.length, 1, 'one alarm, the resend adds none');
    assert.equal(rows[0]!.audience, 'operator', 'someone may be on the floor: an operator calls');
    assert.match(rows[0]!.details.fault!, /fall\.detected from a pendant/);
    const after = await openAlarms(platform, 'pendant-1');
    assert.equal(after.filter((a) => a.kind === 'fall').length, 0, 'never routed as a fall');
    assert.ok(after.length >= before.length);
  });

  it('a device with a wrong password is refused by the broker', async () => {
    await assert.rejects(connectDevice(platform, 'pendant-1', 'not-the-secret'));
  });

  it('a device publishing under another device id is disconnected and nothing is raised for the other device', async () => {
    const intruder = await connectDevice(platform, 'pendant-1', secret);
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish(deviceTopic('pendant-2', 'event'), JSON.stringify({ ...envelope(), type: 'alarm.manual' }), {
      qos: 1,
    });
    await closed;
    intruder.end(true);
    const { rows } = await platform.db.pool.query(`SELECT 1 FROM alarms WHERE device_id = 'pendant-2'`);
    assert.equal(rows.length, 0);
    pendant = await connectDevice(platform, 'pendant-1', secret); // the intruder took over its session
  });

  it('a heartbeat updates the device health that technicians see', async () => {
    await pendant.publishAsync(
      deviceTopic('pendant-1', 'heartbeat'),
      JSON.stringify({ ...envelope(), intervalS: 60, firmware: '1.4.2', battery: 81, signalDbm: -61 }),
      { qos: 0 },
    );
    const row = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ battery: number | null }>(
        'SELECT battery FROM devices WHERE id = $1',
        ['pendant-1'],
      );
      return rows[0]?.battery === 81 ? rows[0] : undefined;
    }, 15_000);
    assert.equal(row.battery, 81);
  });
});
