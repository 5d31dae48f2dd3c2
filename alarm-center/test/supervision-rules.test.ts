import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { localToUtc } from '../src/core/local-time.ts';
import { nightOf, nightsInMonth, visitDueAt } from '../src/supervision/night.ts';
import {
  type Consent,
  canUseMode,
  DEFAULT_TIMING,
  dueTransitions,
  type FrameRequest,
  frameAccess,
  plannedSaving,
  realisedSaving,
  statusAt,
  type TimedVisit,
  visitsToSwitchBack,
} from '../src/supervision/rules.ts';

const TZ = 'Europe/Stockholm';
const MIN = 60_000;
/** 2024-03-05 local Stockholm (UTC+1 in winter). */
const at = (day: number, h: number, m = 0) => Date.UTC(2024, 2, day, h - 1, m);
const alone = { hasCohabitant: false, residentCanConsent: true };
const withPartner = { hasCohabitant: true, residentCanConsent: true };
const consent = (over: Partial<Consent> = {}): Consent => ({
  party: 'resident',
  scope: 'camera',
  recordedAt: at(1, 10),
  withdrawnAt: null,
  ...over,
});

describe('night time', () => {
  test('a 02:00 visit belongs to the night that started the evening before', () => {
    assert.equal(nightOf(at(6, 2), TZ), '2024-03-05');
    assert.equal(nightOf(at(5, 23), TZ), '2024-03-05');
    assert.equal(nightOf(at(6, 12), TZ), '2024-03-06');
  });

  test('visit times fall on the evening date before midnight and the next date after', () => {
    assert.equal(visitDueAt('2024-03-05', '23:00', TZ), at(5, 23));
    assert.equal(visitDueAt('2024-03-05', '02:00', TZ), at(6, 2));
    assert.equal(visitDueAt('2024-03-30', '01:00', TZ), Date.UTC(2024, 2, 31, 0, 0), 'across a month end');
  });

  test('summer time is honoured: 02:00 in July is 00:00 UTC', () => {
    assert.equal(localToUtc('2024-07-10', '02:00', TZ), Date.UTC(2024, 6, 10, 0, 0));
  });

  test('the night of the spring DST change: 02:30 does not exist and falls an hour later', () => {
    // 31 March 2024: clocks go from 02:00 to 03:00 local.
    assert.equal(localToUtc('2024-03-31', '01:30', TZ), Date.UTC(2024, 2, 31, 0, 30));
    assert.equal(localToUtc('2024-03-31', '03:30', TZ), Date.UTC(2024, 2, 31, 1, 30));
    assert.equal(localToUtc('2024-03-31', '02:30', TZ), Date.UTC(2024, 2, 31, 1, 30));
  });

  test('nights per month', () => {
    assert.equal(nightsInMonth('2024-02'), 29);
    assert.equal(nightsInMonth('2023-02'), 28);
    assert.equal(nightsInMonth('2024-03'), 31);
  });
});

describe('switching a visit to camera or sensor', () => {
  test('camera needs the resident’s valid camera consent', () => {
    assert.deepEqual(canUseMode('camera', [], alone, at(5, 12)), { ok: false, reason: 'NO_RESIDENT_CONSENT' });
    assert.deepEqual(canUseMode('camera', [consent()], alone, at(5, 12)), { ok: true });
    assert.deepEqual(canUseMode('camera', [consent({ scope: 'sensor' })], alone, at(5, 12)), {
      ok: false,
      reason: 'NO_RESIDENT_CONSENT',
    });
  });

  test('a co-habitant must consent to the camera too', () => {
    assert.deepEqual(canUseMode('camera', [consent()], withPartner, at(5, 12)), {
      ok: false,
      reason: 'NO_COHABITANT_CONSENT',
    });
    assert.deepEqual(canUseMode('camera', [consent(), consent({ party: 'cohabitant' })], withPartner, at(5, 12)), {
      ok: true,
    });
  });

  test('a withdrawn consent no longer counts from the moment of withdrawal', () => {
    const c = consent({ withdrawnAt: at(5, 20) });
    assert.equal(canUseMode('camera', [c], alone, at(5, 19, 59)).ok, true);
    assert.equal(canUseMode('camera', [c], alone, at(5, 20)).ok, false);
  });

  test('a consent recorded in the future does not count yet', () => {
    assert.equal(canUseMode('camera', [consent({ recordedAt: at(6, 10) })], alone, at(5, 12)).ok, false);
  });

  test('anonymized sensors need no identifiable-camera consent; a resident who cannot consent gets sensors, never camera', () => {
    const cannot = { hasCohabitant: false, residentCanConsent: false };
    assert.deepEqual(canUseMode('sensor', [], cannot, at(5, 12)), { ok: true });
    assert.deepEqual(canUseMode('camera', [consent()], cannot, at(5, 12)), {
      ok: false,
      reason: 'RESIDENT_CANNOT_CONSENT',
    });
    assert.deepEqual(canUseMode('sensor', [consent({ scope: 'sensor' })], withPartner, at(5, 12)), { ok: true });
    assert.deepEqual(canUseMode('sensor', [], alone, at(5, 12)), { ok: false, reason: 'NO_RESIDENT_CONSENT' });
  });

  test('physical visits are always allowed', () => {
    assert.deepEqual(canUseMode('physical', [], { hasCohabitant: true, residentCanConsent: false }, 0), { ok: true });
  });

  test('withdrawing camera consent switches camera visits back, not sensor or physical ones', () => {
    const consents = [consent({ withdrawnAt: at(5, 20) }), consent({ scope: 'sensor' })];
    const visits = [
      { id: 1, mode: 'camera' as const },
      { id: 2, mode: 'sensor' as const },
      { id: 3, mode: 'physical' as const },
      { id: 4, mode: 'camera' as const },
    ];
    assert.deepEqual(visitsToSwitchBack(visits, consents, alone, at(5, 20)), [1, 4]);
    assert.deepEqual(visitsToSwitchBack(visits, consents, alone, at(5, 19)), []);
  });
});

describe('due and missed visits on simulated time', () => {
  const visit = (over: Partial<TimedVisit<number>> = {}): TimedVisit<number> => ({
    id: 1,
    mode: 'camera',
    status: 'pending',
    dueAt: at(6, 2),
    ...over,
  });

  test('a digital visit is pending before its time, due at its time and missed after the grace period', () => {
    assert.equal(statusAt(visit(), at(6, 1, 59), DEFAULT_TIMING), 'pending');
    assert.equal(statusAt(visit(), at(6, 2), DEFAULT_TIMING), 'due');
    assert.equal(statusAt(visit(), at(6, 2, 14), DEFAULT_TIMING), 'due');
    assert.equal(statusAt(visit(), at(6, 2, 15), DEFAULT_TIMING), 'missed');
    assert.equal(statusAt(visit(), at(6, 2, 9), { graceMs: 10 * MIN }), 'due');
    assert.equal(statusAt(visit(), at(6, 2, 10), { graceMs: 10 * MIN }), 'missed');
  });

  test('a physical visit becomes due but is never marked missed by the clock', () => {
    assert.equal(statusAt(visit({ mode: 'physical' }), at(6, 5), DEFAULT_TIMING), 'due');
  });

  test('closed visits do not change', () => {
    assert.equal(statusAt(visit({ status: 'done_all_well' }), at(6, 5), DEFAULT_TIMING), 'done_all_well');
  });

  test('the scheduler gets only the changes: a pending visit skipped straight to missed after a long pause', () => {
    const visits = [
      visit({ id: 1, dueAt: at(5, 23) }),
      visit({ id: 2, dueAt: at(6, 2), status: 'due' }),
      visit({ id: 3, dueAt: at(6, 5) }),
      visit({ id: 4, dueAt: at(6, 1, 50), status: 'due' }),
    ];
    assert.deepEqual(dueTransitions(visits, at(6, 2), DEFAULT_TIMING), [{ id: 1, from: 'pending', to: 'missed' }]);
    assert.deepEqual(dueTransitions(visits, at(6, 2, 5), DEFAULT_TIMING), [
      { id: 1, from: 'pending', to: 'missed' },
      { id: 4, from: 'due', to: 'missed' },
    ]);
  });
});

describe('who may see a camera frame', () => {
  const base: FrameRequest = {
    role: 'nightteam',
    residentId: 'r-1',
    now: at(6, 2, 1),
    visit: { residentId: 'r-1', mode: 'camera', status: 'due', dueAt: at(6, 2) },
    alarm: null,
    consents: [consent()],
    plan: alone,
  };

  test('the night team during a due camera visit with consent', () => {
    assert.deepEqual(frameAccess(base, DEFAULT_TIMING), { allowed: true, basis: 'visit' });
  });

  test('refused before the visit’s time and after its window', () => {
    assert.deepEqual(frameAccess({ ...base, now: at(6, 1, 59) }, DEFAULT_TIMING), {
      allowed: false,
      reason: 'VISIT_NOT_DUE',
    });
    assert.deepEqual(frameAccess({ ...base, now: at(6, 2, 15) }, DEFAULT_TIMING), {
      allowed: false,
      reason: 'VISIT_NOT_DUE',
    });
  });

  test('refused without a visit or alarm, for another resident’s visit, a physical or closed visit', () => {
    const refusal = (req: Partial<FrameRequest>) => {
      const d = frameAccess({ ...base, ...req }, DEFAULT_TIMING);
      return d.allowed ? 'allowed' : d.reason;
    };
    assert.equal(refusal({ visit: null }), 'NO_VISIT_OR_ALARM');
    assert.equal(refusal({ residentId: 'r-2' }), 'VISIT_OTHER_RESIDENT');
    assert.equal(refusal({ visit: { ...base.visit!, mode: 'physical' } }), 'VISIT_NOT_CAMERA');
    assert.equal(refusal({ visit: { ...base.visit!, status: 'done_all_well' } }), 'VISIT_CLOSED');
    assert.equal(refusal({ consents: [consent({ withdrawnAt: at(6, 1) })] }), 'NO_CAMERA_CONSENT');
    assert.equal(refusal({ role: 'technician' }), 'ROLE_NOT_AUTHORISED');
    assert.equal(refusal({ role: 'caseworker' }), 'ROLE_NOT_AUTHORISED');
  });

  test('an open alarm for the resident allows a look at any time; a closed one does not', () => {
    const night = { ...base, visit: null, now: at(6, 14) };
    assert.deepEqual(frameAccess({ ...night, alarm: { residentId: 'r-1', open: true } }, DEFAULT_TIMING), {
      allowed: true,
      basis: 'alarm',
    });
    assert.deepEqual(frameAccess({ ...night, alarm: { residentId: 'r-1', open: false } }, DEFAULT_TIMING), {
      allowed: false,
      reason: 'ALARM_NOT_OPEN',
    });
    assert.deepEqual(frameAccess({ ...night, alarm: { residentId: 'r-9', open: true } }, DEFAULT_TIMING), {
      allowed: false,
      reason: 'ALARM_OTHER_RESIDENT',
    });
  });
});

describe('savings', () => {
  test('a plan with two digital visits of three saves 116 minutes and 1030 kr a night', () => {
    const s = plannedSaving(['physical', 'camera', 'sensor'], 30);
    assert.deepEqual(s.perNight, { replacedVisits: 2, minutesSaved: 116, krSaved: 1030 });
    assert.deepEqual(s.perMonth, { replacedVisits: 60, minutesSaved: 3480, krSaved: 30_900 });
  });

  test('only digital visits closed as all well count; escalated, missed and physical ones do not', () => {
    const s = realisedSaving([
      { night: '2024-03-05', mode: 'camera', status: 'done_all_well' },
      { night: '2024-03-05', mode: 'sensor', status: 'done_all_well' },
      { night: '2024-03-05', mode: 'camera', status: 'escalated_physical' },
      { night: '2024-03-06', mode: 'camera', status: 'missed' },
      { night: '2024-03-06', mode: 'physical', status: 'done_all_well' },
      { night: '2024-03-07', mode: 'camera', status: 'done_all_well' },
    ]);
    assert.deepEqual(s.perNight, [
      { night: '2024-03-05', saving: { replacedVisits: 2, minutesSaved: 116, krSaved: 1030 } },
      { night: '2024-03-06', saving: { replacedVisits: 0, minutesSaved: 0, krSaved: 0 } },
      { night: '2024-03-07', saving: { replacedVisits: 1, minutesSaved: 58, krSaved: 515 } },
    ]);
    assert.deepEqual(s.total, { replacedVisits: 3, minutesSaved: 174, krSaved: 1545 });
  });
});
