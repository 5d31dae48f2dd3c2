// A device's MQTT login, as the broker's bounded credentials path asks for it: the stored hash of
// its active secret, and, after a good login, an old slow hash moved to the fast one. The logins
// read in one turn of the event loop (a reconnect storm's CONNECTs) are looked up in one query.

import { type DeviceCredentials, FAST_HASH_MIN_SECRET_LENGTH, hashDeviceSecret, isFastHash } from '@trygg/broker';
import type pg from 'pg';
import type { Logger } from 'pino';
import * as devices from './repository.ts';

/** Most devices in one lookup; a storm's turn with more is split. */
const LOOKUP_MAX = 500;

interface Waiting {
  resolve(hash: string | null): void;
  reject(err: unknown): void;
}

/**
 * secretHash(deviceId), batched: every id asked for in the same turn is read in one statement when
 * the turn ends (setImmediate), so 100,000 reconnecting devices cost some hundreds of queries, not
 * 100,000. A failed lookup rejects each of its logins (the broker answers CONNACK 3; they retry).
 */
function batchedSecretHash(pool: pg.Pool): (deviceId: string) => Promise<string | null> {
  let wanted: Map<string, Waiting[]> | null = null;
  const lookUp = async (batch: Map<string, Waiting[]>) => {
    try {
      const found = await devices.secretHashes(pool, [...batch.keys()]);
      for (const [id, waiting] of batch) for (const w of waiting) w.resolve(found.get(id) ?? null);
    } catch (err) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
    }
  };
  return (deviceId) =>
    new Promise((resolve, reject) => {
      if (!wanted) {
        const batch = new Map<string, Waiting[]>();
        wanted = batch;
        setImmediate(() => {
          if (wanted === batch) wanted = null;
          void lookUp(batch);
        });
      }
      const waiting = wanted.get(deviceId);
      if (waiting) waiting.push({ resolve, reject });
      else wanted.set(deviceId, [{ resolve, reject }]);
      if (wanted.size >= LOOKUP_MAX) wanted = null; // the next login starts the next batch
    });
}

export function deviceCredentials(pool: pg.Pool, logger: Logger): DeviceCredentials {
  return {
    secretHash: batchedSecretHash(pool),
    // A device provisioned before issued secrets got the fast hash is moved to it on its first
    // good login, so the next reconnect storm costs it microseconds, not scrypt.
    verified(deviceId, secret, hash) {
      if (isFastHash(hash) || secret.length < FAST_HASH_MIN_SECRET_LENGTH) return;
      void hashDeviceSecret(secret)
        .then((fast) => devices.upgradeSecretHash(pool, deviceId, hash, fast))
        .catch((err) => logger.warn({ err: err.message, deviceId }, 'secret hash not upgraded'));
    },
  };
}
