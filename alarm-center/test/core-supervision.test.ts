import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { alarmsOf, at, coreWith, ESCALATE_MS, ev, hb, kindsOf, send } from './core-fixtures.ts';

describe('connection supervision', () => {
  test('an installed device silent for interval × tolerance raises "connection lost" for technicians', () => {
    const core = coreWith([{ id: 'p-1', type: 'pendant', supervised: true, intervalS: 60 }], at(12));
    assert.deepEqual(kindsOf(core.tick(at(12, 2, 59, 999))), []);
    const [alarm] = alarmsOf(core.tick(at(12, 3)));
    assert.deepEqual(
      [alarm?.kind, alarm?.priority, alarm?.audience, alarm?.details.lastSeenAt],
      ['connection_lost', 4, 'technician', at(12)],
    );
    assert.deepEqual(kindsOf(core.tick(at(13))), [], 'one alarm per outage');
  });

  test('heartbeats keep a device supervised without alarms', () => {
    const core = coreWith([{ id: 'p-1', type: 'pendant', supervised: true, intervalS: 60 }], at(12));
    for (let minute = 1; minute <= 30; minute++) {
      assert.deepEqual(core.handleHeartbeat('p-1', hb(at(12, minute)), at(12, minute)), []);
      assert.deepEqual(kindsOf(core.tick(at(12, minute, 30))), []);
    }
    assert.equal(core.stats().deadlines, 1, 'one deadline per device however many heartbeats');
  });

  test('"connection lost" closes automatically when the device is heard from again', () => {
    const core = coreWith([{ id: 'p-1', type: 'pendant', supervised: true, intervalS: 60 }], at(12));
    core.tick(at(12, 3));
    const decisions = core.handleHeartbeat('p-1', hb(at(12, 10)), at(12, 10));
    assert.deepEqual(decisions, [
      { type: 'resolve', deviceId: 'p-1', kind: 'connection_lost', outcome: 'connection_restored', at: at(12, 10) },
    ]);
    assert.deepEqual(kindsOf(core.tick(at(12, 12, 59))), []);
    assert.deepEqual(kindsOf(core.tick(at(12, 13))), ['connection_lost'], 'supervised again after return');
  });

  test("a device on the technician's shelf is not supervised until it is first heard from", () => {
    const core = coreWith([{ id: 'p-1', type: 'pendant', supervised: false, intervalS: 60 }], at(12));
    assert.deepEqual(kindsOf(core.tick(at(18))), []);
    core.handleHeartbeat('p-1', hb(at(18)), at(18));
    assert.deepEqual(kindsOf(core.tick(at(18, 3))), ['connection_lost']);
  });

  test('a device reporting a longer heartbeat interval is supervised against that interval', () => {
    const core = coreWith([{ id: 'p-1', type: 'pendant', supervised: true, intervalS: 60 }], at(12));
    core.handleHeartbeat('p-1', hb(at(12), { intervalS: 600 }), at(12));
    assert.deepEqual(kindsOf(core.tick(at(12, 29))), []);
    assert.deepEqual(kindsOf(core.tick(at(12, 30))), ['connection_lost']);
  });

  test('low battery in a heartbeat goes to technicians once, again only after a battery change', () => {
    const core = coreWith([{ id: 'p-1', type: 'pendant', supervised: true }], at(12));
    assert.deepEqual(kindsOf(core.handleHeartbeat('p-1', hb(at(12, 1), { battery: 16 }), at(12, 1))), []);
    const [alarm] = alarmsOf(core.handleHeartbeat('p-1', hb(at(12, 2), { battery: 15 }), at(12, 2)));
    assert.deepEqual([alarm?.kind, alarm?.audience], ['battery_low', 'technician']);
    assert.deepEqual(kindsOf(core.handleHeartbeat('p-1', hb(at(12, 3), { battery: 14 }), at(12, 3))), []);
    core.handleHeartbeat('p-1', hb(at(12, 4), { battery: 100 }), at(12, 4));
    assert.deepEqual(kindsOf(core.handleHeartbeat('p-1', hb(at(12, 5), { battery: 10 }), at(12, 5))), ['battery_low']);
  });

  test('power lost is a technical alarm, closed when power returns', () => {
    const core = coreWith([{ id: 'p-1', type: 'pendant' }]);
    assert.deepEqual(kindsOf(send(core, 'p-1', ev('power.lost', at(12)))), ['power_lost']);
    assert.deepEqual(send(core, 'p-1', ev('power.restored', at(12, 5))), [
      { type: 'resolve', deviceId: 'p-1', kind: 'power_lost', outcome: 'power_restored', at: at(12, 5) },
    ]);
  });
});

describe('priorities and escalation', () => {
  test('life-threatening alarms outrank door exits, which outrank missed doses, which outrank technical alarms', () => {
    const core = coreWith([
      { id: 'p-1', type: 'pendant' },
      { id: 'door-1', type: 'door' },
      { id: 'disp-1', type: 'dispenser' },
    ]);
    const priorities = [
      ...alarmsOf(send(core, 'p-1', ev('alarm.manual', at(23)))),
      ...alarmsOf(send(core, 'door-1', ev('door.open', at(23), { direction: 'exit' }))),
      ...alarmsOf(send(core, 'disp-1', ev('dose.missed', at(23), { doseId: 'x' }))),
      ...alarmsOf(send(core, 'p-1', ev('battery.low', at(23), { level: 5 }))),
    ].map((a) => [a.kind, a.priority]);
    assert.deepEqual(priorities, [
      ['manual', 1],
      ['door_exit', 2],
      ['dose_missed', 3],
      ['battery_low', 4],
    ]);
  });

  test('an alarm not acknowledged within its time escalates to supervisors, exactly once', () => {
    const core = coreWith([]);
    core.alarmOpened('alarm-1', 1, at(12));
    assert.deepEqual(core.tick(at(12) + ESCALATE_MS[1] - 1), []);
    assert.deepEqual(core.tick(at(12) + ESCALATE_MS[1]), [
      { type: 'escalate', alarmId: 'alarm-1', at: at(12) + ESCALATE_MS[1] },
    ]);
    assert.deepEqual(core.tick(at(13)), []);
  });

  test('an alarm acknowledged in time never escalates', () => {
    const core = coreWith([]);
    core.alarmOpened('alarm-1', 2, at(12));
    core.alarmAcknowledged('alarm-1');
    assert.deepEqual(core.tick(at(13)), []);
  });

  test('escalation time follows priority', () => {
    const core = coreWith([]);
    core.alarmOpened('tech', 4, at(12));
    core.alarmOpened('fall', 1, at(12));
    assert.deepEqual(
      core.tick(at(12, 1)).map((d) => d.type === 'escalate' && d.alarmId),
      ['fall'],
    );
    assert.deepEqual(
      core.tick(at(12, 15)).map((d) => d.type === 'escalate' && d.alarmId),
      ['tech'],
    );
  });

  test('a repeated press raises the same kind again; the store counts it on the open alarm', () => {
    const core = coreWith([{ id: 'p-1', type: 'pendant' }]);
    const first = alarmsOf(send(core, 'p-1', ev('alarm.manual', at(12))));
    const second = alarmsOf(send(core, 'p-1', ev('alarm.manual', at(12, 0, 5))));
    assert.equal(first[0]?.kind, 'manual');
    assert.equal(second[0]?.kind, 'manual');
    assert.notEqual(first[0]?.sourceMessageId, second[0]?.sourceMessageId);
  });

  test('an unknown device yields no decisions', () => {
    assert.deepEqual(send(coreWith([]), 'ghost', ev('alarm.manual', at(12))), []);
  });
});
