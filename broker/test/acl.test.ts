import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { deviceIdentityOf, type Identity, mayPublish, mayReceive, maySubscribe, withinTopics } from '../src/acl.ts';

const device = deviceIdentityOf('pendant-1', 'pendant-1')!;
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
      'v1/devices/pendant-1/eventx',
      'v1/devices/pendant-11/event',
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

  it('lets nobody but a service account say a gateway status, and it only that (issue 17)', () => {
    assert.equal(mayPublish(service, 'v1/gateways/gw-a/status'), true);
    for (const topic of [
      'v1/gateways/gw-a/cmd',
      'v1/gateways/gw-a',
      'v1/gateways/a/b/status',
      'v1/gateways/ /status',
    ]) {
      assert.equal(mayPublish(service, topic), false, topic);
    }
    assert.equal(mayPublish(device, 'v1/gateways/gw-a/status'), false);
    assert.equal(mayPublish(anonymous, 'v1/gateways/gw-a/status'), false);
  });

  it('keeps anonymous clients out of the platform namespace: wildcards granted, delivery guarded', () => {
    assert.equal(mayPublish(anonymous, 'demo/hello'), true);
    assert.equal(maySubscribe(anonymous, 'demo/#'), true);
    for (const filter of ['#', '+/+', '+/devices/x/event']) assert.equal(maySubscribe(anonymous, filter), true, filter);
    for (const filter of ['v1/devices/pendant-1/event', 'v1/#', '$SYS/x', '$SYS/#']) {
      assert.equal(maySubscribe(anonymous, filter), false, filter);
    }
    for (const topic of ['v1/devices/pendant-1/event', 'v1/devices/pendant-1/cmd', 'v1', '$SYS/x/new/clients']) {
      assert.equal(mayReceive(anonymous, topic), false, topic);
      assert.equal(mayPublish(anonymous, topic), false, topic);
    }
    assert.equal(mayReceive(anonymous, 'demo/hello'), true);
    // only the first level names the platform: `v1x/...` and `x/v1` are anyone's
    for (const topic of ['v1x/a', 'v10', 'x/v1', 'v']) {
      assert.equal(mayReceive(anonymous, topic), true, topic);
      assert.equal(mayPublish(anonymous, topic), true, topic);
    }
    assert.equal(mayReceive(anonymous, 'v1/'), false);
  });

  it('delivers to a device only its own commands, to services only the platform namespace', () => {
    assert.equal(mayReceive(device, 'v1/devices/pendant-1/cmd'), true);
    for (const topic of ['v1/devices/pendant-2/cmd', 'v1/devices/pendant-1/event', 'demo/x', '$SYS/x']) {
      assert.equal(mayReceive(device, topic), false, topic);
    }
    assert.equal(mayReceive(service, 'v1/devices/pendant-1/event'), true);
    assert.equal(mayReceive(service, 'demo/x'), false);
    assert.equal(mayReceive(service, '$SYS/x/heartbeat'), false);
  });

  it('closes configured topics and what lies below them, not their neighbours', () => {
    const closed = ['test/nosubscribe'];
    assert.equal(withinTopics('test/nosubscribe', closed), true);
    assert.equal(withinTopics('test/nosubscribe/x', closed), true);
    assert.equal(withinTopics('test/nosubscribex', closed), false);
    assert.equal(withinTopics('test/nosubscribex/y', closed), false);
    assert.equal(withinTopics('test', closed), false);
    assert.equal(withinTopics('test/+', closed), false);
  });

  it('accepts a device only when its client id is its username and a valid device id', () => {
    assert.deepEqual(deviceIdentityOf('pendant-1', 'pendant-1'), {
      kind: 'device',
      deviceId: 'pendant-1',
      publishTopics: ['v1/devices/pendant-1/event', 'v1/devices/pendant-1/heartbeat', 'v1/devices/pendant-1/ack'],
      receiveTopics: ['v1/devices/pendant-1/cmd'],
    });
    assert.equal(deviceIdentityOf('pendant-1', 'pendant-2'), null);
    assert.equal(deviceIdentityOf('a/b', 'a/b'), null);
    assert.equal(deviceIdentityOf('#', '#'), null);
  });
});
