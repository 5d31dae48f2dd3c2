import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DeviceRateLimiter } from '../src/ingest/rate-limit.ts';

const take = (limiter: DeviceRateLimiter, deviceId: string, at: number, n: number) =>
  Array.from({ length: n }, () => limiter.take(deviceId, at));

describe('per-device message rate (token bucket, simulated time)', () => {
  it('a device may send its burst at once; the next message starts a flood, later ones are only limited', () => {
    const limiter = new DeviceRateLimiter({ perSecond: 20, burst: 40 });
    const verdicts = take(limiter, 'd1', 0, 43);
    assert.deepEqual(verdicts.slice(0, 40), Array(40).fill('allowed'));
    assert.deepEqual(verdicts.slice(40), ['flood_started', 'limited', 'limited']);
  });

  it('refills at the configured rate: 50 ms later one more message passes at 20/s', () => {
    const limiter = new DeviceRateLimiter({ perSecond: 20, burst: 40 });
    take(limiter, 'd1', 0, 41);
    assert.equal(limiter.take('d1', 40), 'limited');
    assert.equal(limiter.take('d1', 50), 'allowed');
    assert.equal(limiter.take('d1', 50), 'limited', 'still the same flood: no second alarm');
  });

  it('a device that keeps to its rate is never limited', () => {
    const limiter = new DeviceRateLimiter({ perSecond: 20, burst: 40 });
    for (let t = 0; t < 60_000; t += 50) assert.equal(limiter.take('steady', t), 'allowed');
  });

  it('after calming down long enough to refill, a new flood raises a new alarm', () => {
    const limiter = new DeviceRateLimiter({ perSecond: 20, burst: 40 });
    assert.equal(take(limiter, 'd1', 0, 41).at(-1), 'flood_started');
    assert.equal(take(limiter, 'd1', 2_000, 41).at(-1), 'flood_started');
  });

  it("one device's flood does not touch another device's allowance", () => {
    const limiter = new DeviceRateLimiter({ perSecond: 20, burst: 40 });
    take(limiter, 'noisy', 0, 500);
    assert.equal(limiter.take('quiet', 0), 'allowed');
  });

  it('a rate of 0 disables the limit', () => {
    const limiter = new DeviceRateLimiter({ perSecond: 0, burst: 1 });
    assert.ok(take(limiter, 'd1', 0, 1000).every((v) => v === 'allowed'));
  });

  it('forgets devices whose bucket has refilled, so memory follows active devices only', () => {
    const limiter = new DeviceRateLimiter({ perSecond: 20, burst: 40 });
    for (let i = 0; i < 9_999; i++) limiter.take(`dev-${i}`, 0);
    assert.equal(limiter.tracked, 9_999);
    limiter.take('late', 10_000); // the 10,000th take sweeps
    assert.ok(limiter.tracked <= 1, `tracked ${limiter.tracked}`);
  });
});
