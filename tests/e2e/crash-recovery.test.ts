// No loss, no duplicates: the alarm center (with its embedded broker) is killed with SIGKILL at
// the height of a burst of 1,000 alarms from 1,000 connected devices and started again. Devices
// resend what was never acknowledged; afterwards exactly 1,000 alarms exist, each once. Run on
// the local PostgreSQL and on the embedded default that `npm start` uses.

import assert from 'node:assert/strict';
import { eventually } from '@trygg/alarm-center/testing';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import { afterAll, describe, it } from 'vitest';
import { type CenterUnderTest, DATABASE_MODES, startCenterUnderTest } from '../src/center-under-test.ts';

const DEVICES = 1000;

for (const mode of DATABASE_MODES) {
  describe(`alarm center killed mid-burst (${mode} database)`, () => {
    let center: CenterUnderTest | null = null;
    const clients: mqtt.MqttClient[] = [];

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await center?.close();
    });

    it('after SIGKILL at the height of a burst of 1,000 alarms and a restart, exactly 1,000 alarms exist, none duplicated', async () => {
      center = await startCenterUnderTest(mode, { devices: DEVICES, prefix: 'crash-' });
      const connected = new Set<string>();
      for (const id of center.deviceIds) {
        const client = mqtt.connect(`mqtt://127.0.0.1:${center.mqttPort}`, {
          protocolVersion: 4,
          clientId: id,
          username: id,
          password: center.secretOf(id),
          clean: false,
          reconnectPeriod: 250 + Math.floor(Math.random() * 250),
          reconnectOnConnackError: true,
          connectTimeout: 5000,
        });
        client.on('connect', () => connected.add(id));
        client.on('error', () => {});
        clients.push(client);
      }
      await eventually(async () => connected.size === DEVICES, 120_000);

      // The burst: every device presses at once; kill as soon as the first PUBACKs come back, so
      // most alarms are in flight (received, being committed, or not yet read) at the kill.
      const acked = new Set<string>();
      for (const [i, client] of clients.entries()) {
        const id = center.deviceIds[i]!;
        const message = JSON.stringify({ v: 1, id: `burst-${id}`, ts: Date.now(), type: 'alarm.manual' });
        client.publish(deviceTopic(id, 'event'), message, { qos: 1 }, (err) => {
          if (!err) acked.add(id);
        });
      }
      await eventually(async () => acked.size >= 1, 60_000);
      await center.process.kill('SIGKILL');
      const ackedBeforeCrash = acked.size;
      await center.restart();

      await eventually(async () => acked.size === DEVICES, 180_000);
      const { rows } = await center.pool().query<{ alarms: number; devices: number; repeats: number }>(
        `SELECT count(*)::int AS alarms, count(DISTINCT device_id)::int AS devices,
                coalesce(sum(repeat_count), 0)::int AS repeats
         FROM alarms`,
      );
      assert.ok(ackedBeforeCrash < DEVICES, 'the kill happened during the burst');
      assert.equal(rows[0]!.alarms, DEVICES);
      assert.equal(rows[0]!.devices, DEVICES);
      assert.equal(rows[0]!.repeats, 0, 'a resent alarm must not count as a repeat');
    });
  });
}
