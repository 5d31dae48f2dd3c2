// Decides a device's login: admission at a bounded rate, the stored hash looked up, the secret
// verified through the bounded verifier (a cache hit costs nothing). Cheap refusals come first, so
// a storm spends neither a database round trip nor a scrypt on a login it would refuse anyway.

import { BoundedConcurrency, OverloadedError } from './bounded-concurrency.ts';
import { LoginRate } from './login-rate.ts';
import type { ConnackRefusal, LoginRefusalReason } from './refusals.ts';
import { VerifiedSecretCache } from './secrets.ts';

export interface DeviceCredentials {
  /**
   * The stored scrypt hash of the device's active secret (see hashSecret), or null when it has
   * none (never provisioned, revoked, retired). A throw means "cannot tell now": CONNACK 3.
   */
  secretHash(deviceId: string): Promise<string | null>;
  /** Told of each good login with the hash it matched, e.g. to move an old scrypt hash to a fast one. */
  verified?(deviceId: string, secret: string, storedHash: string): void;
}

export interface DeviceAuthenticator {
  /** True when the secret is the device's; a throw means "cannot tell now" (server unavailable). */
  authenticate(deviceId: string, secret: string): Promise<boolean>;
}

/** Bounds on what device logins may cost; every field has a default (DEFAULT_LOGIN_ADMISSION). */
export interface LoginAdmission {
  /** Device logins admitted per second on average; beyond it CONNACK 3, and the device retries. */
  loginsPerSecond: number;
  /** Logins admitted at once after a quiet spell. */
  loginBurst: number;
  /** scrypt verifications at once: each holds a core and one of libuv's 4 threads for ~50 ms. */
  maxConcurrentVerifications: number;
  /** Verifications waiting for a slot; beyond it CONNACK 3. */
  maxQueuedVerifications: number;
  /** Verified secrets remembered, and for how long. */
  cacheMax: number;
  cacheTtlMs: number;
}

export const DEFAULT_LOGIN_ADMISSION: LoginAdmission = {
  // A 2,000-device fleet reconnects in one burst; beyond that, 1,000 credential lookups a second.
  loginsPerSecond: 1000,
  loginBurst: 2000,
  // Two of libuv's four threads: file reads, DNS and the HTTP start-up keep the other two.
  maxConcurrentVerifications: 2,
  // About 2.5 s of work for two cores at ~50 ms a derivation; a device waits at most that long.
  maxQueuedVerifications: 100,
  cacheMax: 200_000,
  cacheTtlMs: 10 * 60_000,
};

export type LoginVerdict = { ok: true } | { ok: false; reason: LoginRefusalReason; returnCode: ConnackRefusal };

export interface DeviceLoginStats {
  verifying: number;
  queued: number;
  /** The most verifications that ever ran at once: never above maxConcurrentVerifications. */
  peakVerifying: number;
  derivations: number;
  cacheHits: number;
}

const refuse = (reason: LoginRefusalReason, returnCode: ConnackRefusal): LoginVerdict => ({
  ok: false,
  reason,
  returnCode,
});

export class DeviceLogin {
  readonly #rate: LoginRate;
  readonly #limiter: BoundedConcurrency;
  readonly #cache: VerifiedSecretCache;

  /**
   * `boundAuthenticator`: apply the verification bounds to whole calls of the older `authenticator`
   * (which cannot tell the broker whether a call was a cache hit or a derivation). Off unless the
   * caller set the bounds explicitly, so existing callers keep admitting cached logins unthrottled.
   */
  constructor(
    private readonly store: { credentials?: DeviceCredentials; authenticator?: DeviceAuthenticator },
    admission: LoginAdmission,
    now: () => number,
    private readonly boundAuthenticator = false,
  ) {
    this.#rate = new LoginRate({ perSecond: admission.loginsPerSecond, burst: admission.loginBurst, now });
    this.#limiter = new BoundedConcurrency({
      concurrency: admission.maxConcurrentVerifications,
      maxQueued: admission.maxQueuedVerifications,
    });
    this.#cache = new VerifiedSecretCache({
      max: admission.cacheMax,
      ttlMs: admission.cacheTtlMs,
      now,
      limiter: this.#limiter,
    });
  }

  async verify(deviceId: string, secret: string): Promise<LoginVerdict> {
    if (!this.#rate.tryAdmit()) return refuse('RATE_LIMITED', 3);
    const { credentials, authenticator } = this.store;
    try {
      if (credentials) {
        const hash = await credentials.secretHash(deviceId);
        if (hash === null) return refuse('UNKNOWN_DEVICE', 4);
        if (!(await this.#cache.verify(deviceId, secret, hash))) return refuse('BAD_SECRET', 4);
        credentials.verified?.(deviceId, secret, hash);
        return { ok: true };
      }
      if (authenticator) {
        // The older form verifies (and caches) inside the caller's authenticator: the broker can
        // only bound how many of those calls run at once, lookups and cache hits included.
        const call = () => authenticator.authenticate(deviceId, secret);
        const ok = await (this.boundAuthenticator ? this.#limiter.run(call) : call());
        return ok ? { ok: true } : refuse('BAD_CREDENTIALS', 4);
      }
      return refuse('UNKNOWN_DEVICE', 4); // a broker without a device store (anonymous and services only)
    } catch (err) {
      if (err instanceof OverloadedError || (err as { code?: string }).code === 'BROKER_OVERLOADED') {
        return refuse('OVERLOADED', 3);
      }
      throw err;
    }
  }

  stats(): DeviceLoginStats {
    const limiter = this.#limiter.stats();
    const cache = this.#cache.stats();
    return {
      verifying: limiter.running,
      queued: limiter.queued,
      peakVerifying: limiter.peakRunning,
      derivations: cache.derivations,
      cacheHits: cache.hits,
    };
  }
}
