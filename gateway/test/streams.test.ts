// SIP over TCP cannot exhaust the gateway: real sockets (hundreds, from several loopback
// addresses) against per-peer and total caps, an idle timeout for half-open connections, and the
// documented 413 for a header section over 8 KiB. UDP and other peers keep being served.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, afterEach, describe, test } from 'vitest';
import { connectPublisher, type Publisher, startGateway } from '../src/index.ts';
import { type Gateway, type StreamLimits, streamCapacity } from '../src/server.ts';
import { alarmFields, eventually, MQTT_URL, mrq, silentLogger, uniqueCid } from './helpers.ts';

function sipMessage(body: string, extraHeader = ''): Buffer {
  return Buffer.from(
    [
      'MESSAGE sip:scaip@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-s${Math.random().toString(16).slice(2)}`,
      'From: <sip:controller@127.0.0.1>;tag=c1',
      'To: <sip:scaip@127.0.0.1>',
      `Call-ID: streams-${Math.random().toString(16).slice(2)}`,
      'CSeq: 1 MESSAGE',
      ...(extraHeader ? [extraHeader] : []),
      'Content-Type: application/scaip+xml',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

/** Opens `count` idle connections from `localAddress`; resolves once each connected or was closed. */
async function openIdle(port: number, localAddress: string, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const socket = net.connect({ port, host: '127.0.0.1', localAddress });
          socket.on('error', () => resolve());
          socket.once('connect', () => resolve());
          sockets.push(socket);
        }),
    ),
  );
  return sockets;
}

/** Sends one request on a fresh connection from `localAddress` and returns what came back. */
function exchange(port: number, localAddress: string, data: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    let received = '';
    socket.on('data', (c) => {
      received += c.toString();
      if (/Content-Length: (\d+)\r\n\r\n/.test(received) && received.includes('</mrs>')) socket.end();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    socket.write(data);
  });
}

function udpExchange(port: number, data: Buffer): Promise<string> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('message', (msg) => {
      socket.close();
      resolve(msg.toString());
    });
    socket.send(data, port, '127.0.0.1');
  });
}

describe('SIP over TCP under connection exhaustion', () => {
  let publisher: Publisher;
  let gateway: Gateway | undefined;
  const held: net.Socket[] = [];
  const controllers = new Set<string>();

  async function start(streams: Partial<StreamLimits>): Promise<Gateway> {
    publisher ??= await connectPublisher({ url: MQTT_URL });
    gateway = await startGateway({
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      controllers: { isKnown: (cid) => controllers.has(cid) },
      publish: publisher.publish,
      logger: silentLogger,
      streams,
    });
    return gateway;
  }

  function alarm(): Buffer {
    const cid = uniqueCid();
    controllers.add(cid);
    return sipMessage(mrq(alarmFields(cid, 'S0001')));
  }

  afterEach(async () => {
    for (const socket of held.splice(0)) socket.destroy();
    await gateway?.close();
    gateway = undefined;
  });
  afterAll(async () => {
    await publisher?.close();
  });

  test('a peer holding its cap of idle connections gets no more; other peers and UDP are still served', async () => {
    const gw = await start({ maxPerPeer: 20 });
    held.push(...(await openIdle(gw.tcpPort, '127.0.0.2', 30)));
    assert.ok(await eventually(() => gw.stats().streams.refused.peer === 10, 5000), JSON.stringify(gw.stats().streams));
    assert.equal(gw.stats().streams.open, 20);
    assert.match(await exchange(gw.tcpPort, '127.0.0.3', alarm()), /<snu>0<\/snu>/);
    assert.match(await udpExchange(gw.udpPort, alarm()), /<snu>0<\/snu>/);
  });

  test('a thousand idle connections fill the total cap, not the descriptors: UDP alarms are still accepted', async () => {
    const gw = await start({ maxTotal: 800, maxPerPeer: 10_000 });
    for (const address of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) {
      held.push(...(await openIdle(gw.tcpPort, address, 250)));
    }
    assert.ok(
      await eventually(() => gw.stats().streams.refused.total === 200, 10_000),
      JSON.stringify(gw.stats().streams),
    );
    assert.equal(gw.stats().streams.open, 800);
    assert.match(await udpExchange(gw.udpPort, alarm()), /<snu>0<\/snu>/);
    // once idle connections go, a TCP controller gets in again
    for (const socket of held.splice(0, 10)) socket.destroy();
    assert.ok(await eventually(() => gw.stats().streams.open <= 790, 5000));
    assert.match(await exchange(gw.tcpPort, '127.0.0.6', alarm()), /<snu>0<\/snu>/);
  });

  test('a half-open connection that never completes a request is closed after the idle timeout', async () => {
    const gw = await start({ idleTimeoutMs: 200 });
    const socket = net.connect(gw.tcpPort, '127.0.0.1');
    held.push(socket);
    socket.on('error', () => {});
    socket.write('MESSAGE sip:scaip@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999\r\n');
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    assert.equal(gw.stats().streams.idleClosed, 1);
  });

  test('a header section over 8 KiB on TCP is answered 413 before the connection is closed', async () => {
    const gw = await start({});
    const response = await exchange(gw.tcpPort, '127.0.0.1', sipMessage('', `X-Padding: ${'p'.repeat(9000)}`));
    assert.match(response, /^SIP\/2\.0 413 /);
    assert.match(response, /Call-ID: streams-/);
    assert.equal(gw.stats().rejected.SIP_TOO_LARGE, 1);
  });

  test('the total cap leaves the reserved descriptors free', () => {
    const limits = { idleTimeoutMs: 1, maxPerPeer: 1, maxTotal: 4096, reserveDescriptors: 512 };
    assert.equal(streamCapacity(limits, 1024), 512);
    assert.equal(streamCapacity(limits, 20_000), 4096);
    assert.equal(streamCapacity(limits, 100), 0);
    assert.equal(streamCapacity(limits, null), 4096);
  });
});
