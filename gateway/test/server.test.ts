// The gateway on real sockets, driven byte by byte where SIPp cannot go (garbage, oversized TCP
// bodies, broker failures), and the SCAIP transaction rules on a simulated clock.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { DeviceType } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createScaipHandler } from '../src/handler.ts';
import { connectPublisher, startGateway } from '../src/index.ts';
import { MAX_SIP_BODY_BYTES } from '../src/sip.ts';
import {
  alarmFields,
  eventually,
  MQTT_URL,
  mrq,
  silentLogger,
  startTestGateway,
  subscribeDevices,
  type TestGateway,
  uniqueCid,
} from './helpers.ts';

let callSeq = 0;
function sipMessage(body: string, options: { method?: string; contentType?: string; cseq?: number } = {}): Buffer {
  callSeq++;
  return Buffer.from(
    [
      `${options.method ?? 'MESSAGE'} sip:scaip@127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-t${callSeq}`,
      'From: <sip:controller@127.0.0.1>;tag=c1',
      'To: <sip:scaip@127.0.0.1>',
      `Call-ID: test-${callSeq}`,
      `CSeq: ${options.cseq ?? 1} ${options.method ?? 'MESSAGE'}`,
      `Content-Type: ${options.contentType ?? 'application/scaip+xml'}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

const PEER = { transport: 'udp' as const, address: '127.0.0.1', port: 5999 };

async function udpExchange(port: number, data: Buffer, timeoutMs = 2000): Promise<string | null> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg.toString('utf8'));
      });
      socket.send(data, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

function statusOf(response: string | null | Buffer): number | undefined {
  const match = /^SIP\/2\.0 (\d{3}) /.exec(response?.toString() ?? '');
  return match ? Number(match[1]) : undefined;
}

describe('gateway sockets', () => {
  let gw: TestGateway;
  let subscriber: Awaited<ReturnType<typeof subscribeDevices>>;
  const controllers = new Set<string>();

  beforeAll(async () => {
    subscriber = await subscribeDevices();
    gw = await startTestGateway(controllers, 90);
  });
  afterAll(async () => {
    await gw.close();
    await subscriber.close();
  });

  test('the 200 OK carries the mrs with ref, snu 0 and the controller heartbeat interval', async () => {
    const cid = uniqueCid();
    controllers.add(cid);
    const response = await udpExchange(gw.gateway.udpPort, sipMessage(mrq(alarmFields(cid, 'H0001'))));
    assert.equal(statusOf(response), 200);
    assert.match(response ?? '', /\r\n\r\n<\?xml[^>]*\?><mrs><ref>H0001<\/ref><snu>0<\/snu><hbi>90<\/hbi><\/mrs>$/);
    assert.match(response ?? '', /\r\nTo: <sip:scaip@127\.0\.0\.1>;tag=[0-9a-f]+\r\n/);
    assert.ok(await eventually(() => subscriber.received.some((m) => m.topic === `v1/devices/scaip-${cid}-1/event`)));
  });

  test('garbage datagrams get no answer and the gateway keeps serving', async () => {
    const before = gw.gateway.stats().rejected.SIP_MALFORMED ?? 0;
    for (const junk of ['', '\x00\xff\xfe', 'MESSAGE\r\n\r\n', 'x'.repeat(60_000)]) {
      assert.equal(await udpExchange(gw.gateway.udpPort, Buffer.from(junk, 'latin1'), 200), null);
    }
    assert.equal(gw.gateway.stats().rejected.SIP_MALFORMED, before + 4);
    const options = await udpExchange(gw.gateway.udpPort, sipMessage('', { method: 'OPTIONS' }));
    assert.equal(statusOf(options), 200);
    assert.match(options ?? '', /\r\nAllow: MESSAGE, OPTIONS\r\n/);
  });

  test('other methods are 405 and other media types 415', async () => {
    assert.equal(statusOf(await udpExchange(gw.gateway.udpPort, sipMessage('', { method: 'INVITE' }))), 405);
    const cid = uniqueCid();
    controllers.add(cid);
    const json = sipMessage('{"alarm":true}', { contentType: 'application/json' });
    assert.equal(statusOf(await udpExchange(gw.gateway.udpPort, json)), 415);
  });

  test('a TCP body over the SIP size limit is answered 413 and the connection closed', async () => {
    const head = sipMessage('')
      .toString()
      .replace('Content-Length: 0', `Content-Length: ${MAX_SIP_BODY_BYTES + 1}`);
    const socket = net.connect(gw.gateway.tcpPort, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.write(head);
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    assert.equal(statusOf(Buffer.concat(chunks)), 413);
  });

  test('several SCAIP requests on one TCP connection are each answered', async () => {
    const cid = uniqueCid();
    controllers.add(cid);
    const socket = net.connect(gw.gateway.tcpPort, '127.0.0.1');
    let received = '';
    socket.on('data', (c) => {
      received += c.toString();
    });
    socket.write(Buffer.concat([1, 2, 3].map((n) => sipMessage(mrq(alarmFields(cid, `S000${n}`))))));
    assert.ok(await eventually(() => (received.match(/<snu>0<\/snu>/g) ?? []).length === 3));
    socket.destroy();
  });
});

describe('SIP over TLS', () => {
  test('with a certificate configured, an alarm over TLS is answered 200 OK with snu 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaip-tls-'));
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    const publisher = await connectPublisher({ url: MQTT_URL });
    const cid = uniqueCid();
    const gateway = await startGateway({
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      tls: { port: 0, key: readFileSync(keyFile), cert: readFileSync(certFile) },
      controllers: { isKnown: (id) => id === cid },
      publish: publisher.publish,
      logger: silentLogger,
    });
    try {
      assert.ok(gateway.tlsPort);
      const socket = tls.connect({ host: '127.0.0.1', port: gateway.tlsPort, rejectUnauthorized: false });
      let received = '';
      socket.on('data', (c: Buffer) => {
        received += c.toString();
      });
      socket.write(sipMessage(mrq(alarmFields(cid, 'TLS0001'))));
      assert.ok(await eventually(() => received.includes('</mrs>')), received);
      assert.equal(statusOf(received), 200);
      assert.match(received, /<snu>0<\/snu>/);
      socket.destroy();
    } finally {
      await gateway.close();
      await publisher.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SCAIP transaction rules', () => {
  function recordingHandler(
    options: { now?: () => number; fail?: number; dedupeTtlMs?: number; units?: Record<string, DeviceType> } = {},
  ) {
    const published: { topic: string; payload: Record<string, unknown> }[] = [];
    let failures = options.fail ?? 0;
    const { units } = options;
    const handler = createScaipHandler({
      controllers: {
        isKnown: async (cid) => cid !== 'Stranger',
        ...(units
          ? { unit: async (_cid: string, did: string) => (units[did] ? { deviceType: units[did] } : null) }
          : {}),
      },
      async publish(topic, payload) {
        if (failures-- > 0) throw new Error('broker unavailable');
        published.push({ topic, payload: JSON.parse(payload.toString()) });
      },
      logger: silentLogger,
      ...(options.now ? { now: options.now } : {}),
      ...(options.dedupeTtlMs ? { dedupeTtlMs: options.dedupeTtlMs } : {}),
    });
    return { handler, published };
  }

  test('a heartbeat from an unregistered unit is answered snu 0 and not published; its press is published', async () => {
    const { handler, published } = recordingHandler({ units: { '1': 'pendant' } });
    const heartbeat = await handler.handle(
      sipMessage(mrq({ ref: 'H0001', cid: 'C1', mty: 'PI', dty: '0002', did: '0' })),
      PEER,
    );
    assert.match(heartbeat?.toString() ?? '', /<snu>0<\/snu>/);
    assert.equal(published.length, 0);
    assert.equal(handler.stats().unregisteredHeartbeats, 1);
    await handler.handle(sipMessage(mrq({ ...alarmFields('C1', 'U0009'), did: '9' })), PEER);
    assert.equal(published.length, 1, 'the alarm center raises it as an unknown unit');
    assert.equal(handler.stats().unknownUnits, 1);
  });

  test("an event not allowed for the unit's registered type is snu 5 and not published", async () => {
    const { handler, published } = recordingHandler({ units: { '1': 'door' } });
    const response = await handler.handle(sipMessage(mrq(alarmFields('C1', 'N0001'))), PEER);
    assert.match(response?.toString() ?? '', /<snu>5<\/snu>/);
    assert.equal(published.length, 0);
    assert.deepEqual(handler.stats().rejected, { EVENT_NOT_FOR_DEVICE_TYPE: 1 });
  });

  test('a broker failure is answered 503 and the retransmission is then published', async () => {
    const { handler, published } = recordingHandler({ fail: 1 });
    const body = mrq(alarmFields('C1', 'F0001'));
    assert.equal(statusOf(await handler.handle(sipMessage(body), PEER)), 503);
    assert.equal(handler.stats().rejected.PUBLISH_FAILED, 1);
    const retry = await handler.handle(sipMessage(body), PEER);
    assert.match(retry?.toString() ?? '', /<snu>0<\/snu>/);
    assert.equal(published.length, 1);
    assert.equal(handler.stats().accepted, 1);
  });

  test('a retransmission arriving while the first publish is pending waits for it, and publishes nothing', async () => {
    const { handler, published } = recordingHandler();
    const body = mrq(alarmFields('C1', 'P0001'));
    const [first, second] = await Promise.all([
      handler.handle(sipMessage(body), PEER),
      handler.handle(sipMessage(body), PEER),
    ]);
    assert.match(first?.toString() ?? '', /<snu>0<\/snu>/);
    assert.match(second?.toString() ?? '', /<snu>0<\/snu>/);
    assert.equal(published.length, 1);
    assert.equal(handler.stats().duplicates, 1);
  });

  test('the same ref from another controller is a different alarm', async () => {
    const { handler, published } = recordingHandler();
    await handler.handle(sipMessage(mrq(alarmFields('C1', 'same1'))), PEER);
    await handler.handle(sipMessage(mrq(alarmFields('C2', 'same1'))), PEER);
    assert.equal(published.length, 2);
  });

  test('after the de-duplication TTL the same ref is published again', async () => {
    let now = Date.UTC(2025, 0, 1);
    const { handler, published } = recordingHandler({ now: () => now, dedupeTtlMs: 60_000 });
    const body = mrq(alarmFields('C1', 'T0001'));
    await handler.handle(sipMessage(body), PEER);
    now += 59_000;
    await handler.handle(sipMessage(body), PEER);
    assert.equal(published.length, 1);
    now += 2_000;
    await handler.handle(sipMessage(body), PEER);
    assert.equal(published.length, 2);
    assert.equal(published[1]?.payload.ts, now);
  });

  test('an unknown controller is 403 without an mrs, counted by reason', async () => {
    const { handler, published } = recordingHandler();
    const response = await handler.handle(sipMessage(mrq(alarmFields('Stranger', 'x0001'))), PEER);
    assert.equal(statusOf(response), 403);
    assert.doesNotMatch(response?.toString() ?? '', /<mrs>/);
    assert.deepEqual(handler.stats().rejected, { UNKNOWN_CONTROLLER: 1 });
    assert.equal(published.length, 0);
  });

  test('a registry that cannot answer is 503, not a refusal', async () => {
    const handler = createScaipHandler({
      controllers: {
        isKnown: () => {
          throw new Error('registry down');
        },
      },
      publish: async () => {},
      logger: silentLogger,
    });
    assert.equal(statusOf(await handler.handle(sipMessage(mrq(alarmFields('C1', 'r0001'))), PEER)), 503);
    assert.deepEqual(handler.stats().rejected, { REGISTRY_UNAVAILABLE: 1 });
  });

  test('SCAIP refusals are counted by reason and answered 200 with the snu', async () => {
    const { handler } = recordingHandler();
    const cases: [string, number, string][] = [
      [mrq({ ...alarmFields('C1', 'r1'), stc: undefined }), 7, 'MANDATORY_TAG_MISSING'],
      [mrq({ ...alarmFields('C1', 'r2'), dty: '0014', stc: '0010' }), 3, 'WRONG_CONTENT'],
      ['<mrq><ref>r3</ref>', 2, 'INVALID_FORMAT'],
      [mrq({ ...alarmFields('C1', 'r4'), lco: 'y'.repeat(5000) }), 1, 'TOO_LONG'],
    ];
    for (const [body, snu, reason] of cases) {
      const response = (await handler.handle(sipMessage(body), PEER))?.toString() ?? '';
      assert.equal(statusOf(response), 200);
      assert.match(response, new RegExp(`<snu>${snu}</snu>`), reason);
      assert.equal(handler.stats().rejected[reason], 1, reason);
    }
    const tooLong = (await handler.handle(sipMessage(cases[3]?.[0] ?? ''), PEER))?.toString() ?? '';
    assert.match(tooLong, /<mrs><ref>r4<\/ref><snu>1<\/snu><\/mrs>/);
  });

  test('a body that is not UTF-8 is snu 2', async () => {
    const { handler } = recordingHandler();
    const message = Buffer.concat([sipMessage(''), Buffer.from([0xc3, 0x28])]);
    const text = message.toString('latin1').replace('Content-Length: 0', 'Content-Length: 2');
    const response = await handler.handle(Buffer.from(text, 'latin1'), PEER);
    assert.match(response?.toString() ?? '', /<snu>2<\/snu>/);
  });
});
