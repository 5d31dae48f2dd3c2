// "Ring upp": the receiver calls the unit back. Real parts: the alarm center on PostgreSQL, the
// gateway with its voice bridge API, SIPp as the unit's user agent server (the port its crd names),
// Chromium as the operator's browser. The unit's own call-back request (cha 1) finds it busy: the
// history says "no voice contact" with its SIP status. The holder rings up again (another operator
// may not), the unit answers, the browser hears it, and joining and leaving are in the audit log.

import assert from 'node:assert/strict';
import { addUser, eventually, loginClient } from '@trygg/alarm-center/testing';
import { alarmFields, freeUdpPort, mrq, runSipp, runSippUnit } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAKE_MEDIA_ARGS, launchBrowser, type TestBrowser } from '../src/browser.ts';
import {
  acceptAnswer,
  browserOffer,
  inboundAudioLevel,
  PCAP,
  RTP_ECHO,
  type ScaipRig,
  servePage,
  startScaipRig,
  type TestPage,
} from '../src/voice-rig.ts';

const CID = '4600501';

describe('calling the unit back from the console ("Ring upp")', () => {
  let rig: ScaipRig;
  let browser: TestBrowser;
  let page: TestPage;

  beforeAll(async () => {
    rig = await startScaipRig({ resident: 'res-callback', clientId: 'gw-callback', bridge: true });
    await addUser(rig.platform, 'op-ring', 'operator');
    await addUser(rig.platform, 'op-else', 'operator');
    page = await servePage('<!doctype html><audio id="out" autoplay></audio>');
    browser = await launchBrowser({ extraArgs: FAKE_MEDIA_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await page?.close();
    await rig?.close();
  });

  it('a busy unit is "no voice contact" (SIP 486); the holder rings up again and hears the unit; audited', async () => {
    const { platform, gateway } = rig;
    const deviceId = await rig.provision(CID, '1');
    const unitPort = await freeUdpPort();
    const busy = runSippUnit('callback-busy.xml', unitPort);
    const alarm = await runSipp('scaip-voice-offer.xml', gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(CID, 'R0001'), crd: `sip:unit@127.0.0.1:${unitPort}`, cha: '1' }) },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(alarm.code, 0, alarm.stdout + alarm.stderr);
    assert.equal((await busy).code, 0, 'the unit was called back and said busy');

    const holder = await loginClient(platform, 'op-ring', 'pw-op-ring');
    const other = await loginClient(platform, 'op-else', 'pw-op-else');
    const alarmId = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ alarm_id: string }>(
        `SELECT alarm_id FROM voice_calls WHERE device_id = $1 AND state = 'ended'`,
        [deviceId],
      );
      return rows[0]?.alarm_id;
    });
    type Entry = { type: string; actor: string | null; note: string | null };
    const history = async () => (await holder.call('GET', `/api/alarms/${alarmId}`)).body.history as Entry[];
    await eventually(async () => (await history()).some((h) => h.type === 'call.no_voice_contact'));
    assert.equal((await history()).find((h) => h.type === 'call.no_voice_contact')?.note, 'SIP 486');

    assert.equal((await holder.call('POST', `/api/alarms/${alarmId}/acknowledge`)).status, 200);
    const refused = await other.call('POST', `/api/alarms/${alarmId}/callback`);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'VOICE_NOT_HOLDER');

    const unit = runSippUnit('callback-answer.xml', unitPort, {
      keys: { pcap: PCAP },
      extraArgs: RTP_ECHO,
      timeoutS: 60,
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // SIPp listening before our INVITE's first send
    const rang = await holder.call('POST', `/api/alarms/${alarmId}/callback`);
    assert.equal(rang.status, 200, JSON.stringify(rang.body));
    const callId = rang.body.callId as string;
    await eventually(async () => {
      const { rows } = await platform.db.pool.query('SELECT 1 FROM voice_calls WHERE call_id = $1 AND state = $2', [
        callId,
        'ringing',
      ]);
      return rows.length === 1;
    }, 20_000);

    const tab = await browser.newPage();
    await tab.goto(page.url);
    const offer = await browserOffer(tab, { playOnTrack: true });
    const joined = await holder.call('POST', `/api/alarms/${alarmId}/calls/${callId}/join`, { sdp: offer });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    await acceptAnswer(tab, joined.body.sdp as string);
    await eventually(async () => (await inboundAudioLevel(tab)) > 0, 20_000);

    const audit = async (action: string) => {
      const { rows } = await platform.db.pool.query<{ actor: string; subject_type: string; subject_id: string }>(
        'SELECT actor, subject_type, subject_id FROM audit_log WHERE action = $1',
        [action],
      );
      return rows;
    };
    assert.deepEqual(await audit('join_voice_call'), [
      { actor: 'op-ring', subject_type: 'resident', subject_id: 'res-callback' },
    ]);
    const hangUp = await holder.call('POST', `/api/alarms/${alarmId}/calls/${callId}/control`, { action: 'hangup' });
    assert.equal(hangUp.status, 200, JSON.stringify(hangUp.body));
    const done = await unit;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    await eventually(async () => (await audit('leave_voice_call')).length === 1);
    assert.equal((await audit('leave_voice_call'))[0]?.actor, 'op-ring');
    await tab.close();
  });
});
