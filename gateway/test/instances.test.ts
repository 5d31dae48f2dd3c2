// Several gateway instances (GATEWAY_INSTANCE_ID) share the alarm load, but a call lives in the
// memory of the instance that took the alarm: its tnu names that instance. SIPp as the unit calls
// the tnu it was told (and is heard there); an INVITE for that tnu arriving at the other instance
// (a load balancer or DNS pointing elsewhere) is refused 480, counted as CALL_ON_OTHER_INSTANCE.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, test } from 'vitest';
import {
  alarmFields,
  eventually,
  freeUdpPort,
  mrq,
  runSipp,
  runSippUnit,
  startTestGateway,
  subscribeDevices,
  type TestGateway,
  uniqueCid,
} from './helpers.ts';

const PCAP = '/usr/share/sip-tester/g711a.pcap';
const RTP_ECHO = ['-rtp_echo', '-mi', '127.0.0.1', '-mp', '0'];
const OFFER = [
  'v=0',
  'o=unit 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 8',
  'a=rtpmap:8 PCMA/8000',
].join('\r\n');

/** One SIP MESSAGE over UDP from a plain socket; resolves with the body of the 200 OK (the mrs). */
async function sendMessage(port: number, body: string): Promise<string> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = socket.address().port;
  const request = [
    `MESSAGE sip:scaip@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${randomBytes(6).toString('hex')}`,
    `From: <sip:controller@127.0.0.1:${local}>;tag=1`,
    `To: <sip:scaip@127.0.0.1:${port}>`,
    `Call-ID: ${randomBytes(8).toString('hex')}@127.0.0.1`,
    'CSeq: 1 MESSAGE',
    'Content-Type: application/scaip+xml',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer to the MESSAGE')), 3000);
      socket.on('message', (data) => {
        const text = data.toString('utf8');
        if (!text.startsWith('SIP/2.0 200')) return;
        clearTimeout(timer);
        resolve(text.slice(text.indexOf('\r\n\r\n') + 4));
      });
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

describe('two gateway instances: the unit calls the instance that took its alarm', () => {
  const controllers = new Set<string>();
  let a: TestGateway;
  let b: TestGateway;
  let subscriber: Awaited<ReturnType<typeof subscribeDevices>>;
  const instance = (instanceId: string) => startTestGateway(controllers, 120, { withVoice: true, instanceId });

  beforeAll(async () => {
    subscriber = await subscribeDevices();
    a = await instance('gw-a');
    b = await instance('gw-b');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await subscriber?.close();
  });

  test('the tnu names the instance; its INVITE works there and at the other instance is refused 480, counted', async () => {
    const cid = uniqueCid();
    controllers.add(cid);
    const run = runSipp('voice-call.xml', a.gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(cid, 'I0001'), crd: 'sip:unit@127.0.0.1' }), cid, pcap: PCAP },
      sets: { hangup: 'receiver' },
      extraArgs: RTP_ECHO,
    });
    const voiceA = a.gateway.voice;
    assert.ok(voiceA);
    assert.ok(await eventually(() => voiceA.book.current(cid)?.state === 'active', 5000), 'the call connects on A');
    const callId = voiceA.book.current(cid)?.callId as string;
    const tnu = `sip:voice-gw-a@127.0.0.1:${a.gateway.udpPort}`;

    // the same controller's INVITE for A's tnu, delivered to B: refused, counted, A's call untouched
    const before = b.gateway.stats().rejected.CALL_ON_OTHER_INSTANCE ?? 0;
    const wrong = await runSipp('voice-invite-to.xml', b.gateway.udpPort, {
      keys: { ruri: tnu, cid, sdp: OFFER, ctype: 'application/sdp' },
      sets: { expected: '480' },
    });
    assert.equal(wrong.code, 0, wrong.stdout + wrong.stderr);
    assert.equal(b.gateway.stats().rejected.CALL_ON_OTHER_INSTANCE, before + 1);
    assert.match(await b.metricsText(), /reason="CALL_ON_OTHER_INSTANCE",sip="480"[^\n]* 1/);

    assert.ok(await eventually(() => (voiceA.dialogs.rtpStats()[callId]?.packetsIn ?? 0) > 20, 5000));
    assert.equal(await voiceA.dialogs.hangUp(callId), true);
    const done = await run;
    assert.equal(done.code, 0, done.stdout + done.stderr);
  });

  test("each instance's mrs names its own tnu", async () => {
    for (const [gw, id] of [
      [a, 'gw-a'],
      [b, 'gw-b'],
    ] as const) {
      const cid = uniqueCid();
      controllers.add(cid);
      const mrs = await sendMessage(
        gw.gateway.udpPort,
        mrq({ ...alarmFields(cid, 'I0002'), crd: 'sip:unit@127.0.0.1' }),
      );
      assert.ok(mrs.includes(`<tnu>sip:voice-${id}@127.0.0.1:${gw.gateway.udpPort}</tnu>`), mrs);
    }
  });

  test('call events name the instance and "offered" the unit; another instance rings up a UDP unit from that address', async () => {
    const cid = uniqueCid();
    controllers.add(cid);
    const deviceId = `scaip-${cid}-1`;
    const unitPort = await freeUdpPort();
    const crd = `sip:unit@127.0.0.1:${unitPort}`;
    await sendMessage(a.gateway.udpPort, mrq({ ...alarmFields(cid, 'I0003'), crd }));
    const events = () =>
      subscriber.received.filter((m) => m.topic === `v1/voice/${deviceId}/call`).map((m) => m.payload);
    assert.ok(await eventually(() => events().length === 1, 3000));
    assert.equal(events()[0]?.instance, 'gw-a');
    assert.deepEqual(events()[0]?.unit, { uri: crd, transport: 'udp' });

    // B never heard this unit: with no address, or one on TCP (reachable only on its controller's
    // own connection, which B does not hold), it cannot call it
    const voiceB = b.gateway.voice;
    assert.ok(voiceB);
    assert.deepEqual(await voiceB.ringUp(deviceId, 'ringupp-1'), { ok: false, code: 'UNIT_NOT_CALLABLE' });
    assert.deepEqual(await voiceB.ringUp(deviceId, 'ringupp-1', { uri: crd, transport: 'tcp' }), {
      ok: false,
      code: 'UNIT_NOT_CALLABLE',
    });
    const unit = runSippUnit('callback-answer.xml', unitPort, { keys: { pcap: PCAP }, extraArgs: RTP_ECHO });
    await new Promise((resolve) => setTimeout(resolve, 300)); // SIPp listening before our INVITE
    const rang = await voiceB.ringUp(deviceId, 'ringupp-1', { uri: crd, transport: 'udp' });
    assert.ok(rang.ok, JSON.stringify(rang));
    assert.ok(await eventually(() => voiceB.book.get(rang.callId)?.state === 'active', 8000), 'the unit answers B');
    assert.equal(await voiceB.dialogs.hangUp(rang.callId), true);
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    const offered = events().find((e) => e.callId === rang.callId && e.type === 'call.offered');
    assert.equal(offered?.instance, 'gw-b');
    assert.deepEqual(offered?.unit, { uri: crd, transport: 'udp' });
  });
});
