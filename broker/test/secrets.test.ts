import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateSecret, hashSecret, VerifiedSecretCache, verifySecret } from '../src/secrets.ts';

describe('device secrets', () => {
  it('verifies the right secret and refuses a wrong one', async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);
    assert.match(stored, /^scrypt\$16384\$8\$1\$/);
    assert.ok(!stored.includes(secret), 'the stored hash never contains the secret');
    assert.equal(await verifySecret(secret, stored), true);
    assert.equal(await verifySecret(`${secret}x`, stored), false);
    assert.equal(await verifySecret('', stored), false);
  });

  it('salts every hash, so equal secrets do not give equal hashes', async () => {
    assert.notEqual(await hashSecret('same'), await hashSecret('same'));
  });

  it('answers false, not a throw, for a malformed or hostile stored hash', async () => {
    for (const stored of ['', 'plain', 'scrypt$x$8$1$a$b', `scrypt$${2 ** 30}$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5`]) {
      assert.equal(await verifySecret('secret', stored), false, stored);
    }
  });

  it('generates distinct 256-bit secrets', () => {
    const secrets = new Set(Array.from({ length: 100 }, generateSecret));
    assert.equal(secrets.size, 100);
    for (const s of secrets) assert.equal(Buffer.from(s, 'base64url').length, 32);
  });
});

describe('verified-secret cache', () => {
  it('lets a fleet sharing one secret reconnect for the price of one derivation', async () => {
    const cache = new VerifiedSecretCache({ max: 100, ttlMs: 60_000 });
    const stored = await hashSecret('fleet-secret');
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => cache.verify(`dev-${i}`, 'fleet-secret', stored)),
    );
    assert.ok(results.every(Boolean));
    assert.equal(cache.stats().derivations, 1);
    assert.equal(await cache.verify('dev-x', 'fleet-secret', stored), true);
    assert.equal(cache.stats().derivations, 1);
  });

  it('never lets a wrong secret in, and does not remember failures', async () => {
    const cache = new VerifiedSecretCache({ max: 100, ttlMs: 60_000 });
    const stored = await hashSecret('right');
    assert.equal(await cache.verify('d', 'right', stored), true);
    assert.equal(await cache.verify('d', 'wrong', stored), false);
    assert.equal(await cache.verify('d', 'wrong', stored), false);
    assert.equal(cache.stats().derivations, 3);
  });

  it('forgets a rotated credential: a new stored hash is verified again', async () => {
    const cache = new VerifiedSecretCache({ max: 100, ttlMs: 60_000 });
    assert.equal(await cache.verify('d', 'old', await hashSecret('old')), true);
    assert.equal(await cache.verify('d', 'old', await hashSecret('new')), false);
  });

  it('expires entries after the ttl and keeps at most max entries', async () => {
    let now = 0;
    const cache = new VerifiedSecretCache({ max: 2, ttlMs: 1000, now: () => now });
    const stored = await hashSecret('s');
    await cache.verify('d', 's', stored);
    now = 999;
    await cache.verify('d', 's', stored);
    assert.equal(cache.stats().derivations, 1);
    now = 2000;
    await cache.verify('d', 's', stored);
    assert.equal(cache.stats().derivations, 2);
    for (const s of ['a', 'b', 'c']) await cache.verify('d', s, await hashSecret(s));
    assert.equal(cache.stats().size, 2);
  });
});
