// A stalled database behind a cluster (two alarm-center nodes behind a real HAProxy, one private
// PostgreSQL frozen with SIGSTOP): the database is every node's, so the balancer must not take
// the nodes out and cut their devices into a reconnect storm. /health says 503 to people and
// monitoring; the devices stay connected, their press waits unacknowledged, and once the database
// answers again it is stored once and acknowledged. (Seen under a loaded 100,000-device run: slow
// health probes marked nodes down one after another and cut 339,000 sessions to 16,000.)

import assert from 'node:assert/strict';
import { eventually } from '@trygg/alarm-center/testing';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CLUSTER_SECRET, type Cluster, provisionDevices, startCluster } from '../src/cluster.ts';
import { freeze } from '../src/freeze.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../src/private-postgres.ts';

const DEVICES = 20;
/** Longer than HAProxy needs to mark a node down (3 failed checks, 500 ms apart, 2 s timeout). */
const STALL_MS = 6_000;

describe('a cluster whose database stalls', () => {
  let postgres: PrivatePostgres;
  let cluster: Cluster;
  const clients: mqtt.MqttClient[] = [];
  let thaw: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    cluster = await startCluster({
      databaseUrl: postgres.url,
      nodes: 2,
      provision: (pool) => provisionDevices(pool, 'st-', DEVICES),
    });
  });

  afterAll(async () => {
    await thaw?.();
    for (const c of clients) c.end(true);
    await cluster?.stop();
    await postgres?.destroy();
  });

  it('keeps every device connected through the stall, says 503 on /health, and stores the held press once after', async () => {
    for (let i = 1; i <= DEVICES; i++) {
      const client = mqtt.connect(cluster.mqttUrl, {
        protocolVersion: 4,
        clientId: `st-${i}`,
        username: `st-${i}`,
        password: CLUSTER_SECRET,
        reconnectPeriod: 500,
        connectTimeout: 10_000,
      });
      client.on('error', () => {});
      clients.push(client);
    }
    await eventually(async () => clients.every((c) => c.connected), 30_000);
    const held = await Promise.all(cluster.nodes.map((n) => n.connectedDevices()));
    assert.equal(
      held.reduce((a, b) => a + b, 0),
      DEVICES,
    );
    let closes = 0;
    for (const c of clients) c.on('close', () => closes++);

    thaw = await freeze(await postgres.pid());
    const stalledAt = performance.now();
    // the stall is reported where people look
    await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${cluster.nodes[0]!.httpPort}/health`, {
        signal: AbortSignal.timeout(2_000),
      });
      return res.status === 503;
    }, 5_000);
    // a press during the stall is held: not acknowledged, since nothing can be committed
    const presser = clients[0]!;
    const press = { v: 1, id: 'stall-press-1', ts: Date.now(), type: 'alarm.manual' };
    let acknowledged = false;
    const acked = new Promise<void>((resolve, reject) =>
      presser.publish(deviceTopic('st-1', 'event'), JSON.stringify(press), { qos: 1 }, (err) =>
        err ? reject(err) : resolve(),
      ),
    ).then(() => {
      acknowledged = true;
    });
    await new Promise((r) => setTimeout(r, Math.max(0, STALL_MS - (performance.now() - stalledAt))));
    assert.equal(acknowledged, false, 'no PUBACK while the database cannot commit');
    assert.equal(closes, 0, 'the balancer cut no device while the shared database stalled');
    assert.ok(
      clients.every((c) => c.connected),
      'every device still connected',
    );

    await thaw();
    thaw = null;
    await acked;
    const { rows } = await cluster.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alarms WHERE device_id = 'st-1' AND kind = 'manual'`,
    );
    assert.equal(rows[0]?.n, 1, 'the held press stored once');
    assert.equal(closes, 0);
  });
});
