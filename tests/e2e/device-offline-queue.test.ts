// A simulated pendant keeps the alarms its resident raises while the platform (broker and alarm
// center, one process in the embedded layout) is down, and delivers them when it comes back:
// each arrives exactly once at the alarm center, in PostgreSQL, with its original device time.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
  createTestDatabase,
  eventually,
  freePort,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { SimDevice } from '@trygg/device-sim';
import { afterAll, beforeAll, describe, it } from 'vitest';

describe('device offline queue against the alarm center', () => {
  let db: TestDatabase;
  let platform: Platform | null = null;
  let device: SimDevice;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { MQTT_PORT: String(await freePort()), MQTT_WS_PORT: '0' };
    platform = await startTestPlatform({ databaseUrl: db.url, env });
    await addResident(platform, 'res-queue');
    const secret = await platform.provisioning.register({
      deviceId: 'pendant-queue',
      deviceType: 'pendant',
      serial: 'SN-Q',
      residentId: 'res-queue',
      district: 'Centrum',
      heartbeatIntervalS: 300,
      rules: {},
    });
    device = new SimDevice(
      { deviceId: 'pendant-queue', deviceType: 'pendant', secret },
      { brokerUrl: `mqtt://127.0.0.1:${env.MQTT_PORT}`, reconnectMinMs: 100, reconnectMaxMs: 1000 },
    );
    await device.connect();
  });

  afterAll(async () => {
    await device?.stop();
    await platform?.close();
    await db?.drop();
  });

  it('delivers alarms raised while the platform was down, each exactly once, after it is back', async () => {
    await (platform as Platform).close();
    platform = null;
    await eventually(async () => !device.connected, 5000);

    const raisedAt = Date.now();
    const deliveries = [device.send({ type: 'alarm.manual' }), device.send({ type: 'battery.low', level: 7 })];
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(device.queued, 2, 'both wait in the offline queue');

    platform = await startTestPlatform({ databaseUrl: db.url, env });
    const delivered = await Promise.all(deliveries);
    const running = platform;
    const { rows } = await running.db.pool.query<{ message_id: string; event_type: string; device_ts: string }>(
      `SELECT message_id, event_type, device_ts FROM device_messages WHERE device_id = 'pendant-queue' ORDER BY device_ts`,
    );
    assert.deepEqual(
      rows.map((r) => [r.message_id, r.event_type]),
      delivered.map((d, i) => [d.id, i === 0 ? 'alarm.manual' : 'battery.low']),
    );
    assert.ok(Date.parse(rows[0]?.device_ts ?? '') <= raisedAt + 50, 'device time is when it was raised');
    await eventually(async () => {
      const alarms = await running.db.pool.query<{ kind: string }>(
        `SELECT kind FROM alarms WHERE device_id = 'pendant-queue' ORDER BY kind`,
      );
      return alarms.rows.map((a) => a.kind).join(',') === 'battery_low,manual';
    }, 5000);
  });
});
