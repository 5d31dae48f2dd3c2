// The retention policy of device_messages, the de-duplication log of accepted device events: a
// retransmission arrives within minutes, so a row older than the retention period only costs
// space and would make an id reused much later look like a duplicate. Pruned in bounded batches.

import type pg from 'pg';
import type { Logger } from 'pino';
import * as devices from '../devices/repository.ts';

/** How long an accepted device event is remembered; far beyond any device's resend window. */
export const DEVICE_MESSAGE_RETENTION_S = 30 * 24 * 3600;
const PRUNE_INTERVAL_MS = 60 * 60_000;
const PRUNE_BATCH = 10_000;

/** Deletes device messages received more than `retentionS` ago (database time); returns how many. */
export async function pruneDeviceMessages(db: pg.Pool, retentionS = DEVICE_MESSAGE_RETENTION_S): Promise<number> {
  let total = 0;
  for (;;) {
    // small batches, each its own statement, so the embedded database is never held for long
    const pruned = await devices.pruneMessages(db, retentionS, PRUNE_BATCH);
    total += pruned;
    if (pruned < PRUNE_BATCH) return total;
  }
}

/** Prunes once an hour; the returned function stops it. */
export function startDeviceMessageRetention(db: pg.Pool, logger: Logger): () => void {
  const timer = setInterval(async () => {
    try {
      const pruned = await pruneDeviceMessages(db);
      if (pruned > 0) logger.info({ pruned }, 'device messages past their retention pruned');
    } catch (err) {
      logger.warn({ err }, 'device message pruning failed; retried next hour');
    }
  }, PRUNE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
