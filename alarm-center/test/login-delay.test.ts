import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ACCOUNT_POLICY, activeFailures, delayAfter, judgedCount, waitMs } from '../src/session/login-delay.ts';

// The login delay rule on simulated time: free typing mistakes, then a wait that doubles up to a
// bound, counted from the last failure, and forgotten after a quiet period.

describe('login delays (pure rule, simulated time)', () => {
  const policy = { freeFailures: 3, baseMs: 2_000, maxMs: 600_000, forgetAfterMs: 3_600_000, inFlightAllowance: 2 };

  it('attempts still being checked are not held against a new one, up to the allowance', () => {
    const count = { failures: 6, lastFailureAt: 10_000 };
    assert.deepEqual(judgedCount(count, 2, policy), { failures: 4, lastFailureAt: 10_000 });
    assert.deepEqual(
      judgedCount(count, 5, policy),
      { failures: 4, lastFailureAt: 10_000 },
      'never more than the allowance',
    );
    assert.deepEqual(judgedCount({ failures: 1, lastFailureAt: 0 }, 2, policy), { failures: 0, lastFailureAt: 0 });
    assert.equal(judgedCount(null, 3, policy), null);
  });

  it('three typing mistakes cost nothing; then the wait doubles from 2 s up to 10 minutes', () => {
    const waits = Array.from({ length: 14 }, (_, i) => delayAfter(i + 1, policy));
    assert.deepEqual(
      waits,
      [0, 0, 0, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 600_000, 600_000],
    );
  });

  it('the wait runs from the last failure, and a count quiet for the forget period no longer delays', () => {
    const count = { failures: 5, lastFailureAt: 10_000 };
    assert.equal(waitMs(count, policy, 10_000), 4_000);
    assert.equal(waitMs(count, policy, 13_000), 1_000);
    assert.equal(waitMs(count, policy, 14_000), 0);
    const many = { failures: 50, lastFailureAt: 0 };
    assert.equal(waitMs(many, policy, 599_999), 1, 'never more than the bound');
    assert.equal(activeFailures(many, policy, 3_599_999), 50, 'still counted: the next failure waits 10 minutes');
    assert.equal(activeFailures(many, policy, 3_600_000), 0, 'forgotten after a quiet hour');
  });

  it('accounts are bounded at one guess per 10 minutes for clients that never logged in to them', () => {
    assert.equal(delayAfter(1_000, ACCOUNT_POLICY), 10 * 60_000);
  });
});
