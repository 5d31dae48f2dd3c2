// The SCAIP gateway as two instances (real processes) publishing through HAProxy into two
// alarm-center nodes: a controller that gets no answer from its primary receiver (killed with
// SIGKILL) sends the same mrq to its secondary, SIPp playing the controller, and the alarm is
// stored once. A retry of an mrq the primary already stored is recognised by the secondary too:
// the de-duplication is the database's message id (from cid and ref), not a gateway's memory.

import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '@trygg/alarm-center/testing';
import { scaipDeviceId } from '@trygg/gateway';
import { alarmFields, mrq, runSipp } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Cluster, startCluster } from '../src/cluster.ts';
import { type GatewayProcess, startGatewayProcess } from '../src/gateway-process.ts';

const CID = '4600777';
const ACCOUNT = { username: 'scaip-gw', password: 'scaip-gw-secret-0001' };

describe('two SCAIP gateway instances, a controller with a secondary receiver', () => {
  let db: TestDatabase;
  let cluster: Cluster;
  let primary: GatewayProcess;
  let secondary: GatewayProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    cluster = await startCluster({
      databaseUrl: db.url,
      nodes: 2,
      env: { BROKER_SERVICE_USERS: `${ACCOUNT.username}:${ACCOUNT.password}` },
      provision: async (pool) => {
        // units 1..4 of one controller, as the gateway names them
        for (const did of ['1', '2', '3', '4']) {
          await pool.query(
            `INSERT INTO devices (id, device_type, serial, district, status) VALUES ($1, 'pendant', $2, 'Centrum', 'installed')`,
            [scaipDeviceId(CID, did), `SCAIP-${CID}-${did}`],
          );
        }
      },
    });
    const env = (id: string) => ({
      DATABASE_URL: db.url,
      MQTT_URL: cluster.mqttUrl,
      MQTT_USERNAME: ACCOUNT.username,
      MQTT_PASSWORD: ACCOUNT.password,
      GATEWAY_INSTANCE_ID: id,
      GATEWAY_MQTT_CONNECTIONS: '2',
      GATEWAY_AUTH: 'off',
    });
    [primary, secondary] = await Promise.all([
      startGatewayProcess(env('gateway-1')),
      startGatewayProcess(env('gateway-2')),
    ]);
  });

  afterAll(async () => {
    await primary?.kill('SIGKILL');
    await secondary?.kill('SIGKILL');
    await cluster?.stop();
    await db?.drop();
  });

  async function alarmsOf(did: string) {
    const { rows } = await cluster.pool.query<{ kind: string; repeat_count: number }>(
      'SELECT kind, repeat_count FROM alarms WHERE device_id = $1',
      [scaipDeviceId(CID, did)],
    );
    return rows;
  }

  it('both instances take alarms while both are up, and a retry of a stored mrq on the other instance is not a second alarm', async () => {
    const body = mrq({ ...alarmFields(CID, 'F0001'), did: '1' });
    const first = await runSipp('scaip-message.xml', primary.sipPort, { keys: { body }, sets: { expected: '0' } });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    // the controller missed the 200 OK and sends the same mrq to its secondary
    const retry = await runSipp('scaip-message.xml', secondary.sipPort, { keys: { body }, sets: { expected: '0' } });
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    assert.deepEqual(await alarmsOf('1'), [{ kind: 'manual', repeat_count: 0 }]);

    const other = mrq({ ...alarmFields(CID, 'F0002'), did: '2' });
    const direct = await runSipp('scaip-message.xml', secondary.sipPort, {
      keys: { body: other },
      sets: { expected: '0' },
    });
    assert.equal(direct.code, 0, direct.stdout + direct.stderr);
    assert.deepEqual(await alarmsOf('2'), [{ kind: 'manual', repeat_count: 0 }]);
  });

  it('a hung primary (stopped, answering nothing): the controller fails over to its secondary within the call, stored once', async () => {
    primary.child.kill('SIGSTOP');
    try {
      const body = mrq({ ...alarmFields(CID, 'F0003'), did: '3' });
      const run = await runSipp('scaip-secondary.xml', primary.sipPort, {
        keys: { body, secondary_port: String(secondary.sipPort) },
        extraArgs: ['-nr'],
      });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      // no waiting: the secondary's 200 OK with snu 0 followed the commit
      assert.deepEqual(await alarmsOf('3'), [{ kind: 'manual', repeat_count: 0 }]);
    } finally {
      primary.child.kill('SIGCONT');
    }
  });

  it('with the primary killed, the controller gets no answer there, fails over to its secondary within the call, stored once', async () => {
    await primary.kill('SIGKILL');
    const body = mrq({ ...alarmFields(CID, 'F0004'), did: '4' });
    const run = await runSipp('scaip-secondary.xml', primary.sipPort, {
      keys: { body, secondary_port: String(secondary.sipPort) },
      extraArgs: ['-nr'],
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(await alarmsOf('4'), [{ kind: 'manual', repeat_count: 0 }]);
  });
});
