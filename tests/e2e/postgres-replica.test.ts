// PostgreSQL with a streaming replica (Debian's PostgreSQL 15: a private primary, a hot standby
// made with pg_basebackup, synchronous commit to it) behind HAProxy, two alarm-center nodes on it.
// The overview is read on the replica while it is in step (DATABASE_REPLICA_URL), on the primary
// when the replica falls behind or stops; and when the primary is killed in the middle of a burst
// and the replica promoted, the nodes reconnect through HAProxy and no acknowledged alarm is lost.

import assert from 'node:assert/strict';
import { eventually } from '@trygg/alarm-center/testing';
import { hashSecret } from '@trygg/broker';
import { type Delivery, SimDevice } from '@trygg/device-sim';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CLUSTER_SECRET, type Cluster, provisionDevices, startCluster } from '../src/cluster.ts';
import { type Haproxy, startHaproxy } from '../src/haproxy.ts';
import {
  type PrivatePostgres,
  type StreamingStandby,
  startPrivatePostgres,
  startStreamingStandby,
} from '../src/private-postgres.ts';

const DEVICES = 60;
const SUPERVISOR = { username: 'replica-sup', password: 'replica-sup-pw' };

describe('PostgreSQL primary with a streaming replica', () => {
  let primary: PrivatePostgres;
  let standby: StreamingStandby;
  let pgProxy: Haproxy;
  let cluster: Cluster;
  let cookie = '';
  const devices: SimDevice[] = [];

  beforeAll(async () => {
    // A commit waits until the standby has it on disk: an alarm acknowledged to its device
    // survives the loss of the primary (README, "Scaling out").
    primary = await startPrivatePostgres({ synchronous_standby_names: "'standby1'", synchronous_commit: 'on' });
    standby = await startStreamingStandby(primary, 'standby1');
    pgProxy = await startHaproxy([
      {
        name: 'postgres',
        servers: [
          { name: 'primary', port: primary.port },
          { name: 'standby', port: standby.port, backup: true },
        ],
      },
    ]);
    const databaseUrl = `postgres://postgres@127.0.0.1:${pgProxy.port('postgres')}/postgres`;
    cluster = await startCluster({
      databaseUrl,
      nodes: 2,
      env: {
        DATABASE_REPLICA_URL: `postgres://postgres@127.0.0.1:${standby.port}/postgres`,
        DATABASE_REPLICA_MAX_LAG_MS: '1000',
      },
      provision: async (pool) => {
        await provisionDevices(pool, 'pr-', DEVICES);
        await pool.query(
          `INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, 'Supervisor', 'supervisor', $2)`,
          [SUPERVISOR.username, await hashSecret(SUPERVISOR.password)],
        );
      },
    });
    const login = await fetch(`http://127.0.0.1:${cluster.nodes[0]!.httpPort}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SUPERVISOR),
    });
    assert.equal(login.status, 200);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.stop()));
    await cluster?.stop();
    await pgProxy?.stop();
    await standby?.destroy();
    await primary?.destroy();
  });

  const node = () => cluster.nodes[0]!;
  async function replicaState(): Promise<string | undefined> {
    const res = await fetch(`http://127.0.0.1:${node().httpPort}/health`);
    return ((await res.json()) as { checks: Record<string, string> }).checks.replica;
  }
  async function openManualAlarms(): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${node().httpPort}/api/overview`, { headers: { cookie } });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { openByKind: Record<string, number> }).openByKind.manual ?? 0;
  }

  it('the overview is read on the replica while it is in step', async () => {
    await eventually(async () => (await replicaState()) === 'in_use', 10_000);
    assert.equal(await openManualAlarms(), 0);
    const onStandby = await standby.sql(
      `SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '${node().name}-%-replica'`,
    );
    assert.ok(Number(onStandby) >= 1, 'the node has its read connections on the standby');
  });

  it('a replica that falls behind is left for the primary: the overview shows an alarm committed a moment ago', async () => {
    await standby.sql('SELECT pg_wal_replay_pause()');
    try {
      const device = new SimDevice(
        { deviceId: 'pr-1', deviceType: 'pendant', secret: CLUSTER_SECRET },
        { brokerUrl: cluster.mqttUrl },
      );
      devices.push(device);
      await device.connect();
      await device.send({ type: 'alarm.manual' }); // resolves on the PUBACK, after the commit
      await eventually(async () => (await openManualAlarms()) === 1, 15_000);
      assert.equal(await replicaState(), 'lagging');
    } finally {
      await standby.sql('SELECT pg_wal_replay_resume()');
    }
    await eventually(async () => (await replicaState()) === 'in_use', 15_000);
    assert.equal(await openManualAlarms(), 1, 'the replica has caught up');
  });

  it('a replica that stops answering costs the overview nothing: the primary answers', async () => {
    await standby.stop();
    try {
      assert.equal(await openManualAlarms(), 1);
      await eventually(async () => (await replicaState()) === 'unavailable', 10_000);
      assert.equal(await openManualAlarms(), 1);
    } finally {
      await standby.start();
    }
    await eventually(async () => (await replicaState()) === 'in_use', 20_000);
  });

  it('the primary killed mid-burst and the replica promoted: the nodes reconnect and every acknowledged alarm is kept, once', async () => {
    for (let i = 2; i <= DEVICES; i++) {
      const device = new SimDevice(
        { deviceId: `pr-${i}`, deviceType: 'pendant', secret: CLUSTER_SECRET },
        { brokerUrl: cluster.mqttUrl, reconnectMinMs: 200, reconnectMaxMs: 2000 },
      );
      devices.push(device);
    }
    await Promise.all(devices.slice(1).map((d) => d.connect()));
    const acked = new Set<string>();
    const deliveries: Promise<Delivery>[] = [];
    for (const [k, d] of devices.slice(1).entries()) {
      await new Promise((r) => setTimeout(r, k % 4 === 0 ? 20 : 0)); // a burst spread over about 0.3 s
      deliveries.push(
        d.send({ type: 'alarm.manual' }).then((delivery) => {
          acked.add(d.deviceId);
          return delivery;
        }),
      );
      if (k === 15) await eventually(async () => acked.size >= 5, 10_000);
      if (k === 15) {
        await primary.stop(); // immediate: a crash, no shutdown checkpoint
      }
    }
    const ackedBeforePromotion = new Set(acked);
    assert.ok(ackedBeforePromotion.size < DEVICES - 1, 'the primary died during the burst');
    await standby.promote();
    await Promise.all(deliveries); // the devices resend until the new primary commits
    const rows = await standby.sql(
      `SELECT count(*) || ' ' || count(DISTINCT device_id) || ' ' || coalesce(sum(repeat_count), 0)
       FROM alarms WHERE device_id LIKE 'pr-%' AND kind = 'manual'`,
    );
    assert.equal(rows, `${DEVICES} ${DEVICES} 0`, 'one alarm per device, none lost, none twice');
    for (const id of ackedBeforePromotion) {
      const kept = await standby.sql(`SELECT count(*) FROM alarms WHERE device_id = '${id}'`);
      assert.equal(kept, '1', `${id}'s alarm, acknowledged by the old primary, is on the new one`);
    }
    // the nodes write again: health is back on both
    for (const n of cluster.nodes) {
      await eventually(async () => (await fetch(`http://127.0.0.1:${n.httpPort}/health`)).status === 200, 30_000).catch(
        (err) => assert.fail(`${n.name} not healthy: ${err.message}\n${n.process.output().slice(-3000)}`),
      );
    }
  });
});
