import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningBroker, startBroker } from '../src/broker.ts';
import { PlatformMemoryPersistence } from '../src/memory-persistence.ts';
import { connect, run } from './clients.ts';

const spec = fileURLToPath(new URL('./fixtures/persistence-spec.ts', import.meta.url));

/** Messages a client receives from now on, until `count` arrived or the hang guard. */
function collect(client: MqttClient) {
  const received: string[] = [];
  client.on('message', (topic, payload) => received.push(`${topic} ${payload}`));
  return async (count: number, timeoutMs = 3000) => {
    const deadline = Date.now() + timeoutMs;
    while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return [...received];
  };
}

describe('the standalone broker memory persistence (memory-persistence.ts)', () => {
  it("passes aedes-persistence's own specification suite", async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', spec], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    const pass = Number(/^# pass (\d+)/m.exec(stdout)?.[1]);
    assert.match(stdout, /^# fail 0$/m);
    assert.ok(pass >= 50, `${pass} of the suite's tests passed`);
  }, 60_000);

  it('answers that no offline session wants a topic only while none has a persistent subscription', async () => {
    const persistence = new PlatformMemoryPersistence();
    const client = { id: 'pendant-1' };
    const none = await persistence.subscriptionsByTopic('v1/devices/pendant-1/cmd');
    assert.deepEqual(none, []);
    await persistence.addSubscriptions(client, [{ topic: 'v1/devices/pendant-1/cmd', qos: 1 }]);
    const matched = (await persistence.subscriptionsByTopic('v1/devices/pendant-1/cmd')) as { clientId: string }[];
    assert.deepEqual(
      matched.map((s) => s.clientId),
      ['pendant-1'],
    );
    await persistence.addSubscriptions(client, [{ topic: 'v1/devices/pendant-1/cmd', qos: 0 }]);
    assert.deepEqual(await persistence.subscriptionsByTopic('v1/devices/pendant-1/cmd'), []);
    await persistence.addSubscriptions(client, [{ topic: 'v1/devices/pendant-1/cmd', qos: 1 }]);
    await persistence.removeSubscriptions(client, ['v1/devices/pendant-1/cmd']);
    assert.deepEqual(await persistence.subscriptionsByTopic('v1/devices/pendant-1/cmd'), []);
  });

  describe('a persistent session on one broker', () => {
    let broker: RunningBroker;
    const device = (clean: boolean) =>
      connect(broker.mqttPort, { clientId: 'pendant-1', username: 'pendant-1', password: 'secret-1', clean });

    beforeAll(async () => {
      broker = await startBroker(
        { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 1024 },
        {
          authenticator: { authenticate: async (id, secret) => id === 'pendant-1' && secret === 'secret-1' },
          serviceAccounts: [{ username: 'alarm-center', password: 'service-pw' }],
          logger: pino({ level: 'silent' }),
        },
      );
    });
    afterAll(() => broker.close());

    it('keeps the commands sent while the device was away, hands them over on reconnect, and not again once acknowledged', async () => {
      const cmd = 'v1/devices/pendant-1/cmd';
      const first = await device(false);
      await first.subscribeAsync(cmd, { qos: 1 });
      await first.endAsync();

      const center = await connect(broker.mqttPort, {
        clientId: 'center',
        username: 'alarm-center',
        password: 'service-pw',
      });
      await center.publishAsync(cmd, '{"cmd":"test-alarm"}', { qos: 1 });
      await center.publishAsync(cmd, '{"cmd":"ping"}', { qos: 1 });
      await new Promise((r) => setTimeout(r, 100)); // aedes queues for offline sessions after the PUBACK

      const back = await device(false);
      const received = collect(back);
      assert.deepEqual(await received(2), [`${cmd} {"cmd":"test-alarm"}`, `${cmd} {"cmd":"ping"}`]);
      await center.publishAsync(cmd, '{"cmd":"live"}', { qos: 1 });
      assert.deepEqual((await received(3)).slice(2), [`${cmd} {"cmd":"live"}`]);
      await back.endAsync();

      const again = await device(false);
      assert.deepEqual(await collect(again)(1, 500), []);
      await again.endAsync();
      await center.endAsync();
    });
  });
});
