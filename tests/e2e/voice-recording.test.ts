// The municipality's call-recording policy (issue 17, privacy), end to end on real parts: the
// alarm center on PostgreSQL with the demo's in-process gateway, device-sim's base unit calling
// over SIP + RTP with its 1 kHz tone, Chromium's fake microphone joining through the alarm center.
// Off (the default): an answered call leaves no recording anywhere. On: the stored recording is
// encrypted, decrypts to audio in both directions with the 1400 Hz warning tone in what the unit
// received; playback is for supervisors with a reason, each one audit-logged; retention deletes.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Platform } from '@trygg/alarm-center';
import { type DemoVoice, demoGatewayAccount, startDemoVoice } from '@trygg/alarm-center/demo-voice';
import {
  addResident,
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { SimDevice, type UnitVoice } from '@trygg/device-sim';
import { readWav, toneShare, WARNING_TONE } from '@trygg/gateway';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAKE_MEDIA_ARGS, launchBrowser, login, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';
import { browserOffer, servePage, type TestPage } from '../src/voice-rig.ts';

const RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

interface Rig {
  db: TestDatabase;
  platform: Platform;
  voice: DemoVoice;
  device: SimDevice;
}

async function startRig(name: string, env: Record<string, string>): Promise<Rig> {
  const account = demoGatewayAccount();
  const db = await createTestDatabase();
  const platform = await startTestPlatform({
    databaseUrl: db.url,
    consoleDist: await buildConsole(),
    env: { BROKER_SERVICE_USERS: `${account.username}:${account.password}`, ...env },
  });
  await addResident(platform, `res-${name}`);
  await addUser(platform, `op-${name}`, 'operator');
  await addUser(platform, `sup-${name}`, 'supervisor');
  const pendant = { deviceId: `pendant-${name}`, deviceType: 'pendant' as const, secret: `${name}-secret-000001` };
  await platform.provisioning.register(
    {
      deviceId: pendant.deviceId,
      deviceType: 'pendant',
      serial: `SN-${name}`,
      residentId: `res-${name}`,
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    },
    pendant.secret,
  );
  const voice = await startDemoVoice(platform, account, pino({ level: 'silent' }));
  const device = new SimDevice(pendant, { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, voice: {} });
  await device.connect();
  return { db, platform, voice, device };
}

async function stopRig(rig: Rig | undefined) {
  await rig?.device.stop();
  await rig?.voice.close();
  await rig?.platform.close();
  await rig?.db.drop();
}

/** The unit presses, the operator takes the alarm and joins from Chromium; audio both ways; the operator hangs up. */
async function answeredCall(
  rig: Rig,
  name: string,
  browser: TestBrowser,
  page: TestPage,
  whileConnected: (alarmId: string) => Promise<void> = async () => {},
) {
  const { platform, device } = rig;
  const unit = device.voice as UnitVoice;
  await device.send({ type: 'alarm.manual' });
  const { alarmId, callId } = await eventually(async () => {
    const { rows } = await platform.db.pool.query<{ alarm_id: string; call_id: string }>(
      `SELECT alarm_id, call_id FROM voice_calls WHERE device_id = $1 AND state = 'ringing'`,
      [`pendant-${name}`],
    );
    return rows[0] ? { alarmId: rows[0].alarm_id, callId: rows[0].call_id } : undefined;
  }, 20_000);
  const operator = await loginClient(platform, `op-${name}`, `pw-op-${name}`);
  assert.equal((await operator.call('POST', `/api/alarms/${alarmId}/acknowledge`)).status, 200);
  const tab = await browser.newPage();
  await tab.goto(page.url);
  const offer = await browserOffer(tab, { playOnTrack: false });
  const joined = await operator.call('POST', `/api/alarms/${alarmId}/calls/${callId}/join`, { sdp: offer });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  await tab.evaluate(async (sdp) => {
    await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp });
  }, joined.body.sdp as string);
  // the browser's fake microphone heard at the unit, the unit's tone sent for a while
  await eventually(async () => unit.stats.packetsReceived > 100 && unit.stats.peakLevel > 0.01, 20_000);
  await whileConnected(alarmId);
  const hangUp = await operator.call('POST', `/api/alarms/${alarmId}/calls/${callId}/control`, { action: 'hangup' });
  assert.equal(hangUp.status, 200, JSON.stringify(hangUp.body));
  await eventually(async () => unit.stats.state === 'ended');
  await tab.close();
  return { alarmId, callId, operator, recording: joined.body.recording as boolean };
}

function peakOf(samples: Int16Array): number {
  let max = 0;
  for (const s of samples) max = Math.max(max, Math.abs(s));
  return max;
}

describe('call recording policy', () => {
  let browser: TestBrowser;
  let page: TestPage;

  beforeAll(async () => {
    page = await servePage('<!doctype html><audio id="out"></audio>');
    browser = await launchBrowser({ extraArgs: FAKE_MEDIA_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await page?.close();
  });

  describe('off (VOICE_RECORDING_RETENTION_DAYS unset)', () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig('rec-off', {});
    });
    afterAll(() => stopRig(rig));

    it('an answered call leaves no recording anywhere: none held by the gateway, none stored, no playback route', async () => {
      const { alarmId, callId, recording } = await answeredCall(rig, 'rec-off', browser, page);
      assert.equal(recording, false, 'the operator is not told the call is recorded');
      await eventually(async () => {
        const { rows } = await rig.platform.db.pool.query(
          `SELECT 1 FROM voice_calls WHERE call_id = $1 AND state = 'ended'`,
          [callId],
        );
        return rows.length === 1;
      });
      assert.equal(rig.voice.recordingsHeld(), 0, 'the gateway holds no recording');
      const { rows } = await rig.platform.db.pool.query('SELECT count(*)::int AS n FROM voice_recordings');
      assert.equal(rows[0].n, 0, 'nothing stored');
      const supervisor = await loginClient(rig.platform, 'sup-rec-off', 'pw-sup-rec-off');
      const play = await supervisor.call('GET', `/api/alarms/${alarmId}/calls/${callId}/recording?reason=review`);
      assert.equal(play.status, 404);
    });
  });

  describe(`on (VOICE_RECORDING_RETENTION_DAYS=${RETENTION_DAYS})`, () => {
    let rig: Rig;
    let call: Awaited<ReturnType<typeof answeredCall>>;
    let shownRecorded = '';
    beforeAll(async () => {
      rig = await startRig('rec-on', { VOICE_RECORDING_RETENTION_DAYS: String(RETENTION_DAYS) });
      call = await answeredCall(rig, 'rec-on', browser, page, async (alarmId) => {
        // the operator's alarm view says the call is recorded while it is up
        const tab = await browser.newPage();
        await login(tab, `http://127.0.0.1:${rig.platform.httpPort}`, 'op-rec-on', 'pw-op-rec-on');
        await tab.goto(`http://127.0.0.1:${rig.platform.httpPort}/#/alarm/${alarmId}`);
        shownRecorded = (await tab.getByTestId('voice-recorded').textContent({ timeout: 15_000 })) ?? '';
        await tab.close();
      });
    });
    afterAll(() => stopRig(rig));

    it('the stored recording is encrypted and decrypts to both directions, with the warning tone the unit received', async () => {
      assert.equal(call.recording, true, 'the join tells the operator the call is recorded');
      assert.equal(shownRecorded, 'Samtalet spelas in', 'the operator’s panel said so during the call');
      const row = await eventually(async () => {
        const { rows } = await rig.platform.db.pool.query<{ audio_enc: Buffer | null; resident_id: string }>(
          'SELECT audio_enc, resident_id FROM voice_recordings WHERE call_id = $1',
          [call.callId],
        );
        return rows[0]?.audio_enc ? rows[0] : undefined;
      }, 15_000);
      assert.equal(row.resident_id, 'res-rec-on');
      const sealed = row.audio_enc as Buffer;
      assert.ok(!sealed.includes(Buffer.from('RIFF')) && !sealed.includes(Buffer.from('WAVE')), 'not readable at rest');
      assert.equal(rig.voice.recordingsHeld(), 0, 'the gateway let go of it once stored');

      const wav = readWav(rig.platform.pii.decryptBytes(sealed));
      assert.equal(wav.channels, 2);
      assert.ok(wav.left.length > 8000, `more than a second recorded (${wav.left.length} samples)`);
      // left: the unit's microphone, device-sim's 1 kHz tone
      assert.ok(toneShare(wav.left.subarray(4000, 12_000), 1000) > 0.5, 'the unit’s 1 kHz tone in the recording');
      // right: what the unit received; the warning tone first, then the browser's microphone
      const beep = wav.right.subarray(0, (WARNING_TONE.onMs * 8000) / 1000);
      assert.ok(toneShare(beep, WARNING_TONE.hz) > 0.3, 'the 1400 Hz recording warning tone');
      assert.ok(peakOf(wav.right.subarray(beep.length)) > 300, 'the operator’s microphone after it');
    });

    it('playback: 403 for an operator (counted), 400 without a reason, the WAV for a supervisor with a reason, audit-logged', async () => {
      await eventually(async () => {
        const { rows } = await rig.platform.db.pool.query(
          'SELECT 1 FROM voice_recordings WHERE call_id = $1 AND audio_enc IS NOT NULL',
          [call.callId],
        );
        return rows.length === 1;
      }, 15_000);
      const path = `/api/alarms/${call.alarmId}/calls/${call.callId}/recording`;
      const asOperator = await fetch(`${call.operator.base}${path}?reason=curious`, {
        headers: { cookie: call.operator.cookie },
      });
      assert.equal(asOperator.status, 403);
      const supervisor = await loginClient(rig.platform, 'sup-rec-on', 'pw-sup-rec-on');
      const noReason = await fetch(`${supervisor.base}${path}`, { headers: { cookie: supervisor.cookie } });
      assert.equal(noReason.status, 400);
      const played = await fetch(`${supervisor.base}${path}?reason=${encodeURIComponent('klagomål 2026-117')}`, {
        headers: { cookie: supervisor.cookie },
      });
      assert.equal(played.status, 200);
      assert.equal(played.headers.get('content-type'), 'audio/wav');
      const wav = Buffer.from(await played.arrayBuffer());
      assert.equal(wav.toString('ascii', 0, 4), 'RIFF');

      const { rows } = await rig.platform.db.pool.query<{ actor: string; subject_id: string; reason: string }>(
        `SELECT actor, subject_id, reason FROM audit_log WHERE action = 'play_voice_recording'`,
      );
      assert.equal(rows.length, 1, 'one playback, one entry (the refused ones played nothing)');
      assert.equal(rows[0]?.actor, 'sup-rec-on');
      assert.equal(rows[0]?.subject_id, 'res-rec-on');
      assert.match(rows[0]?.reason ?? '', new RegExp(`call ${call.callId}: klagomål 2026-117`));
      const calls = await supervisor.call('GET', `/api/alarms/${call.alarmId}/calls`);
      assert.equal(calls.body.calls.find((c: { callId: string }) => c.callId === call.callId)?.recording, 'stored');

      const metrics = await (await fetch(rig.platform.metricsUrl)).text();
      assert.match(
        metrics,
        /^http_refusals_total\{route="\/api\/alarms\/:id\/calls\/:callId\/recording",status="403",code="FORBIDDEN_ROLE"\} 1/m,
      );
      assert.match(metrics, /^voice_recordings_total\{outcome="played"\} 1/m);
    });

    it('in the console: a supervisor gives a reason and plays the recording in the alarm view; logged again', async () => {
      const tab = await browser.newPage();
      const base = `http://127.0.0.1:${rig.platform.httpPort}`;
      await tab.context().clearCookies(); // the operator's session from the call
      await login(tab, base, 'sup-rec-on', 'pw-sup-rec-on');
      await tab.goto(`${base}/#/alarm/${call.alarmId}`);
      await tab.getByTestId('call-recording-reason').fill('kvalitetsgranskning');
      await tab.getByTestId('call-recording-play').click();
      await eventually(async () =>
        tab.getByTestId('call-recording-audio').evaluate((a) => (a as HTMLAudioElement).currentTime > 0.2),
      );
      const { rows } = await rig.platform.db.pool.query<{ reason: string }>(
        `SELECT reason FROM audit_log WHERE action = 'play_voice_recording' ORDER BY id`,
      );
      assert.ok(rows.length >= 2, 'the console’s playback is in the audit log');
      assert.match(rows.at(-1)?.reason ?? '', /kvalitetsgranskning$/);
      await tab.close();
    });

    it('retention: a recording survives until its retention has passed, then the sweep deletes it (counted)', async () => {
      const recordings = rig.platform.voiceRecordings;
      assert.ok(recordings);
      const { rows } = await rig.platform.db.pool.query<{ started_ms: string }>(
        'SELECT (extract(epoch FROM started_at) * 1000)::bigint AS started_ms FROM voice_recordings WHERE call_id = $1',
        [call.callId],
      );
      const started = Number(rows[0]?.started_ms);
      assert.equal(await recordings.sweep(started + RETENTION_DAYS * DAY_MS - 1000), 0, 'kept within its retention');
      assert.equal(await recordings.sweep(started + RETENTION_DAYS * DAY_MS), 1, 'deleted when it has passed');
      const left = await rig.platform.db.pool.query('SELECT count(*)::int AS n FROM voice_recordings');
      assert.equal(left.rows[0].n, 0, 'none survives its retention');
      const metrics = await (await fetch(rig.platform.metricsUrl)).text();
      assert.match(metrics, /^voice_recordings_total\{outcome="deleted"\} 1/m);
    });

    it('a gateway that does not confirm it records is not joined: 503 VOICE_RECORDING_UNAVAILABLE, the call hung up', async () => {
      // the unit's next call rings through the real gateway; then the bridge is one that answers
      // the join as a gateway without recording would (no `recording: true`)
      const unit = rig.device.voice as UnitVoice;
      await rig.device.send({ type: 'alarm.manual' });
      const ringing = await eventually(async () => {
        const { rows } = await rig.platform.db.pool.query<{ alarm_id: string; call_id: string }>(
          `SELECT alarm_id, call_id FROM voice_calls WHERE device_id = 'pendant-rec-on' AND state = 'ringing'`,
        );
        return rows[0];
      }, 20_000);
      const asked: string[] = [];
      const oldGateway = createServer((req, res) => {
        asked.push(`${req.method} ${req.url}`);
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sdp: 'v=0 (not used)' }));
      });
      await new Promise<void>((resolve) => oldGateway.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = oldGateway.address() as AddressInfo;
        rig.platform.voice.attachBridge({ url: `http://127.0.0.1:${port}`, token: 'old-gateway-token-0001' });
        const operator = await loginClient(rig.platform, 'op-rec-on', 'pw-op-rec-on');
        const alarm = await operator.call('GET', `/api/alarms/${ringing.alarm_id}`);
        if (alarm.body.status === 'new') await operator.call('POST', `/api/alarms/${ringing.alarm_id}/acknowledge`);
        const joined = await operator.call('POST', `/api/alarms/${ringing.alarm_id}/calls/${ringing.call_id}/join`, {
          sdp: 'v=0 browser offer',
        });
        assert.equal(joined.status, 503, JSON.stringify(joined.body));
        assert.equal(joined.body.code, 'VOICE_RECORDING_UNAVAILABLE');
        assert.deepEqual(asked, [`POST /calls/${ringing.call_id}/join`, `POST /calls/${ringing.call_id}/hangup`]);
        const { rows } = await rig.platform.db.pool.query('SELECT 1 FROM voice_recordings WHERE call_id = $1', [
          ringing.call_id,
        ]);
        assert.equal(rows.length, 0, 'no recording is owed for a call nobody joined');
        assert.equal(unit.stats.state, 'connected', 'the unit is still on the line, for a gateway that records');
      } finally {
        await new Promise((resolve) => oldGateway.close(resolve));
      }
    });
  });
});
