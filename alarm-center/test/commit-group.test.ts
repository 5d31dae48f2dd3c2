// Group commit on real PostgreSQL: many device messages share one transaction, and a failed batch
// never turns into a lost or wrongly acknowledged message. Property-tested over batches with
// messages the store refuses (in their own writes, or in the statement the batch shares), with
// transient failures and with serialisation failures.

import assert from 'node:assert/strict';
import type { DeviceEvent } from '@trygg/firmware-protocol';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { CommitGroup } from '../src/ingest/commit-group.ts';
import { createTestDatabase, TEST_DATABASE_MODE, type TestDatabase } from '../src/testing/index.ts';

type Fault = 'none' | 'own_write_refused' | 'shared_statement_refused' | 'transient' | 'serialisation_once';

interface Message {
  n: number;
  deviceId: string;
  fault: Fault;
}

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

const eventOf = (m: Message, run: number): DeviceEvent =>
  ({
    v: 1,
    id: `run${run}-m${m.n}`,
    ts: 1_700_000_000_000 + m.n,
    type: 'alarm.manual',
    // a NUL cannot be stored in jsonb (22P05): the batch's one INSERT of all its events fails
    ...(m.fault === 'shared_statement_refused' ? { note: 'x\u0000y' } : {}),
  }) as DeviceEvent;

// The group is tested on the local PostgreSQL (the embedded default runs it through the platform's
// suites with TEST_DATABASE_MODE=embedded).
describe('group commit: every message acknowledged only after its commit, none lost (real PostgreSQL)', {
  skip: Boolean(TEST_DATABASE_MODE === 'embedded'),
}, () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let observer: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, 6);
    observer = new pg.Pool({ connectionString: db.url, max: 2 });
    // Dropping the database at the end terminates a client still closing; not the test's business.
    observer.on('error', () => {});
    await migrate(pool);
    await pool.query('CREATE TABLE stored (run int, n int, PRIMARY KEY (run, n))');
  });

  afterAll(async () => {
    await pool?.end();
    await observer?.end();
    await db?.drop();
  });

  const visible = async (run: number, n: number) =>
    (await observer.query('SELECT 1 FROM stored WHERE run = $1 AND n = $2', [run, n])).rowCount === 1;

  let runs = 0;
  it('a batch with refused, transient and retried messages: each good one stored once and acknowledged after its commit', async () => {
    const fault = fc.constantFrom<Fault>(
      'none',
      'none',
      'none',
      'own_write_refused',
      'shared_statement_refused',
      'transient',
      'serialisation_once',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ device: fc.integer({ min: 0, max: 7 }), fault }), { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 1, max: 8 }),
        async (drawn, maxBatch) => {
          const run = ++runs;
          const group = new CommitGroup(pool, { maxBatch, maxInFlight: 2, attempts: 3 });
          const messages: Message[] = drawn.map((d, n) => ({ n, deviceId: `dev-${d.device}`, fault: d.fault }));
          const failedOnce = new Set<number>();
          const acknowledgedBeforeVisible: number[] = [];
          const outcomes = await Promise.all(
            messages.map((m) =>
              group
                .submit(m.deviceId, m.n % 3 === 0 ? 'alarm' : 'telemetry', eventOf(m, run), async (client) => {
                  await client.query('INSERT INTO stored (run, n) VALUES ($1, $2)', [run, m.n]);
                  if (m.fault === 'own_write_refused') await client.query('SELECT 1 / 0'); // 22012
                  if (m.fault === 'transient') throw pgError('57014', 'canceling statement due to statement timeout');
                  if (m.fault === 'serialisation_once' && !failedOnce.has(m.n)) {
                    failedOnce.add(m.n);
                    throw pgError('40001', 'could not serialize access');
                  }
                  return m.n;
                })
                .then(
                  async (value) => {
                    assert.equal(value, m.n, 'each message gets its own result');
                    if (!(await visible(run, m.n))) acknowledgedBeforeVisible.push(m.n);
                    return 'acknowledged' as const;
                  },
                  (err: { code?: string }) => (err.code === '57014' ? ('transient' as const) : ('refused' as const)),
                ),
            ),
          );
          assert.deepEqual(acknowledgedBeforeVisible, [], 'no message acknowledged before its commit');
          const { rows } = await observer.query<{ n: number }>('SELECT n FROM stored WHERE run = $1', [run]);
          const stored = new Set(rows.map((r) => r.n));
          const recorded = await observer.query<{ message_id: string }>(
            'SELECT message_id FROM device_messages WHERE message_id LIKE $1',
            [`run${run}-%`],
          );
          assert.equal(recorded.rowCount, stored.size, 'the event is recorded exactly when its writes are');
          for (const m of messages) {
            const outcome = outcomes[m.n];
            const anyTransient = messages.some((other) => other.fault === 'transient');
            if (m.fault === 'own_write_refused' || m.fault === 'shared_statement_refused') {
              // refused (acknowledged as refused), or not acknowledged at all when its batch failed for now
              assert.ok(outcome === 'refused' || (outcome === 'transient' && anyTransient), `${m.n}: ${outcome}`);
              assert.equal(stored.has(m.n), false);
            } else if (outcome === 'acknowledged') {
              assert.equal(stored.has(m.n), true, `acknowledged message ${m.n} is stored`);
            } else {
              // only a transient failure in its batch may leave a good message unacknowledged: the device resends
              assert.equal(outcome, 'transient', `message ${m.n} (${m.fault}) is ${outcome}`);
              assert.equal(stored.has(m.n), false, `unacknowledged message ${m.n} is not stored`);
            }
            if (m.fault === 'none' || m.fault === 'serialisation_once') {
              assert.ok(outcome === 'acknowledged' || anyTransient, `good message ${m.n}: ${outcome}`);
            }
          }
          if (!messages.some((m) => m.fault === 'transient')) {
            for (const m of messages) {
              if (m.fault === 'none' || m.fault === 'serialisation_once')
                assert.equal(outcomes[m.n], 'acknowledged', `without a transient failure message ${m.n} lands`);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a retransmission in the same batch is recorded once and reported as not fresh', async () => {
    const group = new CommitGroup(pool, { maxBatch: 16, maxInFlight: 1, attempts: 3 });
    const event = eventOf({ n: 1, deviceId: 'dev-r', fault: 'none' }, 10_000);
    const [first, second] = await Promise.all([
      group.submit('dev-r', 'alarm', event, async (_c, fresh) => fresh),
      group.submit('dev-r', 'alarm', event, async (_c, fresh) => fresh),
    ]);
    assert.deepEqual([first, second], [true, false]);
  });

  it("a device's messages commit in the order they came, across lanes", async () => {
    const group = new CommitGroup(pool, { maxBatch: 64, maxInFlight: 2, attempts: 3 });
    const order: string[] = [];
    const note = (label: string) => async () => {
      order.push(label);
    };
    await Promise.all([
      group.submit('dev-o', 'telemetry', null, note('restoral')),
      group.submit('dev-x', 'telemetry', null, note('other device')),
      group.submit('dev-o', 'alarm', null, note('press')),
      group.submit('dev-o', 'telemetry', null, note('heartbeat after the press')),
    ]);
    const own = order.filter((o) => o !== 'other device');
    assert.deepEqual(own, ['restoral', 'press', 'heartbeat after the press']);
  });
});
