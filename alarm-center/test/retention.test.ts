// device_messages, the de-duplication log, keeps accepted events for a bounded time (real
// PostgreSQL, migrated by the platform): old rows are pruned, recent ones kept for de-duplication.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { pruneDeviceMessages } from '../src/ingest/retention.ts';
import type { Platform } from '../src/platform.ts';
import { createTestDatabase, startTestPlatform, type TestDatabase } from '../src/testing/index.ts';

describe('device message retention', () => {
  let db: TestDatabase;
  let platform: Platform;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  async function insert(messageId: string, ageS: number): Promise<void> {
    await platform.db.pool.query(
      `INSERT INTO device_messages (device_id, message_id, event_type, device_ts, received_at, body)
       VALUES ('pendant-r', $1, 'alarm.manual', now(), now() - make_interval(secs => $2), '{}')`,
      [messageId, ageS],
    );
  }

  it('a device message older than the retention period is pruned and a recent one is kept', async () => {
    await insert('old-message-1', 31 * 24 * 3600);
    await insert('recent-message-1', 60);
    assert.equal(await pruneDeviceMessages(platform.db.pool), 1);
    const { rows } = await platform.db.pool.query<{ message_id: string }>(
      `SELECT message_id FROM device_messages WHERE device_id = 'pendant-r'`,
    );
    assert.deepEqual(
      rows.map((r) => r.message_id),
      ['recent-message-1'],
    );
  });

  it('pruning is served by an index on received_at', async () => {
    const { rows } = await platform.db.pool.query(
      `SELECT 1 FROM pg_indexes WHERE tablename = 'device_messages' AND indexdef LIKE '%(received_at)%'`,
    );
    assert.equal(rows.length, 1);
  });
});
