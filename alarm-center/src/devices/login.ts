// A device's MQTT login: its secret checked against the stored hash (through the broker's cache of
// recent verifications), and an old slow hash moved to the fast one on the first good login.

import { FAST_HASH_MIN_SECRET_LENGTH, hashDeviceSecret, isFastHash, type VerifiedSecretCache } from '@trygg/broker';
import type pg from 'pg';
import type { Logger } from 'pino';
import * as devices from './repository.ts';

export function deviceAuthenticator(pool: pg.Pool, secrets: VerifiedSecretCache, logger: Logger) {
  return {
    async authenticate(deviceId: string, secret: string): Promise<boolean> {
      const hash = await devices.secretHash(pool, deviceId);
      const ok = hash !== null && (await secrets.verify(deviceId, secret, hash));
      // A device provisioned before issued secrets got the fast hash is moved to it on its
      // first good login, so the next reconnect storm costs it microseconds, not scrypt.
      if (ok && !isFastHash(hash) && secret.length >= FAST_HASH_MIN_SECRET_LENGTH) {
        devices
          .upgradeSecretHash(pool, deviceId, hash, await hashDeviceSecret(secret))
          .catch((err) => logger.warn({ err: err.message, deviceId }, 'secret hash not upgraded'));
      }
      return ok;
    },
  };
}
