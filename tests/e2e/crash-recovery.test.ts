// No loss, no duplicates: the alarm center (with its embedded broker) is killed with SIGKILL in the
// middle of a burst of 1,000 alarms from 1,000 devices and started again. Devices resend what was
// never acknowledged; afterwards exactly 1,000 alarms exist, each once.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, eventually, freePort, type TestDatabase } from '@trygg/alarm-center/testing';
import { hashSecret } from '@trygg/broker';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import pg from 'pg';
import { type AlarmCenterProcess, startAlarmCenterProcess } from '../src/alarm-center-process.ts';

const DEVICES = 1000;
const SECRET = 'crash-test-secret-0001';

describe('alarm center killed mid-burst', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let center: AlarmCenterProcess | null = null;
  const clients: mqtt.MqttClient[] = [];

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await center?.kill('SIGKILL');
    await pool?.end();
    await db?.drop();
  });

  it('after SIGKILL and restart during a burst of 1,000 alarms, exactly 1,000 alarms exist, none duplicated', async () => {
    const httpPort = await freePort();
    const mqttPort = await freePort();
    const env = {
      DATABASE_URL: db.url,
      PII_KEY: '11'.repeat(32),
      MQTT_PORT: String(mqttPort),
      MQTT_WS_PORT: String(await freePort()),
      HTTP_HOST: '127.0.0.1',
      MQTT_HOST: '127.0.0.1',
    };
    center = await startAlarmCenterProcess(env, httpPort); // migrates the empty database
    const hash = await hashSecret(SECRET);
    await pool.query(
      `INSERT INTO devices (id, device_type, serial, district)
       SELECT 'crash-' || i, 'pendant', 'SN' || i, 'Centrum' FROM generate_series(1, $1) i`,
      [DEVICES],
    );
    await pool.query(
      `INSERT INTO device_credentials (device_id, secret_hash) SELECT 'crash-' || i, $2 FROM generate_series(1, $1) i`,
      [DEVICES, hash],
    );
    // Restart so the registry loads the devices inserted behind its back.
    await center.kill('SIGTERM');
    center = await startAlarmCenterProcess(env, httpPort);

    const acked = new Set<string>();
    for (let i = 1; i <= DEVICES; i++) {
      const id = `crash-${i}`;
      const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
        protocolVersion: 4,
        clientId: id,
        username: id,
        password: SECRET,
        clean: false,
        reconnectPeriod: 250,
        connectTimeout: 5000,
      });
      clients.push(client);
      client.once('connect', () => {
        const message = JSON.stringify({ v: 1, id: `burst-${id}`, ts: Date.now(), type: 'alarm.manual' });
        client.publish(deviceTopic(id, 'event'), message, { qos: 1 }, (err) => {
          if (!err) acked.add(id);
        });
      });
    }
    // Kill in the middle of the burst: some alarms acknowledged, most not.
    await eventually(async () => acked.size >= 100, 60_000);
    await center.kill('SIGKILL');
    const ackedBeforeCrash = acked.size;
    center = await startAlarmCenterProcess(env, httpPort);

    await eventually(async () => acked.size === DEVICES, 120_000);
    const { rows } = await pool.query<{ alarms: number; devices: number; repeats: number }>(
      `SELECT count(*)::int AS alarms, count(DISTINCT device_id)::int AS devices, coalesce(sum(repeat_count), 0)::int AS repeats
       FROM alarms`,
    );
    assert.ok(ackedBeforeCrash < DEVICES, 'the kill happened during the burst');
    assert.equal(rows[0]!.alarms, DEVICES);
    assert.equal(rows[0]!.devices, DEVICES);
    assert.equal(rows[0]!.repeats, 0, 'a resent alarm must not count as a repeat');
  });
});
