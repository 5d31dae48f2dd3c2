// baresip (Debian's re/baresip), a second SIP stack nobody here wrote, plays the controller: its
// MESSAGE requests (text/plain, its own Via/branch/CSeq handling, UDP and TCP) must be answered
// like SIPp's, and what it sent must reach the real broker.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import {
  eventually,
  fixture,
  type Received,
  runBaresip,
  startTestGateway,
  subscribeDevices,
  type TestGateway,
  uniqueCid,
} from './helpers.ts';

describe('SCAIP gateway driven by baresip', () => {
  let gw: TestGateway;
  let subscriber: Awaited<ReturnType<typeof subscribeDevices>>;
  const controllers = new Set<string>();

  beforeAll(async () => {
    subscriber = await subscribeDevices();
    gw = await startTestGateway(controllers, 120);
  });
  afterAll(async () => {
    await gw.close();
    await subscriber.close();
  });

  function from(cid: string): Received[] {
    return subscriber.received.filter((m) => m.topic.startsWith(`v1/devices/scaip-${cid}-`));
  }

  function known(): string {
    const cid = uniqueCid();
    controllers.add(cid);
    return cid;
  }

  test('an Essence-shaped press over UDP is answered 200 OK snu 0 and published once', async () => {
    const cid = known();
    const run = await runBaresip(gw.gateway.udpPort, fixture('essence-pendant-press.xml', cid));
    assert.deepEqual(run.statuses, [200], run.trace);
    assert.deepEqual(run.snus, [0], run.trace);
    assert.ok(await eventually(() => from(cid).length === 1));
    assert.equal(from(cid)[0]?.payload.type, 'alarm.manual');
  });

  test('a Telealarm-shaped mobile press over TCP is answered snu 0 with its position published', async () => {
    const cid = known();
    const run = await runBaresip(gw.gateway.tcpPort, fixture('telealarm-mobile-press-lge.xml', cid), 'tcp');
    assert.deepEqual(run.statuses, [200], run.trace);
    assert.deepEqual(run.snus, [0], run.trace);
    assert.ok(await eventually(() => from(cid).length === 1));
    assert.deepEqual(from(cid)[0]?.payload.position, { lat: 57.70887, lon: 11.97456, accuracyM: 25 });
  });

  test('a controller heartbeat (PI, dty 0002) is answered snu 0 and published as a heartbeat', async () => {
    const cid = known();
    const run = await runBaresip(gw.gateway.udpPort, fixture('controller-heartbeat.xml', cid));
    assert.deepEqual(run.snus, [0], run.trace);
    assert.ok(await eventually(() => from(cid).length === 1));
    assert.equal(from(cid)[0]?.topic, `v1/devices/scaip-${cid}-0/heartbeat`);
  });

  test('an unknown controller gets 403 from baresip too', async () => {
    const run = await runBaresip(gw.gateway.udpPort, fixture('doro-reset.xml', uniqueCid()));
    assert.deepEqual(run.statuses, [403], run.trace);
  });
});
