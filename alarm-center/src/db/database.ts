// Opens the database the alarm center runs on: a real PostgreSQL when DATABASE_URL is set, or an
// embedded PGlite served over the PostgreSQL wire protocol, so both use the very same `pg` code.

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

export interface Database {
  pool: pg.Pool;
  /** 'postgres' for a real server, 'embedded' for PGlite. */
  mode: 'postgres' | 'embedded';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  /** PGlite data directory; null keeps the embedded database in memory. */
  embeddedDataDir: string | null;
  poolSize: number;
}

// Timestamps as ISO strings, bigints (ids, counts) as strings: the API exposes them as such.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v).toISOString());
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize });
    pool.on('error', () => {}); // idle-client errors surface on the next query; health tracks them
    return { pool, mode: 'postgres', close: () => pool.end() };
  }
  const db = await PGlite.create(options.embeddedDataDir ?? undefined);
  // PGlite has one session for all socket connections. pglite-socket's query queue runs one
  // transaction at a time (other connections wait until it ends), so pool clients do not
  // interleave; embedded-database.test.ts proves it with concurrent commit and rollback.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  const pool = new pg.Pool({ connectionString: `postgres://postgres@${server.getServerConn()}/postgres`, max: 4 });
  pool.on('error', () => {});
  return {
    pool,
    mode: 'embedded',
    async close() {
      await pool.end();
      await server.stop();
      await db.close();
    },
  };
}

/** Runs `work` in one transaction on one client; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
