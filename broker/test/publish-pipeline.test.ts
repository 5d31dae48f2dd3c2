import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type PublishedMessage, type RunningBroker, startBroker } from '../src/broker.ts';
import { connect } from './clients.ts';

const logger = pino({ level: 'silent' });
const GATEWAY = { username: 'scaip-gateway', password: 'gateway-pw-0001' };

describe("one connection's publishes await the publish hook side by side (a gateway's several transactions in flight)", () => {
  let broker: RunningBroker;
  let hook: (m: PublishedMessage) => Promise<void> = async () => {};
  let gateway: MqttClient;

  beforeAll(async () => {
    broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 1024 },
      {
        authenticator: { authenticate: async () => false },
        serviceAccounts: [GATEWAY],
        hooks: { onPublished: (m) => hook(m) },
        logger,
      },
    );
    gateway = await connect(broker.mqttPort, { clientId: 'gateway-1', ...GATEWAY });
  });

  afterAll(async () => {
    gateway.end(true);
    await broker.close();
  });

  it("reads a later publish while the earlier read's publishes (one transaction) are still in their hook; PUBACKs after each hook", async () => {
    const events: string[] = [];
    let releaseEarlier: () => void = () => {};
    const earlierHeld = new Promise<void>((resolve) => {
      releaseEarlier = resolve;
      setTimeout(resolve, 1500); // the old broker does not read the later one while these are held
    });
    let started = 0;
    let earlierStarted: () => void = () => {};
    const allEarlierStarted = new Promise<void>((resolve) => (earlierStarted = resolve));
    hook = async ({ topic }) => {
      const later = topic.includes('scaip-1-9');
      events.push(later ? 'later hook started' : 'earlier hook started');
      if (!later) {
        if (++started === 3) earlierStarted();
        await earlierHeld;
        events.push('earlier hook done');
      } else {
        releaseEarlier(); // the later commit is under way while the earlier is: let that one finish
        await new Promise((r) => setTimeout(r, 50));
        events.push('later hook done');
      }
    };
    // three publishes in one write, as the gateway sends one turn's alarms (one read at the broker)
    const stream = gateway.stream;
    stream.cork();
    const earlier = [1, 2, 3].map((d) =>
      gateway
        .publishAsync(`v1/devices/scaip-1-${d}/event`, Buffer.from('{}'), { qos: 1 })
        .then(() => events.push('earlier acknowledged')),
    );
    setImmediate(() => stream.uncork());
    await allEarlierStarted;
    const later = gateway
      .publishAsync('v1/devices/scaip-1-9/event', Buffer.from('{}'), { qos: 1 })
      .then(() => events.push('later acknowledged'));
    await Promise.all([...earlier, later]);
    assert.deepEqual(events.slice(0, 5), [
      'earlier hook started',
      'earlier hook started',
      'earlier hook started',
      'later hook started',
      'earlier hook done',
    ]);
    assert.ok(events.indexOf('later acknowledged') > events.indexOf('later hook done'), 'acknowledged after its hook');
    assert.ok(events.lastIndexOf('earlier acknowledged') < events.indexOf('later acknowledged'), 'in arrival order');
    assert.ok(broker.stats().peakPublishesAwaitingHook >= 4);
  });

  it('a later publish whose hook finished first is acknowledged only after the earlier one', async () => {
    const events: string[] = [];
    hook = async ({ topic }) => {
      const slow = topic.includes('scaip-2-1');
      await new Promise((r) => setTimeout(r, slow ? 300 : 10));
      events.push(`${slow ? 'slow' : 'fast'} hook done`);
    };
    const slow = gateway
      .publishAsync('v1/devices/scaip-2-1/event', Buffer.from('{}'), { qos: 1 })
      .then(() => events.push('slow acknowledged'));
    await new Promise((r) => setTimeout(r, 50));
    const fast = gateway
      .publishAsync('v1/devices/scaip-2-2/event', Buffer.from('{}'), { qos: 1 })
      .then(() => events.push('fast acknowledged'));
    await Promise.all([slow, fast]);
    assert.deepEqual(events, ['fast hook done', 'slow hook done', 'slow acknowledged', 'fast acknowledged']);
  });

  it('a refused hook still closes the connection without acknowledging it, an earlier publish still in its hook', async () => {
    const client = await connect(broker.mqttPort, { clientId: 'gateway-2', ...GATEWAY });
    hook = async ({ topic }) => {
      if (topic.includes('scaip-3-2')) throw new Error('commit failed');
      await new Promise((r) => setTimeout(r, 100));
    };
    const acknowledged: string[] = [];
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('v1/devices/scaip-3-1/event', Buffer.from('{}'), { qos: 1 }, (err) => {
      if (!err) acknowledged.push('first');
    });
    await new Promise((r) => setTimeout(r, 20));
    client.publish('v1/devices/scaip-3-2/event', Buffer.from('{}'), { qos: 1 }, (err) => {
      if (!err) acknowledged.push('second');
    });
    await closed;
    client.end(true);
    // the first may or may not get its PUBACK before the close (it is committed; a resend is a duplicate)
    assert.ok(!acknowledged.includes('second'), 'the refused publish is never acknowledged');
  });
});
