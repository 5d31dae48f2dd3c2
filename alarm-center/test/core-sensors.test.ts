import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { alarmsOf, at, coreWith, entriesOf, ev, kindsOf, send } from './core-fixtures.ts';

/** Heartbeats are not what these tests are about: a day's interval keeps supervision quiet. */
const DAY = 86_400;

const layout = {
  zones: [
    { kind: 'bed', rect: { x: 0.6, y: 0.1, w: 0.35, h: 0.4 } },
    { kind: 'floor', rect: { x: 0, y: 0.5, w: 1, h: 0.5 } },
  ],
};
const onFloor = { box: { x: 0.2, y: 0.7, w: 0.3, h: 0.15 }, posture: 'lying' };
const inBed = { box: { x: 0.65, y: 0.15, w: 0.25, h: 0.2 }, posture: 'lying' };
const standing = { box: { x: 0.3, y: 0.5, w: 0.1, h: 0.4 }, posture: 'standing' };

describe('bed sensor', () => {
  const bed = () =>
    coreWith([
      {
        id: 'bed-1',
        type: 'bed',
        intervalS: DAY,
        rules: { night: { start: '22:00', end: '07:00' }, bedOutLimitS: 1200 },
      },
    ]);

  test('out of bed at night longer than the 20-minute limit raises a bed alarm', () => {
    const core = bed();
    send(core, 'bed-1', ev('bed.out', at(2)));
    assert.deepEqual(kindsOf(core.tick(at(2, 19, 59, 999))), []);
    const decisions = core.tick(at(2, 20));
    assert.deepEqual(kindsOf(decisions), ['bed_out']);
    assert.equal(alarmsOf(decisions)[0]?.details.outOfBedSince, at(2));
    assert.deepEqual(kindsOf(core.tick(at(4))), [], 'alarms once, not every tick');
  });

  test('returning to bed before the limit raises nothing', () => {
    const core = bed();
    send(core, 'bed-1', ev('bed.out', at(2)));
    assert.deepEqual(entriesOf(send(core, 'bed-1', ev('bed.in', at(2, 19)))), ['returned_to_bed']);
    assert.deepEqual(kindsOf(core.tick(at(3))), []);
  });

  test('a second night-time absence gets its own full limit', () => {
    const core = bed();
    send(core, 'bed-1', ev('bed.out', at(2)));
    send(core, 'bed-1', ev('bed.in', at(2, 10)));
    send(core, 'bed-1', ev('bed.out', at(2, 15)));
    assert.deepEqual(kindsOf(core.tick(at(2, 34))), [], "the first absence's deadline is void");
    assert.deepEqual(kindsOf(core.tick(at(2, 35))), ['bed_out']);
  });

  test('getting up in the daytime raises nothing', () => {
    const core = bed();
    send(core, 'bed-1', ev('bed.out', at(10)));
    assert.deepEqual(kindsOf(core.tick(at(14))), []);
  });
});

describe('fall sensor', () => {
  const fall = () => coreWith([{ id: 'fall-1', type: 'fall', rules: { cancelWindowS: 30 } }]);

  test('a detected fall is an immediate priority-1 alarm for the operators', () => {
    const [alarm] = alarmsOf(send(fall(), 'fall-1', ev('fall.detected', at(3))));
    assert.deepEqual([alarm?.kind, alarm?.priority, alarm?.audience], ['fall', 1, 'operator']);
  });

  test('cancelled by the resident within the cancel window closes it as cancelled by the resident', () => {
    const core = fall();
    send(core, 'fall-1', ev('fall.detected', at(3)));
    const decisions = send(core, 'fall-1', ev('fall.cancelled', at(3, 0, 30)));
    assert.deepEqual(decisions, [
      { type: 'resolve', deviceId: 'fall-1', kind: 'fall', outcome: 'cancelled_by_resident', at: at(3, 0, 30) },
    ]);
  });

  test('a cancel after the window leaves the alarm open for the operator', () => {
    const core = fall();
    send(core, 'fall-1', ev('fall.detected', at(3)));
    const decisions = send(core, 'fall-1', ev('fall.cancelled', at(3, 0, 31)));
    assert.deepEqual(
      decisions.map((d) => d.type),
      ['log'],
    );
    assert.deepEqual(entriesOf(decisions), ['cancel_too_late']);
  });
});

describe('event-based camera', () => {
  const camera = () => {
    const core = coreWith([{ id: 'cam-1', type: 'camera', intervalS: DAY, rules: { floorLyingLimitS: 60 } }]);
    send(core, 'cam-1', ev('camera.layout', at(1), { layout }));
    return core;
  };

  test('a person lying in the floor zone longer than the limit raises an alarm with the latest anonymized frame', () => {
    const core = camera();
    send(core, 'cam-1', ev('camera.observation', at(1, 0, 10), { person: onFloor }));
    assert.deepEqual(kindsOf(core.tick(at(1, 1, 9))), []);
    const [alarm] = alarmsOf(core.tick(at(1, 1, 10)));
    assert.equal(alarm?.kind, 'person_on_floor');
    assert.equal(alarm?.priority, 1);
    assert.deepEqual(alarm?.details.frame, { layout, person: onFloor });
  });

  test('getting up before the limit raises nothing', () => {
    const core = camera();
    send(core, 'cam-1', ev('camera.observation', at(1, 0, 10), { person: onFloor }));
    send(core, 'cam-1', ev('camera.observation', at(1, 0, 40), { person: standing }));
    assert.deepEqual(kindsOf(core.tick(at(1, 5))), []);
  });

  test('lying in bed is not lying on the floor', () => {
    const core = camera();
    send(core, 'cam-1', ev('camera.observation', at(1, 0, 10), { person: inBed }));
    assert.deepEqual(kindsOf(core.tick(at(2))), []);
  });
});

describe('medication dispenser', () => {
  const dispenser = () => coreWith([{ id: 'disp-1', type: 'dispenser', intervalS: DAY, rules: { doseGraceS: 900 } }]);

  test('a dose not taken by the end of its grace period raises a missed-dose alarm', () => {
    const core = dispenser();
    send(core, 'disp-1', ev('dose.dispensed', at(8), { doseId: 'morning', dueAt: at(8) }));
    assert.deepEqual(kindsOf(core.tick(at(8, 14, 59))), []);
    const [alarm] = alarmsOf(core.tick(at(8, 15)));
    assert.deepEqual([alarm?.kind, alarm?.priority, alarm?.details.doseId], ['dose_missed', 3, 'morning']);
  });

  test('a dose taken within the grace period raises nothing', () => {
    const core = dispenser();
    send(core, 'disp-1', ev('dose.dispensed', at(8), { doseId: 'morning', dueAt: at(8) }));
    send(core, 'disp-1', ev('dose.taken', at(8, 10), { doseId: 'morning' }));
    assert.deepEqual(kindsOf(core.tick(at(9))), []);
  });

  test('a device fault is a technical alarm for the technicians', () => {
    const [alarm] = alarmsOf(send(dispenser(), 'disp-1', ev('device.fault', at(8), { fault: 'jammed' })));
    assert.deepEqual(
      [alarm?.kind, alarm?.priority, alarm?.audience, alarm?.details.fault],
      ['device_fault', 4, 'technician', 'jammed'],
    );
  });

  test('the dispenser reporting a missed dose alarms at once', () => {
    assert.deepEqual(kindsOf(send(dispenser(), 'disp-1', ev('dose.missed', at(8, 20), { doseId: 'morning' }))), [
      'dose_missed',
    ]);
  });
});

describe('mobile safety alarm', () => {
  const fence = { lat: 57.7089, lon: 11.9746, radiusM: 500 };
  const mobile = () => coreWith([{ id: 'mob-1', type: 'mobile_pendant', rules: { geofence: fence } }]);
  const pos = (lat: number, lon: number, accuracyM = 10) => ({ lat, lon, accuracyM });

  test('a manual alarm carries its position', () => {
    const [alarm] = alarmsOf(send(mobile(), 'mob-1', ev('alarm.manual', at(14), { position: pos(57.71, 11.97) })));
    assert.deepEqual([alarm?.kind, alarm?.priority, alarm?.details.position], ['manual', 1, pos(57.71, 11.97)]);
  });

  test('leaving the geofence alarms once; coming back and leaving again alarms again', () => {
    const core = mobile();
    assert.deepEqual(kindsOf(send(core, 'mob-1', ev('position', at(14), { position: pos(57.7089, 11.9746) }))), []);
    assert.deepEqual(kindsOf(send(core, 'mob-1', ev('position', at(14, 5), { position: pos(57.72, 11.9746) }))), [
      'geofence_exit',
    ]);
    assert.deepEqual(kindsOf(send(core, 'mob-1', ev('position', at(14, 6), { position: pos(57.73, 11.9746) }))), []);
    assert.deepEqual(entriesOf(send(core, 'mob-1', ev('position', at(14, 30), { position: pos(57.709, 11.9746) }))), [
      'geofence_returned',
    ]);
    assert.deepEqual(kindsOf(send(core, 'mob-1', ev('position', at(14, 40), { position: pos(57.72, 11.9746) }))), [
      'geofence_exit',
    ]);
  });

  test('an imprecise fix that could still be inside does not alarm', () => {
    // ~1.2 km from the centre, but accuracy 1 km: could be within 500 m.
    assert.deepEqual(
      kindsOf(send(mobile(), 'mob-1', ev('position', at(14), { position: pos(57.72, 11.9746, 1000) }))),
      [],
    );
  });
});
