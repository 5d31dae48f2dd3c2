// Every refusal the broker makes reaches the caller's hooks with a reason code, so the alarm center
// can count login failures, refused subscriptions and refused publishes (and tell them apart).

import assert from 'node:assert/strict';
import { pino } from 'pino';
import client from 'prom-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type LoginRefusal,
  type PublishRefusal,
  type RunningBroker,
  type SubscribeRefusal,
  startBroker,
} from '../src/broker.ts';
import { brokerMetrics } from '../src/metrics.ts';
import { hashSecret } from '../src/secrets.ts';
import { closed, connect, rawConnack } from './clients.ts';

const logger = pino({ level: 'silent' });

describe('refusals reported through the hooks', () => {
  let broker: RunningBroker;
  const logins: LoginRefusal[] = [];
  const subscriptions: SubscribeRefusal[] = [];
  const publishes: PublishRefusal[] = [];
  const registry = new client.Registry();
  const metrics = brokerMetrics(registry);

  beforeAll(async () => {
    const stored = await hashSecret('secret-1');
    broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 1024 },
      {
        credentials: { secretHash: async (id) => (id === 'pendant-1' ? stored : null) },
        serviceAccounts: [{ username: 'alarm-center', password: 'service-pw' }],
        hooks: {
          onLoginRefused: (r) => {
            logins.push(r);
            metrics.hooks.onLoginRefused(r);
          },
          onSubscribeRefused: (r) => {
            subscriptions.push(r);
            metrics.hooks.onSubscribeRefused(r);
          },
          onRefused: (r) => {
            publishes.push(r);
            metrics.hooks.onRefused(r);
          },
        },
        logger,
      },
    );
  });
  afterAll(() => broker.close());

  const login = (clientId: string, username?: string, password?: string) =>
    connect(broker.mqttPort, { clientId, username, password });

  it('counts each refused login by its reason, with the CONNACK code the client saw', async () => {
    await assert.rejects(login('pendant-1', 'pendant-1', 'wrong'), /Bad username or password/);
    await assert.rejects(login('pendant-9', 'pendant-9', 'secret-1'), /Bad username or password/);
    await assert.rejects(login('pendant-2', 'pendant-1', 'secret-1'), /Bad username or password/);
    await assert.rejects(login('alarm-center', 'alarm-center', 'nope'), /Bad username or password/);
    await assert.rejects(login('anon'), /Not authorized/);
    assert.equal(await rawConnack(broker.mqttPort, { clientId: 'pendant-1', clean: true, protocolVersion: 5 }), 1);
    assert.deepEqual(
      logins.map(({ reason, returnCode }) => [reason, returnCode]),
      [
        ['BAD_SECRET', 4],
        ['UNKNOWN_DEVICE', 4],
        ['BORROWED_CLIENT_ID', 4],
        ['BAD_SERVICE_SECRET', 4],
        ['CREDENTIALS_REQUIRED', 5],
        ['UNSUPPORTED_PROTOCOL', 1],
      ],
    );
    assert.equal(broker.stats().authFailures, 6);
  });

  it('counts a refused subscription and a refused publish', async () => {
    const device = await login('pendant-1', 'pendant-1', 'secret-1');
    await assert.rejects(device.subscribeAsync('v1/devices/pendant-2/cmd', { qos: 1 }), /Subscribe error/);
    assert.deepEqual(subscriptions, [
      { reason: 'FILTER_NOT_ALLOWED', clientId: 'pendant-1', filter: 'v1/devices/pendant-2/cmd' },
    ]);
    const gone = closed(device);
    device.publish('v1/devices/pendant-2/event', '{}', { qos: 1 });
    await gone;
    assert.deepEqual(publishes, [{ reason: 'TOPIC_NOT_ALLOWED', clientId: 'pendant-1' }]);
    device.end(true);
  });

  it('serves the same refusals as Prometheus counters by reason (brokerMetrics)', async () => {
    metrics.observe(broker);
    const text = await registry.metrics();
    assert.match(text, /mqtt_logins_refused_total\{reason="BAD_SECRET"\} 1\n/);
    assert.match(text, /mqtt_logins_refused_total\{reason="UNSUPPORTED_PROTOCOL"\} 1\n/);
    assert.match(text, /mqtt_subscriptions_refused_total\{reason="FILTER_NOT_ALLOWED"\} 1\n/);
    assert.match(text, /mqtt_publishes_refused_total\{reason="TOPIC_NOT_ALLOWED"\} 1\n/);
    assert.match(text, /mqtt_connected_clients \d+\n/);
  });
});
