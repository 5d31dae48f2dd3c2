// A gateway instance that dies mid-call (issue 17). Real parts: the alarm center on PostgreSQL,
// gateway instances gw-a and gw-b as OS processes (their Last Will on the alarm center's broker),
// SIPp as the controller and as the unit's user agent server. gw-b holds the alarm's calls and is
// killed with SIGKILL while a call-back rings: the calls end as failed within seconds, the history
// says so once per call, and Ring upp goes out through gw-a. Then an alarm center that was down
// while its gateway died ends that gateway's call on its sweep after the restart.

import assert from 'node:assert/strict';
import {
  addResident,
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { scaipDeviceId } from '@trygg/gateway';
import { alarmFields, freeUdpPort, mrq, runSipp, runSippUnit } from '@trygg/gateway/testing';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../src/gateway-process.ts';
import { BRIDGE_TOKEN, freePort, GATEWAY_ACCOUNT, PCAP, RTP_ECHO } from '../src/voice-rig.ts';

type Platform = Awaited<ReturnType<typeof startTestPlatform>>;

const CID = '4600603';
const RESIDENT = 'res-gw-lost';

/** Runs a gateway instance as a process publishing into `platform`'s broker, its bridge on `bridgePort`. */
function gatewayProcess(db: TestDatabase, platform: Platform, id: string, bridgePort: number) {
  return startGatewayProcess({
    DATABASE_URL: db.url,
    MQTT_URL: `mqtt://127.0.0.1:${platform.mqttPort}`,
    MQTT_USERNAME: GATEWAY_ACCOUNT.username,
    MQTT_PASSWORD: GATEWAY_ACCOUNT.password,
    GATEWAY_INSTANCE_ID: id,
    GATEWAY_MQTT_CONNECTIONS: '1',
    GATEWAY_AUTH: 'off',
    GATEWAY_BRIDGE_PORT: String(bridgePort),
    GATEWAY_BRIDGE_TOKEN: BRIDGE_TOKEN,
  });
}

async function startAlarmCenter(db: TestDatabase, ports: Record<string, number>, env: Record<string, string> = {}) {
  return startTestPlatform({
    databaseUrl: db.url,
    env: {
      BROKER_SERVICE_USERS: `${GATEWAY_ACCOUNT.username}:${GATEWAY_ACCOUNT.password}`,
      GATEWAY_BRIDGE_URLS: Object.entries(ports)
        .map(([id, port]) => `${id}=http://127.0.0.1:${port}`)
        .join(','),
      GATEWAY_BRIDGE_TOKEN: BRIDGE_TOKEN,
      ...env,
    },
  });
}

async function callsOf(platform: Platform, alarmId: string) {
  const { rows } = await platform.db.pool.query<{
    call_id: string;
    state: string;
    end_reason: string | null;
    gateway_instance: string | null;
  }>('SELECT call_id, state, end_reason, gateway_instance FROM voice_calls WHERE alarm_id = $1', [alarmId]);
  return rows;
}

async function lostEntries(platform: Platform, alarmId: string): Promise<string[]> {
  const { rows } = await platform.db.pool.query<{ note: string | null }>(
    `SELECT note FROM alarm_events WHERE alarm_id = $1 AND type = 'call.gateway_lost'`,
    [alarmId],
  );
  return rows.map((r) => r.note ?? '');
}

/** The unit's alarm to `gateway` (cha 0: the unit is to call, and never does); returns the alarm. */
async function alarmThrough(platform: Platform, gateway: GatewayProcess, did: string, ref: string, unitPort: number) {
  const deviceId = scaipDeviceId(CID, did);
  const alarm = await runSipp('scaip-voice-offer.xml', gateway.sipPort, {
    keys: { body: mrq({ ...alarmFields(CID, ref), did, crd: `sip:unit@127.0.0.1:${unitPort}` }) },
    sets: { expected: '0', expected_mre: '1' },
  });
  assert.equal(alarm.code, 0, alarm.stdout + alarm.stderr);
  return eventually(async () => {
    const { rows } = await platform.db.pool.query<{ alarm_id: string }>(
      `SELECT alarm_id FROM voice_calls WHERE device_id = $1 AND alarm_id IS NOT NULL AND state <> 'ended'`,
      [deviceId],
    );
    return rows[0]?.alarm_id;
  }, 15_000);
}

describe('the calls of a gateway instance that died end visibly', () => {
  let db: TestDatabase;
  let platform: Platform;
  let gwA: GatewayProcess;
  let gwB: GatewayProcess;
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    ports['gw-a'] = await freePort();
    ports['gw-b'] = await freePort();
    platform = await startAlarmCenter(db, ports);
    await addResident(platform, RESIDENT);
    await addUser(platform, 'op-lost', 'operator');
    // unit 1 for the killed gateway, unit 2 for the restart, unit 3 for the stopped one
    for (const did of ['1', '2', '3']) {
      await platform.provisioning.register({
        deviceId: scaipDeviceId(CID, did),
        deviceType: 'pendant',
        serial: `SCAIP-${CID}-${did}`,
        residentId: RESIDENT,
        district: 'Centrum',
        heartbeatIntervalS: 120,
        rules: {},
      });
    }
    [gwA, gwB] = await Promise.all([
      gatewayProcess(db, platform, 'gw-a', ports['gw-a']),
      gatewayProcess(db, platform, 'gw-b', ports['gw-b']),
    ]);
  });

  afterAll(async () => {
    await gwA?.kill('SIGKILL');
    await gwB?.kill('SIGKILL');
    await platform?.close();
    await db?.drop();
  });

  it('a malformed gateway status is acknowledged, counted and logged; the connection and its calls stay', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      ...GATEWAY_ACCOUNT,
      clientId: 'gw-bad-0',
      reconnectPeriod: 0,
    });
    try {
      await client.publishAsync('v1/gateways/gw-b/status', 'not json', { qos: 1 });
      await client.publishAsync('v1/gateways/gw-b/status', '{"state":"gone"}', { qos: 1 });
      assert.ok(client.connected, 'the gateway connection was kept');
      const metrics = await (await fetch(platform.metricsUrl)).text();
      assert.match(metrics, /device_messages_rejected_total\{reason="GATEWAY_STATUS_INVALID"\} 2/);
      const { rows } = await platform.db.pool.query(`SELECT state FROM gateway_presence WHERE instance = 'gw-b'`);
      assert.deepEqual(rows, [{ state: 'online' }], 'gw-b is still online');
    } finally {
      await client.endAsync();
    }
  });

  it('SIGKILL of the instance holding a ringing call-back: failed within seconds, said once, counted; Ring upp via the other instance', async () => {
    const holder = await loginClient(platform, 'op-lost', 'pw-op-lost');
    const unitPort = await freeUdpPort();
    const alarmId = await alarmThrough(platform, gwB, '1', 'L0001', unitPort);
    assert.equal((await holder.call('POST', `/api/alarms/${alarmId}/acknowledge`)).status, 200);
    // Ring upp, placed by gw-b (it took the alarm); the unit answers and the call rings for the operator
    const unit = runSippUnit('callback-answer.xml', unitPort, {
      keys: { pcap: PCAP },
      extraArgs: RTP_ECHO,
      timeoutS: 8,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rang = await holder.call('POST', `/api/alarms/${alarmId}/callback`);
    assert.equal(rang.status, 200, JSON.stringify(rang.body));
    await eventually(async () => {
      const calls = await callsOf(platform, alarmId);
      return calls.some(
        (c) => c.call_id === rang.body.callId && c.state === 'ringing' && c.gateway_instance === 'gw-b',
      );
    }, 15_000);
    // the unit's own call, awaited, was given up for the call-back (the gateway ended it): one call is up
    const open = (await callsOf(platform, alarmId)).filter((c) => c.state !== 'ended');
    assert.deepEqual(
      open.map((c) => c.call_id),
      [rang.body.callId],
    );

    const killedAt = Date.now();
    await gwB.kill('SIGKILL');
    await eventually(async () => (await callsOf(platform, alarmId)).every((c) => c.state === 'ended'), 5_000);
    assert.ok(Date.now() - killedAt < 5_000);
    const lost = (await callsOf(platform, alarmId)).find((c) => c.call_id === rang.body.callId);
    assert.equal(lost?.end_reason, 'failed');
    // another node's sweep (the database decides) ends nothing twice
    const again = await Promise.all([platform.gatewayPresence.sweep(), platform.gatewayPresence.sweep()]);
    assert.deepEqual(again, [0, 0]);
    assert.deepEqual(await lostEntries(platform, alarmId), ['gateway lost (gw-b)']);
    const metrics = await (await fetch(platform.metricsUrl)).text();
    assert.match(metrics, /voice_calls_lost_total\{instance="gw-b"\} 1/);
    // the console reads the alarm's calls: none rings any more
    const shown = await holder.call('GET', `/api/alarms/${alarmId}/calls`);
    assert.equal(shown.status, 200);
    const shownCalls = (shown.body as { calls: { state: string }[] }).calls;
    assert.ok(shownCalls.length === 2 && shownCalls.every((c) => c.state === 'ended'), JSON.stringify(shown.body));
    await unit;

    // Ring upp again: gw-b is gone, gw-a calls the unit from the address the alarm center kept
    const unit2 = runSippUnit('callback-answer.xml', unitPort, { keys: { pcap: PCAP }, extraArgs: RTP_ECHO });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again2 = await holder.call('POST', `/api/alarms/${alarmId}/callback`);
    assert.equal(again2.status, 200, JSON.stringify(again2.body));
    await eventually(async () => {
      const calls = await callsOf(platform, alarmId);
      return calls.some(
        (c) => c.call_id === again2.body.callId && c.state === 'ringing' && c.gateway_instance === 'gw-a',
      );
    }, 15_000);
    const hangUp = await holder.call('POST', `/api/alarms/${alarmId}/calls/${again2.body.callId}/control`, {
      action: 'hangup',
    });
    assert.equal(hangUp.status, 200, JSON.stringify(hangUp.body));
    assert.equal((await unit2).code, 0);
  });

  it('a gateway stopped cleanly (SIGTERM) says offline itself: its call ends at once, not after the silence', async () => {
    ports['gw-d'] = await freePort();
    const gwD = await gatewayProcess(db, platform, 'gw-d', ports['gw-d']);
    try {
      const alarmId = await alarmThrough(platform, gwD, '3', 'L0003', await freeUdpPort());
      await gwD.kill('SIGTERM');
      // VOICE_GATEWAY_SILENCE_S is 30 here: only the gateway's own 'offline' ends the call this soon
      await eventually(async () => (await callsOf(platform, alarmId)).every((c) => c.state === 'ended'), 5_000);
      assert.deepEqual(await lostEntries(platform, alarmId), ['gateway lost (gw-d)']);
    } finally {
      await gwD.kill('SIGKILL');
    }
  });

  it('a gateway that died while the alarm center was down: the restarted alarm center ends its call (sweep)', async () => {
    ports['gw-c'] = await freePort();
    await gwA.kill('SIGKILL');
    await platform.close();
    platform = await startAlarmCenter(db, ports);
    const gwC = await gatewayProcess(db, platform, 'gw-c', ports['gw-c']);
    try {
      const alarmId = await alarmThrough(platform, gwC, '2', 'L0002', await freeUdpPort());
      // the alarm center goes down first, so no broker hears gw-c's connection die
      await platform.close();
      await gwC.kill('SIGKILL');
      platform = await startAlarmCenter(db, ports, { VOICE_GATEWAY_SILENCE_S: '3' });
      await eventually(async () => (await callsOf(platform, alarmId)).every((c) => c.state === 'ended'), 10_000);
      assert.deepEqual(
        (await callsOf(platform, alarmId)).map((c) => c.end_reason),
        ['failed'],
      );
      assert.deepEqual(await lostEntries(platform, alarmId), ['gateway lost (gw-c)']);
    } finally {
      await gwC.kill('SIGKILL');
    }
  });
});
