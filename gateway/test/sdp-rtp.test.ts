// The pure media pieces: reading a unit's SDP offer (G.711 chosen, telephone-event found, the
// rest refused with a reason), our answer, and RFC 4733 DTMF packets as a unit expects them.

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { buildRtp, dtmfPackets, parseDtmfPayload, parseRtp } from '../src/rtp.ts';
import { describeMedia, readOffer } from '../src/sdp.ts';

const sdp = (m: string, ...attributes: string[]) =>
  ['v=0', 'o=unit 1 1 IN IP4 192.0.2.5', 's=-', 'c=IN IP4 192.0.2.5', 't=0 0', m, ...attributes].join('\r\n');

describe('the unit’s SDP offer', () => {
  test('PCMU is preferred over PCMA, telephone-event and ptime are taken', () => {
    const result = readOffer(
      sdp('m=audio 4000 RTP/AVP 8 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:30'),
    );
    assert.deepEqual(result, {
      ok: true,
      media: {
        codec: 'PCMU',
        payloadType: 0,
        dtmfPayloadType: 101,
        remoteAddress: '192.0.2.5',
        remotePort: 4000,
        ptimeMs: 30,
      },
    });
  });

  test('static PCMA without rtpmap is understood; no telephone-event means no DTMF', () => {
    const result = readOffer(sdp('m=audio 4000 RTP/AVP 8'));
    assert.ok(result.ok);
    assert.equal(result.media.codec, 'PCMA');
    assert.equal(result.media.dtmfPayloadType, undefined);
  });

  const refusals: [string, string, string][] = [
    ['G.722 and G.729 only', sdp('m=audio 4000 RTP/AVP 9 18'), 'SDP_CODEC_UNSUPPORTED'],
    ['opus on a dynamic type', sdp('m=audio 4000 RTP/AVP 96', 'a=rtpmap:96 opus/48000/2'), 'SDP_CODEC_UNSUPPORTED'],
    ['SRTP profile', sdp('m=audio 4000 RTP/SAVP 0'), 'SDP_CODEC_UNSUPPORTED'],
    ['no v= line', 'hello', 'SDP_MALFORMED'],
    ['no audio', sdp('m=video 4000 RTP/AVP 96'), 'SDP_MALFORMED'],
    ['no connection address', sdp('m=audio 4000 RTP/AVP 0').replace('c=IN IP4 192.0.2.5\r\n', ''), 'SDP_MALFORMED'],
    [
      'a host name, not an address',
      sdp('m=audio 4000 RTP/AVP 0').replaceAll('192.0.2.5', 'evil.example'),
      'SDP_MALFORMED',
    ],
    ['port out of range', sdp('m=audio 70000 RTP/AVP 0'), 'SDP_MALFORMED'],
    ['too large', sdp('m=audio 4000 RTP/AVP 0', `a=x:${'y'.repeat(5000)}`), 'SDP_MALFORMED'],
  ];
  for (const [name, offer, reason] of refusals) {
    test(`refused: ${name} (${reason})`, () => {
      const result = readOffer(offer);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, reason);
    });
  }

  test('our answer is one G.711 stream with telephone-event, and reads back as an offer', () => {
    const answer = describeMedia({
      address: '127.0.0.1',
      port: 30000,
      sessionId: 7,
      codecs: [{ codec: 'PCMA', payloadType: 8 }],
      dtmfPayloadType: 101,
    });
    assert.match(answer, /m=audio 30000 RTP\/AVP 8 101\r\n/);
    assert.match(answer, /a=rtpmap:101 telephone-event\/8000/);
    const back = readOffer(answer);
    assert.ok(back.ok);
    assert.equal(back.media.codec, 'PCMA');
    assert.equal(back.media.dtmfPayloadType, 101);
  });
});

describe('RTP and RFC 4733 DTMF', () => {
  test('an RTP packet survives build and parse', () => {
    const packet = {
      payloadType: 8,
      marker: true,
      sequence: 65535,
      timestamp: 4_000_000_000,
      ssrc: 42,
      payload: Buffer.from([1, 2]),
    };
    assert.deepEqual(parseRtp(buildRtp(packet)), packet);
    assert.equal(parseRtp(Buffer.from('not rtp at all')), null);
  });

  test('a clear-down digit: marker on the first packet, one timestamp, the end packet three times', () => {
    const packets = dtmfPackets('0', { payloadType: 101, ssrc: 1, sequence: 10, timestamp: 800, durationMs: 100 });
    assert.ok(packets);
    assert.equal(packets[0]?.marker, true);
    assert.ok(packets.every((p) => p.timestamp === 800));
    assert.deepEqual(
      packets.map((p) => p.sequence),
      packets.map((_, i) => 10 + i),
    );
    const ends = packets.map((p) => parseDtmfPayload(p.payload)).filter((e) => e?.end);
    assert.equal(ends.length, 3);
    assert.deepEqual(ends[0], { event: 0, end: true, durationSamples: 800 });
    assert.equal(dtmfPackets('x', { payloadType: 101, ssrc: 1, sequence: 0, timestamp: 0 }), null);
  });
});
