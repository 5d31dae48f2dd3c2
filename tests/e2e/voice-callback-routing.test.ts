// "Ring upp" with two gateway instances and across a gateway restart. Real parts: the alarm center
// on PostgreSQL, gateway instances gw-a and gw-b each with its voice bridge API (the alarm center
// is told both: GATEWAY_BRIDGE_URLS, and gw-a as the old single GATEWAY_BRIDGE_URL), SIPp as the
// controller (over UDP) and as the unit's user agent server at the port its crd names.
// The unit's alarm goes to gw-b. The holder's Ring upp is placed by gw-b (not the default gw-a);
// after gw-b restarts (its memory of the unit gone) by gw-b again, from the crd the alarm center
// kept; and with gw-b down, by gw-a. Each call is hung up through the instance that holds it.

import assert from 'node:assert/strict';
import { addUser, eventually, loginClient } from '@trygg/alarm-center/testing';
import type { Gateway } from '@trygg/gateway';
import { alarmFields, freeUdpPort, mrq, runSipp, runSippUnit } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PCAP, RTP_ECHO, type ScaipRig, startScaipRig } from '../src/voice-rig.ts';

const CID = '4600502';

describe('"Ring upp" goes to the gateway instance that can call the unit', () => {
  let rig: ScaipRig;
  let gwA: { gateway: Gateway; close(): Promise<void> };
  let gwB: { gateway: Gateway; close(): Promise<void> };
  let holder: Awaited<ReturnType<typeof loginClient>>;
  let alarmId: string;
  let unitPort: number;

  beforeAll(async () => {
    rig = await startScaipRig({ resident: 'res-routing', clientId: 'gw-routing', instances: ['gw-a', 'gw-b'] });
    gwA = await rig.startInstance('gw-a');
    gwB = await rig.startInstance('gw-b');
    await addUser(rig.platform, 'op-route', 'operator');
    holder = await loginClient(rig.platform, 'op-route', 'pw-op-route');
    const deviceId = await rig.provision(CID, '1');
    unitPort = await freeUdpPort();
    // the unit asks to call us (cha 0); it never does, so its call waits in gw-b's memory
    const alarm = await runSipp('scaip-voice-offer.xml', gwB.gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(CID, 'R0001'), crd: `sip:unit@127.0.0.1:${unitPort}` }) },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(alarm.code, 0, alarm.stdout + alarm.stderr);
    alarmId = await eventually(async () => {
      const { rows } = await rig.platform.db.pool.query<{ alarm_id: string }>(
        'SELECT alarm_id FROM voice_calls WHERE device_id = $1 AND alarm_id IS NOT NULL',
        [deviceId],
      );
      return rows[0]?.alarm_id;
    });
    assert.equal((await holder.call('POST', `/api/alarms/${alarmId}/acknowledge`)).status, 200);
  });

  afterAll(async () => {
    await rig?.close();
  });

  /** Ring upp with SIPp answering as the unit: the call rings, then the holder hangs up. Returns the holding instance. */
  async function ringUpAndHangUp(): Promise<string | null> {
    const unit = runSippUnit('callback-answer.xml', unitPort, { keys: { pcap: PCAP }, extraArgs: RTP_ECHO });
    await new Promise((resolve) => setTimeout(resolve, 300)); // SIPp listening before our INVITE's first send
    const rang = await holder.call('POST', `/api/alarms/${alarmId}/callback`);
    assert.equal(rang.status, 200, JSON.stringify(rang.body));
    const callId = rang.body.callId as string;
    const instance = await eventually(async () => {
      const { rows } = await rig.platform.db.pool.query<{ gateway_instance: string | null }>(
        `SELECT gateway_instance FROM voice_calls WHERE call_id = $1 AND state = 'ringing'`,
        [callId],
      );
      return rows[0] ? (rows[0].gateway_instance ?? 'unnamed') : undefined;
    }, 15_000);
    const hangUp = await holder.call('POST', `/api/alarms/${alarmId}/calls/${callId}/control`, { action: 'hangup' });
    assert.equal(hangUp.status, 200, JSON.stringify(hangUp.body));
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    await eventually(async () => {
      const { rows } = await rig.platform.db.pool.query(
        `SELECT 1 FROM voice_calls WHERE call_id = $1 AND end_reason = 'operator-hung-up'`,
        [callId],
      );
      return rows.length === 1;
    });
    return instance;
  }

  it('is placed by the instance that took the alarm, not the default bridge', async () => {
    assert.equal(await ringUpAndHangUp(), 'gw-b');
    assert.equal(gwA.gateway.voice?.book.open, 0, 'gw-a placed nothing');
  });

  it('after that instance restarts, from the unit address the alarm center kept', async () => {
    await gwB.close();
    gwB = await rig.startInstance('gw-b');
    assert.equal(await ringUpAndHangUp(), 'gw-b');
  });

  it('with that instance down, another instance calls the unit over UDP; counted', async () => {
    await gwB.close();
    assert.equal(await ringUpAndHangUp(), 'gw-a');
    const metrics = await (await fetch(`${rig.platform.metricsUrl}`)).text();
    assert.match(metrics, /voice_bridge_requests_total\{instance="gw-b",outcome="unreachable"\} 1/);
  });
});
