// The night shift's pure console rules: the answer-target colour, repeated presses moving up,
// outage alarms shown once as their incident, and the chime that repeats until an alarm is taken.

import assert from 'node:assert/strict';
import type { AlarmSummary } from '@trygg/console-contract';
import { describe, test } from 'vitest';
import { applyMessage, applyMessages, emptyQueue } from '../src/live/queueState.ts';
import { incidentRows } from '../src/nightshift/grouping.ts';
import { answerClock, TEC_TARGETS } from '../src/nightshift/targets.ts';
import { visibleQueue } from '../src/queue/order.ts';
import { awaitingAnswer } from '../src/sound/reminder.ts';

const T0 = Date.UTC(2026, 11, 1, 23, 0);
const S = 1000;

function alarm(id: string, over: Partial<AlarmSummary> = {}): AlarmSummary {
  return {
    id,
    kind: 'manual',
    priority: 1,
    audience: 'operator',
    status: 'new',
    district: 'Centrum',
    deviceId: `pendant-${id}`,
    deviceType: 'pendant',
    resident: null,
    openedAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    repeatCount: 0,
    escalated: false,
    acknowledgedBy: null,
    acknowledgedAt: null,
    outcome: null,
    likelyForgottenPassage: false,
    ...over,
  };
}

describe('the countdown against the answer target (60 s 97.5 %, 180 s 99 %)', () => {
  const table: [string, number, Partial<AlarmSummary>, string, number | null][] = [
    ['just received: green, 60 s left', 0, {}, 'ok', null],
    ['39 s waiting: still green', 39 * S, {}, 'ok', null],
    ['40 s waiting: amber, 20 s left', 40 * S, {}, 'warn', null],
    ['61 s waiting: red, over the first target', 61 * S, {}, 'late', null],
    ['181 s waiting: past the last target', 181 * S, {}, 'breach', null],
    [
      'answered after 42 s: green and says so',
      300 * S,
      { status: 'acknowledged', acknowledgedAt: new Date(T0 + 42 * S).toISOString() },
      'ok',
      42,
    ],
    [
      'answered after 95 s: stays red',
      300 * S,
      { status: 'acknowledged', acknowledgedAt: new Date(T0 + 95 * S).toISOString() },
      'late',
      95,
    ],
  ];
  for (const [name, age, over, state, answeredIn] of table) {
    test(name, () => {
      const clock = answerClock(alarm('1', over), TEC_TARGETS, T0 + age);
      assert.equal(clock.state, state);
      assert.equal(clock.answeredInS, answeredIn);
    });
  }
  test("the municipality's own target is used", () => {
    assert.equal(answerClock(alarm('1'), [{ withinS: 30, share: 0.9 }], T0 + 31 * S).state, 'breach');
  });
});

describe('the queue on a night shift', () => {
  test('a resident who keeps pressing moves above older alarms of the same priority, not above a higher one', () => {
    const older = alarm('older', { openedAt: new Date(T0 - 60 * S).toISOString() });
    const pressing = alarm('pressing', { repeatCount: 2 });
    const door = alarm('door', { kind: 'door_exit', priority: 2, repeatCount: 5 });
    assert.deepEqual(
      visibleQueue([door, older, pressing], { district: null, kind: null }).map((a) => a.id),
      ['pressing', 'older', 'door'],
    );
  });

  test('2,000 outage alarms of one incident are one incident row, not 2,000 queue rows', () => {
    const lost = Array.from({ length: 2000 }, (_, i) =>
      alarm(`l${i}`, {
        kind: 'connection_lost',
        priority: 4,
        audience: 'technician',
        incidentId: '7',
        district: 'Norr',
      }),
    );
    const press = alarm('p');
    assert.deepEqual(
      visibleQueue([...lost, press], { district: null, kind: null }).map((a) => a.id),
      ['p'],
    );
    assert.deepEqual(incidentRows([...lost, press]), [
      { incidentId: '7', units: 2000, districts: ['Norr'], since: new Date(T0).toISOString() },
    ]);
  });

  test('the chime repeats while an operator alarm waits, and stops once it is taken', () => {
    const waiting = alarm('1');
    assert.equal(awaitingAnswer([waiting]), 1);
    assert.equal(awaitingAnswer([{ ...waiting, status: 'acknowledged' }]), 0);
    assert.equal(awaitingAnswer([alarm('2', { audience: 'technician', kind: 'battery_low' })]), 0);
    assert.equal(awaitingAnswer([alarm('3', { incidentId: '7' })]), 0, 'grouped outage alarms do not ring');
  });
});

test('a burst of stream messages applied at once gives the state and announcements of applying them one by one', () => {
  const at = (s: number) => new Date(T0 + s * S).toISOString();
  const hello = applyMessage(emptyQueue, { type: 'hello', alarms: [alarm('a')], degraded: false }, T0).state;
  const burst = [
    { type: 'alarm' as const, alarm: alarm('b', { updatedAt: at(1) }) },
    { type: 'alarm' as const, alarm: alarm('a', { repeatCount: 1, updatedAt: at(2) }) },
    { type: 'alarm' as const, alarm: alarm('b', { status: 'closed', updatedAt: at(3) }) },
    { type: 'alarm' as const, alarm: alarm('a', { repeatCount: 0, updatedAt: at(1) }) }, // stale: ignored
    { type: 'health' as const, degraded: true, reason: 'database_stalled' },
    { type: 'alarm' as const, alarm: alarm('c', { updatedAt: at(4) }) },
  ];
  let oneByOne = hello;
  const announced: string[] = [];
  for (const m of burst) {
    const r = applyMessage(oneByOne, m, T0);
    oneByOne = r.state;
    announced.push(...r.announce);
  }
  const batch = applyMessages(hello, burst, T0);
  assert.deepEqual([...batch.state.alarms.entries()], [...oneByOne.alarms.entries()]);
  assert.deepEqual([...batch.state.alertedAt.entries()], [...oneByOne.alertedAt.entries()]);
  assert.equal(batch.state.degraded, true);
  assert.deepEqual(batch.announce, [...new Set(announced)]);
  assert.equal(hello.alarms.get('a')?.repeatCount, 0, 'the state before the burst is not changed');
});
