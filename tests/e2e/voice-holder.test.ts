// Only the operator who has taken the alarm joins its call. Real parts: the alarm center on
// PostgreSQL, the gateway with its voice bridge API, SIPp as the unit, Chromium as the operator's
// browser. Another operator is refused (403 VOICE_NOT_HOLDER) and nothing reaches the bridge; the
// holder's browser hears the unit, the history says who answered, and the holder's hang-up ends it.

import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { voiceCallTopic } from '@trygg/firmware-protocol';
import {
  type BridgeApi,
  connectPublisher,
  type Gateway,
  type Publisher,
  pgControllerRegistry,
  scaipDeviceId,
  startBridgeApi,
  startGateway,
} from '@trygg/gateway';
import { alarmFields, mrq, runSipp, silentLogger } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAKE_MEDIA_ARGS, launchBrowser, type TestBrowser } from '../src/browser.ts';

const ACCOUNT = { username: 'scaip-gateway', password: 'gateway-secret-0002' };
const TOKEN = 'bridge-token-0123456789';
const CID = '4600401';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('joining the alarm’s call from the console', () => {
  let db: TestDatabase;
  let platform: Platform;
  let publisher: Publisher;
  let gateway: Gateway;
  let bridgeApi: BridgeApi;
  let browser: TestBrowser;
  let page: http.Server;

  beforeAll(async () => {
    const bridgePort = await freePort();
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      env: {
        BROKER_SERVICE_USERS: `${ACCOUNT.username}:${ACCOUNT.password}`,
        GATEWAY_BRIDGE_URL: `http://127.0.0.1:${bridgePort}`,
        GATEWAY_BRIDGE_TOKEN: TOKEN,
      },
    });
    await addResident(platform, 'res-holder');
    await addUser(platform, 'op-holder', 'operator');
    await addUser(platform, 'op-other', 'operator');
    publisher = await connectPublisher({
      url: `mqtt://127.0.0.1:${platform.mqttPort}`,
      ...ACCOUNT,
      clientId: 'gw-holder',
    });
    gateway = await startGateway({
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      controllers: pgControllerRegistry({ pool: platform.db.pool }),
      publish: publisher.publish,
      logger: silentLogger,
      voice: {
        publishCall: (deviceId, event) =>
          publisher.publish(voiceCallTopic(deviceId), Buffer.from(JSON.stringify(event))),
      },
    });
    assert.ok(gateway.voice);
    bridgeApi = await startBridgeApi({
      voice: gateway.voice,
      host: '127.0.0.1',
      port: bridgePort,
      token: TOKEN,
      logger: silentLogger,
    });
    page = http.createServer((_req, res) =>
      res.end(
        '<!doctype html><audio id="out"></audio><button id="play" onclick="document.getElementById(\'out\').play()">Svara</button>',
      ),
    );
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    browser = await launchBrowser({ extraArgs: FAKE_MEDIA_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => page?.close(resolve));
    await bridgeApi?.close();
    await gateway?.close();
    await publisher?.close();
    await platform?.close();
    await db?.drop();
  });

  it('another operator is refused; the holder hears the unit, is named as having answered, and hangs up', async () => {
    const deviceId = scaipDeviceId(CID, '1');
    await platform.provisioning.register({
      deviceId,
      deviceType: 'pendant',
      serial: `SCAIP-${CID}-1`,
      residentId: 'res-holder',
      district: 'Centrum',
      heartbeatIntervalS: 120,
      rules: {},
    });
    const sipp = runSipp('voice-call.xml', gateway.udpPort, {
      keys: {
        body: mrq({ ...alarmFields(CID, 'H0001'), crd: 'sip:unit@127.0.0.1' }),
        cid: CID,
        pcap: '/usr/share/sip-tester/g711a.pcap',
      },
      sets: { hangup: 'receiver' },
      extraArgs: ['-rtp_echo', '-mi', '127.0.0.1', '-mp', '0'],
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
    await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`);
    const offer = await tab.evaluate(async () => {
      const w = window as unknown as { pc: RTCPeerConnection };
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const pc = new RTCPeerConnection();
      w.pc = pc;
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
      pc.ontrack = (e) => {
        (document.getElementById('out') as HTMLAudioElement).srcObject = new MediaStream([e.track]);
      };
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      });
      return pc.localDescription?.sdp as string;
    });

    const refused = await other.call('POST', `/api/alarms/${alarmId}/calls/${callId}/join`, { sdp: offer });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'VOICE_NOT_HOLDER');

    const joined = await holder.call('POST', `/api/alarms/${alarmId}/calls/${callId}/join`, { sdp: offer });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    await tab.evaluate(async (sdp) => {
      await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp });
    }, joined.body.sdp as string);
    await tab.click('#play');
    await eventually(async () => {
      const level = await tab.evaluate(async () => {
        const report = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
        let value = 0;
        report.forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio') value = r.audioLevel ?? 0;
        });
        return value;
      });
      return level > 0;
    }, 20_000);

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
