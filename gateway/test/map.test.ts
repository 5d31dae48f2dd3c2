// SCAIP → our device protocol: the same meaning a simulated device of the same type would send.

import assert from 'node:assert/strict';
import { deviceEventSchema, heartbeatSchema, isDeviceId } from '@trygg/firmware-protocol';
import { describe, test } from 'vitest';
import { DEFAULT_HEARTBEAT_INTERVAL_S, mapScaipRequest, scaipDeviceId } from '../src/map.ts';
import { parseMrq, type ScaipRequest } from '../src/scaip.ts';
import { alarmFields, type MrqFields, mrq } from './helpers.ts';

const NOW = Date.UTC(2025, 0, 15, 2, 30);

function request(fields: MrqFields): ScaipRequest {
  const parsed = parseMrq(mrq(fields));
  assert.ok(parsed.ok, 'fixture must parse');
  return parsed.message;
}

function mapped(fields: MrqFields, heartbeatIntervalS?: number) {
  const result = mapScaipRequest(
    request(fields),
    heartbeatIntervalS === undefined ? { now: NOW } : { now: NOW, heartbeatIntervalS },
  );
  assert.ok(result.ok, result.ok ? '' : result.detail);
  return result;
}

describe('mapScaipRequest', () => {
  test('a personal trigger manual alarm becomes alarm.manual on the device event topic', () => {
    const result = mapped(alarmFields('4600123', 'A17'));
    assert.equal(result.deviceId, 'scaip-4600123-1');
    assert.equal(result.deviceType, 'pendant');
    assert.equal(result.topic, 'v1/devices/scaip-4600123-1/event');
    assert.deepEqual(result.message, { v: 1, id: result.message.id, ts: NOW, type: 'alarm.manual' });
    assert.match(result.message.id, /^scaip-4600123-A17\.[0-9a-z]+\.[A-Za-z0-9_-]{4}$/);
  });

  test('the same ref from the same controller gives the same message id within the de-dup window', () => {
    const first = mapped(alarmFields('C1', 'x1'));
    const again = mapScaipRequest(request(alarmFields('C1', 'x1')), { now: NOW + 5000 });
    assert.ok(again.ok);
    assert.equal(again.message.id, first.message.id);
  });

  test('a ref reused after the de-dup window, or for other content, gets a new message id', () => {
    const first = mapped(alarmFields('C1', 'x1'));
    const later = mapScaipRequest(request(alarmFields('C1', 'x1')), { now: NOW + 10 * 60_000 });
    assert.ok(later.ok);
    assert.notEqual(later.message.id, first.message.id);
    const reset = mapScaipRequest(request({ ...alarmFields('C1', 'x1'), mty: 'RE', stc: '0094' }), { now: NOW });
    assert.ok(reset.ok);
    assert.notEqual(reset.message.id, first.message.id);
  });

  test('the longest cid and ref still form a message id within the wire contract', () => {
    const result = mapped(alarmFields('C'.repeat(24), 'r'.repeat(32)));
    assert.ok(result.message.id.length <= 64);
    assert.ok(deviceEventSchema.safeParse(result.message).success);
  });

  test('a tracking device alarm carries its geo position', () => {
    const result = mapped({
      ...alarmFields('C1', 'g1'),
      dty: '0051',
      lge: '<lat>57.7</lat><lon>11.97</lon><acc>8</acc>',
    });
    assert.equal(result.deviceType, 'mobile_pendant');
    assert.deepEqual((result.message as { position?: unknown }).position, { lat: 57.7, lon: 11.97, accuracyM: 8 });
  });

  const cases: [dty: string, stc: string, mty: string, type: string][] = [
    ['0005', '0009', 'ME', 'fall.detected'],
    ['0005', '0094', 'ME', 'fall.cancelled'],
    ['0014', '0076', 'ME', 'door.open'],
    ['0015', '0076', 'ME', 'door.open'],
    ['0012', '0117', 'IN', 'bed.in'],
    ['0013', '0009', 'ME', 'bed.out'],
    ['0011', '0081', 'ME', 'dose.missed'],
    ['0011', '0083', 'IN', 'dose.taken'],
    ['0004', '0016', 'IN', 'battery.low'],
    ['0003', '0010', 'RE', 'alarm.cancel'],
    ['0014', '0076', 'RE', 'door.close'],
  ];
  for (const [dty, stc, mty, type] of cases) {
    test(`dty ${dty} stc ${stc} ${mty} → ${type}, valid on the wire`, () => {
      const result = mapped({ ...alarmFields('C1', 'r1'), dty, stc, mty });
      assert.equal(result.channel, 'event');
      assert.equal(result.message && (result.message as { type: string }).type, type);
      assert.ok(deviceEventSchema.safeParse(result.message).success);
    });
  }

  test('a door sensor "open" is an exit: the smart door alarm never reports entries', () => {
    const result = mapped({ ...alarmFields('C1', 'd1'), dty: '0014', stc: '0076' });
    assert.equal((result.message as { direction?: string }).direction, 'exit');
  });

  test('a status code the device type does not send is snu 3 (wrong content)', () => {
    const result = mapScaipRequest(request({ ...alarmFields('C1', 'r1'), dty: '0014', stc: '0081' }), { now: NOW });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.snu, 3);
  });

  test('a reset from a device without a restoral meaning is snu 3', () => {
    const result = mapScaipRequest(request({ ...alarmFields('C1', 'r1'), dty: '0012', stc: '0117', mty: 'RE' }), {
      now: NOW,
    });
    assert.equal(!result.ok && result.snu, 3);
  });

  test('a heartbeat uses the announced hbi, then the provisioned one, then the default', () => {
    const pi = { ref: 'p1', cid: 'C1', mty: 'PI', dty: '0003', did: '1' };
    const announced = mapped({ ...pi, hbi: '60' }, 120);
    assert.equal(announced.channel, 'heartbeat');
    assert.equal(announced.topic, 'v1/devices/scaip-C1-1/heartbeat');
    assert.deepEqual(announced.message, { v: 1, id: announced.message.id, ts: NOW, intervalS: 60 });
    assert.match(announced.message.id, /^scaip-C1-p1\./);
    assert.ok(heartbeatSchema.safeParse(announced.message).success);
    assert.equal((mapped(pi, 120).message as { intervalS: number }).intervalS, 120);
    assert.equal((mapped(pi).message as { intervalS: number }).intervalS, DEFAULT_HEARTBEAT_INTERVAL_S);
  });

  test('a heartbeat names the gateway instance that relayed it (outages are grouped by gateway); events do not', () => {
    const pi = request({ ref: 'p1', cid: 'C1', mty: 'PI', dty: '0003', did: '1' });
    const result = mapScaipRequest(pi, { now: NOW, gatewayId: 'scaip-gw-2' });
    assert.ok(result.ok && result.channel === 'heartbeat');
    assert.equal((result.message as { gateway?: string }).gateway, 'scaip-gw-2');
    assert.ok(heartbeatSchema.safeParse(result.message).success);
    const alarm = mapScaipRequest(request(alarmFields('4600123', 'A17')), { now: NOW, gatewayId: 'scaip-gw-2' });
    assert.ok(alarm.ok && alarm.channel === 'event');
    assert.equal('gateway' in alarm.message, false);
  });

  test('an hbi outside our heartbeat bounds is snu 3', () => {
    const result = mapScaipRequest(request({ ref: 'p1', cid: 'C1', mty: 'PI', dty: '0003', did: '1', hbi: '1' }), {
      now: NOW,
    });
    assert.equal(!result.ok && result.snu, 3);
  });

  test('a short ref still forms a valid message id', () => {
    const result = mapped(alarmFields('C', '1'));
    assert.match(result.message.id, /^scaip-C-1\./);
    assert.ok(deviceEventSchema.safeParse(result.message).success);
  });

  test('device ids from the longest allowed cid and did are valid device ids', () => {
    assert.ok(isDeviceId(scaipDeviceId('A'.repeat(24), 'B'.repeat(24))));
  });
});
