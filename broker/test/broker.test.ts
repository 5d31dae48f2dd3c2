import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type PublishedMessage, type RunningBroker, startBroker } from '../src/broker.ts';
import { answered, closed, connect, nextMessage, run } from './clients.ts';

const logger = pino({ level: 'silent' });
const SECRETS: Record<string, string> = { 'pendant-1': 'secret-1', 'pendant-2': 'secret-2' };

const device = (port: number, id: string, secret = SECRETS[id]) =>
  connect(port, { clientId: id, username: id, password: secret });

describe('broker on a real socket (MQTT 3.1.1)', () => {
  let broker: RunningBroker;
  let hook: (m: PublishedMessage) => Promise<void> = async () => {};
  const seen: PublishedMessage[] = [];
  let monitor: MqttClient;

  beforeAll(async () => {
    broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: 0, allowAnonymous: true, maxPayloadBytes: 1024 },
      {
        authenticator: { authenticate: async (id, secret) => SECRETS[id] === secret },
        serviceAccounts: [{ username: 'alarm-center', password: 'service-pw' }],
        hooks: {
          onPublished: async (m) => {
            await hook(m);
            seen.push(m);
          },
        },
        logger,
      },
    );
    monitor = await connect(broker.mqttPort, { clientId: 'monitor', username: 'alarm-center', password: 'service-pw' });
    await monitor.subscribeAsync('v1/devices/+/event', { qos: 1 });
  });

  afterAll(async () => {
    monitor.end(true);
    await broker.close();
  });

  it('accepts a provisioned device and refuses a wrong secret or a borrowed client id', async () => {
    const ok = await device(broker.mqttPort, 'pendant-1');
    ok.end(true);
    await assert.rejects(device(broker.mqttPort, 'pendant-1', 'wrong'), /Bad username or password/);
    await assert.rejects(
      connect(broker.mqttPort, { clientId: 'pendant-2', username: 'pendant-1', password: 'secret-1' }),
      /Bad username or password/,
    );
    assert.ok(broker.stats().authFailures >= 2);
  });

  it('acknowledges a QoS 1 event only after the publish hook resolved', async () => {
    const order: string[] = [];
    hook = async () => {
      await new Promise((r) => setTimeout(r, 150));
      order.push('hook done');
    };
    const client = await device(broker.mqttPort, 'pendant-1');
    const delivered = nextMessage(monitor);
    await client.publishAsync('v1/devices/pendant-1/event', '{"n":1}', { qos: 1 });
    order.push('puback');
    assert.deepEqual(order, ['hook done', 'puback']);
    assert.deepEqual(await delivered, { topic: 'v1/devices/pendant-1/event', payload: '{"n":1}' });
    assert.equal(seen.at(-1)?.clientId, 'pendant-1');
    client.end(true);
    hook = async () => {};
  });

  it('does not acknowledge or forward a message the hook refused, and keeps serving', async () => {
    hook = async () => {
      throw new Error('database down');
    };
    const client = await device(broker.mqttPort, 'pendant-1');
    const delivered = nextMessage(monitor, 800);
    const gone = closed(client);
    client.publish('v1/devices/pendant-1/event', '{"n":2}', { qos: 1 }, () => {});
    await gone;
    assert.equal(await delivered, null);
    assert.equal(broker.stats().refused.hookFailed, 1);
    client.end(true);
    hook = async () => {};
    const again = await device(broker.mqttPort, 'pendant-1');
    await again.publishAsync('v1/devices/pendant-1/event', '{"n":3}', { qos: 1 });
    again.end(true);
  });

  it('disconnects a device that publishes as another device and never forwards it', async () => {
    const client = await device(broker.mqttPort, 'pendant-2');
    const delivered = nextMessage(monitor, 800);
    const gone = closed(client);
    client.publish('v1/devices/pendant-1/event', '{"spoof":true}', { qos: 1 });
    await gone;
    assert.equal(await delivered, null);
    assert.ok(broker.stats().refused.acl >= 1);
    client.end(true);
  });

  it("routes a service account's Last Will on its gateway status topic, never a device's (issue 17)", async () => {
    const watcher = await connect(broker.mqttPort, {
      clientId: 'gw-watch',
      username: 'alarm-center',
      password: 'service-pw',
    });
    await watcher.subscribeAsync('v1/gateways/+/status', { qos: 1 });
    const will = (topic: string) => ({
      topic,
      payload: Buffer.from('{"state":"offline"}'),
      qos: 1 as const,
      retain: true,
    });
    // a device may neither publish there nor leave a will there
    const pendant = await connect(broker.mqttPort, {
      clientId: 'pendant-1',
      username: 'pendant-1',
      password: SECRETS['pendant-1'],
      will: will('v1/gateways/gw-x/status'),
    });
    const spoofed = nextMessage(watcher, 800);
    const gone = closed(pendant);
    pendant.publish('v1/gateways/gw-x/status', '{"state":"offline"}', { qos: 1 });
    await answered(gone, 'the device is disconnected for its gateway status');
    assert.equal(await spoofed, null, 'a device published a gateway status');
    assert.equal(seen.filter((m) => m.topic.startsWith('v1/gateways/')).length, 0);
    // a service account may not use v1/gateways/ for anything but an instance's status
    const other = await connect(broker.mqttPort, {
      clientId: 'gw-x-1',
      username: 'alarm-center',
      password: 'service-pw',
    });
    const otherGone = closed(other);
    other.publish('v1/gateways/gw-x/commands', '{}', { qos: 1 });
    await answered(otherGone, 'a service client is disconnected for v1/gateways/<instance>/commands');
    other.end(true);
    // the gateway's connection dies without DISCONNECT: the broker says its will
    const gateway = await connect(broker.mqttPort, {
      clientId: 'gw-x-0',
      username: 'alarm-center',
      password: 'service-pw',
      will: will('v1/gateways/gw-x/status'),
    });
    const said = nextMessage(watcher, 3000);
    gateway.stream.destroy();
    assert.deepEqual(await said, { topic: 'v1/gateways/gw-x/status', payload: '{"state":"offline"}' });
    assert.deepEqual(
      seen.filter((m) => m.topic.startsWith('v1/gateways/')).map((m) => m.topic),
      ['v1/gateways/gw-x/status'],
    );
    gateway.end(true);
    pendant.end(true);
    watcher.end(true);
  });

  it("refuses a subscription to another device's commands (SUBACK 128) and delivers its own", async () => {
    const client = await device(broker.mqttPort, 'pendant-2');
    // mqtt.js reports a SUBACK return code of 128 as a subscribe error.
    await assert.rejects(client.subscribeAsync('v1/devices/pendant-1/cmd', { qos: 1 }), /Subscribe error/);
    const granted = await client.subscribeAsync('v1/devices/pendant-2/cmd', { qos: 1 });
    assert.equal(granted[0]?.qos, 1);
    const message = nextMessage(client);
    await monitor.publishAsync('v1/devices/pendant-2/cmd', '{"type":"ping"}', { qos: 1 });
    assert.equal((await message)?.payload, '{"type":"ping"}');
    client.end(true);
  });

  it('refuses an oversized payload', async () => {
    const client = await device(broker.mqttPort, 'pendant-1');
    const gone = closed(client);
    client.publish('v1/devices/pendant-1/event', 'x'.repeat(2000), { qos: 1 });
    await gone;
    assert.ok(broker.stats().refused.tooLarge >= 1);
    client.end(true);
  });

  it('keeps anonymous clients from subscribing to filters that name v1/ even when anonymous access is on', async () => {
    const anon = await connect(broker.mqttPort, { clientId: 'anon-1' });
    const before = broker.stats().refused.subscribe;
    await assert.rejects(anon.subscribeAsync('v1/devices/+/event', { qos: 0 }), /Subscribe error/);
    assert.equal((await anon.subscribeAsync('demo/#', { qos: 0 }))[0]?.qos, 0);
    assert.equal(broker.stats().refused.subscribe, before + 1);
    anon.end(true);
  });

  it('serves MQTT over WebSocket with the same authentication', async () => {
    assert.ok(broker.wsPort);
    const client = await connect(
      broker.wsPort,
      { clientId: 'pendant-1', username: 'pendant-1', password: 'secret-1' },
      'ws',
    );
    const delivered = nextMessage(monitor);
    await client.publishAsync('v1/devices/pendant-1/event', '{"ws":true}', { qos: 1 });
    assert.equal((await delivered)?.payload, '{"ws":true}');
    client.end(true);
  });

  it('talks to a real third-party client: mosquitto_pub with a device credential', async () => {
    const delivered = nextMessage(monitor);
    await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(broker.mqttPort), '-V', 'mqttv311', '-q', '1'],
      ...['-i', 'pendant-2', '-u', 'pendant-2', '-P', 'secret-2'],
      ...['-t', 'v1/devices/pendant-2/event', '-m', '{"from":"mosquitto"}'],
    ]);
    assert.deepEqual(await delivered, { topic: 'v1/devices/pendant-2/event', payload: '{"from":"mosquitto"}' });
    await assert.rejects(
      run('mosquitto_pub', [
        ...['-h', '127.0.0.1', '-p', String(broker.mqttPort), '-V', 'mqttv311', '-q', '1'],
        ...['-i', 'pendant-2', '-u', 'pendant-2', '-P', 'nope', '-t', 'v1/devices/pendant-2/event', '-m', '{}'],
      ]),
    );
  });
});

describe('broker configuration', () => {
  it('refuses anonymous clients when anonymous access is off', async () => {
    const broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 1024 },
      { authenticator: { authenticate: async () => false }, logger },
    );
    await assert.rejects(connect(broker.mqttPort, { clientId: 'anon' }), /Not authorized/);
    assert.equal(broker.wsPort, null);
    await broker.close();
  });

  it('reports an authentication store outage as "server unavailable", not as a bad password', async () => {
    const broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 1024 },
      {
        authenticator: {
          authenticate: async () => {
            throw new Error('db down');
          },
        },
        logger,
      },
    );
    await assert.rejects(device(broker.mqttPort, 'pendant-1'), /Server unavailable/);
    await broker.close();
  });

  it('names the port when it is already taken', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const port = (squatter.address() as { port: number }).port;
    await assert.rejects(
      startBroker(
        { host: '127.0.0.1', mqttPort: port, wsPort: null, allowAnonymous: false, maxPayloadBytes: 1024 },
        { authenticator: { authenticate: async () => false }, logger },
      ),
      (err: Error & { code?: string }) => err.code === 'BROKER_PORT_IN_USE' && err.message.includes(String(port)),
    );
    await assert.rejects(
      startBroker(
        { host: '127.0.0.1', mqttPort: 0, wsPort: port, allowAnonymous: false, maxPayloadBytes: 1024 },
        { authenticator: { authenticate: async () => false }, logger },
      ),
      (err: Error & { code?: string }) => err.code === 'BROKER_PORT_IN_USE' && /WebSocket/.test(err.message),
    );
    squatter.close();
  });
});
