// A device's MQTT login, as the broker's bounded credentials path asks for it: the stored hash of
// its active secret, and, after a good login, an old slow hash moved to the fast one.

import { type DeviceCredentials, FAST_HASH_MIN_SECRET_LENGTH, hashDeviceSecret, isFastHash } from '@trygg/broker';
import type pg from 'pg';
import type { Logger } from 'pino';
import * as devices from './repository.ts';

export function deviceCredentials(pool: pg.Pool, logger: Logger): DeviceCredentials {
  return {
    secretHash: (deviceId) => devices.secretHash(pool, deviceId),
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
