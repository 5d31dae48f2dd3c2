// The alarm's voice call end to end on real parts: SIPp plays the SCAIP unit (alarm, INVITE with
// G.711, RTP from a recording), the gateway takes the call and publishes its events into the
// alarm center's broker, and the alarm's history in PostgreSQL shows the call: offered, ringing,
// how it ended and for how long, or "no voice contact" when the unit never called.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { eventually } from '@trygg/alarm-center/testing';
import { voiceCallTopic } from '@trygg/firmware-protocol';
import type { Gateway, Publisher } from '@trygg/gateway';
import { alarmFields, mrq, runSipp } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PCAP, RTP_ECHO, type ScaipRig, startScaipRig } from '../src/voice-rig.ts';

describe('the alarm’s voice call reaches the alarm’s history', () => {
  let rig: ScaipRig;
  let platform: Platform;
  let publisher: Publisher;
  let gateway: Gateway;
  let clock = Date.now();

  const provision = (cid: string, did: string) => rig.provision(cid, did);

  async function historyOf(deviceId: string) {
    const { rows } = await platform.db.pool.query<{ type: string; note: string | null; alarm_id: string }>(
      `SELECT e.type, e.note, e.alarm_id FROM alarm_events e JOIN alarms a ON a.id = e.alarm_id
       WHERE a.device_id = $1 ORDER BY e.id`,
      [deviceId],
    );
    return rows;
  }

  beforeAll(async () => {
    rig = await startScaipRig({
      resident: 'res-voice',
      clientId: 'scaip-gateway-voice-e2e',
      voice: true,
      now: () => clock,
    });
    ({ platform, publisher, gateway } = rig);
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('a unit that calls and hangs up: offered, ringing and "ended by the unit" with its duration, in order', async () => {
    const cid = '4600201';
    const deviceId = await provision(cid, '1');
    const run = await runSipp('voice-call.xml', gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(cid, 'C0001'), crd: 'sip:unit@127.0.0.1' }), cid, pcap: PCAP },
      sets: { hangup: 'unit' },
      extraArgs: RTP_ECHO,
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(
      await eventually(async () => (await historyOf(deviceId)).some((h) => h.type === 'call.ended_by_unit')),
      JSON.stringify(await historyOf(deviceId)),
    );
    const history = await historyOf(deviceId);
    assert.deepEqual(
      history.map((h) => h.type),
      ['raised', 'call.offered', 'call.ringing', 'call.ended_by_unit'],
    );
    assert.equal(history[2]?.note, 'PCMA');
    assert.match(history[3]?.note ?? '', /^[0-9]+\.[0-9] s$/);
    const alarmId = history[0]?.alarm_id as string;
    const { rows } = await platform.db.pool.query(
      'SELECT state, end_reason, codec FROM voice_calls WHERE alarm_id = $1',
      [alarmId],
    );
    assert.deepEqual(rows, [{ state: 'ended', end_reason: 'unit-hung-up', codec: 'PCMA' }]);
  });

  it('a unit that never calls within 60 s: the alarm’s history says "no voice contact"', async () => {
    const cid = '4600202';
    const deviceId = await provision(cid, '1');
    const run = await runSipp('scaip-voice-offer.xml', gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(cid, 'C0002'), crd: 'sip:unit@127.0.0.1' }) },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(async () => (await historyOf(deviceId)).some((h) => h.type === 'call.offered')));
    clock += 60_001;
    gateway.voice?.sweep();
    assert.ok(
      await eventually(async () => (await historyOf(deviceId)).some((h) => h.type === 'call.no_voice_contact')),
    );
  });

  it('a malformed call event is refused, counted and acknowledged; the next alarm still arrives', async () => {
    await publisher.publish(voiceCallTopic('scaip-4600201-1'), Buffer.from('{"v":1,"type":"call.ended"}'));
    const counted = await platform.metrics.registry.getSingleMetricAsString('device_messages_rejected_total');
    assert.match(counted, /reason="CALL_EVENT_INVALID"\} 1/);
    const deviceId = await provision('4600204', '1');
    const run = await runSipp('scaip-message.xml', gateway.udpPort, {
      keys: { body: mrq(alarmFields('4600204', 'C0005')) },
      sets: { expected: '0' },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal((await historyOf(deviceId))[0]?.type, 'raised');
  });

  it('a second press while the call is pending is answered busy and still counted on the open alarm', async () => {
    const cid = '4600203';
    const deviceId = await provision(cid, '1');
    const body = (ref: string) => mrq({ ...alarmFields(cid, ref), crd: 'sip:unit@127.0.0.1' });
    const first = await runSipp('scaip-voice-offer.xml', gateway.udpPort, {
      keys: { body: body('C0003') },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const second = await runSipp('scaip-voice-offer.xml', gateway.udpPort, {
      keys: { body: body('C0004') },
      sets: { expected: '6', expected_mre: '0' },
    });
    assert.equal(second.code, 0, second.stdout + second.stderr);
    // answered after the commit: the repeat is already on the alarm
    const { rows } = await platform.db.pool.query<{ repeat_count: number }>(
      'SELECT repeat_count FROM alarms WHERE device_id = $1',
      [deviceId],
    );
    assert.deepEqual(rows, [{ repeat_count: 1 }]);
  });
});
