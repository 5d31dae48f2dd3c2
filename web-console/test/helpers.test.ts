// Small pure pieces the console depends on: reconnect backoff, ages, the map projection and
// scale bar, hash routes and role-based navigation.

import assert from 'node:assert/strict';
import { test } from 'vitest';
import { mapSpanMetres, niceScaleMetres, toLocalMetres } from '../src/alarm/projection.ts';
import { elapsed } from '../src/app/duration.ts';
import { pagesFor } from '../src/app/roles.ts';
import { hrefOf, parseRoute } from '../src/app/route.ts';
import { polyline } from '../src/devices/chart.ts';
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

test('the local projection puts a point 0.01° north about 1.1 km up and shrinks longitude with latitude', () => {
  const centre = { lat: 57.7, lon: 11.97 };
  const north = toLocalMetres(centre, { lat: 57.71, lon: 11.97 });
  assert.ok(Math.abs(north.y - 1105.7) < 1 && Math.abs(north.x) < 1e-9);
  const east = toLocalMetres(centre, { lat: 57.7, lon: 11.98 });
  assert.ok(Math.abs(east.x - 595) < 5, `east ${east.x}`);
});

test('the scale bar uses round 1-2-5 lengths that fit the map', () => {
  assert.equal(niceScaleMetres(73), 50);
  assert.equal(niceScaleMetres(200), 200);
  assert.equal(niceScaleMetres(1800), 1000);
  assert.equal(niceScaleMetres(0), 1);
  assert.equal(mapSpanMetres(10), 200);
  assert.equal(mapSpanMetres(500), 2000);
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
  assert.deepEqual(pagesFor('operator'), ['queue']);
  assert.ok(pagesFor('technician').includes('devices'));
  assert.ok(!pagesFor('technician').includes('overview'));
  assert.ok(pagesFor('supervisor').includes('overview'));
});

test('the telemetry sparkline maps time left to right and values bottom to top, clamped', () => {
  const line = polyline(
    [
      { at: 0, value: 0 },
      { at: 50, value: 100 },
      { at: 100, value: 150 },
    ],
    0,
    100,
    0,
    100,
    200,
    100,
  );
  assert.equal(line, '0.0,100.0 100.0,0.0 200.0,0.0');
});
