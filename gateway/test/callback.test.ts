// The receiver calls the unit back (cha 1 with a sip: crd, answered cre 62): SIPp plays the unit as
// the user agent server its crd names. It answers with G.711 and its recorded voice, echoes what
// we send; or it is busy, never answers, or answers with SDP we cannot use. Each way the call's
// events on the broker say how it went, so the alarm's history shows it.
// On TCP the unit is a plain socket here: SIPp cannot take an INVITE on the connection it opened.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createControllerAuth } from '../src/auth.ts';
import { SipStreamFramer } from '../src/sip.ts';
import {
  alarmFields,
  eventually,
  freeUdpPort,
  mrq,
  runSipp,
  runSippUnit,
  sippGateway,
  startTestGateway,
  type TestGateway,
} from './helpers.ts';

const PCAP = '/usr/share/sip-tester/g711a.pcap';
const RTP_ECHO = ['-rtp_echo', '-mi', '127.0.0.1', '-mp', '0'];

describe('the receiver calls the unit back (SIPp as the unit)', () => {
  // a short window, so "rings and nobody answers" ends within the test
  const gw = sippGateway({ withVoice: true, windowMs: 4000 });
  const { known, calls } = gw;
  const voice = () => {
    const v = gw.gateway.voice;
    assert.ok(v, 'voice is configured');
    return v;
  };

  /** The unit's alarm asking to be called back at SIPp's port; resolves once the mrs said cre 62. */
  async function alarmAskingForCallBack(cid: string, ref: string, unitPort: number): Promise<void> {
    const body = mrq({ ...alarmFields(cid, ref), crd: `sip:unit@127.0.0.1:${unitPort}`, cha: '1' });
    const run = await runSipp('scaip-voice-offer.xml', gw.gateway.udpPort, {
      keys: { body },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
  }

  const types = (cid: string) => calls(cid).map((m) => m.payload.type);
  const ended = (cid: string) => calls(cid).find((m) => m.payload.type === 'call.ended')?.payload;

  test('the unit answers: G.711 both ways, the call rings at the console, the operator hangs up', async () => {
    const cid = known();
    const port = await freeUdpPort();
    const unit = runSippUnit('callback-answer.xml', port, { keys: { pcap: PCAP }, extraArgs: RTP_ECHO });
    await alarmAskingForCallBack(cid, 'CB001', port);
    assert.ok(await eventually(() => voice().book.current(cid)?.state === 'active', 8000), 'the unit answers');
    const callId = voice().book.current(cid)?.callId as string;
    const rtp = () => voice().dialogs.rtpStats()[callId];
    assert.ok(await eventually(() => (rtp()?.packetsIn ?? 0) > 20, 5000), 'the unit’s voice reaches us');
    assert.equal(await voice().dialogs.hangUp(callId), true);
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    // what we sent made the round trip through the unit's media port (SIPp echoes it)
    assert.ok(await eventually(() => rtp()?.dtmfIn.includes('0') ?? false, 3000), JSON.stringify(rtp()));
    assert.ok(await eventually(() => types(cid).length === 3));
    assert.deepEqual(types(cid), ['call.offered', 'call.ringing', 'call.ended']);
    assert.equal(calls(cid)[0]?.payload.direction, 'receiver-calls-back');
    assert.equal(calls(cid)[1]?.payload.codec, 'PCMA');
    assert.equal(ended(cid)?.reason, 'operator-hung-up');
  });

  test('the unit hangs up the call-back with BYE: answered 200, the call ends as "unit-hung-up"', async () => {
    const cid = known();
    const port = await freeUdpPort();
    const unit = runSippUnit('callback-unit-hangs-up.xml', port, { keys: { pcap: PCAP }, extraArgs: RTP_ECHO });
    await alarmAskingForCallBack(cid, 'CB006', port);
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.ok(await eventually(() => ended(cid) !== undefined, 3000));
    assert.equal(ended(cid)?.reason, 'unit-hung-up');
    assert.equal(typeof ended(cid)?.durationS, 'number');
    assert.equal(voice().book.current(cid), undefined);
  });

  test('a busy unit (486): the call ends as "no voice contact" with the status, counted', async () => {
    const cid = known();
    const port = await freeUdpPort();
    const unit = runSippUnit('callback-busy.xml', port);
    await alarmAskingForCallBack(cid, 'CB002', port);
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.ok(await eventually(() => ended(cid) !== undefined, 3000));
    assert.equal(ended(cid)?.reason, 'no-voice-contact');
    assert.equal(ended(cid)?.sipStatus, 486);
    assert.equal(voice().book.current(cid), undefined);
    assert.match(await gw.metricsText(), /reason="CALLBACK_REFUSED"[^\n]* [1-9]/);
  });

  test('a unit that rings and never answers is cancelled when the window passes: "no voice contact"', async () => {
    const cid = known();
    const port = await freeUdpPort();
    const unit = runSippUnit('callback-ring-forever.xml', port);
    await alarmAskingForCallBack(cid, 'CB003', port);
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.ok(await eventually(() => ended(cid) !== undefined, 3000));
    assert.deepEqual(types(cid), ['call.offered', 'call.ended']);
    assert.equal(ended(cid)?.reason, 'no-voice-contact');
  });

  test('the operator hangs up a call-back before the unit rang: CANCEL once it rings, the call ends as "operator-hung-up"', async () => {
    const cid = known();
    const port = await freeUdpPort();
    const unit = runSippUnit('callback-ring-forever.xml', port);
    await alarmAskingForCallBack(cid, 'CB007', port);
    const callId = voice().book.current(cid)?.callId as string;
    // our INVITE is out, the unit's 180 a second away: the CANCEL must wait for it (RFC 3261 §9.1)
    assert.ok(await eventually(() => voice().dialogs.dialingCalls().includes(callId), 3000));
    assert.equal(await voice().dialogs.hangUp(callId), true);
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.ok(await eventually(() => ended(cid) !== undefined, 3000));
    assert.equal(ended(cid)?.reason, 'operator-hung-up');
  });

  for (const [what, keys, ref] of [
    ['malformed SDP', { first: 'junk', codecs: '8', rtpmap: 'a=rtpmap:8 PCMA/8000' }, 'CB004'],
    ['only unsupported codecs', { first: 'v=0', codecs: '9', rtpmap: 'a=rtpmap:9 G722/8000' }, 'CB005'],
  ] as const) {
    test(`a 200 OK with ${what} is ACKed and hung up (BYE), the call failed, counted`, async () => {
      const cid = known();
      const port = await freeUdpPort();
      const before = gw.gateway.stats().rejected.CALLBACK_ANSWER_UNUSABLE ?? 0;
      const unit = runSippUnit('callback-bad-answer.xml', port, { keys });
      await alarmAskingForCallBack(cid, ref, port);
      const done = await unit;
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.ok(await eventually(() => ended(cid) !== undefined, 3000));
      assert.equal(ended(cid)?.reason, 'failed');
      assert.equal(gw.gateway.stats().rejected.CALLBACK_ANSWER_UNUSABLE, before + 1);
      assert.equal(voice().book.current(cid), undefined);
    });
  }
});

describe('a unit that challenges our call-back (digest)', () => {
  const cid = 'Tcbdigest01';
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(new Set([cid, 'Tcbnosecret1']), 120, {
      withVoice: true,
      auth: createControllerAuth({
        credentials: new Map([
          [cid, { secret: 'unit-secret-123' }],
          ['Tcbnosecret1', { secret: 'another-secret-9' }],
        ]),
      }),
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  const alarm = (id: string, secret: string, ref: string, port: number) =>
    runSipp('scaip-digest.xml', gw.gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(id, ref), crd: `sip:unit@127.0.0.1:${port}`, cha: '1' }), cid: id },
      sets: { expected: '0' },
      auth: { username: id, password: secret },
    });

  test("is answered with the controller's secret: the call connects", async () => {
    const port = await freeUdpPort();
    const unit = runSippUnit('callback-digest.xml', port);
    const run = await alarm(cid, 'unit-secret-123', 'CD001', port);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const voice = gw.gateway.voice;
    assert.ok(voice);
    assert.ok(await eventually(() => voice.book.current(cid)?.state === 'active', 8000), 'the unit took our digest');
    assert.equal(await voice.dialogs.hangUp(voice.book.current(cid)?.callId as string), true);
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
  });

  test('a digest the unit does not accept (403) ends the call, counted as refused', async () => {
    const port = await freeUdpPort();
    // the unit expects Tcbdigest01's secret; this controller's secret differs, so the unit says 403
    const unit = runSippUnit('callback-digest.xml', port);
    const run = await alarm('Tcbnosecret1', 'another-secret-9', 'CD002', port);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await unit;
    const voice = gw.gateway.voice;
    assert.ok(voice);
    assert.ok(await eventually(() => voice.book.current('Tcbnosecret1') === undefined, 5000));
    assert.equal(gw.gateway.stats().rejected.CALLBACK_REFUSED, 1);
  });
});

describe('a call-back to a controller on TCP', () => {
  const gw = sippGateway({ withVoice: true });

  test('our INVITE comes on the controller’s own connection; its 200 OK there connects the call', async () => {
    const cid = gw.known();
    const socket = net.connect(gw.gateway.tcpPort, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const rtp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', resolve));
    const framer = new SipStreamFramer();
    const messages: string[] = [];
    socket.on('data', (chunk) => {
      for (const framed of framer.push(chunk)) if (framed.ok) messages.push(framed.message.toString('utf8'));
    });
    const local = socket.localPort as number;
    const body = mrq({ ...alarmFields(cid, 'CT001'), crd: `sip:unit@127.0.0.1:${local};transport=tcp`, cha: '1' });
    socket.write(
      [
        `MESSAGE sip:scaip@127.0.0.1:${gw.gateway.tcpPort} SIP/2.0`,
        `Via: SIP/2.0/TCP 127.0.0.1:${local};branch=z9hG4bKct001`,
        `From: <sip:${cid}@127.0.0.1:${local}>;tag=u1`,
        `To: <sip:scaip@127.0.0.1:${gw.gateway.tcpPort}>`,
        'Call-ID: ct001@127.0.0.1',
        'CSeq: 1 MESSAGE',
        'Content-Type: application/scaip+xml',
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
    assert.ok(await eventually(() => messages.some((m) => m.startsWith('INVITE ')), 3000), messages.join('\n---\n'));
    const invite = messages.find((m) => m.startsWith('INVITE ')) as string;
    assert.match(invite, /^INVITE sip:unit@127\.0\.0\.1:\d+;transport=tcp SIP\/2\.0/);
    assert.match(invite, /^Via: SIP\/2\.0\/TCP /m);
    const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(invite)?.[1] as string;
    const sdp = [
      'v=0',
      'o=unit 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${rtp.address().port} RTP/AVP 8`,
      'a=rtpmap:8 PCMA/8000',
      '',
    ].join('\r\n');
    socket.write(
      [
        'SIP/2.0 200 OK',
        `Via: ${header('Via')}`,
        `From: ${header('From')}`,
        `To: ${header('To')};tag=unit1`,
        `Call-ID: ${header('Call-ID')}`,
        `CSeq: ${header('CSeq')}`,
        `Contact: <sip:unit@127.0.0.1:${local};transport=tcp>`,
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(sdp)}`,
        '',
        sdp,
      ].join('\r\n'),
    );
    const voice = gw.gateway.voice;
    assert.ok(voice);
    assert.ok(await eventually(() => voice.book.current(cid)?.state === 'active', 3000), 'the call connects');
    assert.ok(
      await eventually(() => messages.some((m) => m.startsWith('ACK ')), 3000),
      'the 200 OK is ACKed on the connection',
    );
    assert.equal(await voice.dialogs.hangUp(voice.book.current(cid)?.callId as string), true);
    assert.ok(await eventually(() => messages.some((m) => m.startsWith('BYE ')), 3000), 'the BYE too');
    socket.destroy();
    rtp.close();
  });
});
