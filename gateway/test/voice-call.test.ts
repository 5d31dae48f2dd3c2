// The unit's voice call with SIPp as the unit (an independent SIP/RTP peer): its alarm, its
// INVITE with a G.711 offer, RTP from a recorded A-law file, DTMF clear-down and BYE from the
// receiver (echoed back by SIPp's rtp_echo, proving the RFC 4733 packets reached the unit), BYE
// from the unit, and the bad input a receiver must refuse, counted, without disturbing a call.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createControllerAuth } from '../src/auth.ts';
import {
  alarmFields,
  eventually,
  mrq,
  runSipp,
  sippGateway,
  startTestGateway,
  type TestGateway,
  uniqueCid,
} from './helpers.ts';

const PCAP = '/usr/share/sip-tester/g711a.pcap';
const RTP_ECHO = ['-rtp_echo', '-mi', '127.0.0.1', '-mp', '0'];

const offer = (codecs: string, rtpmap: string) =>
  [
    'v=0',
    'o=unit 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio 40000 RTP/AVP ${codecs}`,
    rtpmap,
  ]
    .filter(Boolean)
    .join('\r\n');

describe('the unit places its voice call (SIPp as the unit)', () => {
  const gw = sippGateway({ withVoice: true });
  const { known, calls } = gw;

  const voice = () => {
    const v = gw.gateway.voice;
    assert.ok(v, 'voice is configured');
    return v;
  };
  const alarmWithVoice = (cid: string, ref: string) => mrq({ ...alarmFields(cid, ref), crd: 'sip:unit@127.0.0.1' });

  function placeCall(cid: string, ref: string, hangup: 'unit' | 'receiver') {
    return runSipp('voice-call.xml', gw.gateway.udpPort, {
      keys: { body: alarmWithVoice(cid, ref), cid, pcap: PCAP },
      sets: { hangup },
      extraArgs: RTP_ECHO,
    });
  }

  async function connectedCall(cid: string): Promise<string> {
    assert.ok(await eventually(() => voice().book.current(cid)?.state === 'active', 5000), 'the call connects');
    return voice().book.current(cid)?.callId as string;
  }

  test("the unit's G.711 audio reaches the gateway; the operator's hang-up sends DTMF 0 then BYE", async () => {
    const cid = known();
    const run = placeCall(cid, 'W0001', 'receiver');
    const callId = await connectedCall(cid);
    const rtp = () => voice().dialogs.rtpStats()[callId];
    assert.ok(await eventually(() => (rtp()?.packetsIn ?? 0) > 20, 5000), 'RTP from the unit arrives');
    assert.equal(await voice().dialogs.hangUp(callId), true);
    const done = await run;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    // SIPp echoed the RFC 4733 packets: the clear-down digit made the round trip through the unit's media port
    assert.ok(await eventually(() => rtp()?.dtmfIn.includes('0') ?? false, 3000), JSON.stringify(rtp()));
    assert.deepEqual(rtp()?.dtmfOut, ['0']);
    assert.equal(rtp()?.wrongSource, 0);
    assert.ok(await eventually(() => calls(cid).length === 3));
    assert.deepEqual(
      calls(cid).map((m) => m.payload.type),
      ['call.offered', 'call.ringing', 'call.ended'],
    );
    const ended = calls(cid)[2]?.payload;
    assert.equal(ended?.reason, 'operator-hung-up');
    assert.equal(typeof ended?.durationS, 'number');
    assert.equal(calls(cid)[1]?.payload.codec, 'PCMA');
  });

  test('the unit hangs up with BYE: the call ends as "unit-hung-up" and a new alarm is offered a call again', async () => {
    const cid = known();
    const run = await placeCall(cid, 'W0002', 'unit');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => calls(cid).some((m) => m.payload.reason === 'unit-hung-up')));
    assert.equal(voice().book.current(cid), undefined);
  });

  test('RTP flooded from a wrong address is dropped and counted; the call goes on', async () => {
    const cid = known();
    const run = placeCall(cid, 'W0003', 'receiver');
    const callId = await connectedCall(cid);
    const rtpPort = voice().dialogs.call(callId)?.rtp.port as number;
    const attacker = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => attacker.bind(0, '127.0.0.2', resolve));
    const junk = Buffer.alloc(172, 0xd5);
    junk[0] = 0x80;
    junk[1] = 8;
    // a flood: the kernel drops some of a burst on the socket's buffer, so count what arrived
    for (let i = 0; i < 500; i++) attacker.send(junk, rtpPort, '127.0.0.1');
    const rtp = () => voice().dialogs.rtpStats()[callId];
    assert.ok(await eventually(() => (rtp()?.wrongSource ?? 0) >= 100, 3000), JSON.stringify(rtp()));
    attacker.close();
    const inBefore = rtp()?.packetsIn ?? 0;
    assert.ok(await eventually(() => (rtp()?.packetsIn ?? 0) > inBefore, 3000), 'the unit’s audio still flows');
    await voice().dialogs.hangUp(callId);
    assert.equal((await run).code, 0);
    const metrics = await gw.metricsText();
    assert.match(metrics, /voice_rtp_wrong_source_total [1-9][0-9]{2,}/);
  });

  test('the call works over TCP too (the BYE comes back on the same connection)', async () => {
    const cid = known();
    const run = runSipp('voice-call.xml', gw.gateway.tcpPort, {
      keys: { body: alarmWithVoice(cid, 'W0010'), cid, pcap: PCAP },
      sets: { hangup: 'receiver' },
      transport: 't1',
      extraArgs: RTP_ECHO,
    });
    const callId = await connectedCall(cid);
    assert.ok(await eventually(() => (voice().dialogs.rtpStats()[callId]?.packetsIn ?? 0) > 10, 5000));
    await voice().dialogs.hangUp(callId);
    const done = await run;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.ok(await eventually(() => calls(cid).some((m) => m.payload.reason === 'operator-hung-up')));
  });

  const refused = (cid: string, sdp: string, expected: number, ctype = 'application/sdp') =>
    runSipp('voice-invite-refused.xml', gw.gateway.udpPort, {
      keys: { cid, sdp, ctype },
      sets: { expected: String(expected) },
    });

  async function pendingCall(ref: string): Promise<string> {
    const cid = known();
    const run = await runSipp('scaip-voice-offer.xml', gw.gateway.udpPort, {
      keys: { body: alarmWithVoice(cid, ref) },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    return cid;
  }

  test('an offer with only unsupported codecs is refused 488, counted, and the call stays pending', async () => {
    const cid = await pendingCall('W0004');
    const before = gw.gateway.stats().rejected.SDP_CODEC_UNSUPPORTED ?? 0;
    const run = await refused(cid, offer('9 18', 'a=rtpmap:9 G722/8000\r\na=rtpmap:18 G729/8000'), 488);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gw.gateway.stats().rejected.SDP_CODEC_UNSUPPORTED, before + 1);
    assert.equal(voice().book.current(cid)?.state, 'pending');
  });

  test('a malformed SDP is refused 400 and counted', async () => {
    const cid = await pendingCall('W0005');
    const before = gw.gateway.stats().rejected.SDP_MALFORMED ?? 0;
    const run = await refused(cid, 'this is not SDP', 400);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gw.gateway.stats().rejected.SDP_MALFORMED, before + 1);
    assert.equal(voice().book.current(cid)?.state, 'pending');
  });

  test('an INVITE from an unknown controller is refused 403 and counted', async () => {
    const before = gw.gateway.stats().rejected.UNKNOWN_CONTROLLER ?? 0;
    const run = await refused(uniqueCid(), offer('8', 'a=rtpmap:8 PCMA/8000'), 403);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gw.gateway.stats().rejected.UNKNOWN_CONTROLLER, before + 1);
  });

  test('an INVITE from a known controller without a pending alarm call is refused 480', async () => {
    const before = gw.gateway.stats().rejected.CALL_NOT_EXPECTED ?? 0;
    const run = await refused(known(), offer('8', 'a=rtpmap:8 PCMA/8000'), 480);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gw.gateway.stats().rejected.CALL_NOT_EXPECTED, before + 1);
  });
});

describe('INVITE authentication: the same door as MESSAGE', () => {
  let gw: TestGateway;
  const controllers = new Set<string>();
  const cid = uniqueCid();
  const stranger = uniqueCid();

  beforeAll(async () => {
    controllers.add(cid);
    controllers.add(stranger);
    gw = await startTestGateway(controllers, 120, {
      withVoice: true,
      auth: createControllerAuth({ credentials: new Map([[cid, { secret: 'unit-secret-123' }]]) }),
    });
  });
  afterAll(async () => {
    await gw.close();
  });

  const sdp = offer('8', 'a=rtpmap:8 PCMA/8000');
  const invite = (from: string, expected: number) =>
    runSipp('voice-invite-refused.xml', gw.gateway.udpPort, {
      keys: { cid: from, sdp, ctype: 'application/sdp' },
      sets: { expected: String(expected) },
    });

  test("an INVITE without the controller's digest is challenged 401", async () => {
    const run = await invite(cid, 401);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gw.gateway.stats().rejected.AUTH_REQUIRED, 1);
  });

  test('an INVITE from a provisioned controller without credentials is refused 403 and counted', async () => {
    const run = await invite(stranger, 403);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gw.gateway.stats().rejected.AUTH_FORBIDDEN, 1);
    assert.match(await gw.metricsText(), /scaip_auth_failures_total\{reason="AUTH_FORBIDDEN"\} 1/);
  });
});
