// A fleet larger than one broker process may hold: every device connection is a descriptor, and a
// process whose descriptors all went to devices fails whatever opens one next (the database pool,
// a console's WebSocket, a log file) with EMFILE, while the kernel resets each further device
// without a word. The broker keeps descriptors back and holds at most the rest: a connection over
// the cap is closed on arrival, counted and logged, the devices already in keep working, and the
// process can still open what it needs.

import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { openFileLimit } from '@trygg/observability/limits';
import { pino } from 'pino';
import client from 'prom-client';
import { afterAll, describe, it } from 'vitest';
import { DEFAULT_DESCRIPTOR_RESERVE, type RunningBroker, startBroker } from '../src/broker.ts';
import { brokerMetrics } from '../src/metrics.ts';
import { connect } from './clients.ts';

const logger = pino({ level: 'silent' });

/** Opens `count` raw TCP connections and resolves with those still open after the broker's verdict. */
async function openRaw(port: number, count: number): Promise<net.Socket[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect({ port, host: '127.0.0.1' });
          socket.on('error', () => {});
          socket.once('connect', () => resolve(socket));
          socket.once('close', () => resolve(socket));
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 200)); // the broker's closes reach the clients
  return sockets;
}

describe('the broker holds no more connections than its descriptors allow', () => {
  const started: RunningBroker[] = [];
  const opened: net.Socket[] = [];
  afterAll(async () => {
    for (const s of opened) s.destroy();
    for (const b of started) await b.close();
  });

  it('over a configured cap a connection is closed on arrival and counted; those within keep working', async () => {
    const registry = new client.Registry();
    const metrics = brokerMetrics(registry);
    const broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: true, maxPayloadBytes: 1024, maxConnections: 40 },
      { authenticator: { authenticate: async () => false }, logger, hooks: metrics.hooks },
    );
    started.push(broker);
    metrics.observe(broker);
    const sockets = await openRaw(broker.mqttPort, 50);
    opened.push(...sockets);
    const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open');
    assert.equal(open.length, 40, 'the first 40 are held');
    assert.deepEqual(broker.stats().sockets, { open: 40, capacity: 40, refused: 10 });
    const text = await registry.metrics();
    assert.match(text, /^mqtt_connections_refused_total 10$/m);
    assert.match(text, /^mqtt_connection_capacity 40$/m);

    // one leaves: a device retrying gets its place, and speaks MQTT as usual
    open[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const device = await connect(broker.mqttPort, { clientId: 'anon-after-cap' });
    await device.publishAsync('demo/ok', 'x', { qos: 1 });
    await device.endAsync(true);
  });

  it('without a configured cap, the open-file limit less the reserve decides, and the process can still open files', async () => {
    const limit = openFileLimit();
    assert.ok(limit !== null && limit > 100, `an open-file limit is readable (${limit})`);
    assert.equal(DEFAULT_DESCRIPTOR_RESERVE, 512);
    // a reserve that leaves room for 30 devices only, as a full node would be
    const broker = await startBroker(
      {
        host: '127.0.0.1',
        mqttPort: 0,
        wsPort: null,
        allowAnonymous: true,
        maxPayloadBytes: 1024,
        reserveDescriptors: limit - 30,
      },
      { authenticator: { authenticate: async () => false }, logger },
    );
    started.push(broker);
    const sockets = await openRaw(broker.mqttPort, 45);
    opened.push(...sockets);
    assert.equal(broker.stats().sockets.capacity, 30);
    assert.equal(broker.stats().sockets.open, 30);
    assert.equal(broker.stats().sockets.refused, 15);
    // what the reserve is for: a file (or the database pool's next connection) still opens
    const fd = openSync('/dev/null', 'r');
    closeSync(fd);
  });
});
