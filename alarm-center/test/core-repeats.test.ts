import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { DEFAULT_REPEAT_SETTINGS, followsClosedCase, repeatEscalation } from '../src/core/index.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1, 22, 0);
const settings = DEFAULT_REPEAT_SETTINGS; // 3 presses or 10 minutes; follows within 30 minutes

describe('repeated presses escalate to supervisors', () => {
  const table: [string, { presses: number; sinceFirstMin: number; alreadyEscalated?: boolean }, string | null][] = [
    ['the first press is the alarm itself', { presses: 1, sinceFirstMin: 0 }, null],
    ['a second press a minute later is seen but not yet escalated', { presses: 2, sinceFirstMin: 1 }, null],
    ['the third press escalates', { presses: 3, sinceFirstMin: 2 }, 'presses'],
    [
      'a second press ten minutes after the first escalates (Örebro: every 10 minutes)',
      { presses: 2, sinceFirstMin: 10 },
      'duration',
    ],
    ['a second press 9:59 after the first does not', { presses: 2, sinceFirstMin: 9.99 }, null],
    [
      'an alarm already escalated is not escalated again',
      { presses: 8, sinceFirstMin: 90, alreadyEscalated: true },
      null,
    ],
  ];
  for (const [name, s, expected] of table) {
    test(name, () => {
      const state = { presses: s.presses, firstAt: T0, alreadyEscalated: s.alreadyEscalated ?? false };
      assert.equal(repeatEscalation(state, T0 + s.sinceFirstMin * MIN, settings), expected);
    });
  }

  test('the settings decide: 5 presses or 20 minutes', () => {
    const custom = { ...settings, escalateAtPresses: 5, escalateAfterMs: 20 * MIN };
    assert.equal(repeatEscalation({ presses: 4, firstAt: T0, alreadyEscalated: false }, T0 + 19 * MIN, custom), null);
    assert.equal(
      repeatEscalation({ presses: 5, firstAt: T0, alreadyEscalated: false }, T0 + 5 * MIN, custom),
      'presses',
    );
    assert.equal(
      repeatEscalation({ presses: 2, firstAt: T0, alreadyEscalated: false }, T0 + 20 * MIN, custom),
      'duration',
    );
  });
});

describe('a press soon after a case was closed follows that case', () => {
  const table: [string, number | null, number, boolean][] = [
    ['no earlier case', null, 5, false],
    ['closed 5 minutes ago', T0 - 5 * MIN, 0, true],
    ['closed exactly 30 minutes ago', T0 - 30 * MIN, 0, true],
    ['closed 31 minutes ago starts a fresh case', T0 - 31 * MIN, 0, false],
    ['a close stamped after the press (clock skew) does not link', T0 + MIN, 0, false],
  ];
  for (const [name, closedAt, offsetMin, expected] of table) {
    test(name, () => assert.equal(followsClosedCase(closedAt, T0 + offsetMin * MIN, settings), expected));
  }
});
