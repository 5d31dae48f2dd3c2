// InfluxDB unavailable (nothing listening, or a server that accepts and never answers): the alarm
// center still starts, alarms land and are acknowledged to devices and operators promptly, and
// telemetry is only buffered. Alarm-level companion to telemetry.test.ts's buffer-bound test.

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { deviceTopic } from '@trygg/firmware-protocol';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  addUser,
  connectDevice,
  createTestDatabase,
  envelope,
  freePort,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

/** Time from a pendant press to its PUBACK, and from there to the operator's acknowledgement. */
const PROMPT_MS = 1000;

/** Accepts TCP connections and never answers: the worst kind of unavailable. */
async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => sockets.delete(socket));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

for (const outage of ['nothing listening', 'a server that never answers'] as const) {
  describe(`InfluxDB unavailable (${outage}): alarms are unaffected`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let hole: Awaited<ReturnType<typeof blackHole>> | null = null;
    let startupMs = 0;
    const secrets = new Map<string, string>();

    before(async () => {
      db = await createTestDatabase();
      let port: number;
      if (outage === 'nothing listening') port = await freePort();
      else {
        hole = await blackHole();
        port = hole.port;
      }
      const started = Date.now();
      platform = await startTestPlatform({
        databaseUrl: db.url,
        env: { INFLUX_URL: `http://127.0.0.1:${port}/telemetry` },
      });
      startupMs = Date.now() - started;
      await addResident(platform, 'res-influx');
      for (let i = 1; i <= 5; i++) {
        const deviceId = `pendant-influx-${i}`;
        secrets.set(
          deviceId,
          await platform.provisioning.register({
            deviceId,
            deviceType: 'pendant',
            serial: `SN-INF-${i}`,
            residentId: 'res-influx',
            district: 'Centrum',
            heartbeatIntervalS: 60,
            rules: {},
          }),
        );
      }
      await addUser(platform, 'olga', 'operator');
    });

    after(async () => {
      const closing = Date.now();
      await platform?.close();
      assert.ok(Date.now() - closing < 10_000, `shutdown is not held up by InfluxDB (${Date.now() - closing} ms)`);
      await hole?.close();
      await db?.drop();
    });

    it('the alarm center starts without waiting for InfluxDB', () => {
      assert.ok(startupMs < 10_000, `started in ${startupMs} ms`);
    });

    it('pendant presses are committed and acknowledged to the devices promptly, heartbeats notwithstanding', async () => {
      for (const [deviceId, secret] of secrets) {
        const device = await connectDevice(platform, deviceId, secret);
        // Telemetry first, so the buffer has work for the unreachable InfluxDB.
        for (let i = 0; i < 5; i++) {
          await device.publishAsync(
            deviceTopic(deviceId, 'heartbeat'),
            JSON.stringify({ ...envelope(), intervalS: 60, battery: 80 }),
            { qos: 1 },
          );
        }
        const pressed = Date.now();
        await device.publishAsync(
          deviceTopic(deviceId, 'event'),
          JSON.stringify({ ...envelope(), type: 'alarm.manual' }),
          {
            qos: 1,
          },
        );
        const pubackMs = Date.now() - pressed;
        assert.ok(pubackMs < PROMPT_MS, `${deviceId}: PUBACK after ${pubackMs} ms`);
        await device.endAsync();
      }
      const { rows } = await platform.db.pool.query<{ device_id: string; status: string }>(
        `SELECT device_id, status FROM alarms WHERE kind = 'manual' ORDER BY device_id`,
      );
      assert.deepEqual(
        rows.map((r) => [r.device_id, r.status]),
        [...secrets.keys()].map((id) => [id, 'new']),
      );
      assert.ok(platform.telemetry.stats().written === 0, 'nothing reached InfluxDB');
    });

    it('an operator sees and acknowledges the alarm promptly, and /health stays ok', async () => {
      const operator = await loginClient(platform, 'olga', 'pw-olga');
      const list = await operator.call('GET', '/api/alarms?status=open');
      assert.equal(list.status, 200);
      const alarm = list.body.alarms.find((a: { deviceId: string }) => a.deviceId === 'pendant-influx-1');
      assert.ok(alarm, 'the alarm is in the operator list');
      const started = Date.now();
      const ack = await operator.call('POST', `/api/alarms/${alarm.id}/acknowledge`);
      assert.equal(ack.status, 200);
      assert.equal(ack.body.alarm.status, 'acknowledged');
      assert.ok(Date.now() - started < PROMPT_MS, `acknowledged in ${Date.now() - started} ms`);

      const health = await fetch(`http://127.0.0.1:${platform.httpPort}/health`);
      assert.equal(health.status, 200, 'alarms flow: the platform is not degraded by telemetry');
      const body = (await health.json()) as { checks: Record<string, string> };
      assert.equal(body.checks.database, 'ok');
      assert.ok(body.checks.telemetry, 'telemetry state is reported');
    });
  });
}
