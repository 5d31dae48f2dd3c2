// What the Eclipse Paho MQTT 3.1.1 interoperability client tests check, proved by our own tests
// (the suite itself is not ours: broker/scripts/paho-interop.sh runs it), without ever letting an
// anonymous client see or write a device's topics.

import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type PublishedMessage, type RunningBroker, startBroker } from '../src/broker.ts';
import { answered, closed, connect, nextMessage, rawConnack, run } from './clients.ts';

const logger = pino({ level: 'silent' });
const SECRETS: Record<string, string> = { 'pendant-1': 'secret-1' };

describe('MQTT 3.1.1 interoperability with anonymous clients allowed', () => {
  let broker: RunningBroker;
  let monitor: MqttClient;
  /** Anonymous traffic outside v1/, which any anonymous subscriber may see. */
  let publisher: MqttClient;
  const stored: PublishedMessage[] = [];

  beforeAll(async () => {
    broker = await startBroker(
      {
        host: '127.0.0.1',
        mqttPort: 0,
        wsPort: null,
        allowAnonymous: true,
        maxPayloadBytes: 1024,
        noSubscribeTopics: ['test/nosubscribe'],
      },
      {
        authenticator: { authenticate: async (id, secret) => SECRETS[id] === secret },
        serviceAccounts: [{ username: 'alarm-center', password: 'service-pw' }],
        hooks: { onPublished: async (m) => void stored.push(m) },
        logger,
      },
    );
    monitor = await connect(broker.mqttPort, { clientId: 'monitor', username: 'alarm-center', password: 'service-pw' });
    await monitor.subscribeAsync('v1/devices/+/event', { qos: 1 });
    publisher = await connect(broker.mqttPort, { clientId: 'anon-publisher' });
  });

  afterAll(async () => {
    monitor.end(true);
    publisher.end(true);
    await broker.close();
  });

  const pendant = () =>
    connect(broker.mqttPort, { clientId: 'pendant-1', username: 'pendant-1', password: 'secret-1' });

  it('grants an anonymous `#` and `+/+` (mqtt.js) but never delivers a device topic to them', async () => {
    const anon = await connect(broker.mqttPort, { clientId: 'anon-wild' });
    const granted = await anon.subscribeAsync({ '#': { qos: 1 }, '+/+/+/+': { qos: 1 } });
    assert.deepEqual(
      granted.map((g) => g.qos),
      [1, 1],
    );
    const device = await pendant();
    const atMonitor = nextMessage(monitor);
    const atAnon = nextMessage(anon);
    await device.publishAsync('v1/devices/pendant-1/event', '{"alarm":true}', { qos: 1 });
    assert.equal((await atMonitor)?.topic, 'v1/devices/pendant-1/event', 'routed to the alarm center');
    // Messages reach one subscriber in order, so the next one it sees after the alarm is the sentinel.
    await publisher.publishAsync('demo/after', 'sentinel', { qos: 1 });
    assert.deepEqual(await atAnon, { topic: 'demo/after', payload: 'sentinel' });
    device.end(true);
    anon.end(true);
  });

  it('never hands an anonymous wildcard a retained platform message', async () => {
    await monitor.publishAsync('v1/devices/pendant-1/cmd', '{"type":"ping"}', { qos: 1, retain: true });
    const anon = await connect(broker.mqttPort, { clientId: 'anon-retained' });
    const seen: string[] = [];
    const sentinel = new Promise<void>((resolve) =>
      anon.on('message', (topic) => {
        seen.push(topic);
        if (topic === 'demo/a/b/c') resolve();
      }),
    );
    await anon.subscribeAsync('+/+/+/+', { qos: 1 });
    await publisher.publishAsync('demo/a/b/c', 'sentinel', { qos: 1 });
    await answered(sentinel, 'the sentinel');
    assert.deepEqual(seen, ['demo/a/b/c']);
    await monitor.publishAsync('v1/devices/pendant-1/cmd', '', { qos: 1, retain: true }); // clears it
    anon.end(true);
  });

  it('lets mosquitto_sub -t "#" see anonymous traffic but not a device alarm', async () => {
    const port = String(broker.mqttPort);
    const sub = run('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv311', '-t', '#', '-v', '-C', '1']);
    // mosquitto_sub has no "subscribed" signal: publish until it has exited with its one message.
    const device = await pendant();
    let done = false;
    void sub.finally(() => {
      done = true;
    });
    for (let i = 0; !done && i < 50; i++) {
      await device.publishAsync('v1/devices/pendant-1/event', `{"n":${i}}`, { qos: 1 });
      await publisher.publishAsync('demo/hello', 'anonymous traffic', { qos: 1 });
      await new Promise((r) => setTimeout(r, 100));
    }
    const { stdout } = await sub;
    assert.equal(stdout.trim(), 'demo/hello anonymous traffic');
    device.end(true);
  });

  it('refuses an anonymous subscription that names the platform or the broker (SUBACK 0x80)', async () => {
    const anon = await connect(broker.mqttPort, { clientId: 'anon-named' });
    for (const filter of ['v1/#', 'v1/devices/+/event', '$SYS/#', '$SYS/+/new/clients']) {
      await assert.rejects(anon.subscribeAsync(filter, { qos: 0 }), /Subscribe error/, filter);
    }
    anon.end(true);
  });

  it('disconnects an anonymous client that publishes into v1/ and never stores or forwards it', async () => {
    const anon = await connect(broker.mqttPort, { clientId: 'anon-spoof' });
    const before = stored.length;
    const atMonitor = nextMessage(monitor, 800);
    const gone = closed(anon);
    anon.publish('v1/devices/pendant-1/event', '{"spoof":true}', { qos: 1 });
    await gone;
    assert.equal(await atMonitor, null);
    assert.equal(stored.length, before);
    anon.end(true);
  });

  it('acknowledges and drops a publish to a `$` topic: the connection stays, nothing is routed', async () => {
    const anon = await connect(broker.mqttPort, { clientId: 'anon-dollar' });
    const device = await pendant();
    let deviceClosed = false;
    device.once('close', () => {
      deviceClosed = true;
    });
    const routed: string[] = [];
    const onRouted = (packet: { topic: string }, client: { id: string } | null) => {
      if (client?.id === 'anon-dollar') routed.push(packet.topic);
    };
    broker.aedes.on('publish', onRouted);
    await answered(anon.publishAsync('$TopicA/B', 'x', { qos: 1 }), 'PUBACK for $TopicA/B');
    // aedes' own cluster channel: routed, it would close the device's connection as a takeover.
    await answered(anon.publishAsync(`$SYS/${broker.aedes.id}/new/clients`, 'pendant-1', { qos: 1 }), 'PUBACK');
    await answered(anon.publishAsync('$SYS/x', 'y', { qos: 2 }), 'PUBCOMP for $SYS/x');
    assert.equal(anon.connected, true);
    // The device still talks: its next alarm is acknowledged on the same connection.
    await answered(device.publishAsync('v1/devices/pendant-1/event', '{"still":"here"}', { qos: 1 }), 'PUBACK');
    assert.equal(deviceClosed, false);
    broker.aedes.off('publish', onRouted);
    assert.deepEqual(routed, []);
    anon.end(true);
    device.end(true);
  });

  it('refuses an empty client id with a persistent session (CONNACK 2) and accepts it with a clean one', async () => {
    assert.equal(await rawConnack(broker.mqttPort, { clientId: '', clean: false }), 2);
    assert.equal(await rawConnack(broker.mqttPort, { clientId: '', clean: true }), 0);
  });

  it('refuses MQTT 5 at CONNECT with "unacceptable protocol version" (CONNACK 1), counted', async () => {
    const before = broker.stats().refusals.login.UNSUPPORTED_PROTOCOL ?? 0;
    assert.equal(await rawConnack(broker.mqttPort, { clientId: 'v5-anon', clean: true, protocolVersion: 5 }), 1);
    const device = { clientId: 'pendant-1', username: 'pendant-1', password: 'secret-1', clean: true } as const;
    assert.equal(await rawConnack(broker.mqttPort, { ...device, protocolVersion: 5 }), 1);
    await assert.rejects(
      connect(broker.mqttPort, { ...device, protocolVersion: 5 }),
      (err: Error & { code?: number }) => err.code === 1 || /protocol/i.test(err.message),
    );
    assert.equal(broker.stats().refusals.login.UNSUPPORTED_PROTOCOL, before + 3);
  });

  it('never acknowledges an MQTT 5 device alarm (mosquitto_pub -V 5), so the device keeps it', async () => {
    const before = stored.length;
    const atMonitor = nextMessage(monitor, 800);
    await assert.rejects(
      run('mosquitto_pub', [
        ...['-h', '127.0.0.1', '-p', String(broker.mqttPort), '-V', '5', '-q', '1'],
        ...['-i', 'pendant-1', '-u', 'pendant-1', '-P', 'secret-1', '-t', 'v1/devices/pendant-1/event', '-m', '{}'],
      ]),
    );
    assert.equal(await atMonitor, null);
    assert.equal(stored.length, before);
  });

  it('refuses a subscription to the configured no-subscribe topic (SUBACK 0x80) and keeps it from `#`', async () => {
    const anon = await connect(broker.mqttPort, { clientId: 'anon-nosub' });
    await assert.rejects(anon.subscribeAsync('test/nosubscribe', { qos: 2 }), /Subscribe error/);
    assert.equal(anon.connected, true);
    await answered(anon.subscribeAsync('#', { qos: 1 }), 'SUBACK for #');
    const next = nextMessage(anon);
    await publisher.publishAsync('test/nosubscribe', 'hidden', { qos: 1 });
    await publisher.publishAsync('test/other', 'seen', { qos: 1 });
    assert.deepEqual(await next, { topic: 'test/other', payload: 'seen' });
    anon.end(true);
  });
});
