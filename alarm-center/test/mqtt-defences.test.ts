// Bad MQTT input at the alarm center, on a real broker socket: every kind of garbage or injection
// attempt is refused, counted by reason on /metrics, and a valid alarm afterwards still lands.
// A flooding device is held to its rate and raises one technical alarm; other devices are unaffected.

import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  connectDevice,
  createTestDatabase,
  envelope,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

/** Reads device_messages_rejected_total{reason} from the Prometheus text an operator would scrape. */
async function rejectedOnMetrics(platform: Platform, reason: string): Promise<number> {
  const res = await fetch(platform.metricsUrl);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`device_messages_rejected_total{reason="${reason}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function alarmsOf(platform: Platform, deviceId: string) {
  const { rows } = await platform.db.pool.query<{
    kind: string;
    status: string;
    repeat_count: number;
    details: { fault?: string };
  }>(`SELECT kind, status, repeat_count, details FROM alarms WHERE device_id = $1 ORDER BY id`, [deviceId]);
  return rows;
}

const press = () => JSON.stringify({ ...envelope(), type: 'alarm.manual' });
const heartbeat = () => JSON.stringify({ ...envelope(), intervalS: 60, firmware: '1.0.0', battery: 90 });

/** Resolves when the broker drops the connection (an injection attempt is answered by disconnecting). */
function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

describe('MQTT defences at the alarm center (real broker, real PostgreSQL)', () => {
  let db: TestDatabase;
  let platform: Platform;
  const secrets = new Map<string, string>();
  const clients: MqttClient[] = [];

  const connect = async (deviceId: string) => {
    const client = await connectDevice(platform, deviceId, secrets.get(deviceId) as string);
    clients.push(client);
    return client;
  };

  /** A pendant press from a well-behaved device; its PUBACK means the alarm is committed. */
  const validAlarmLands = async (deviceId: string) => {
    const device = await connect(deviceId);
    const before = await alarmsOf(platform, deviceId);
    await device.publishAsync(deviceTopic(deviceId, 'event'), press(), { qos: 1 });
    const afterRows = await alarmsOf(platform, deviceId);
    const manual = afterRows.find((a) => a.kind === 'manual' && a.status !== 'closed');
    assert.ok(manual, 'the manual alarm is stored');
    const repeatsBefore = before.find((a) => a.kind === 'manual' && a.status !== 'closed')?.repeat_count ?? -1;
    assert.equal(manual.repeat_count, repeatsBefore + 1, 'this press was counted');
    await device.endAsync();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      env: { DEVICE_RATE_PER_S: '20', DEVICE_RATE_BURST: '40' },
    });
    await addResident(platform, 'res-def');
    for (const deviceId of ['pendant-bad', 'pendant-good', 'pendant-other', 'pendant-flood']) {
      secrets.set(
        deviceId,
        await platform.provisioning.register({
          deviceId,
          deviceType: 'pendant',
          serial: `SN-${deviceId}`,
          residentId: 'res-def',
          district: 'Centrum',
          heartbeatIntervalS: 60,
          rules: {},
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await platform?.close();
    await db?.drop();
  });

  it('malformed JSON is refused, counted as MALFORMED_JSON, and the next alarm still lands', async () => {
    const before = await rejectedOnMetrics(platform, 'MALFORMED_JSON');
    const device = await connect('pendant-bad');
    await device.publishAsync(deviceTopic('pendant-bad', 'event'), '{"type": "alarm.manual",', { qos: 1 });
    await device.publishAsync(deviceTopic('pendant-bad', 'event'), Buffer.from([0xff, 0xfe, 0x00]), { qos: 1 });
    assert.equal(await rejectedOnMetrics(platform, 'MALFORMED_JSON'), before + 2);
    assert.equal((await alarmsOf(platform, 'pendant-bad')).length, 0, 'garbage raised nothing');
    await validAlarmLands('pendant-bad');
  });

  it('a message that breaks the schema is refused and counted as SCHEMA_VIOLATION', async () => {
    const before = await rejectedOnMetrics(platform, 'SCHEMA_VIOLATION');
    const device = await connect('pendant-bad');
    const topic = deviceTopic('pendant-bad', 'event');
    await device.publishAsync(topic, JSON.stringify({ ...envelope(), type: 'alarm.nuclear' }), { qos: 1 });
    await device.publishAsync(topic, JSON.stringify({ v: 1, type: 'alarm.manual' }), { qos: 1 }); // no id, no ts
    await device.publishAsync(topic, JSON.stringify({ ...envelope(), type: 'alarm.manual', admin: true }), { qos: 1 });
    await device.publishAsync(topic, JSON.stringify([1, 2, 3]), { qos: 1 });
    assert.equal(await rejectedOnMetrics(platform, 'SCHEMA_VIOLATION'), before + 4);
    await validAlarmLands('pendant-good');
  });

  it('an event the device type never sends (a door exit from a pendant) is refused, not guessed at', async () => {
    const before = await rejectedOnMetrics(platform, 'EVENT_NOT_FOR_DEVICE_TYPE');
    const device = await connect('pendant-bad');
    await device.publishAsync(
      deviceTopic('pendant-bad', 'event'),
      JSON.stringify({ ...envelope(), type: 'door.open', direction: 'exit' }),
      { qos: 1 },
    );
    assert.equal(await rejectedOnMetrics(platform, 'EVENT_NOT_FOR_DEVICE_TYPE'), before + 1);
    assert.equal((await alarmsOf(platform, 'pendant-bad')).filter((a) => a.kind === 'door_exit').length, 0);
    await validAlarmLands('pendant-good');
  });

  it('an oversize payload is refused by the broker, counted as PAYLOAD_TOO_LARGE, and the device may reconnect', async () => {
    const before = await rejectedOnMetrics(platform, 'PAYLOAD_TOO_LARGE');
    const device = await connect('pendant-bad');
    const gone = closed(device);
    const huge = JSON.stringify({ ...envelope(), type: 'alarm.manual', pad: 'x'.repeat(20 * 1024) });
    device.publish(deviceTopic('pendant-bad', 'event'), huge, { qos: 1 });
    await gone;
    assert.equal(await rejectedOnMetrics(platform, 'PAYLOAD_TOO_LARGE'), before + 1);
    await validAlarmLands('pendant-bad');
  });

  it("publishing on another device's topic is refused as TOPIC_NOT_ALLOWED and raises nothing for that device", async () => {
    const before = await rejectedOnMetrics(platform, 'TOPIC_NOT_ALLOWED');
    const intruder = await connect('pendant-bad');
    const gone = closed(intruder);
    intruder.publish(deviceTopic('pendant-other', 'event'), press(), { qos: 1 });
    await gone;
    assert.equal(await rejectedOnMetrics(platform, 'TOPIC_NOT_ALLOWED'), before + 1);
    assert.equal((await alarmsOf(platform, 'pendant-other')).length, 0);
    await validAlarmLands('pendant-other');
  });

  for (const topic of ['v1/devices/+/event', 'v1/devices/#', 'v1/devices/pendant-bad/event/extra', 'v1/alarms/new']) {
    it(`publishing on "${topic}" is refused as TOPIC_INVALID and the broker keeps serving`, async () => {
      const before = await rejectedOnMetrics(platform, 'TOPIC_INVALID');
      const device = await connect('pendant-bad');
      const gone = closed(device);
      device.publish(topic, press(), { qos: 1 });
      await gone;
      assert.equal(await rejectedOnMetrics(platform, 'TOPIC_INVALID'), before + 1);
      await validAlarmLands('pendant-good');
    });
  }

  it("subscribing to other devices' topics is refused and leaks nothing", async () => {
    const snoop = await connect('pendant-bad');
    for (const filter of ['v1/devices/#', 'v1/devices/+/event', 'v1/devices/pendant-good/event', '#', '$SYS/#']) {
      // SUBACK 0x80: the broker refused the filter (mqtt.js reports it as an error).
      await assert.rejects(snoop.subscribeAsync(filter, { qos: 1 }), /Subscribe error/, filter);
    }
    const seen: string[] = [];
    snoop.on('message', (topic) => seen.push(topic));
    await validAlarmLands('pendant-good');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(seen, []);
  });

  it('a flooding device is held to its rate with one technical alarm, while another device’s alarm lands', async () => {
    const limitedBefore = await rejectedOnMetrics(platform, 'RATE_LIMITED');
    const flood = await connect('pendant-flood');
    const topic = deviceTopic('pendant-flood', 'heartbeat');
    const FLOOD = 400;
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < FLOOD; i++) {
      sent.push(flood.publishAsync(topic, heartbeat(), { qos: 1 }));
      // Mid-flood, a neighbour's pendant is pressed: its alarm must be committed when acknowledged.
      if (i === FLOOD / 2) sent.push(validAlarmLands('pendant-other'));
    }
    await Promise.all(sent);
    assert.ok(flood.connected, 'refused, not disconnected: the device keeps its session');

    const limited = (await rejectedOnMetrics(platform, 'RATE_LIMITED')) - limitedBefore;
    // 40 of burst plus 20/s while the flood lasted get through; the rest is refused and counted.
    assert.ok(limited >= FLOOD / 2, `most of the flood refused (${limited} of ${FLOOD})`);
    assert.ok(limited <= FLOOD - 40, `the burst allowance passed (${limited} of ${FLOOD} refused)`);

    const faults = (await alarmsOf(platform, 'pendant-flood')).filter((a) => a.kind === 'device_fault');
    assert.equal(faults.length, 1, 'one technical alarm for the flood');
    assert.equal(faults[0]!.details.fault, 'message_flood');
    assert.equal(faults[0]!.repeat_count, 0, 'not one alarm per refused message');
    const { rows } = await platform.db.pool.query<{ audience: string; priority: number }>(
      `SELECT audience, priority FROM alarms WHERE device_id = 'pendant-flood' AND kind = 'device_fault'`,
    );
    assert.deepEqual(rows[0], { audience: 'technician', priority: 4 });

    // A flood never mutes a resident: the flooding device's own button press, sent behind another
    // 100 heartbeats (more than a full bucket), is committed when acknowledged.
    const before = (await alarmsOf(platform, 'pendant-flood')).length;
    const limitedNow = await rejectedOnMetrics(platform, 'RATE_LIMITED');
    const more = Array.from({ length: 100 }, () => flood.publishAsync(topic, heartbeat(), { qos: 1 }));
    await flood.publishAsync(deviceTopic('pendant-flood', 'event'), press(), { qos: 1 });
    await Promise.all(more);
    assert.ok((await rejectedOnMetrics(platform, 'RATE_LIMITED')) - limitedNow >= 50, 'the heartbeats were limited');
    const after = await alarmsOf(platform, 'pendant-flood');
    assert.ok(after.length > before && after.some((a) => a.kind === 'manual'), 'the press was committed');
  });
});
