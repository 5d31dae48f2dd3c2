// The resident search (GET /api/residents' query) on a real PostgreSQL holding many residents:
// how long one search takes when every word must appear in name, address or id. Prints JSON lines.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import * as residents from '../src/residents/repository.ts';
import { createTestDatabase } from '../src/testing/index.ts';

const RESIDENTS = Number(process.env.BENCH_RESIDENTS ?? 100_000);
const SEARCHES = 200;
const FIRST = ['Astrid', 'Bertil', 'Greta', 'Karl', 'Maj', 'Sven', 'Ingrid', 'Olof', 'Elsa', 'Nils'];
const LAST = ['Andersson', 'Berg', 'Holm', 'Lind', 'Svensson', 'Nilsson', 'Ek', 'Lund', 'Ström', 'Dahl'];
const STREETS = ['Storgatan', 'Björkvägen', 'Havsgatan', 'Kungsgatan', 'Linnégatan', 'Ekvägen'];

const db = await createTestDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
try {
  await migrate(pool);
  const ids = Array.from({ length: RESIDENTS }, (_, i) => `res-${i}`);
  await pool.query(
    `INSERT INTO residents (id, name, address, district)
     SELECT id, ($2::text[])[1 + (n % 10)] || ' ' || ($3::text[])[1 + ((n / 10) % 10)] || ' ' || n,
            ($4::text[])[1 + (n % 6)] || ' ' || (n % 200) || ', 41' || (n % 90) || ' Göteborg', 'Centrum'
     FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)`,
    [ids, FIRST, LAST, STREETS],
  );
  await pool.query('ANALYZE residents');
  const queries = Array.from({ length: SEARCHES }, (_, i) =>
    i % 3 === 0
      ? `${FIRST[i % 10]} ${LAST[(i * 7) % 10]}`
      : i % 3 === 1
        ? `${STREETS[i % 6]} ${i % 200}`
        : `res-${(i * 997) % RESIDENTS}`,
  );
  const times: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    await residents.search(pool, q, 10);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 100) / 100;
  for (const [metric, value] of [
    ['search_p50_ms', at(0.5)],
    ['search_p99_ms', at(0.99)],
  ] as const) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'resident-search', metric, value, unit: 'ms', residents: RESIDENTS, run: randomBytes(2).toString('hex') })}\n`,
    );
  }
} finally {
  await pool.end();
  await db.drop();
}
