// SIP parsing, responses and TCP framing.

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { buildResponse, MAX_SIP_BODY_BYTES, parseSipRequest, SipStreamFramer } from '../src/sip.ts';

function sipMessage(body: string, extra: string[] = []): Buffer {
  return Buffer.from(
    [
      'MESSAGE sip:scaip@127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-1',
      'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0',
      'From: <sip:c@10.0.0.1>;tag=abc',
      'To: <sip:scaip@127.0.0.1>',
      'Call-ID: call-1@10.0.0.1',
      'CSeq: 7 MESSAGE',
      'Content-Type: application/scaip+xml',
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

describe('parseSipRequest', () => {
  test('reads the request line, headers and body', () => {
    const result = parseSipRequest(sipMessage('<mrq/>'));
    assert.ok(result.ok);
    assert.equal(result.request.method, 'MESSAGE');
    assert.equal(result.request.uri, 'sip:scaip@127.0.0.1');
    assert.equal(result.request.body.toString(), '<mrq/>');
    assert.equal(result.request.headers.filter((h) => h.name === 'via').length, 2);
  });

  test('understands compact header names', () => {
    const data = Buffer.from(
      'MESSAGE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK-2\r\nf: <sip:x@y>;tag=1\r\nt: <sip:a@b>\r\ni: id-1\r\nCSeq: 1 MESSAGE\r\nc: application/scaip+xml\r\nl: 2\r\n\r\nabIGNORED',
    );
    const result = parseSipRequest(data);
    assert.ok(result.ok);
    assert.equal(result.request.body.toString(), 'ab');
  });

  test('refuses what is not a SIP request', () => {
    assert.equal(parseSipRequest(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).ok, false);
    assert.equal(parseSipRequest(Buffer.from('SIP/2.0 200 OK\r\n\r\n')).ok, false);
    assert.equal(parseSipRequest(Buffer.from('\x00\x01\x02')).ok, false);
    assert.equal(parseSipRequest(sipMessage('<mrq/>').subarray(0, -2)).ok, false, 'body shorter than Content-Length');
  });

  test('requires the headers a response must copy', () => {
    const withoutCallId = sipMessage('').toString().replace('Call-ID: call-1@10.0.0.1\r\n', '');
    assert.equal(parseSipRequest(Buffer.from(withoutCallId)).ok, false);
  });
});

describe('buildResponse', () => {
  test('copies Via (all, in order), From, Call-ID and CSeq and tags the To', () => {
    const parsed = parseSipRequest(sipMessage('<mrq/>'));
    assert.ok(parsed.ok);
    const text = buildResponse(parsed.request, 200, { body: '<mrs/>', toTag: 't1' }).toString();
    const [head, body] = text.split('\r\n\r\n');
    assert.equal(body, '<mrs/>');
    const lines = head?.split('\r\n') ?? [];
    assert.equal(lines[0], 'SIP/2.0 200 OK');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('Via:')),
      ['Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-1', 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0'],
    );
    assert.ok(lines.includes('From: <sip:c@10.0.0.1>;tag=abc'));
    assert.ok(lines.includes('To: <sip:scaip@127.0.0.1>;tag=t1'));
    assert.ok(lines.includes('Call-ID: call-1@10.0.0.1'));
    assert.ok(lines.includes('CSeq: 7 MESSAGE'));
    assert.ok(lines.includes('Content-Type: application/scaip+xml'));
    assert.ok(lines.includes('Content-Length: 6'));
  });

  test('keeps an existing To tag', () => {
    const parsed = parseSipRequest(
      Buffer.from(sipMessage('').toString().replace('To: <sip:scaip@127.0.0.1>', 'To: <sip:s@h>;tag=old')),
    );
    assert.ok(parsed.ok);
    assert.match(buildResponse(parsed.request, 403).toString(), /\r\nTo: <sip:s@h>;tag=old\r\n/);
  });
});

describe('SipStreamFramer', () => {
  test('splits back-to-back messages and reassembles split ones', () => {
    const a = sipMessage('<mrq>a</mrq>');
    const b = sipMessage('<mrq>bb</mrq>');
    const framer = new SipStreamFramer();
    const stream = Buffer.concat([Buffer.from('\r\n\r\n'), a, b]);
    const first = framer.push(stream.subarray(0, a.length + 10));
    const rest = framer.push(stream.subarray(a.length + 10));
    const frames = [...first, ...rest];
    assert.equal(frames.length, 2);
    assert.deepEqual(
      frames.map((f) => (f.ok ? f.message.toString() : f.detail)),
      [a.toString(), b.toString()],
    );
  });

  test('a body over the limit fails the stream but keeps the head to answer 413', () => {
    const framer = new SipStreamFramer();
    const head = sipMessage('')
      .toString()
      .replace('Content-Length: 0', `Content-Length: ${MAX_SIP_BODY_BYTES + 1}`);
    const [frame] = framer.push(Buffer.from(head));
    assert.ok(frame && !frame.ok);
    assert.equal(frame.tooLarge, true);
    assert.ok(frame.head && parseSipRequest(frame.head, { headOnly: true }).ok);
    assert.deepEqual(framer.push(sipMessage('<mrq/>')), [], 'nothing after a framing error');
  });

  test('a stream message without Content-Length cannot be framed', () => {
    const framer = new SipStreamFramer();
    const [frame] = framer.push(Buffer.from(sipMessage('').toString().replace('Content-Length: 0\r\n', '')));
    assert.ok(frame && !frame.ok);
    assert.equal(frame.tooLarge, false);
  });

  test('endless headers are cut off', () => {
    const framer = new SipStreamFramer();
    const frames = framer.push(Buffer.from(`MESSAGE sip:a@b SIP/2.0\r\nX: ${'y'.repeat(9000)}`));
    assert.equal(frames.length, 1);
    assert.ok(frames[0] && !frames[0].ok && frames[0].tooLarge);
  });
});
