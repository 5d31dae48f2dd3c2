// Only the operator who has taken the alarm joins its call. Real parts: the alarm center on
// PostgreSQL, the gateway with its voice bridge API, SIPp as the unit, Chromium as the operator's
// browser. Another operator is refused (403 VOICE_NOT_HOLDER) and nothing reaches the bridge; the
// holder's browser hears the unit, the history says who answered, and the holder's hang-up ends it.

import assert from 'node:assert/strict';
import { addUser, eventually, loginClient } from '@trygg/alarm-center/testing';
import { alarmFields, mrq, runSipp } from '@trygg/gateway/testing';
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

const CID = '4600401';

describe('joining the alarm’s call from the console', () => {
  let rig: ScaipRig;
  let browser: TestBrowser;
  let page: TestPage;

  beforeAll(async () => {
    rig = await startScaipRig({ resident: 'res-holder', clientId: 'gw-holder', bridge: true });
    await addUser(rig.platform, 'op-holder', 'operator');
    await addUser(rig.platform, 'op-other', 'operator');
    page = await servePage(
      '<!doctype html><audio id="out"></audio><button id="play" onclick="document.getElementById(\'out\').play()">Svara</button>',
    );
    browser = await launchBrowser({ extraArgs: FAKE_MEDIA_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await page?.close();
    await rig?.close();
  });

  it('another operator is refused; the holder hears the unit, is named as having answered, and hangs up', async () => {
    const { platform, gateway } = rig;
    const deviceId = await rig.provision(CID, '1');
    const sipp = runSipp('voice-call.xml', gateway.udpPort, {
      keys: {
        body: mrq({ ...alarmFields(CID, 'H0001'), crd: 'sip:unit@127.0.0.1' }),
        cid: CID,
        pcap: PCAP,
      },
      sets: { hangup: 'receiver' },
      extraArgs: RTP_ECHO,
      timeoutS: 60,
    });
    const holder = await loginClient(platform, 'op-holder', 'pw-op-holder');
    const other = await loginClient(platform, 'op-other', 'pw-op-other');
    const { alarmId, callId } = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ alarm_id: string; call_id: string }>(
        `SELECT alarm_id, call_id FROM voice_calls WHERE device_id = $1 AND state = 'ringing'`,
        [deviceId],
      );
      return rows[0] ? { alarmId: rows[0].alarm_id, callId: rows[0].call_id } : undefined;
    });
    assert.equal((await holder.call('POST', `/api/alarms/${alarmId}/acknowledge`)).status, 200);

    const tab = await browser.newPage();
    await tab.goto(page.url);
    const offer = await browserOffer(tab, { playOnTrack: false });

    const refused = await other.call('POST', `/api/alarms/${alarmId}/calls/${callId}/join`, { sdp: offer });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'VOICE_NOT_HOLDER');

    const joined = await holder.call('POST', `/api/alarms/${alarmId}/calls/${callId}/join`, { sdp: offer });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    await acceptAnswer(tab, joined.body.sdp as string);
    await tab.click('#play');
    await eventually(async () => (await inboundAudioLevel(tab)) > 0, 20_000);

    const history = async () =>
      (await holder.call('GET', `/api/alarms/${alarmId}`)).body.history as { type: string; actor: string | null }[];
    await eventually(async () => (await history()).some((h) => h.type === 'call.answered'));
    assert.equal((await history()).find((h) => h.type === 'call.answered')?.actor, 'op-holder');

    const otherHangUp = await other.call('POST', `/api/alarms/${alarmId}/calls/${callId}/control`, {
      action: 'hangup',
    });
    assert.equal(otherHangUp.status, 403);
    const hangUp = await holder.call('POST', `/api/alarms/${alarmId}/calls/${callId}/control`, { action: 'hangup' });
    assert.equal(hangUp.status, 200, JSON.stringify(hangUp.body));
    const run = await sipp;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await eventually(async () => (await history()).some((h) => h.type === 'call.ended_by_operator'));
    await tab.close();
  });
});
