import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deviceIdentityOf, type Identity, mayPublish, maySubscribe } from '../src/acl.ts';

const device: Identity = { kind: 'device', deviceId: 'pendant-1' };
const service: Identity = { kind: 'service', username: 'alarm-center' };
const anonymous: Identity = { kind: 'anonymous' };

describe('broker ACL', () => {
  it('lets a device publish only on its own event, heartbeat and ack channels', () => {
    for (const channel of ['event', 'heartbeat', 'ack']) {
      assert.equal(mayPublish(device, `v1/devices/pendant-1/${channel}`), true, channel);
      assert.equal(mayPublish(device, `v1/devices/pendant-2/${channel}`), false, `other device ${channel}`);
    }
    for (const topic of [
      'v1/devices/pendant-1/cmd',
      'v1/devices/pendant-1',
      'v1/devices/pendant-1/event/x',
      'x',
      '$SYS/x',
    ]) {
      assert.equal(mayPublish(device, topic), false, topic);
    }
  });

  it('lets a device subscribe to its own commands and nothing else', () => {
    assert.equal(maySubscribe(device, 'v1/devices/pendant-1/cmd'), true);
    for (const filter of [
      'v1/devices/pendant-2/cmd',
      'v1/devices/+/cmd',
      'v1/#',
      '#',
      '+/devices/pendant-1/cmd',
      '$SYS/#',
    ]) {
      assert.equal(maySubscribe(device, filter), false, filter);
    }
  });

  it('lets service accounts use the whole platform namespace, not broker internals', () => {
    assert.equal(mayPublish(service, 'v1/devices/pendant-1/cmd'), true);
    assert.equal(maySubscribe(service, 'v1/devices/+/event'), true);
    assert.equal(maySubscribe(service, '$SYS/#'), false);
    assert.equal(mayPublish(service, 'other/topic'), false);
  });

  it('keeps anonymous clients out of the platform namespace', () => {
    assert.equal(mayPublish(anonymous, 'demo/hello'), true);
    assert.equal(maySubscribe(anonymous, 'demo/#'), true);
    for (const t of ['v1/devices/pendant-1/event', '#', '+/devices/x/event', '$SYS/x']) {
      assert.equal(maySubscribe(anonymous, t), false, t);
    }
    assert.equal(mayPublish(anonymous, 'v1/devices/pendant-1/event'), false);
  });

  it('accepts a device only when its client id is its username and a valid device id', () => {
    assert.deepEqual(deviceIdentityOf('pendant-1', 'pendant-1'), device);
    assert.equal(deviceIdentityOf('pendant-1', 'pendant-2'), null);
    assert.equal(deviceIdentityOf('a/b', 'a/b'), null);
    assert.equal(deviceIdentityOf('#', '#'), null);
  });
});
