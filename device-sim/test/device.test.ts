import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OfflineQueueFullError, SimDevice } from '../src/device.ts';
import { runLoad } from '../src/load.ts';
import { summarise } from '../src/stats.ts';
import { FLEET_SECRET, kindOf, startTestBroker, type TestBroker } from './helpers.ts';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker.close());

const device = (id: string, options: Partial<ConstructorParameters<typeof SimDevice>[1]> = {}) =>
  new SimDevice(
    { deviceId: id, deviceType: id.startsWith('camera') ? 'camera' : 'pendant', secret: FLEET_SECRET },
    { brokerUrl: broker.url, reconnectMinMs: 50, reconnectMaxMs: 400, ...options },
  );

describe('simulated firmware', () => {
  it('sends a heartbeat with interval, firmware, battery and signal', async () => {
    const d = device('pendant-hb', { heartbeatIntervalS: 45, firmware: 'fw-2.0.1' });
    await d.connect();
    d.battery = 57;
    await d.heartbeat();
    await broker.waitFor(() => broker.ofDevice('pendant-hb').length === 1);
    const body = broker.ofDevice('pendant-hb')[0]?.body;
    assert.equal(body?.intervalS, 45);
    assert.equal(body?.firmware, 'fw-2.0.1');
    assert.equal(body?.battery, 57);
    assert.equal(typeof body?.signalDbm, 'number');
    assert.equal('carrier' in (body ?? {}), false, 'a unit on home IP names no carrier');
    await d.stop();
  });

  it('a mobile unit names its carrier in every heartbeat', async () => {
    const d = device('pendant-gsm', { carrier: 'Telia' });
    await d.connect();
    await d.heartbeat();
    d.carrier = 'Tele2';
    await d.heartbeat();
    await broker.waitFor(() => broker.ofDevice('pendant-gsm').length === 2);
    assert.deepEqual(
      broker.ofDevice('pendant-gsm').map((m) => m.body?.carrier),
      ['Telia', 'Tele2'],
    );
    await d.stop();
  });

  it('refuses to connect with a wrong secret instead of retrying forever', async () => {
    const d = new SimDevice(
      { deviceId: 'pendant-bad', deviceType: 'pendant', secret: 'wrong' },
      { brokerUrl: broker.url },
    );
    await assert.rejects(d.connect(), /Bad username or password/);
  });

  it('delivers alarms raised while the broker was down, each exactly once, after it is back', async () => {
    const d = device('pendant-outage');
    await d.connect();
    await broker.stop();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(d.connected, false);
    const deliveries = [
      d.send({ type: 'alarm.manual' }),
      d.send({ type: 'battery.low', level: 8 }),
      d.send({ type: 'alarm.manual' }),
    ];
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(d.queued, 3);
    await broker.restart();
    const delivered = await Promise.all(deliveries);
    await broker.waitFor(() => broker.ofDevice('pendant-outage').length >= 3);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive in this time
    const got = broker.ofDevice('pendant-outage');
    assert.deepEqual(got.map(kindOf), ['alarm.manual', 'battery.low', 'alarm.manual']);
    assert.deepEqual(
      got.map((r) => r.body?.id),
      delivered.map((x) => x.id),
    );
    assert.ok((delivered[0]?.latencyMs ?? 0) >= 300, 'latency includes the time spent offline');
    assert.ok(d.stats.reconnects >= 1);
    await d.stop();
  });

  it('keeps alarms over other messages when its bounded offline queue is full', async () => {
    const d = device('pendant-full', { offlineQueueMax: 3 });
    await d.connect();
    d.goOffline();
    const heartbeat = d.heartbeat();
    const alarms = [d.send({ type: 'alarm.manual' }), d.send({ type: 'alarm.manual' })];
    const third = d.send({ type: 'alarm.manual' }); // evicts the heartbeat
    await assert.rejects(heartbeat, OfflineQueueFullError);
    await assert.rejects(d.send({ type: 'alarm.cancel' }), OfflineQueueFullError); // no room, not an alarm
    assert.equal(d.queued, 3);
    assert.equal(d.stats.dropped, 2);
    d.goOnline();
    await Promise.all([...alarms, third]);
    await broker.waitFor(() => broker.ofDevice('pendant-full').length >= 3);
    assert.deepEqual(broker.ofDevice('pendant-full').map(kindOf), ['alarm.manual', 'alarm.manual', 'alarm.manual']);
    await d.stop();
  });

  it('answers commands with acknowledgements and applies a new heartbeat interval', async () => {
    const d = device('camera-cmd');
    await d.connect();
    d.frame = {
      layout: { zones: [{ kind: 'floor', rect: { x: 0, y: 0, w: 1, h: 1 } }] },
      person: { box: { x: 0.2, y: 0.5, w: 0.3, h: 0.1 }, posture: 'lying' },
    };
    const platform = await mqtt.connectAsync(broker.url, {
      protocolVersion: 4,
      clientId: 'platform-cmd',
      username: 'monitor',
      password: 'monitor-pw',
    });
    const ts = Date.now();
    await platform.publishAsync(
      deviceTopic('camera-cmd', 'cmd'),
      JSON.stringify({ v: 1, id: 'cmd-interval-1', ts, type: 'set_heartbeat_interval', intervalS: 120 }),
      { qos: 1 },
    );
    await platform.publishAsync(
      deviceTopic('camera-cmd', 'cmd'),
      JSON.stringify({ v: 1, id: 'cmd-snapshot-1', ts, type: 'request_snapshot' }),
      { qos: 1 },
    );
    await broker.waitFor(() => broker.ofDevice('camera-cmd').filter((r) => r.channel === 'ack').length === 2);
    const acks = broker.ofDevice('camera-cmd').filter((r) => r.channel === 'ack');
    assert.deepEqual(
      acks.map((a) => [a.body?.commandId, a.body?.ok]),
      [
        ['cmd-interval-1', true],
        ['cmd-snapshot-1', true],
      ],
    );
    assert.equal(d.heartbeatIntervalS, 120);
    const snapshot = broker.ofDevice('camera-cmd').find((r) => r.body?.type === 'camera.snapshot');
    assert.equal(snapshot?.body?.requestId, 'cmd-snapshot-1');
    assert.deepEqual((snapshot?.body?.frame as { person: unknown } | undefined)?.person, d.frame.person);
    await platform.endAsync();
    await d.stop();
  });
});

describe('switchable faults', () => {
  it('clock skew shifts every device timestamp', async () => {
    const d = device('pendant-skew', { now: () => 1_800_000_000_000, faults: { clockSkewMs: -90_000 } });
    await d.connect();
    await d.send({ type: 'alarm.manual' });
    await broker.waitFor(() => broker.ofDevice('pendant-skew').length === 1);
    assert.equal(broker.ofDevice('pendant-skew')[0]?.body?.ts, 1_800_000_000_000 - 90_000);
    await d.stop();
  });

  it('duplicate sends publish every message twice with the same id', async () => {
    const d = device('pendant-dup', { faults: { duplicateSends: true } });
    await d.connect();
    await d.send({ type: 'alarm.manual' });
    await broker.waitFor(() => broker.ofDevice('pendant-dup').length === 2);
    const [a, b] = broker.ofDevice('pendant-dup');
    assert.equal(a?.body?.id, b?.body?.id);
    await d.stop();
  });

  it('malformed mode sends payloads that are not JSON', async () => {
    const d = device('pendant-bad-json', { faults: { malformed: true } });
    await d.connect();
    await d.send({ type: 'alarm.manual' });
    await broker.waitFor(() => broker.ofDevice('pendant-bad-json').length === 1);
    const got = broker.ofDevice('pendant-bad-json')[0];
    assert.equal(got?.body, null);
    assert.throws(() => JSON.parse(got?.raw ?? ''));
    await d.stop();
  });
});

describe('load mode', () => {
  it('connects a fleet, sends at the requested rate and accounts for every message', async () => {
    const summary = await runLoad({
      brokerUrl: broker.url,
      devices: 40,
      rate: 100,
      durationS: 1,
      secret: FLEET_SECRET,
      prefix: 'loadtest-',
      alarmShare: 0.5,
    });
    assert.equal(summary.connected, 40);
    assert.equal(summary.sent, 100);
    assert.equal(summary.acked, 100);
    assert.equal(summary.failed, 0);
    assert.equal(summary.latencyMs.count, 100);
    await broker.waitFor(() => broker.received.filter((r) => r.deviceId.startsWith('loadtest-')).length >= 100);
    const devices = new Set(broker.received.filter((r) => r.deviceId.startsWith('loadtest-')).map((r) => r.deviceId));
    assert.equal(devices.size, 40, 'every device took part');
  });

  it('reports a fleet that cannot connect as failed, not as success', async () => {
    const summary = await runLoad({ brokerUrl: broker.url, devices: 3, rate: 10, durationS: 0.2, secret: 'wrong' });
    assert.equal(summary.connected, 0);
    assert.equal(summary.connectFailed, 3);
  });

  it('computes exact percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(summarise(samples), { count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    assert.deepEqual(summarise([]), { count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
