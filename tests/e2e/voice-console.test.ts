// The operator answers the unit's call in the console itself: the production bundle served by the
// alarm center, Chromium with a fake microphone, the gateway's bridge, SIPp as the unit. The call
// rings in the alarm view, Svara connects it (the unit's audio plays, the microphone reaches the
// unit), Lägg på ends it with DTMF 0 and BYE, and the history says so. A unit that has not called
// yet is rung up from the view (Ring upp): it answers, Svara connects, its voice plays.

import assert from 'node:assert/strict';
import { addUser, eventually } from '@trygg/alarm-center/testing';
import { alarmFields, freeUdpPort, mrq, runSipp, runSippUnit } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAKE_MEDIA_ARGS, launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';
import { PCAP, RTP_ECHO, type ScaipRig, startScaipRig } from '../src/voice-rig.ts';

const CID = '4600501';

describe('the console answers the alarm’s call', () => {
  let rig: ScaipRig;
  let browser: TestBrowser;

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    rig = await startScaipRig({ resident: 'res-holder', clientId: 'gw-console', bridge: true, consoleDist });
    await addUser(rig.platform, 'op-holder', 'operator');
    browser = await launchBrowser({ extraArgs: FAKE_MEDIA_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('the call rings in the alarm view; Svara connects it with audio both ways; Lägg på ends it', async () => {
    const { platform, gateway } = rig;
    const deviceId = await rig.provision(CID, '1');
    const page = await browser.newPage();
    await login(page, `http://127.0.0.1:${platform.httpPort}`, 'op-holder', 'pw-op-holder');
    const sipp = runSipp('voice-call.xml', gateway.udpPort, {
      keys: {
        body: mrq({ ...alarmFields(CID, 'K0001'), crd: 'sip:unit@127.0.0.1' }),
        cid: CID,
        pcap: PCAP,
      },
      sets: { hangup: 'receiver' },
      extraArgs: RTP_ECHO,
      timeoutS: 90,
    });
    const row = page.locator('[data-testid="alarm-row"][data-kind="manual"]').first();
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('alarm-ack').click();
    await page.locator('[data-testid="alarm-row"][data-status="acknowledged"]').first().waitFor({ timeout: 10_000 });
    await row.click();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="voice-call"][data-state="ringing"]').waitFor({ timeout: 15_000 });
    await screenshot(page, 'voice-call-ringing');
    await page.getByTestId('voice-answer').click();
    await page.locator('[data-testid="voice-call"][data-state="answered"]').waitFor({ timeout: 15_000 });
    // the unit's voice plays in the view, and the operator's microphone goes out to the unit
    await eventually(async () =>
      page
        .getByTestId('voice-audio')
        .evaluate((a) => !(a as HTMLAudioElement).paused && (a as HTMLAudioElement).currentTime > 0.5),
    );
    const callId = gateway.voice?.book.current(CID)?.callId as string;
    await eventually(async () => (gateway.voice?.dialogs.rtpStats()[callId]?.ownEchoed ?? 0) > 20);
    await screenshot(page, 'voice-call-answered');
    await page.getByTestId('voice-hangup').click();
    const run = await sipp;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ type: string }>(
        `SELECT e.type FROM alarm_events e JOIN alarms a ON a.id = e.alarm_id WHERE a.device_id = $1`,
        [deviceId],
      );
      return rows.some((r) => r.type === 'call.ended_by_operator');
    });
    await page.locator('[data-testid="voice-call"][data-state="ended"]').waitFor({ timeout: 10_000 });
    await page.close();
  });

  it('Ring upp calls a unit that has not called: it answers, Svara connects, its voice plays', async () => {
    const { platform, gateway } = rig;
    const cid = '4600502';
    const deviceId = await rig.provision(cid, '1');
    const unitPort = await freeUdpPort();
    const page = await browser.newPage(); // the browser is still signed in as op-holder
    const base = `http://127.0.0.1:${platform.httpPort}`;
    await page.goto(base);
    const alarm = await runSipp('scaip-voice-offer.xml', gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(cid, 'K0002'), crd: `sip:unit@127.0.0.1:${unitPort}` }) },
      sets: { expected: '0', expected_mre: '1' },
    });
    assert.equal(alarm.code, 0, alarm.stdout + alarm.stderr);
    const unit = runSippUnit('callback-answer.xml', unitPort, {
      keys: { pcap: PCAP },
      extraArgs: RTP_ECHO,
      timeoutS: 90,
    });
    const row = page.locator('[data-testid="alarm-row"][data-status="new"]').first();
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('alarm-ack').click();
    const alarmId = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ id: string }>(
        `SELECT id FROM alarms WHERE device_id = $1 AND status = 'acknowledged'`,
        [deviceId],
      );
      return rows[0]?.id;
    });
    await page.goto(`${base}/#/alarm/${alarmId}`);
    await page.locator('[data-testid="voice-call"][data-state="offered"]').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Ring upp' }).click();
    await page.locator('[data-testid="voice-call"][data-state="ringing"]').waitFor({ timeout: 20_000 });
    await screenshot(page, 'voice-callback-ringing');
    await page.getByTestId('voice-answer').click();
    await page.locator('[data-testid="voice-call"][data-state="answered"]').waitFor({ timeout: 15_000 });
    await eventually(async () =>
      page
        .getByTestId('voice-audio')
        .evaluate((a) => !(a as HTMLAudioElement).paused && (a as HTMLAudioElement).currentTime > 0.5),
    );
    const callId = gateway.voice?.book.current(cid)?.callId as string;
    await eventually(async () => (gateway.voice?.dialogs.rtpStats()[callId]?.ownEchoed ?? 0) > 20);
    await page.getByTestId('voice-hangup').click();
    const run = await unit;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await page.close();
  });
});
