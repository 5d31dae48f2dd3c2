// The simulated base unit answering the receiver's call (a call-back), driven from plain UDP
// sockets as a receiver would: the unit answers with PCMA, its 1 kHz tone arrives with the level
// of a 0.3 full-scale sine, the receiver's audio is recorded, and DTMF 0 clears the unit down
// with a BYE. An offer without PCMA is refused 488. (Placing a call is tested end to end against
// the gateway in tests/e2e/sim-voice.test.ts.)

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { alawLevel, alawTone, buildRtp, dtmfPackets, parseRtp } from '@trygg/firmware-protocol';
import { afterEach, describe, it } from 'vitest';
import { sipTarget, UnitVoice } from '../src/voice.ts';

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function socket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

function invite(sipPort: number, rtpPort: number, uri: string, payloads: string): string {
  const sdp = [
    'v=0',
    'o=receiver 1 1 IN IP4 127.0.0.1',
    's=receiver',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${rtpPort} RTP/AVP ${payloads}`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');
  return [
    `INVITE ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${sipPort};branch=z9hG4bK-cb1`,
    `From: <sip:voice@127.0.0.1:${sipPort}>;tag=rcv1`,
    `To: <${uri}>`,
    'Call-ID: call-back-1@127.0.0.1',
    'CSeq: 1 INVITE',
    `Contact: <sip:voice@127.0.0.1:${sipPort}>`,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
}

describe('the simulated base unit answers the receiver’s call', () => {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('answers with PCMA, sends its tone, records the receiver’s audio, and clears down on DTMF 0', async () => {
    const unit = new UnitVoice('pendant-cb-01');
    closers.push(() => unit.stop());
    const uri = await unit.listen();
    const target = sipTarget(uri);
    assert.ok(target);
    const sip = await socket();
    const rtp = await socket();
    closers.push(
      () => sip.close(),
      () => rtp.close(),
    );
    const messages: string[] = [];
    sip.on('message', (data) => messages.push(data.toString('utf8')));
    const levels: number[] = [];
    rtp.on('message', (data) => {
      const packet = parseRtp(data);
      if (packet?.payloadType === 8) levels.push(alawLevel(packet.payload));
    });

    sip.send(invite(sip.address().port, rtp.address().port, uri, '8 101'), target.port, target.host);
    await until(() => messages.some((m) => m.startsWith('SIP/2.0 200 ')));
    const ok = messages.find((m) => m.startsWith('SIP/2.0 200 ')) as string;
    assert.match(ok, /^m=audio [0-9]+ RTP\/AVP 8 101/m);
    assert.match(ok, /^To: .*;tag=/m);
    const unitRtpPort = Number(/^m=audio ([0-9]+)/m.exec(ok)?.[1]);

    // the unit's tone: a 1 kHz sine at 0.3 of full scale is 0.21 RMS
    await until(() => levels.length > 20);
    assert.ok(
      levels.every((l) => Math.abs(l - 0.212) < 0.02),
      `levels ${levels.slice(0, 5)}`,
    );

    // the receiver's audio reaches the unit and is measured there
    for (let i = 0; i < 30; i++) {
      const packet = { payloadType: 8, marker: false, sequence: i, timestamp: i * 160, ssrc: 77 };
      rtp.send(buildRtp({ ...packet, payload: alawTone(440, i * 160, 160, 0.5) }), unitRtpPort, '127.0.0.1');
    }
    await until(() => unit.stats.packetsReceived === 30);
    assert.ok(Math.abs(unit.stats.peakLevel - 0.354) < 0.03, String(unit.stats.peakLevel));

    const digit = dtmfPackets('0', { payloadType: 101, ssrc: 77, sequence: 100, timestamp: 30 * 160 }) ?? [];
    for (const packet of digit) rtp.send(buildRtp(packet), unitRtpPort, '127.0.0.1');
    await until(() => messages.some((m) => m.startsWith('BYE ')));
    assert.equal(unit.stats.state, 'ended');
    assert.equal(unit.stats.endedBy, 'clear-down');
    assert.deepEqual(unit.stats.dtmfReceived, ['0']);
    const bye = messages.find((m) => m.startsWith('BYE ')) as string;
    assert.match(bye, /^BYE sip:voice@127\.0\.0\.1:[0-9]+ SIP\/2\.0/);
    assert.match(bye, /^To: <sip:voice@127\.0\.0\.1:[0-9]+>;tag=rcv1/m);
    assert.match(bye, /^Call-ID: call-back-1@127\.0\.0\.1/m);
  });

  it('refuses an offer without PCMA (488) and places no media', async () => {
    const unit = new UnitVoice('pendant-cb-02');
    closers.push(() => unit.stop());
    const uri = await unit.listen();
    const target = sipTarget(uri);
    assert.ok(target);
    const sip = await socket();
    closers.push(() => sip.close());
    const messages: string[] = [];
    sip.on('message', (data) => messages.push(data.toString('utf8')));
    sip.send(invite(sip.address().port, 40_000, uri, '0 101'), target.port, target.host);
    await until(() => messages.length > 0);
    assert.match(messages[0] as string, /^SIP\/2\.0 488 /);
    assert.equal(unit.stats.state, 'idle');
  });
});
