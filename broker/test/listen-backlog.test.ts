// A reconnect storm meets the broker's listening socket first: connections the kernel has
// completed wait in its accept queue until the broker's event loop takes them. A queue too short
// (Node's default backlog is 511) drops the rest of the storm's SYNs, and each of those devices
// waits for its TCP retransmission (1 s, then 3 s, 7 s...) before it even reaches the broker,
// counted only machine-wide (`nstat TcpExtListenOverflows`). Here 2,000 devices connect while
// the broker cannot accept: every one completes its handshake, and then gets its CONNACK.

import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DEFAULT_LISTEN_BACKLOG, type RunningBroker, startBroker } from '../src/broker.ts';

const STORM = 2_000;

// The devices: a thread of their own that opens every connection while the broker's thread is
// blocked, counts handshakes completed in shared memory (index 0; index 1 says "all in"), then
// sends each an MQTT 3.1.1 CONNECT and counts the CONNACKs.
const DEVICES = `
const net = require('node:net');
const { workerData, parentPort } = require('node:worker_threads');
const { port, count, shared } = workerData;
const state = new Int32Array(shared);
const connect = (id) => {
  const clientId = Buffer.from(id);
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60]);
  const payload = Buffer.concat([Buffer.from([clientId.length >> 8, clientId.length & 255]), clientId]);
  const length = variable.length + payload.length;
  return Buffer.concat([Buffer.from([0x10, length]), variable, payload]);
};
let acked = 0;
const sockets = [];
for (let i = 0; i < count; i++) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  sockets.push(socket);
  socket.on('error', () => {});
  socket.once('connect', () => {
    if (Atomics.add(state, 0, 1) + 1 === count) {
      Atomics.store(state, 1, 1);
      Atomics.notify(state, 1);
    }
    socket.write(connect('storm-' + i));
  });
  socket.once('data', (data) => {
    if (data[0] === 0x20) acked++;
    if (acked === count) done();
  });
}
let finished = false;
function done() {
  if (finished) return;
  finished = true;
  for (const s of sockets) s.destroy();
  parentPort.postMessage({ acked });
}
setTimeout(done, 30000);
`;

describe('a storm of connections while the broker is busy', () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: true, maxPayloadBytes: 1024 },
      {
        authenticator: { authenticate: async () => false },
        logger: pino({ level: 'silent' }),
      },
    );
  });
  afterAll(async () => {
    await broker?.close();
  });

  it(`${STORM} devices connecting at once all complete their TCP handshake while the broker cannot accept, then all get a CONNACK`, async () => {
    assert.ok(DEFAULT_LISTEN_BACKLOG >= 4096);
    const shared = new SharedArrayBuffer(8);
    const state = new Int32Array(shared);
    const devices = new Worker(DEVICES, { eval: true, workerData: { port: broker.mqttPort, count: STORM, shared } });
    const result = new Promise<{ acked: number }>((resolve, reject) => {
      devices.once('message', resolve);
      devices.once('error', reject);
    });
    // the broker's event loop (this thread's) takes no connection until every device is in, or 3 s
    // have passed: longer than a dropped SYN's first retransmission, so a drop cannot hide
    Atomics.wait(state, 1, 0, 3_000);
    const inWhileBlocked = Atomics.load(state, 0);
    const { acked } = await result;
    await devices.terminate();
    assert.equal(inWhileBlocked, STORM, `handshakes completed while the broker was busy (${inWhileBlocked})`);
    assert.equal(acked, STORM, 'every device answered CONNACK');
  });
});
