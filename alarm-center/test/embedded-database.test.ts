// The embedded default (PGlite behind its socket server) shares one PostgreSQL session between
// connections. These tests prove the alarm center's transactions stay isolated there anyway.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Database, inTransaction, openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';

describe('embedded database (PGlite over the pg wire protocol)', () => {
  let db: Database;

  before(async () => {
    db = await openDatabase({ databaseUrl: null, embeddedDataDir: null, poolSize: 10 });
    await migrate(db.pool);
    await db.pool.query('CREATE TABLE probe (name text PRIMARY KEY)');
  });

  after(async () => {
    await db?.close();
  });

  it('runs the versioned migrations and is idempotent on a second run', async () => {
    assert.equal(db.mode, 'embedded');
    assert.equal(await migrate(db.pool), 0);
    const { rows } = await db.pool.query(`SELECT to_regclass('alarms') AS t`);
    assert.equal(rows[0].t, 'alarms');
  });

  it('a transaction rolled back while another commits concurrently does not take the other down', async () => {
    const failing = inTransaction(db.pool, async (c) => {
      await c.query(`INSERT INTO probe VALUES ('rolled-back')`);
      await new Promise((r) => setTimeout(r, 30));
      throw new Error('simulated failure');
    });
    const committing = inTransaction(db.pool, async (c) => {
      await c.query(`INSERT INTO probe VALUES ('committed')`);
    });
    await assert.rejects(failing, /simulated failure/);
    await committing;
    const { rows } = await db.pool.query('SELECT name FROM probe ORDER BY name');
    assert.deepEqual(
      rows.map((r) => r.name),
      ['committed'],
    );
  });

  it('many concurrent transactions each commit exactly their own rows', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        inTransaction(db.pool, async (c) => {
          await c.query('INSERT INTO probe VALUES ($1)', [`row-${i}`]);
          await c.query('INSERT INTO probe VALUES ($1)', [`row-${i}-b`]);
        }),
      ),
    );
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM probe WHERE name LIKE 'row-%'`);
    assert.equal(rows[0].n, 80);
  });
});
