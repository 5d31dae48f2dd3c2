// Device secrets are issued by the platform: 32 random bytes (`generateSecret`), 256 bits that no
// one can guess, unlike an operator's password. A slow hash adds nothing for such a secret and
// costs tens of milliseconds of CPU per device at every reconnect storm, so an issued-length
// secret is stored as a salted SHA-256 (`sha256$salt$hash`, as API tokens are); a shorter one
// (a demo's or a hand-typed secret) still gets scrypt (`hashDeviceSecret` in secrets.ts).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** At least 32 characters: platform-issued secrets are 43 (base64url of 32 bytes). */
export const FAST_HASH_MIN_SECRET_LENGTH = 32;

const FORMAT = 'sha256';

function digest(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest();
}

/** The fast stored form of an issued-length secret (`hashDeviceSecret` picks it). */
export function fastHash(secret: string): string {
  const salt = randomBytes(16);
  return `${FORMAT}$${salt.toString('base64url')}$${digest(salt, secret).toString('base64url')}`;
}

/** True when `stored` is a fast device hash; then `verifyFastHash` answers for it. */
export function isFastHash(stored: string): boolean {
  return stored.startsWith(`${FORMAT}$`);
}

/** Constant-time check of a `sha256$salt$hash`; false for a short secret or a malformed hash. */
export function verifyFastHash(secret: string, stored: string): boolean {
  const [format, salt, hash, ...rest] = stored.split('$');
  if (format !== FORMAT || !salt || !hash || rest.length > 0) return false;
  if (secret.length < FAST_HASH_MIN_SECRET_LENGTH) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = digest(Buffer.from(salt, 'base64url'), secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
