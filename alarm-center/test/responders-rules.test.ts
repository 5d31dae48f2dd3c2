import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { arrivalHours, checkStep, suggestResponders } from '../src/responders/rules.ts';

/** Local Stockholm time in March 2024 (UTC+1). */
const local = (h: number, m = 0) => Date.UTC(2024, 2, 5, h - 1, m);

describe('dispatch steps', () => {
  const cases: [Parameters<typeof checkStep>[0], Parameters<typeof checkStep>[1], string][] = [
    ['dispatched', 'accept', 'accepted'],
    ['accepted', 'accept', 'DISPATCH_STEP_REFUSED'],
    ['dispatched', 'on_the_way', 'DISPATCH_STEP_REFUSED'],
    ['accepted', 'on_the_way', 'on_the_way'],
    ['dispatched', 'arrive', 'arrived'],
    ['on_the_way', 'done', 'DISPATCH_STEP_REFUSED'],
    ['arrived', 'done', 'done'],
    ['dispatched', 'could_not_enter', 'DISPATCH_STEP_REFUSED'],
    ['arrived', 'could_not_enter', 'could_not_enter'],
    ['done', 'accept', 'DISPATCH_NOT_ACTIVE'],
    ['reassigned', 'arrive', 'DISPATCH_NOT_ACTIVE'],
    ['cancelled', 'done', 'DISPATCH_NOT_ACTIVE'],
  ];
  for (const [state, step, expected] of cases) {
    it(`${step} from ${state} gives ${expected}`, () => {
      const result = checkStep(state, step);
      assert.equal(result.ok ? result.to : result.reason, expected);
    });
  }
});

describe('who is offered for an alarm', () => {
  const base = { status: 'on_duty' as const, shiftStart: '22:00', shiftEnd: '07:00' };
  const team = [
    { ...base, id: 'a-day', districts: ['Majorna'], shiftStart: '07:00', shiftEnd: '22:00' },
    { ...base, id: 'b-night-elsewhere', districts: ['Centrum'] },
    { ...base, id: 'c-night-here', districts: ['Majorna'] },
    { ...base, id: 'd-off', districts: ['Majorna'], status: 'off' as const },
    { ...base, id: 'e-busy', districts: ['Majorna'], status: 'busy' as const },
    { ...base, id: 'f-silent-before', districts: ['Majorna'] },
  ];

  it('puts the district first, then the shift, then those who let the accept time pass; never off or busy', () => {
    const ranked = suggestResponders(team, 'Majorna', local(2), 'Europe/Stockholm', new Set(['f-silent-before']));
    assert.deepEqual(
      ranked.map((r) => r.responder.id),
      ['c-night-here', 'a-day', 'b-night-elsewhere', 'f-silent-before'],
    );
    assert.deepEqual(
      ranked.map((r) => [r.inDistrict, r.inShift]),
      [
        [true, true],
        [true, false],
        [false, true],
        [true, true],
      ],
    );
  });
});

describe('arrival times per hour', () => {
  it('gives median, 90th percentile and arrivals within target for each hour, empty hours included', () => {
    const from = Date.UTC(2024, 2, 5, 0, 0);
    const at = (h: number, m: number) => Date.UTC(2024, 2, 5, h, m);
    const arrivals = [10, 20, 25, 40].map((minutes, i) => ({
      dispatchedAt: at(0, i * 5),
      arrivedAt: at(0, i * 5) + minutes * 60_000,
    }));
    arrivals.push({ dispatchedAt: at(2, 10), arrivedAt: at(2, 10) + 50 * 60_000 });
    const hours = arrivalHours(arrivals, from, at(3, 0), 30);
    assert.equal(hours.length, 3);
    assert.deepEqual(hours[0], {
      hour: '2024-03-05T00:00:00.000Z',
      arrivals: 4,
      medianMinutes: 20,
      p90Minutes: 40,
      withinTarget: 3,
    });
    assert.deepEqual(hours[1], {
      hour: '2024-03-05T01:00:00.000Z',
      arrivals: 0,
      medianMinutes: null,
      p90Minutes: null,
      withinTarget: 0,
    });
    assert.equal(hours[2]?.withinTarget, 0);
  });
});
