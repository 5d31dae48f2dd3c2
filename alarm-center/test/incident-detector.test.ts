import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import {
  DEFAULT_OUTAGE_SETTINGS,
  type GroupRef,
  type IncidentDecision,
  OutageDetector,
} from '../src/incidents/detector.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 11, 1, 23, 0);
const north: GroupRef = { type: 'district', key: 'Norr' };
const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const types = (ds: IncidentDecision[]) => ds.map((d) => d.type);

/** Loses `deviceIds` in group `north` of `size` units, `gapMs` apart from `start`. */
function loseAll(detector: OutageDetector, deviceIds: string[], start: number, gapMs: number, size: number) {
  const out: IncidentDecision[] = [];
  deviceIds.forEach((id, i) => {
    out.push(...detector.lost(id, [north], start + i * gapMs, () => size));
  });
  return out;
}

describe('a mass outage becomes one incident (>= 20 units and >= 30 % of the group within 5 minutes)', () => {
  const table: [string, { lost: number; size: number; gapMs: number }, number][] = [
    ['19 of 50 units at once: individual alarms, no incident', { lost: 19, size: 50, gapMs: 0 }, 0],
    ['20 of 50 units at once: one incident', { lost: 20, size: 50, gapMs: 0 }, 1],
    ['20 of 100 units (20 %): below the share, no incident', { lost: 20, size: 100, gapMs: 0 }, 0],
    ['30 of 100 units within 5 minutes: one incident', { lost: 30, size: 100, gapMs: 10 * S }, 1],
    ['30 of 100 units spread over 15 minutes: never 30 in one window', { lost: 30, size: 100, gapMs: 30 * S }, 0],
    ['2,000 of 2,000 units at once: exactly one incident', { lost: 2000, size: 2000, gapMs: 0 }, 1],
  ];
  for (const [name, c, incidents] of table) {
    test(name, () => {
      const d = new OutageDetector(DEFAULT_OUTAGE_SETTINGS);
      const decisions = loseAll(d, ids(c.lost), T0, c.gapMs, c.size);
      assert.equal(decisions.filter((x) => x.type === 'open').length, incidents);
    });
  }

  test('the incident opens with every unit lost in the window, since the first loss; later losses join it', () => {
    const d = new OutageDetector();
    const decisions = loseAll(d, ids(20), T0, S, 50);
    const open = decisions.find((x) => x.type === 'open');
    assert.ok(open && open.type === 'open');
    assert.equal(open.units.length, 20);
    assert.equal(open.since, T0);
    assert.equal(open.groupSize, 50);
    assert.deepEqual(types(d.lost('late-1', [north], T0 + 30 * MIN, () => 50)), ['join']);
    assert.deepEqual(types(d.lost('late-1', [north], T0 + 31 * MIN, () => 50)), [], 'a unit counts once');
    assert.equal(d.openIncidents()[0]?.units, 21);
  });

  test('units of another district do not count towards this one', () => {
    const d = new OutageDetector();
    for (const id of ids(15)) d.lost(id, [north], T0, () => 40);
    const south: GroupRef = { type: 'district', key: 'Söder' };
    const decisions = ids(15, 's').flatMap((id) => d.lost(id, [south], T0, () => 40));
    assert.deepEqual(types(decisions), []);
  });

  test('a unit back before the threshold no longer counts', () => {
    const d = new OutageDetector();
    loseAll(d, ids(19), T0, 0, 50);
    d.returned('u-0', [north], T0 + S);
    assert.deepEqual(types(d.lost('u-19', [north], T0 + 2 * S, () => 50)), []);
    assert.deepEqual(types(d.lost('u-20', [north], T0 + 3 * S, () => 50)), ['open']);
  });
});

describe('the incident closes as units return and reports what came back', () => {
  test('2,000 units drop at once and return ten minutes later: closed with "2,000 returned"', () => {
    const d = new OutageDetector();
    const units = ids(2000);
    assert.equal(loseAll(d, units, T0, 0, 2000).filter((x) => x.type === 'open').length, 1);
    const back = units.flatMap((id) => d.returned(id, [north], T0 + 10 * MIN));
    const closes = back.filter((x) => x.type === 'close');
    assert.equal(closes.length, 1);
    const close = closes[0]!;
    assert.ok(close.type === 'close');
    assert.equal(close.returned.length, 2000);
    assert.deepEqual(close.notReturned, []);
    assert.equal(close.at, T0 + 10 * MIN);
    assert.deepEqual(d.openIncidents(), []);
  });

  test('units still out after the settle time: the incident closes and names them', () => {
    const d = new OutageDetector();
    loseAll(d, ids(25), T0, 0, 50);
    for (const id of ids(22)) d.returned(id, [north], T0 + 10 * MIN);
    assert.deepEqual(types(d.tick(T0 + 19 * MIN)), [], 'still settling');
    const [close] = d.tick(T0 + 20 * MIN);
    assert.ok(close?.type === 'close');
    assert.equal(close.returned.length, 22);
    assert.deepEqual(close.notReturned, ['u-22', 'u-23', 'u-24']);
  });

  test('an incident nobody has returned from stays open however long it lasts (a 24 h carrier outage)', () => {
    const d = new OutageDetector();
    loseAll(d, ids(25), T0, 0, 50);
    assert.deepEqual(types(d.tick(T0 + 24 * 60 * MIN)), []);
    assert.equal(d.openIncidents().length, 1);
  });

  test('a unit that returns and drops again is out again, counted once', () => {
    const d = new OutageDetector();
    loseAll(d, ids(20), T0, 0, 50);
    d.returned('u-0', [north], T0 + MIN);
    assert.deepEqual(types(d.lost('u-0', [north], T0 + 2 * MIN, () => 50)), ['join']);
    assert.equal(d.openIncidents()[0]?.out, 20);
  });

  test('after a restart the stored incident goes on: its last unit closes it', () => {
    const d = new OutageDetector();
    d.restore(
      north,
      T0,
      [
        { deviceId: 'a', returnedAt: T0 + MIN },
        { deviceId: 'b', returnedAt: null },
      ],
      T0 + MIN,
    );
    const decisions = d.returned('b', [north], T0 + 2 * MIN);
    assert.deepEqual(types(decisions), ['returned', 'close']);
    const close = decisions[1]!;
    assert.ok(close.type === 'close');
    assert.deepEqual(close.returned, ['a', 'b']);
  });
});

describe('an incident another replica opened or closed', () => {
  test('adopting it joins this replica’s recent losses of the group; forgetting it lets the next loss count afresh', () => {
    const d = new OutageDetector(DEFAULT_OUTAGE_SETTINGS);
    assert.deepEqual(loseAll(d, ids(15, 'b'), T0, 0, 40), [], '15 of 40: too few alone');
    const joins = d.adopt(
      north,
      T0,
      ids(25, 'a').map((deviceId) => ({ deviceId, returnedAt: null })),
      T0,
    );
    assert.deepEqual(types(joins), Array(15).fill('join'));
    assert.deepEqual(d.openIncidents(), [{ group: north, since: T0, units: 40, out: 40 }]);
    assert.deepEqual(d.groupsOut('b-3'), [north]);
    d.forget(north);
    assert.deepEqual(d.openIncidents(), []);
    assert.deepEqual(types(d.lost('b-3', [north], T0 + MIN, () => 40)), [], 'a fresh loss, not a join');
  });
});
