// One gateway, one MQTT connection, several ingest transactions in flight: the embedded broker
// reads the connection's next publishes while the earlier ones are still being committed, so the
// group commit can run a second transaction beside the first (INGEST_TRANSACTIONS). The store is
// blocked (a lock on the event log, as a slow disk would); one write of three alarms, then another:
// both wait on the store at once. Every alarm is acknowledged only after its commit.

import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  createTestDatabase,
  envelope,
  eventually,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

const GATEWAY = { username: 'scaip-gateway', password: 'gateway-secret-0001' };
const alarm = () => Buffer.from(JSON.stringify({ ...envelope(), type: 'alarm.manual' }));

describe("one gateway connection's alarms commit in several transactions at once (real PostgreSQL)", () => {
  let db: TestDatabase | null = null;
  let platform: Platform;
  let own: pg.Pool;
  let gateway: mqtt.MqttClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      env: { BROKER_SERVICE_USERS: `${GATEWAY.username}:${GATEWAY.password}` },
    });
    own = new pg.Pool({ connectionString: platform.db.url, max: 3 });
    own.on('error', () => {});
    await addResident(platform, 'res-inflight');
    for (let d = 0; d < 6; d++) {
      await platform.provisioning.register({
        deviceId: `inflight-${d}`,
        deviceType: 'pendant',
        serial: `SN-inflight-${d}`,
        residentId: 'res-inflight',
        district: 'Centrum',
        heartbeatIntervalS: 60,
        rules: {},
      });
    }
    gateway = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      protocolVersion: 4,
      clientId: 'scaip-gateway-test-1',
      ...GATEWAY,
      reconnectPeriod: 0,
    });
  });

  afterAll(async () => {
    gateway?.end(true);
    await own?.end();
    await platform?.close();
    await db?.drop();
  });

  /** Ingest transactions of this database waiting for the lock on the event log. */
  const waitingOnTheStore = async () => {
    const { rows } = await own.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0]!.n;
  };

  /** Three alarms in one write, as the gateway sends one turn's alarms. */
  const publishTogether = (devices: number[], acknowledged: string[]) => {
    gateway.stream.cork();
    const sent = devices.map((d) =>
      gateway
        .publishAsync(deviceTopic(`inflight-${d}`, 'event'), alarm(), { qos: 1 })
        .then(() => acknowledged.push(`inflight-${d}`)),
    );
    setImmediate(() => gateway.stream.uncork());
    return sent;
  };

  it('a second write of alarms goes into a second transaction while the first is still committing', async () => {
    const client = await own.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE device_messages IN EXCLUSIVE MODE');
    const acknowledged: string[] = [];
    let released = false;
    try {
      const first = publishTogether([0, 1, 2], acknowledged);
      await eventually(async () => (await waitingOnTheStore()) >= 1);
      const second = publishTogether([3, 4, 5], acknowledged);
      // before: the broker read nothing more from the connection until the first write was committed
      await eventually(async () => (await waitingOnTheStore()) >= 2, 3000);
      assert.deepEqual(acknowledged, [], 'nothing is acknowledged before its commit');
      await client.query('COMMIT');
      released = true;
      await Promise.all([...first, ...second]);
    } finally {
      if (!released) await client.query('ROLLBACK');
      client.release();
    }
    assert.equal(acknowledged.length, 6);
    const { rows } = await own.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alarms WHERE device_id LIKE 'inflight-%' AND kind = 'manual'`,
    );
    assert.equal(rows[0]!.n, 6, 'every alarm stored once');
  });
});
