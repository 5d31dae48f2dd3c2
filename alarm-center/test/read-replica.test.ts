// How far behind the streaming replica is, from the primary's WAL positions sampled over time
// (pure), and the configuration a replica needs.

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { configSchema } from '../src/config.ts';
import { lsnValue, replicaLagMs } from '../src/db/read-replica.ts';

describe('replica lag', () => {
  it('reads a pg_lsn as one number, the high half above the low half', () => {
    assert.equal(lsnValue('0/0'), 0n);
    assert.equal(lsnValue('0/16B3748'), 0x16b3748n);
    assert.ok(lsnValue('1/0') > lsnValue('0/FFFFFFFF'));
  });

  it('a replica that has replayed the newest position is not behind, however old that position is', () => {
    const samples = [{ at: 1000, lsn: 500n }];
    assert.equal(replicaLagMs(samples, 500n, 60_000), 0);
  });

  it('a replica is as far behind as the oldest position it has not replayed is old', () => {
    const samples = [
      { at: 1000, lsn: 100n },
      { at: 2000, lsn: 200n },
      { at: 3000, lsn: 300n },
    ];
    assert.equal(replicaLagMs(samples, 150n, 4500), 2500);
    assert.equal(replicaLagMs(samples, 50n, 4500), 3500);
  });

  it('a replica without its primary is refused at start-up', () => {
    const parsed = configSchema.safeParse({ DATABASE_REPLICA_URL: 'postgres://127.0.0.1:5433/x' });
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), /needs DATABASE_URL/);
    const ok = configSchema.parse({
      DATABASE_URL: 'postgres://127.0.0.1:5432/x',
      DATABASE_REPLICA_URL: 'postgres://127.0.0.1:5433/x',
    });
    assert.equal(ok.DATABASE_REPLICA_MAX_LAG_MS, 2000);
  });
});
