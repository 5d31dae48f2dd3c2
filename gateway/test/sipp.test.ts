// SIPp, a SIP peer nobody here wrote, plays the SCAIP controller against a gateway on real
// sockets, publishing into the real Mosquitto broker; the tests read what reached the broker.

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import {
  alarmFields,
  eventually,
  fixture,
  mrq,
  REAL_UNIT_FIXTURES,
  type RealUnitFixture,
  runSipp,
  sippGateway,
  uniqueCid,
  XML_BOMB,
} from './helpers.ts';

describe('SCAIP gateway driven by SIPp', () => {
  const gw = sippGateway();
  const { known, events: from } = gw;

  test('a manual alarm is answered 200 OK with snu 0 and published once as alarm.manual', async () => {
    const cid = known();
    const run = await runSipp('scaip-message.xml', gw.gateway.udpPort, {
      keys: { body: mrq(alarmFields(cid, 'A0001')) },
      sets: { expected: '0' },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => from(cid).length > 0));
    const [message] = from(cid);
    assert.equal(message?.topic, `v1/devices/scaip-${cid}-1/event`);
    assert.equal(message?.payload.type, 'alarm.manual');
    assert.match(String(message?.payload.id), new RegExp(`^scaip-${cid}-A0001\\.`));
    assert.equal(message?.payload.v, 1);
  });

  test('a heartbeat (PI) is published on the heartbeat channel with its interval', async () => {
    const cid = known();
    const body = mrq({ ref: 'P0001', cid, mty: 'PI', dty: '0051', did: '7', hbi: '60' });
    const run = await runSipp('scaip-message.xml', gw.gateway.udpPort, { keys: { body }, sets: { expected: '0' } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => from(cid).length > 0));
    const [message] = from(cid);
    assert.equal(message?.topic, `v1/devices/scaip-${cid}-7/heartbeat`);
    assert.equal(message?.payload.intervalS, 60);
  });

  test('a retransmission of the same ref is answered twice with snu 0 but raises one alarm', async () => {
    const cid = known();
    const before = gw.gateway.stats().duplicates;
    const run = await runSipp('scaip-retransmit.xml', gw.gateway.udpPort, {
      keys: { body: mrq(alarmFields(cid, 'R0001')) },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => from(cid).length > 0));
    // give a wrongly published second copy time to arrive before counting
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(from(cid).length, 1);
    assert.equal(gw.gateway.stats().duplicates, before + 1);
  });

  test('a request without its device type is answered snu 7 and publishes nothing', async () => {
    const cid = known();
    const body = mrq({ ...alarmFields(cid, 'M0001'), dty: undefined });
    const run = await runSipp('scaip-message.xml', gw.gateway.udpPort, { keys: { body }, sets: { expected: '7' } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(from(cid).length, 0);
  });

  test('the snu check in the scenario fails the call when the answer differs', async () => {
    // guards the scenario itself: a good alarm expected as snu 7 must make SIPp fail
    const cid = known();
    const run = await runSipp('scaip-message.xml', gw.gateway.udpPort, {
      keys: { body: mrq(alarmFields(cid, 'G0001')) },
      sets: { expected: '7' },
    });
    assert.notEqual(run.code, 0);
  });

  test('an unknown controller is refused with 403, counted, and publishes nothing', async () => {
    const cid = uniqueCid();
    const refusedBefore = gw.gateway.stats().rejected.UNKNOWN_CONTROLLER ?? 0;
    const run = await runSipp('scaip-forbidden.xml', gw.gateway.udpPort, {
      keys: { body: mrq(alarmFields(cid, 'U0001')) },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gw.gateway.stats().rejected.UNKNOWN_CONTROLLER, refusedBefore + 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(from(cid).length, 0);
  });

  test('an oversized body is answered snu 1 (too long)', async () => {
    const cid = known();
    const body = mrq({ ...alarmFields(cid, 'O0001'), lco: 'x'.repeat(5000) });
    const run = await runSipp('scaip-message.xml', gw.gateway.udpPort, { keys: { body }, sets: { expected: '1' } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(from(cid).length, 0);
  });

  test('an XML bomb is answered snu 2 and the gateway then accepts a good alarm', async () => {
    const cid = known();
    const bomb = XML_BOMB.replace('<cid>C1</cid>', `<cid>${cid}</cid>`);
    const refused = await runSipp('scaip-message.xml', gw.gateway.udpPort, {
      keys: { body: bomb },
      sets: { expected: '2' },
    });
    assert.equal(refused.code, 0, refused.stdout + refused.stderr);
    const good = await runSipp('scaip-message.xml', gw.gateway.udpPort, {
      keys: { body: mrq(alarmFields(cid, 'B0002')) },
      sets: { expected: '0' },
    });
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.ok(await eventually(() => from(cid).length === 1));
    assert.match(String(from(cid)[0]?.payload.id), new RegExp(`^scaip-${cid}-B0002\\.`));
  });

  test('a manual alarm over TCP is answered 200 OK with snu 0', async () => {
    const cid = known();
    const run = await runSipp('scaip-message.xml', gw.gateway.tcpPort, {
      keys: { body: mrq(alarmFields(cid, 'T0001')) },
      sets: { expected: '0' },
      transport: 't1',
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => from(cid).length === 1));
  });

  for (const name of Object.keys(REAL_UNIT_FIXTURES) as RealUnitFixture[]) {
    test(`a real unit's message (${name}) is answered snu 0 and published`, async () => {
      const cid = known();
      const expected = REAL_UNIT_FIXTURES[name];
      const run = await runSipp('scaip-message.xml', gw.gateway.udpPort, {
        keys: { body: fixture(name, cid) },
        sets: { expected: '0' },
      });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.ok(await eventually(() => from(cid).length === 1));
      const [message] = from(cid);
      assert.equal(message?.topic, `v1/devices/scaip-${cid}-${expected.did}/${expected.channel}`);
      if (expected.type) assert.equal(message?.payload.type, expected.type);
    });
  }
});
