// SIPp plays a SCAIP controller that asks for a voice call; the gateway answers the call
// negotiation in the mrs (mre/cre/tnu), answers busy (snu 6) to a second alarm while the call is
// pending, and still publishes that alarm to the real broker: busy never loses an alarm.

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { alarmFields, eventually, mrq, runSipp, sippGateway } from './helpers.ts';

describe('SCAIP call negotiation driven by SIPp', () => {
  const gw = sippGateway({ withVoice: true });
  const { known, events, calls } = gw;

  const offer = (body: string, snu: string, mre: string) =>
    runSipp('scaip-voice-offer.xml', gw.gateway.udpPort, {
      keys: { body },
      sets: { expected: snu, expected_mre: mre },
    });

  test('an alarm from a unit with a SIP crd is answered mre 1 and a call offer reaches the alarm center', async () => {
    const cid = known();
    const run = await offer(mrq({ ...alarmFields(cid, 'V0001'), crd: 'sip:unit@127.0.0.1', cha: '0' }), '0', '1');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => calls(cid).length === 1));
    const [offered] = calls(cid);
    assert.equal(offered?.topic, `v1/voice/scaip-${cid}-1/call`);
    assert.equal(offered?.payload.type, 'call.offered');
    assert.equal(offered?.payload.direction, 'unit-calls');
    assert.match(String(offered?.payload.alarmMessageId), new RegExp(`^scaip-${cid}-V0001\\.`));
  });

  test('the offer check in the scenario fails the call when mre differs', async () => {
    // guards the scenario: a duplex offer expected as mre 0 must make SIPp fail
    const cid = known();
    const run = await offer(mrq({ ...alarmFields(cid, 'V0101'), crd: 'sip:unit@127.0.0.1' }), '0', '0');
    assert.notEqual(run.code, 0);
  });

  test('a second alarm while the call is pending is answered busy (snu 6) and still stored', async () => {
    const cid = known();
    const first = await offer(mrq({ ...alarmFields(cid, 'V0002'), crd: 'sip:unit@127.0.0.1' }), '0', '1');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const second = await offer(mrq({ ...alarmFields(cid, 'V0003'), did: '2', crd: 'sip:unit@127.0.0.1' }), '6', '0');
    assert.equal(second.code, 0, second.stdout + second.stderr);
    // both alarms reached the broker: busy refuses the second call, never the second alarm
    assert.ok(await eventually(() => events(cid).length === 2));
    assert.deepEqual(
      events(cid)
        .map((m) => m.topic)
        .sort(),
      [`v1/devices/scaip-${cid}-1/event`, `v1/devices/scaip-${cid}-2/event`],
    );
    assert.equal(calls(cid).length, 1);
    assert.ok(gw.gateway.stats().busy >= 1);
  });

  test('an RE withdraws the pending call, and the next alarm is offered a call again', async () => {
    const cid = known();
    await offer(mrq({ ...alarmFields(cid, 'V0004'), crd: 'sip:unit@127.0.0.1' }), '0', '1');
    const reset = await runSipp('scaip-message.xml', gw.gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(cid, 'V0005'), mty: 'RE', stc: '0094' }) },
      sets: { expected: '0' },
    });
    assert.equal(reset.code, 0, reset.stdout + reset.stderr);
    assert.ok(await eventually(() => calls(cid).some((m) => m.payload.reason === 'withdrawn')));
    const again = await offer(mrq({ ...alarmFields(cid, 'V0006'), crd: 'sip:unit@127.0.0.1' }), '0', '1');
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  test('a no-voice unit is answered mre 0 and no call is offered', async () => {
    const cid = known();
    const run = await offer(mrq({ ...alarmFields(cid, 'V0007'), crd: 'no-voice:' }), '0', '0');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => events(cid).length === 1));
    assert.equal(calls(cid).length, 0);
  });

  test("today's alarm without crd is still answered snu 0 (no voice tags asked for, none given)", async () => {
    const cid = known();
    const run = await runSipp('scaip-message.xml', gw.gateway.udpPort, {
      keys: { body: mrq(alarmFields(cid, 'V0008')) },
      sets: { expected: '0' },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => events(cid).length === 1));
    assert.equal(calls(cid).length, 0);
  });
});

describe('no INVITE within the window, on simulated time', () => {
  let clock = 1_800_000_000_000;
  const gw = sippGateway({ withVoice: true, now: () => clock });

  test('the unit never calls: 60 s after the alarm the call ends as "no voice contact", and a late INVITE is refused 480', async () => {
    const cid = gw.known();
    const run = await runSipp('scaip-voice-offer.xml', gw.gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(cid, 'N0001'), crd: 'sip:unit@127.0.0.1' }) },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const voice = gw.gateway.voice;
    assert.ok(voice);
    const ended = () =>
      gw.calls(cid).filter((m) => m.topic === `v1/voice/scaip-${cid}-1/call` && m.payload.type === 'call.ended');
    clock += 60_000;
    voice.sweep();
    assert.equal(voice.book.current(cid)?.state, 'pending', 'still within the window at exactly 60 s');
    clock += 1;
    voice.sweep();
    assert.ok(await eventually(() => ended().length === 1));
    assert.equal(ended()[0]?.payload.reason, 'no-voice-contact');
    const late = await runSipp('voice-invite-refused.xml', gw.gateway.udpPort, {
      keys: {
        cid,
        sdp: 'v=0\r\no=u 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0',
        ctype: 'application/sdp',
      },
      sets: { expected: '480' },
    });
    assert.equal(late.code, 0, late.stdout + late.stderr);
  });
});
