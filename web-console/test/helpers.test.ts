// Small pure pieces the console depends on: reconnect backoff, ages, hash routes and role-based
// navigation.

import assert from 'node:assert/strict';
import { test } from 'vitest';
import { elapsed } from '../src/app/duration.ts';
import { pagesFor } from '../src/app/roles.ts';
import { hrefOf, parseRoute } from '../src/app/route.ts';
import { BACKOFF_MAX_MS, reconnectDelayMs } from '../src/live/backoff.ts';

test('reconnect retries start within a second and never wait longer than the ceiling (+20% jitter)', () => {
  assert.ok(reconnectDelayMs(0, 0.5) <= 1000);
  for (let attempt = 0; attempt < 40; attempt++) {
    for (const r of [0, 0.5, 0.999]) assert.ok(reconnectDelayMs(attempt, r) <= BACKOFF_MAX_MS * 1.2);
  }
  assert.ok(reconnectDelayMs(3, 0.5) > reconnectDelayMs(1, 0.5));
});

test('alarm ages read as m:ss, then h:mm:ss, then days', () => {
  assert.equal(elapsed(42_000), '0:42');
  assert.equal(elapsed(12 * 60_000 + 5_000), '12:05');
  assert.equal(elapsed(3 * 3_600_000 + 7 * 60_000 + 15_000), '3:07:15');
  assert.equal(elapsed(2 * 86_400_000 + 4 * 3_600_000), '2 d 4:00:00');
  assert.equal(elapsed(-5_000), '0:00');
});

test('hash routes round-trip, and unknown hashes land on the queue', () => {
  for (const r of [
    { page: 'queue' },
    { page: 'alarm', id: '42' },
    { page: 'devices' },
    { page: 'device', id: 'door-0001' },
    { page: 'register' },
    { page: 'overview' },
  ] as const) {
    assert.deepEqual(parseRoute(hrefOf(r)), r);
  }
  assert.deepEqual(parseRoute('#/nonsense'), { page: 'queue' });
  assert.deepEqual(parseRoute(''), { page: 'queue' });
});

test('an operator is not offered technician or supervisor pages', () => {
  assert.deepEqual(pagesFor('operator'), ['queue', 'closedAlarms', 'handover']);
  assert.ok(pagesFor('technician').includes('devices'));
  assert.ok(!pagesFor('technician').includes('overview'));
  assert.ok(pagesFor('supervisor').includes('overview'));
});
