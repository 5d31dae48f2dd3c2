// Two alarm-center nodes in one process on one PostgreSQL, each with its own embedded broker: a
// command asked on one node reaches a device connected to the other (PostgreSQL NOTIFY), and the
// device's acknowledgement comes back to the node that asked. A malformed notice is refused,
// counted and logged; relaying goes on.

import assert from 'node:assert/strict';
import { SimDevice } from '@trygg/device-sim';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/index.ts';
import { createTestDatabase, startTestPlatform, type TestDatabase } from '../src/testing/index.ts';

async function relayed(platform: Platform, outcome: string): Promise<number> {
  const metric = await platform.metrics.commandRelay.get();
  return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe('commands between nodes', () => {
  let db: TestDatabase;
  let a: Platform;
  let b: Platform;
  let device: SimDevice;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestPlatform({ databaseUrl: db.url, env: { INSTANCE_ID: 'node-a' } });
    b = await startTestPlatform({ databaseUrl: db.url, env: { INSTANCE_ID: 'node-b' } });
    const secret = await a.provisioning.register({
      deviceId: 'relay-pendant',
      deviceType: 'pendant',
      serial: 'SN-relay',
      residentId: null,
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    device = new SimDevice(
      { deviceId: 'relay-pendant', deviceType: 'pendant', secret },
      { brokerUrl: `mqtt://127.0.0.1:${b.mqttPort}` },
    );
    await device.connect();
  });

  afterAll(async () => {
    await device?.stop();
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  const setInterval = (id: string, intervalS: number) =>
    ({ v: 1, id, ts: Date.now(), type: 'set_heartbeat_interval', intervalS }) as const;

  it('a heartbeat interval set through node A reaches the device on node B, and its acknowledgement shows on A', async () => {
    const reply = await a.commands.request('relay-pendant', setInterval('cmd-relay-1', 120), null, 5000);
    assert.deepEqual(reply, { kind: 'acked' });
    assert.equal(device.heartbeatIntervalS, 120);
    assert.equal(await relayed(a, 'relayed'), 1);
    assert.equal(await relayed(b, 'delivered'), 1);
  });

  it('a command for a device that no node holds ends as a timeout, not an error', async () => {
    const reply = await a.commands.request('nobody-here', setInterval('cmd-relay-2', 300), null, 300);
    assert.deepEqual(reply, { kind: 'timeout' });
  });

  it('a malformed command notice is refused and counted, and the next command is still relayed', async () => {
    await a.db.pool.query(`SELECT pg_notify('device_commands', '{"from":"x","deviceId":"relay-pendant"}')`);
    await a.db.pool.query(`SELECT pg_notify('device_commands', 'not json')`);
    const reply = await a.commands.request('relay-pendant', setInterval('cmd-relay-3', 600), null, 5000);
    assert.deepEqual(reply, { kind: 'acked' });
    assert.equal(device.heartbeatIntervalS, 600);
    // both nodes listen, so each refused both notices
    assert.equal(await relayed(b, 'malformed_notice'), 2);
    assert.equal(await relayed(a, 'malformed_notice'), 2);
  });
});
