// A burst of SCAIP datagrams arriving while the gateway's event loop is busy (a GC pause, a storm
// of reconnects, power returning to a district) waits in the kernel's receive buffer of the SIP UDP
// socket. A buffer too small drops the rest silently: each controller waits its SIP timer (500 ms,
// then 1 s, 2 s...) before it sends again, and the alarm is late for no reason the operators can
// see. Here 2,000 controllers' alarms arrive at once while the gateway cannot read: every one is
// answered snu 0 without a retransmission, and the kernel's drop count is on /metrics.

import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { udpReceiveDrops } from '../src/server.ts';
import { alarmFields, mrq, startTestGateway, type TestGateway, uniqueCid } from './helpers.ts';

const BURST = 2_000;

function sipMessage(body: string, id: string): string {
  return [
    'MESSAGE sip:scaip@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-b${id}`,
    'From: <sip:controller@127.0.0.1>;tag=c1',
    'To: <sip:scaip@127.0.0.1>',
    `Call-ID: burst-${id}`,
    'CSeq: 1 MESSAGE',
    'Content-Type: application/scaip+xml',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

// The controllers: a thread of its own that sends every datagram once (no retransmission), says so
// through shared memory, then counts the 200 OK snu 0 answers by Call-ID.
const CONTROLLERS = `
const dgram = require('node:dgram');
const { workerData, parentPort } = require('node:worker_threads');
const { port, packets, sent, waitMs } = workerData;
const flag = new Int32Array(sent);
const socket = dgram.createSocket('udp4');
const answered = new Set();
socket.on('message', (msg) => {
  const text = msg.toString();
  const id = /Call-ID: (\\S+)/.exec(text)?.[1];
  if (id && text.startsWith('SIP/2.0 200') && text.includes('<snu>0</snu>')) answered.add(id);
  if (answered.size === packets.length) finish();
});
let done = false;
function finish() {
  if (done) return;
  done = true;
  socket.close();
  parentPort.postMessage({ answered: answered.size });
}
socket.bind(0, '127.0.0.1', () => {
  socket.setRecvBufferSize(8 * 1024 * 1024);
  let left = packets.length;
  for (const packet of packets) {
    socket.send(packet, port, '127.0.0.1', () => {
      if (--left === 0) {
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      }
    });
  }
  setTimeout(finish, waitMs);
});
`;

/**
 * Sends one alarm per controller at once while this thread (the gateway's event loop) is blocked,
 * and counts the controllers answered 200 OK snu 0 on their first and only sending.
 */
async function burst(gw: TestGateway, cids: string[], waitMs: number): Promise<number> {
  const packets = cids.map((cid, i) => sipMessage(mrq(alarmFields(cid, `B${i}`)), `${cid}-${i}`));
  const sent = new SharedArrayBuffer(4);
  const controllers = new Worker(CONTROLLERS, {
    eval: true,
    workerData: { port: gw.gateway.udpPort, packets, sent, waitMs },
  });
  const result = new Promise<{ answered: number }>((resolve, reject) => {
    controllers.once('message', resolve);
    controllers.once('error', reject);
  });
  // the gateway's event loop (this thread's) is blocked until every datagram has been sent: they
  // all wait in the socket's receive buffer, as behind a long pause of a busy gateway
  assert.equal(Atomics.wait(new Int32Array(sent), 0, 0, 30_000), 'ok', 'the controllers sent their burst');
  const { answered } = await result;
  await controllers.terminate();
  return answered;
}

describe('a burst of SCAIP datagrams while the gateway is busy', () => {
  let gw: TestGateway;
  const cids = Array.from({ length: BURST }, () => uniqueCid());

  beforeAll(async () => {
    gw = await startTestGateway(new Set(cids));
  });
  afterAll(async () => {
    await gw?.close();
  });

  test(`${BURST} controllers' alarms sent at once are all answered snu 0 without a retransmission, and no datagram was dropped`, async () => {
    const answered = await burst(gw, cids, 20_000);
    assert.equal(answered, BURST, `every alarm of the burst answered snu 0 on its first sending (${answered})`);
    assert.equal(udpReceiveDrops(gw.gateway.udpPort), 0, 'the kernel dropped no datagram of the SIP socket');
    const text = await gw.metricsText();
    assert.match(text, /^scaip_udp_datagrams_dropped_total 0$/m);
    assert.match(text, new RegExp(`^scaip_requests_accepted_total\\{channel="event"\\} ${BURST}$`, 'm'));
    const buffer = /^scaip_udp_receive_buffer_bytes (\d+)$/m.exec(text);
    assert.ok(buffer && Number(buffer[1]) >= 4 * 1024 * 1024, `receive buffer on /metrics (${buffer?.[1]})`);
    assert.equal(gw.gateway.stats().udp.dropped, 0);
  });

  test('the drop count is read from the kernel: a port nobody bound has none, a malformed table reads as 0', () => {
    assert.equal(udpReceiveDrops(1, ''), 0);
    const table = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  412: 0100007F:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 31337 2 0000000000000000 17',
      '  413: 00000000:13C5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 31338 2 0000000000000000 5',
      'garbage',
    ].join('\n');
    assert.equal(udpReceiveDrops(0x13c4, table), 17);
    assert.equal(udpReceiveDrops(0x13c5, table), 5);
    assert.equal(udpReceiveDrops(0x13c6, table), 0);
  });
});

describe('a receive buffer too small for the burst', () => {
  let gw: TestGateway;
  const cids = Array.from({ length: 400 }, () => uniqueCid());

  beforeAll(async () => {
    // the kernel's smallest buffer: what a gateway on an unraised net.core.rmem_max comes close to
    gw = await startTestGateway(new Set(cids), undefined, { udpReceiveBufferBytes: 4096 });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test('the datagrams the kernel dropped are counted on /metrics and in stats, and the gateway keeps serving', async () => {
    const answered = await burst(gw, cids, 1_500);
    assert.ok(answered < cids.length, `some of the burst was dropped (${answered} answered)`);
    const dropped = gw.gateway.stats().udp.dropped;
    assert.equal(dropped, cids.length - answered, 'every datagram not answered is a counted drop');
    assert.match(await gw.metricsText(), new RegExp(`^scaip_udp_datagrams_dropped_total ${dropped}$`, 'm'));
    // a scrape again counts nothing twice
    assert.match(await gw.metricsText(), new RegExp(`^scaip_udp_datagrams_dropped_total ${dropped}$`, 'm'));
    // the controllers resend after their SIP timer: the next datagram is answered
    const again = await burst(gw, cids.slice(0, 1), 3_000);
    assert.equal(again, 1);
  });
});
