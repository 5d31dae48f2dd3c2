import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { alarmsOf, at, coreWith, entriesOf, ev, kindsOf, send } from './core-fixtures.ts';

const door = () => coreWith([{ id: 'door-1', type: 'door', rules: { activeHours: { start: '22:00', end: '07:00' } } }]);

describe('door alarm: passage window', () => {
  const cases = [
    { afterPassageMs: 0, alarms: false },
    { afterPassageMs: 14_900, alarms: false },
    { afterPassageMs: 15_000, alarms: false },
    { afterPassageMs: 15_100, alarms: true },
    { afterPassageMs: 60_000, alarms: true },
  ];
  for (const c of cases) {
    test(`exit ${c.afterPassageMs / 1000} s after a passage press ${c.alarms ? 'raises a door alarm' : 'raises no alarm'}`, () => {
      const core = door();
      const pressed = at(23, 10);
      assert.deepEqual(send(core, 'door-1', ev('door.passage', pressed)), []);
      const decisions = send(core, 'door-1', ev('door.open', pressed + c.afterPassageMs, { direction: 'exit' }));
      assert.deepEqual(kindsOf(decisions), c.alarms ? ['door_exit'] : []);
      if (!c.alarms) assert.deepEqual(entriesOf(decisions), ['passage']);
    });
  }

  test('an exit soon after the passage window expired is flagged as a likely forgotten passage button', () => {
    const core = door();
    send(core, 'door-1', ev('door.passage', at(23, 0, 0)));
    const [alarm] = alarmsOf(send(core, 'door-1', ev('door.open', at(23, 0, 40), { direction: 'exit' })));
    assert.equal(alarm?.details.likelyForgottenPassage, true);
    assert.equal(alarm?.details.passageEndedMsBefore, 25_000);
  });

  test('an exit long after any passage press is a plain door alarm, not flagged', () => {
    const core = door();
    send(core, 'door-1', ev('door.passage', at(22, 0)));
    const [alarm] = alarmsOf(send(core, 'door-1', ev('door.open', at(23, 30), { direction: 'exit' })));
    assert.equal(alarm?.kind, 'door_exit');
    assert.equal(alarm?.details.likelyForgottenPassage, undefined);
  });

  test("a door alarm is priority 2 for the operators of the resident's district", () => {
    const [alarm] = alarmsOf(send(door(), 'door-1', ev('door.open', at(2), { direction: 'exit' })));
    assert.deepEqual(
      {
        priority: alarm?.priority,
        audience: alarm?.audience,
        district: alarm?.district,
        residentId: alarm?.residentId,
      },
      { priority: 2, audience: 'operator', district: 'Centrum', residentId: 'res-door-1' },
    );
  });
});

describe('door alarm: direction and active hours', () => {
  test('entry never alarms, even at night', () => {
    const decisions = send(door(), 'door-1', ev('door.open', at(3), { direction: 'entry' }));
    assert.deepEqual(kindsOf(decisions), []);
    assert.deepEqual(entriesOf(decisions), ['entry']);
  });

  const edges = [
    { label: '21:59:59.999', ts: at(21, 59, 59, 999), alarms: false },
    { label: '22:00:00.000', ts: at(22, 0, 0, 0), alarms: true },
    { label: '00:00', ts: at(0, 0, 0, 0, 1), alarms: true },
    { label: '06:59:59.999', ts: at(6, 59, 59, 999), alarms: true },
    { label: '07:00:00.000', ts: at(7, 0, 0, 0), alarms: false },
    { label: '12:00', ts: at(12), alarms: false },
  ];
  for (const e of edges) {
    test(`exit at ${e.label} with active hours 22:00–07:00 ${e.alarms ? 'alarms' : 'does not alarm'}`, () => {
      const decisions = send(door(), 'door-1', ev('door.open', e.ts, { direction: 'exit' }));
      assert.deepEqual(kindsOf(decisions), e.alarms ? ['door_exit'] : []);
      if (!e.alarms) assert.deepEqual(entriesOf(decisions), ['exit_outside_active_hours']);
    });
  }

  test('active hours within one day (09:00–17:00) do not wrap midnight', () => {
    const core = coreWith([{ id: 'door-2', type: 'door', rules: { activeHours: { start: '09:00', end: '17:00' } } }]);
    assert.deepEqual(kindsOf(send(core, 'door-2', ev('door.open', at(8, 59), { direction: 'exit' }))), []);
    assert.deepEqual(kindsOf(send(core, 'door-2', ev('door.open', at(9, 0), { direction: 'exit' }))), ['door_exit']);
    assert.deepEqual(kindsOf(send(core, 'door-2', ev('door.open', at(23, 0), { direction: 'exit' }))), []);
  });

  test("active hours are read in the resident's time zone across daylight saving time", () => {
    const core = coreWith([{ id: 'door-3', type: 'door', rules: { activeHours: { start: '22:00', end: '07:00' } } }]);
    // 1 July 2026 in Stockholm is UTC+2: 21:30 UTC is 23:30 local, 19:30 UTC is 21:30 local.
    assert.deepEqual(
      kindsOf(send(core, 'door-3', ev('door.open', Date.UTC(2026, 6, 1, 21, 30), { direction: 'exit' }))),
      ['door_exit'],
    );
    assert.deepEqual(
      kindsOf(send(core, 'door-3', ev('door.open', Date.UTC(2026, 6, 1, 19, 30), { direction: 'exit' }))),
      [],
    );
  });
});
