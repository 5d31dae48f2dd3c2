// The live queue's behaviour as the operator sees it: order, catch-up after reconnect, which
// changes announce themselves, and the shortcut to the next unacknowledged alarm.

import assert from 'node:assert/strict';
import type { AlarmSummary } from '@trygg/console-contract';
import { test } from 'vitest';
import { applyMessage, emptyQueue, type QueueState } from '../src/live/queueState.ts';
import { nextUnacknowledged, visibleQueue } from '../src/queue/order.ts';
import { alarm, at, T0 } from './fixtures.ts';

function hello(state: QueueState, alarms: AlarmSummary[], degraded = false) {
  return applyMessage(state, { type: 'hello', alarms, degraded }, T0);
}

test('a fall (priority 1) sorts above an older battery alarm (priority 4); equal priority sorts oldest first', () => {
  const list = visibleQueue(
    [
      alarm('1', { kind: 'battery_low', priority: 4, openedAt: at(-60) }),
      alarm('2', { kind: 'fall', priority: 1, openedAt: at(-1) }),
      alarm('3', { kind: 'manual', priority: 1, openedAt: at(-5) }),
      alarm('4', { kind: 'door_exit', priority: 2, openedAt: at(-30) }),
    ],
    { district: null, kind: null },
  );
  assert.deepEqual(
    list.map((a) => a.id),
    ['3', '2', '4', '1'],
  );
});

test('district and kind filters narrow the queue', () => {
  const all = [alarm('1'), alarm('2', { district: 'Majorna' }), alarm('3', { district: 'Majorna', kind: 'fall' })];
  assert.deepEqual(
    visibleQueue(all, { district: 'Majorna', kind: null }).map((a) => a.id),
    ['2', '3'],
  );
  assert.deepEqual(
    visibleQueue(all, { district: 'Majorna', kind: 'fall' }).map((a) => a.id),
    ['3'],
  );
});

test('g finds the most urgent alarm nobody has acknowledged', () => {
  const list = visibleQueue(
    [
      alarm('1', { status: 'acknowledged' }),
      alarm('2', { priority: 2 }),
      alarm('3', { priority: 1, status: 'dispatched' }),
    ],
    { district: null, kind: null },
  );
  assert.equal(nextUnacknowledged(list)?.id, '2');
  assert.equal(nextUnacknowledged([alarm('9', { status: 'acknowledged' })]), undefined);
});

test('the first snapshot after login fills the queue without chiming for alarms already there', () => {
  const { state, announce } = hello(emptyQueue, [alarm('1'), alarm('2')]);
  assert.equal(state.alarms.size, 2);
  assert.equal(state.synced, true);
  assert.deepEqual(announce, []);
});

test('a new alarm on the stream announces itself; an acknowledgement by a colleague does not', () => {
  const s1 = hello(emptyQueue, [alarm('1')]).state;
  const s2 = applyMessage(s1, { type: 'alarm', alarm: alarm('2', { updatedAt: at(1) }) }, T0 + 60_000);
  assert.deepEqual(s2.announce, ['2']);
  assert.equal(s2.state.alertedAt.get('2'), T0 + 60_000);
  const s3 = applyMessage(
    s2.state,
    { type: 'alarm', alarm: alarm('1', { status: 'acknowledged', updatedAt: at(2) }) },
    T0,
  );
  assert.deepEqual(s3.announce, []);
  assert.equal(s3.state.alarms.get('1')?.status, 'acknowledged');
});

test('a repeated press and an escalation re-announce an alarm', () => {
  const s1 = hello(emptyQueue, [alarm('1', { status: 'acknowledged' })]).state;
  const repeated = applyMessage(
    s1,
    { type: 'alarm', alarm: alarm('1', { status: 'acknowledged', repeatCount: 1, updatedAt: at(1) }) },
    T0,
  );
  assert.deepEqual(repeated.announce, ['1']);
  const escalated = applyMessage(
    repeated.state,
    { type: 'alarm', alarm: alarm('1', { status: 'acknowledged', repeatCount: 1, escalated: true, updatedAt: at(2) }) },
    T0,
  );
  assert.deepEqual(escalated.announce, ['1']);
});

test('a closed alarm leaves the queue', () => {
  const s1 = hello(emptyQueue, [alarm('1'), alarm('2')]).state;
  const s2 = applyMessage(
    s1,
    { type: 'alarm', alarm: alarm('1', { status: 'closed', outcome: 'helped', updatedAt: at(3) }) },
    T0,
  );
  assert.deepEqual([...s2.state.alarms.keys()], ['2']);
});

test('an older version of an alarm arriving late does not overwrite a newer one', () => {
  const s1 = hello(emptyQueue, [alarm('1', { status: 'acknowledged', updatedAt: at(5) })]).state;
  const s2 = applyMessage(s1, { type: 'alarm', alarm: alarm('1', { status: 'new', updatedAt: at(1) }) }, T0);
  assert.equal(s2.state.alarms.get('1')?.status, 'acknowledged');
});

test('after a reconnect the snapshot replaces the queue: alarms closed meanwhile vanish, alarms raised meanwhile announce', () => {
  const before = hello(emptyQueue, [alarm('1'), alarm('2')]).state;
  const { state, announce } = hello(before, [alarm('2'), alarm('3', { openedAt: at(4), updatedAt: at(4) })]);
  assert.deepEqual([...state.alarms.keys()].sort(), ['2', '3']);
  assert.deepEqual(announce, ['3']);
});

test('the server reporting degraded service is kept until it reports healthy again', () => {
  const s1 = hello(emptyQueue, [], false).state;
  const s2 = applyMessage(s1, { type: 'health', degraded: true, reason: 'database unavailable' }, T0).state;
  assert.equal(s2.degraded, true);
  assert.equal(s2.degradedReason, 'database unavailable');
  const s3 = applyMessage(s2, { type: 'health', degraded: false, reason: null }, T0).state;
  assert.equal(s3.degraded, false);
  assert.equal(hello(emptyQueue, [], true).state.degraded, true);
});
