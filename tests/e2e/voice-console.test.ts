// The operator answers the unit's call in the console itself: the production bundle served by the
// alarm center, Chromium with a fake microphone, the gateway's bridge, SIPp as the unit. The call
// rings in the alarm view, Svara connects it (the unit's audio plays, the microphone reaches the
// unit), Lägg på ends it with DTMF 0 and BYE, and the history says so.

import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
  addUser,
  createTestDatabase,
  eventually,
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
import { FAKE_MEDIA_ARGS, launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';

const ACCOUNT = { username: 'scaip-gateway', password: 'gateway-secret-0002' };
const TOKEN = 'bridge-token-0123456789';
const CID = '4600501';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the console answers the alarm’s call', () => {
  let db: TestDatabase;
  let platform: Platform;
  let publisher: Publisher;
  let gateway: Gateway;
  let bridgeApi: BridgeApi;
  let browser: TestBrowser;

  beforeAll(async () => {
    const bridgePort = await freePort();
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      consoleDist,
      env: {
        BROKER_SERVICE_USERS: `${ACCOUNT.username}:${ACCOUNT.password}`,
        GATEWAY_BRIDGE_URL: `http://127.0.0.1:${bridgePort}`,
        GATEWAY_BRIDGE_TOKEN: TOKEN,
      },
    });
    await addResident(platform, 'res-holder');
    await addUser(platform, 'op-holder', 'operator');
    publisher = await connectPublisher({
      url: `mqtt://127.0.0.1:${platform.mqttPort}`,
      ...ACCOUNT,
      clientId: 'gw-console',
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
    browser = await launchBrowser({ extraArgs: FAKE_MEDIA_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await bridgeApi?.close();
    await gateway?.close();
    await publisher?.close();
    await platform?.close();
    await db?.drop();
  });

  it('the call rings in the alarm view; Svara connects it with audio both ways; Lägg på ends it', async () => {
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
    const page = await browser.newPage();
    await login(page, `http://127.0.0.1:${platform.httpPort}`, 'op-holder', 'pw-op-holder');
    const sipp = runSipp('voice-call.xml', gateway.udpPort, {
      keys: {
        body: mrq({ ...alarmFields(CID, 'K0001'), crd: 'sip:unit@127.0.0.1' }),
        cid: CID,
        pcap: '/usr/share/sip-tester/g711a.pcap',
      },
      sets: { hangup: 'receiver' },
      extraArgs: ['-rtp_echo', '-mi', '127.0.0.1', '-mp', '0'],
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
});
