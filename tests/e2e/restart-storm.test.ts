// Start-up never fails because devices are eager: 2,000 connected devices, the alarm center is
// killed with SIGKILL and started again while every one of them reconnects at once, ten times in
// a row. Each time it answers /health within 5 s, every device is back, and a button pressed in
// the middle of the storm is stored exactly once.

import assert from 'node:assert/strict';
import { eventually } from '@trygg/alarm-center/testing';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import { afterAll, describe, it } from 'vitest';
import { type CenterUnderTest, DATABASE_MODES, startCenterUnderTest } from '../src/center-under-test.ts';

const DEVICES = Number(process.env.STORM_DEVICES ?? 2000);
const RESTARTS = Number(process.env.STORM_RESTARTS ?? 10);

for (const mode of DATABASE_MODES) {
  describe(`restart while ${DEVICES} devices reconnect (${mode} database)`, () => {
    let center: CenterUnderTest | null = null;
    const clients: mqtt.MqttClient[] = [];

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await center?.close();
    });

    it(`comes up ${RESTARTS} times of ${RESTARTS}, healthy within 5 s, with every device back and a press made mid-storm stored once`, async () => {
      const c = await startCenterUnderTest(mode, { devices: DEVICES, prefix: `storm-${mode}-` });
      center = c;
      const connected = new Set<string>();
      for (const id of c.deviceIds) {
        const client = mqtt.connect(`mqtt://127.0.0.1:${c.mqttPort}`, {
          protocolVersion: 4,
          clientId: id,
          username: id,
          password: c.secretOf(id),
          clean: false,
          // Firmware retries quickly after a drop, with jitter, and keeps retrying after a refusal.
          reconnectPeriod: 200 + Math.floor(Math.random() * 300),
          reconnectOnConnackError: true,
          connectTimeout: 10_000,
        });
        client.on('connect', () => connected.add(id));
        client.on('close', () => connected.delete(id));
        client.on('error', () => {});
        clients.push(client);
      }
      await eventually(async () => connected.size === DEVICES, 180_000);

      const presser = clients[0]!;
      const presserId = c.deviceIds[0]!;
      for (let round = 1; round <= RESTARTS; round++) {
        await c.process.kill('SIGKILL');
        // Every device notices the broken connection and reconnects while the center starts.
        const restarted = c.restart({ healthyWithinMs: 5_000 });
        const pressId = `storm-press-${mode}-${round}`;
        const pressed = new Promise<void>((resolve, reject) =>
          presser.publish(
            deviceTopic(presserId, 'event'),
            JSON.stringify({ v: 1, id: pressId, ts: Date.now(), type: 'alarm.manual' }),
            { qos: 1 },
            (err) => (err ? reject(err) : resolve()),
          ),
        );
        const up = await restarted;
        assert.ok(up.healthyAfterMs < 5_000, `round ${round}: /health answered after ${up.healthyAfterMs} ms`);
        await eventually(async () => connected.size === DEVICES, 180_000);
        await pressed;
        const { rows } = await c
          .pool()
          .query<{ n: number }>('SELECT count(*)::int AS n FROM device_messages WHERE message_id = $1', [pressId]);
        assert.equal(rows[0]!.n, 1, `round ${round}: the press made during the storm is stored once`);
      }
      const totals = await c
        .pool()
        .query<{ alarms: number; presses: number }>(
          `SELECT count(*)::int AS alarms, coalesce(max(repeat_count), 0)::int AS presses FROM alarms WHERE device_id = $1`,
          [presserId],
        );
      assert.equal(totals.rows[0]!.alarms, 1, 'the presses belong to one open alarm of the resident');
      assert.equal(totals.rows[0]!.presses, RESTARTS - 1, 'each later press counts as a repeat, none twice');
    });
  });
}
