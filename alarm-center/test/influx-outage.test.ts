// InfluxDB unavailable (nothing listening, or a server that accepts and never answers): the alarm
// center still starts, alarms land and are acknowledged to devices and operators promptly, and
// telemetry is only buffered. Alarm-level companion to telemetry.test.ts's buffer-bound test.

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { deviceTopic } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
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

/** A hang guard, not a measurement: a step waiting on InfluxDB would wait ~30 s for its timeout. */
const HANG_GUARD = { timeout: 15_000 };

/** Accepts TCP connections and never answers: the worst kind of unavailable. */
async function blackHole(): Promise<{ port: number; pending(): number; close(): Promise<void> }> {
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
    /** Connections (InfluxDB requests) accepted and never answered. */
    pending: () => sockets.size,
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
    const secrets = new Map<string, string>();

    beforeAll(async () => {
      db = await createTestDatabase();
      let port: number;
      if (outage === 'nothing listening') port = await freePort();
      else {
        hole = await blackHole();
        port = hole.port;
      }
      platform = await startTestPlatform({
        databaseUrl: db.url,
        env: { INFLUX_URL: `http://127.0.0.1:${port}/telemetry` },
      });
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
    }, HANG_GUARD.timeout);

    afterAll(async () => {
      await platform?.close(); // shutdown is not held up by InfluxDB either (HANG_GUARD)
      await hole?.close();
      await db?.drop();
    }, HANG_GUARD.timeout);

    it('the alarm center serves while InfluxDB has not answered', async () => {
      if (hole) assert.ok(hole.pending() > 0, 'its first request to InfluxDB is still unanswered');
      const health = await fetch(`http://127.0.0.1:${platform.httpPort}/health`);
      assert.equal(health.status, 200);
    });

    it(
      'pendant presses are committed and acknowledged to the devices, heartbeats notwithstanding',
      HANG_GUARD,
      async () => {
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
          await device.publishAsync(
            deviceTopic(deviceId, 'event'),
            JSON.stringify({ ...envelope(), type: 'alarm.manual' }),
            {
              qos: 1,
            },
          );
          // Acknowledged while InfluxDB still sits on its requests: the PUBACK did not wait for telemetry.
          if (hole) assert.ok(hole.pending() > 0, `${deviceId}: telemetry still unanswered at PUBACK`);
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
      },
    );

    it('an operator sees and acknowledges the alarm, and /health stays ok', HANG_GUARD, async () => {
      const operator = await loginClient(platform, 'olga', 'pw-olga');
      const list = await operator.call('GET', '/api/alarms?status=open');
      assert.equal(list.status, 200);
      const alarm = list.body.alarms.find((a: { deviceId: string }) => a.deviceId === 'pendant-influx-1');
      assert.ok(alarm, 'the alarm is in the operator list');
      const ack = await operator.call('POST', `/api/alarms/${alarm.id}/acknowledge`);
      assert.equal(ack.status, 200);
      assert.equal(ack.body.alarm.status, 'acknowledged');

      const health = await fetch(`http://127.0.0.1:${platform.httpPort}/health`);
      assert.equal(health.status, 200, 'alarms flow: the platform is not degraded by telemetry');
      const body = (await health.json()) as { checks: Record<string, string> };
      assert.equal(body.checks.database, 'ok');
      assert.ok(body.checks.telemetry, 'telemetry state is reported');
    });
  });
}
