// Device secrets and operator passwords: generated with a CSPRNG, stored only as self-describing
// scrypt hashes (`scrypt$N$r$p$salt$hash`, base64url), verified in constant time. scrypt comes with
// Node, so no native add-on is needed; N is modest (2^14) because thousands of devices reconnect
// at once after a broker restart and a verified secret is cached (see VerifiedSecretCache).

import { createHash, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { BoundedConcurrency } from './bounded-concurrency.ts';
import { FAST_HASH_MIN_SECRET_LENGTH, fastHash, isFastHash, verifyFastHash } from './device-secrets.ts';

const N = 1 << 14;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function scryptAsync(secret: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new device secret: 32 random bytes, base64url (43 characters). Shown once, never stored. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(secret, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** The stored form of a device secret: fast for issued-length secrets, scrypt for short ones. */
export async function hashDeviceSecret(secret: string): Promise<string> {
  return secret.length >= FAST_HASH_MIN_SECRET_LENGTH ? fastHash(secret) : hashSecret(secret);
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const cost = Number(n);
  const block = Number(r);
  const parallel = Number(p);
  // Bounds keep a corrupted or hostile row from making us burn seconds or gigabytes.
  if (!Number.isInteger(cost) || cost < 2 || cost > 1 << 20 || (cost & (cost - 1)) !== 0) return null;
  if (!Number.isInteger(block) || block < 1 || block > 32) return null;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) return null;
  const saltBytes = Buffer.from(salt, 'base64url');
  const keyBytes = Buffer.from(key, 'base64url');
  if (saltBytes.length < 8 || keyBytes.length < 16) return null;
  return { N: cost, r: block, p: parallel, salt: saltBytes, key: keyBytes };
}

/** True only for the right secret; false (never a throw) for a wrong secret or malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  if (isFastHash(stored)) return verifyFastHash(secret, stored);
  const parsed = parseHash(stored);
  if (!parsed) return false;
  try {
    const key = await scryptAsync(secret, parsed.salt, { N: parsed.N, r: parsed.r, p: parsed.p });
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  } catch {
    return false;
  }
}

export interface VerifiedSecretCacheOptions {
  /** Most entries kept; the least recently used goes first. */
  max: number;
  /** An entry older than this is verified again. */
  ttlMs: number;
  now?: () => number;
  /**
   * Bounds the scrypt derivations of cache misses (running at once, waiting); a derivation beyond
   * them is refused with OverloadedError instead of queueing. Absent: unbounded, as before.
   */
  limiter?: BoundedConcurrency;
}

/**
 * Remembers (secret, stored hash) pairs that verified, so a reconnect storm does not pay scrypt
 * once per device: devices sharing one provisioning secret (a fleet, a load test) cost one
 * derivation, and concurrent verifications of the same pair share one promise. The key is a
 * SHA-256 of the secret plus the stored hash, so a rotated secret or hash never matches an old
 * entry and the plaintext secret is never kept. Failures are not cached. A hit never waits for the
 * limiter: only derivations are bounded. The LRU with a TTL is lru-cache's (bounded size, O(1)
 * eviction, TTL on the injected clock), not a hand-kept Map.
 */
export class VerifiedSecretCache {
  readonly #verified: LRUCache<string, true>;
  readonly #pending = new Map<string, Promise<boolean>>();
  readonly #limiter: BoundedConcurrency | null;
  #hits = 0;
  #misses = 0;
  #derivations = 0;

  constructor(options: VerifiedSecretCacheOptions) {
    const now = options.now ?? Date.now;
    // ttlResolution 0: read the clock on every check, so an injected clock is obeyed exactly. +1:
    // lru-cache takes a start time of 0 for "no TTL", which a simulated clock starting at 0 would hit.
    const perf = { now: () => now() + 1 };
    this.#verified = new LRUCache({ max: options.max, ttl: options.ttlMs, ttlResolution: 0, perf });
    this.#limiter = options.limiter ?? null;
  }

  /** Throws OverloadedError when a derivation is needed and the limiter is full. */
  async verify(_deviceId: string, secret: string, storedHash: string): Promise<boolean> {
    // An issued secret's fast hash costs microseconds: nothing to cache or to queue behind scrypt.
    if (isFastHash(storedHash)) return verifyFastHash(secret, storedHash);
    const key = `${createHash('sha256').update(secret).digest('base64url')}:${storedHash}`;
    if (this.#verified.get(key)) {
      this.#hits++;
      return true;
    }
    this.#misses++;
    let pending = this.#pending.get(key);
    if (!pending) {
      const limiter = this.#limiter;
      const derive = () => {
        this.#derivations++;
        return verifySecret(secret, storedHash);
      };
      pending = (limiter ? limiter.run(derive) : derive()).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const ok = await pending;
    if (ok) this.#verified.set(key, true);
    return ok;
  }

  /** `derivations` counts scrypt runs: what a reconnect storm actually costs. */
  stats(): { size: number; hits: number; misses: number; derivations: number } {
    return { size: this.#verified.size, hits: this.#hits, misses: this.#misses, derivations: this.#derivations };
  }
}
