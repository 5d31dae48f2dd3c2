// The database probe behind /health and the consoles' degraded banner. A /health request made as
// the database freezes must not be answered from a probe that began before it (and answered just
// before the freeze): that said 200 for a frozen database (seen in CI, database-stall.test.ts on
// the embedded default). The probes' answers are the pool's, driven here by hand, in both orders.

import assert from 'node:assert/strict';
import type pg from 'pg';
import { describe, it } from 'vitest';
import { DatabaseHealth, type DatabaseState } from '../src/db/health.ts';

/** A pool whose queries answer when the test says: each query's settle functions, in order. */
function handPool() {
  const queries: { ok(): void; fail(): void }[] = [];
  const pool = {
    query: () =>
      new Promise((resolve, reject) => {
        queries.push({ ok: () => resolve({ rows: [] }), fail: () => reject(new Error('connection refused')) });
      }),
  } as unknown as pg.Pool;
  return { pool, queries };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('the database probe', () => {
  it('a request after the freeze is not answered by a probe begun before it', async () => {
    const { pool, queries } = handPool();
    const changes: DatabaseState[] = [];
    const health = new DatabaseHealth({ pool, probeTimeoutMs: 50, onChange: (s) => changes.push(s) });
    const earlier = health.check(); // the interval's probe, in flight
    await tick();
    const requestedAt = performance.now();
    // the database freezes now: the earlier probe's answer was already on its way
    queries[0]!.ok();
    const answer = await health.check(requestedAt);
    await earlier;
    assert.equal(answer, 'stalled', 'the request got a probe of its own, which the frozen database never answered');
    assert.equal(queries.length, 2);
    assert.deepEqual(changes, ['stalled']);
  });

  it('callers during a probe begun after their request share it', async () => {
    const { pool, queries } = handPool();
    const health = new DatabaseHealth({ pool, probeTimeoutMs: 1_000, onChange: () => {} });
    const requestedAt = performance.now();
    const first = health.check(requestedAt);
    const second = health.check(requestedAt);
    assert.equal(queries.length, 1, 'one probe for both');
    queries[0]!.ok();
    assert.deepEqual(await Promise.all([first, second]), ['ok', 'ok']);
  });

  it("an earlier probe answering late never overwrites a later probe's verdict", async () => {
    const { pool, queries } = handPool();
    const changes: DatabaseState[] = [];
    const health = new DatabaseHealth({ pool, probeTimeoutMs: 1_000, onChange: (s) => changes.push(s) });
    const earlier = health.check();
    await tick();
    const later = health.check(performance.now());
    queries[1]!.fail(); // the later probe: the database is down
    assert.equal(await later, 'unavailable');
    queries[0]!.ok(); // the earlier one's answer, from before it went down, arrives last
    assert.equal(await earlier, 'unavailable');
    assert.equal(health.state, 'unavailable');
    assert.deepEqual(changes, ['unavailable']);
  });
});
