import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { allDevicesFilter, deviceTopic, parseDeviceTopic } from '../src/index.ts';

describe('topic layout v1', () => {
  it('builds and parses a device topic round trip', () => {
    const topic = deviceTopic('pendant-0001', 'event');
    assert.equal(topic, 'v1/devices/pendant-0001/event');
    assert.deepEqual(parseDeviceTopic(topic), { deviceId: 'pendant-0001', channel: 'event' });
  });

  it('refuses wildcards, extra levels, unknown channels and other versions', () => {
    for (const topic of [
      'v1/devices/+/event',
      'v1/devices/#',
      'v1/devices/a/b/event',
      'v1/devices/pendant-0001/alarm',
      'v2/devices/pendant-0001/event',
      'v1/devices//event',
      'v1/devices/pendant 1/event',
    ]) {
      assert.equal(parseDeviceTopic(topic), null, topic);
    }
  });

  it('offers a subscription filter across all devices for one channel', () => {
    assert.equal(allDevicesFilter('heartbeat'), 'v1/devices/+/heartbeat');
  });
});
