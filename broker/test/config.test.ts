import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { brokerConfigOf, parseStandaloneConfig } from '../src/config.ts';

describe('standalone broker configuration', () => {
  it('needs no DATABASE_URL and has safe defaults (metrics on loopback, no anonymous clients)', () => {
    const config = parseStandaloneConfig({});
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.METRICS_HOST, '127.0.0.1');
    assert.equal(config.METRICS_PORT, 9465);
    const broker = brokerConfigOf(config);
    assert.equal(broker.allowAnonymous, false);
    assert.equal(broker.mqttPort, 1883);
    assert.equal(broker.wsPort, null);
    assert.equal(broker.cluster, undefined);
  });

  it('reads lists, ports and switches the way an operator writes them', () => {
    const config = parseStandaloneConfig({
      SERVICE_ACCOUNTS: 'alarm-center:pw:with:colons,gateway:g',
      MQTT_NO_SUBSCRIBE_TOPICS: 'test/nosubscribe, closed',
      MQTT_WS_PORT: '8083',
      METRICS_PORT: 'off',
      MQTT_ALLOW_ANONYMOUS: 'true',
      MQTT_MAX_CONCURRENT_VERIFICATIONS: '1',
      REDIS_URL: '',
    });
    assert.deepEqual(config.SERVICE_ACCOUNTS, [
      { username: 'alarm-center', password: 'pw:with:colons' },
      { username: 'gateway', password: 'g' },
    ]);
    const broker = brokerConfigOf(config);
    assert.deepEqual(broker.noSubscribeTopics, ['test/nosubscribe', 'closed']);
    assert.equal(broker.wsPort, 8083);
    assert.equal(config.METRICS_PORT, null);
    assert.equal(broker.allowAnonymous, true);
    assert.equal(broker.admission?.maxConcurrentVerifications, 1);
    assert.equal(broker.cluster, undefined, 'an empty variable is unset');
  });

  it('refuses a bad value with a coded error naming the variable', () => {
    for (const env of [{ MQTT_PORT: '70000' }, { SERVICE_ACCOUNTS: 'nopassword' }, { METRICS_TOKEN: 'short' }]) {
      assert.throws(
        () => parseStandaloneConfig(env),
        (err: Error & { code?: string }) =>
          err.code === 'BROKER_CONFIG_INVALID' && err.message.includes(Object.keys(env)[0]!),
        JSON.stringify(env),
      );
    }
  });
});
