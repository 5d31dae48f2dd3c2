// Applies the versioned SQL migrations in alarm-center/migrations with Postgrator (plain SQL
// files, a version table, nothing generated), under an advisory lock so replicas starting
// together do not race.

import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import Postgrator from 'postgrator';

const MIGRATIONS = fileURLToPath(new URL('../../migrations/*.sql', import.meta.url));
const MIGRATION_LOCK = 74_201_001;

export async function migrate(pool: pg.Pool, schema?: string): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const postgrator = new Postgrator({
      migrationPattern: MIGRATIONS,
      driver: 'pg',
      schemaTable: schema ? `${schema}.schemaversion` : 'schemaversion',
      execQuery: (query) => client.query(query),
    });
    const applied = await postgrator.migrate();
    return applied.length;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
