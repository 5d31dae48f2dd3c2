// The call book on simulated time: what the mrs offers per crd/cha, busy while a call is pending
// or active, an RE withdrawing a pending call, and "no voice contact" when the window passes.

import assert from 'node:assert/strict';
import { SCAIP_CALL_HANDLING, SCAIP_MEDIA, VOICE_CALL_WINDOW_MS } from '@trygg/firmware-protocol';
import { describe, test } from 'vitest';
import { CallBook } from '../src/calls.ts';
import { mrsXml, parseMrq, type ScaipRequest } from '../src/scaip.ts';
import { alarmFields, type MrqFields, mrq } from './helpers.ts';

const RECEIVER = 'sip:voice@192.0.2.10:5060';

function book(): CallBook {
  let n = 0;
  return new CallBook({ receiverUri: () => RECEIVER, newId: () => `call-test-${++n}` });
}

function request(fields: MrqFields): ScaipRequest {
  const parsed = parseMrq(mrq(fields));
  assert.ok(parsed.ok, 'fixture must parse');
  return parsed.message;
}

const T0 = 1_800_000_000_000;
const alarm = (ref: string, extra: MrqFields = {}) => request({ ...alarmFields('4600123', ref), ...extra });

describe('SCAIP call negotiation', () => {
  test('an alarm with a SIP crd is offered a duplex call the unit places to our tnu', () => {
    const calls = book();
    const decision = calls.decide(
      alarm('A1', { crd: 'sip:unit@192.0.2.50', cha: '0' }),
      'scaip-4600123-1',
      'm-A1-000',
      T0,
    );
    assert.equal(decision.snu, 0);
    assert.deepEqual(decision.voice, { mre: SCAIP_MEDIA.DUPLEX, cre: SCAIP_CALL_HANDLING.UNIT_CALLS, tnu: RECEIVER });
    assert.equal(decision.events.length, 1);
    const [offered] = decision.events;
    assert.equal(offered?.deviceId, 'scaip-4600123-1');
    assert.equal(offered?.event.type, 'call.offered');
    assert.equal(calls.current('4600123')?.state, 'pending');
  });

  test('the mrs carries mre, cre and tnu after the snu, and nothing of voice without a crd', () => {
    assert.equal(
      mrsXml('A1', 0, 120, { mre: 1, cre: 61, tnu: 'sip:voice@h' }),
      '<?xml version="1.0" encoding="UTF-8"?><mrs><ref>A1</ref><snu>0</snu><mre>1</mre><cre>61</cre><tnu>sip:voice@h</tnu><hbi>120</hbi></mrs>',
    );
    const calls = book();
    const today = calls.decide(alarm('A2'), 'scaip-4600123-1', 'm-A2-000', T0);
    assert.deepEqual(today, { snu: 0, events: [] });
    assert.equal(calls.current('4600123'), undefined);
  });

  test('a no-voice unit is answered mre 0 and no call is expected', () => {
    const calls = book();
    const decision = calls.decide(alarm('A3', { crd: 'no-voice:' }), 'scaip-4600123-1', 'm-A3-000', T0);
    assert.deepEqual(decision, { snu: 0, voice: { mre: SCAIP_MEDIA.NONE }, events: [] });
    assert.equal(calls.current('4600123'), undefined);
  });

  test('cha 1 with a SIP crd: the receiver calls back (cre 62, no tnu); with tel: the unit is asked to call', () => {
    const calls = book();
    const back = calls.decide(alarm('A4', { crd: 'sip:unit@192.0.2.50', cha: '1' }), 'scaip-4600123-1', 'm-A4', T0);
    assert.deepEqual(back.voice, { mre: 1, cre: SCAIP_CALL_HANDLING.RECEIVER_CALLS_BACK });
    assert.equal(calls.current('4600123')?.unitUri, 'sip:unit@192.0.2.50');
    const other = book();
    const tel = other.decide(alarm('A5', { crd: 'tel:+46311234567', cha: '1' }), 'scaip-4600123-1', 'm-A5', T0);
    assert.equal(tel.voice?.cre, SCAIP_CALL_HANDLING.UNIT_CALLS);
    assert.equal(tel.voice?.tnu, RECEIVER);
  });

  test('"Ring upp" while the unit has not called yet: its awaited call ends as no voice contact, the call-back is offered', () => {
    const calls = book();
    const first = calls.decide(alarm('R1', { crd: 'sip:unit@192.0.2.50' }), 'scaip-4600123-1', 'm-R1', T0);
    const waited = calls.current('4600123')?.callId;
    const notices = calls.callBack(
      '4600123',
      'scaip-4600123-1',
      'm-R1',
      { uri: 'sip:unit@192.0.2.50', transport: 'udp' },
      T0 + 5000,
    );
    assert.equal(first.voice?.cre, SCAIP_CALL_HANDLING.UNIT_CALLS);
    assert.deepEqual(
      notices?.map((n) => [n.event.type, n.event.callId === waited]),
      [
        ['call.ended', true],
        ['call.offered', false],
      ],
    );
    assert.equal(calls.current('4600123')?.direction, 'receiver-calls-back');
    // a call-back already ringing, or a connected call, is not replaced
    assert.equal(
      calls.callBack('4600123', 'scaip-4600123-1', 'm-R1', { uri: 'sip:unit@192.0.2.50', transport: 'udp' }, T0 + 6000),
      null,
    );
  });

  test('a second alarm while the call is pending or active is busy (snu 6), and opens no second call', () => {
    const calls = book();
    calls.decide(alarm('B1', { crd: 'sip:unit@h' }), 'scaip-4600123-1', 'm-B1', T0);
    const pending = calls.decide(alarm('B2', { crd: 'sip:unit@h', did: '2' }), 'scaip-4600123-2', 'm-B2', T0 + 1000);
    assert.equal(pending.snu, 6);
    assert.deepEqual(pending.voice, { mre: 0 });
    assert.equal(pending.events.length, 0);
    assert.ok(calls.connect('4600123', 'PCMU', T0 + 2000));
    const active = calls.decide(alarm('B3', { crd: 'sip:unit@h' }), 'scaip-4600123-1', 'm-B3', T0 + 3000);
    assert.equal(active.snu, 6);
    assert.equal(calls.open, 1);
  });

  test('an RE withdraws the pending call, so the next alarm is offered a call again', () => {
    const calls = book();
    calls.decide(alarm('C1', { crd: 'sip:unit@h' }), 'scaip-4600123-1', 'm-C1', T0);
    const reset = calls.decide(
      request({ ...alarmFields('4600123', 'C2'), mty: 'RE', stc: '0094' }),
      'scaip-4600123-1',
      'm-C2',
      T0 + 5000,
    );
    assert.equal(reset.events[0]?.event.type, 'call.ended');
    assert.equal(reset.events[0]?.event.type === 'call.ended' && reset.events[0].event.reason, 'withdrawn');
    const again = calls.decide(alarm('C3', { crd: 'sip:unit@h' }), 'scaip-4600123-1', 'm-C3', T0 + 6000);
    assert.equal(again.snu, 0);
    assert.equal(again.voice?.mre, 1);
  });

  test('no INVITE within the window: the call ends as "no voice contact" at the deadline, not before', () => {
    const calls = book();
    calls.decide(alarm('D1', { crd: 'sip:unit@h' }), 'scaip-4600123-1', 'm-D1', T0);
    assert.deepEqual(calls.expire(T0 + VOICE_CALL_WINDOW_MS), []);
    const [ended] = calls.expire(T0 + VOICE_CALL_WINDOW_MS + 1);
    assert.equal(ended?.event.type, 'call.ended');
    assert.equal(ended?.event.type === 'call.ended' && ended.event.reason, 'no-voice-contact');
    assert.equal(ended?.event.type === 'call.ended' && ended.event.durationS, undefined);
    assert.equal(calls.connect('4600123', 'PCMU', T0 + VOICE_CALL_WINDOW_MS + 2), null);
  });

  test('an ended active call reports how long the voice path was up', () => {
    const calls = book();
    calls.decide(alarm('E1', { crd: 'sip:unit@h' }), 'scaip-4600123-1', 'm-E1', T0);
    const connected = calls.connect('4600123', 'PCMA', T0 + 10_000);
    assert.ok(connected);
    assert.equal(connected.notice.event.type, 'call.ringing');
    const ended = calls.end(connected.call.callId, 'unit-hung-up', T0 + 42_500);
    assert.equal(ended?.event.type === 'call.ended' && ended.event.durationS, 32.5);
    assert.equal(calls.end(connected.call.callId, 'unit-hung-up', T0 + 43_000), null);
  });
});
