// A unit joining an outage incident at the very moment another replica closes it (its last units
// came back). The replica that joins knows the incident as open from its own memory; the one that
// closes it decides on the units in the database. Interleaved by hand on two real PostgreSQL
// connections, both orders: the unit never ends up out in a closed incident, where its outage
// would be counted as over and its alarm grouped out of the operators' sight.

import assert from 'node:assert/strict';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import * as repo from '../src/incidents/repository.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

const AT = Date.UTC(2026, 11, 4, 3, 0);
const GROUP = { type: 'district', key: 'Norr' } as const;

describe('a unit joining an incident another replica is closing', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let joiner: pg.PoolClient;
  let closer: pg.PoolClient;
  let incident: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    await migrate(pool);
    await pool.query(
      `INSERT INTO devices (id, device_type, serial, district, status, heartbeat_interval_s, last_seen_at)
       SELECT 'norr-' || i, 'pendant', 'SN' || i, 'Norr', 'installed', 86400, $1::timestamptz FROM generate_series(1, 3) i`,
      [new Date(AT)],
    );
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  beforeEach(async () => {
    await pool.query('UPDATE incidents SET closed_at = now() WHERE closed_at IS NULL');
    // norr-1 is out in the open incident; norr-2 is the unit that joins it
    incident = await repo.open(pool, GROUP, 3, AT, AT, [{ deviceId: 'norr-1', lostAt: AT }]);
    joiner = await pool.connect();
    closer = await pool.connect();
    await joiner.query('BEGIN');
    await closer.query('BEGIN');
  });

  afterEach(async () => {
    // a failed assertion may leave either inside its transaction (the joiner waiting on the
    // closer's lock): the closer's ends first, then the joiner's, and both go back to the pool
    await closer?.query('ROLLBACK').catch(() => {});
    await joiner?.query('ROLLBACK').catch(() => {});
    closer?.release();
    joiner?.release();
  });

  const outIn = async (deviceId: string) => {
    const { rows } = await pool.query<{ id: string; closed: boolean }>(
      `SELECT i.id::text, i.closed_at IS NOT NULL AS closed FROM incident_units u JOIN incidents i ON i.id = u.incident_id
       WHERE u.device_id = $1 AND u.returned_at IS NULL`,
      [deviceId],
    );
    return rows;
  };

  it('the close commits first: the join is refused and the unit is out in no closed incident', async () => {
    const closed = await repo.unitsBack(closer, ['norr-1'], [AT + 60_000]);
    assert.deepEqual(
      closed.map((c) => c.id),
      [incident],
      'the last unit back closes the incident',
    );
    // the joiner believes the incident open; its join waits for the closer's transaction
    const joining = repo.joinIfOpen(joiner, incident, [{ deviceId: 'norr-2', lostAt: AT + 30_000 }]);
    await closer.query('COMMIT');
    const joined = await joining;
    await joiner.query('COMMIT');
    const rows = await outIn('norr-2');
    assert.deepEqual(
      rows.filter((r) => r.closed),
      [],
      'norr-2 is not out in the closed incident',
    );
    assert.equal(joined, false, 'the joiner is told the incident is closed');
  });

  it('the join commits first: the incident stays open with the joined unit out', async () => {
    assert.equal(await repo.joinIfOpen(joiner, incident, [{ deviceId: 'norr-2', lostAt: AT + 30_000 }]), true);
    // the closer's last return waits for the join, then sees norr-2 still out
    const closing = repo.unitsBack(closer, ['norr-1'], [AT + 60_000]);
    await joiner.query('COMMIT');
    assert.deepEqual(await closing, [], 'the incident is not closed while a unit is out');
    await closer.query('COMMIT');
    assert.deepEqual(await outIn('norr-2'), [{ id: incident, closed: false }]);
  });
});
