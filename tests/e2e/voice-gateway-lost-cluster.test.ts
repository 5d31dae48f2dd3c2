// A lost gateway's call with two alarm-center nodes (real processes behind HAProxy, one
// PostgreSQL): the gateway's connection is to one node, whose broker says its Last Will; the other
// node's sweep runs every second on the same calls. The call ends as failed once: one history
// entry, one count summed over both nodes' /metrics.

import assert from 'node:assert/strict';
import { createTestDatabase, eventually, type TestDatabase } from '@trygg/alarm-center/testing';
import { scaipDeviceId } from '@trygg/gateway';
import { alarmFields, freeUdpPort, mrq, runSipp } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Cluster, startCluster } from '../src/cluster.ts';
import { type GatewayProcess, startGatewayProcess } from '../src/gateway-process.ts';

const CID = '4600604';
const ACCOUNT = { username: 'scaip-gw', password: 'scaip-gw-secret-0001' };

describe('a lost gateway with two alarm-center nodes', () => {
  let db: TestDatabase;
  let cluster: Cluster;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    cluster = await startCluster({
      databaseUrl: db.url,
      nodes: 2,
      // a sweep every second on both nodes, racing the will
      env: { BROKER_SERVICE_USERS: `${ACCOUNT.username}:${ACCOUNT.password}`, VOICE_GATEWAY_SILENCE_S: '3' },
      provision: async (pool) => {
        await pool.query(
          `INSERT INTO devices (id, device_type, serial, district, status) VALUES ($1, 'pendant', $2, 'Centrum', 'installed')`,
          [scaipDeviceId(CID, '1'), `SCAIP-${CID}-1`],
        );
      },
    });
    gateway = await startGatewayProcess({
      DATABASE_URL: db.url,
      MQTT_URL: cluster.mqttUrl,
      MQTT_USERNAME: ACCOUNT.username,
      MQTT_PASSWORD: ACCOUNT.password,
      GATEWAY_INSTANCE_ID: 'gw-x',
      GATEWAY_MQTT_CONNECTIONS: '1',
      GATEWAY_AUTH: 'off',
      GATEWAY_PRESENCE_INTERVAL_S: '1',
    });
  });

  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await cluster?.stop();
    await db?.drop();
  });

  it('the call ends as failed exactly once', async () => {
    const alarm = await runSipp('scaip-voice-offer.xml', gateway.sipPort, {
      keys: { body: mrq({ ...alarmFields(CID, 'K0001'), crd: `sip:unit@127.0.0.1:${await freeUdpPort()}` }) },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(alarm.code, 0, alarm.stdout + alarm.stderr);
    const alarmId = await eventually(async () => {
      const { rows } = await cluster.pool.query<{ alarm_id: string }>(
        `SELECT alarm_id FROM voice_calls WHERE gateway_instance = 'gw-x' AND state = 'offered' AND alarm_id IS NOT NULL`,
      );
      return rows[0]?.alarm_id;
    }, 15_000);
    // alive, it is not judged silent by either node's sweep
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const { rows: before } = await cluster.pool.query(`SELECT state FROM voice_calls WHERE alarm_id = $1`, [alarmId]);
    assert.deepEqual(before, [{ state: 'offered' }]);

    await gateway.kill('SIGKILL');
    await eventually(async () => {
      const { rows } = await cluster.pool.query(
        `SELECT 1 FROM voice_calls WHERE alarm_id = $1 AND state = 'ended' AND end_reason = 'failed'`,
        [alarmId],
      );
      return rows.length === 1;
    }, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // both nodes swept again
    const { rows: entries } = await cluster.pool.query(
      `SELECT note FROM alarm_events WHERE alarm_id = $1 AND type = 'call.gateway_lost'`,
      [alarmId],
    );
    assert.deepEqual(entries, [{ note: 'gateway lost (gw-x)' }]);
    let counted = 0;
    for (const node of cluster.nodes) {
      const text = await (await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`)).text();
      counted += Number(/voice_calls_lost_total\{instance="gw-x"\} (\d+)/.exec(text)?.[1] ?? 0);
    }
    assert.equal(counted, 1);
  });
});
