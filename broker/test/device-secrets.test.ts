import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateSecret, hashDeviceSecret, verifySecret } from '../src/index.ts';

describe('device secrets', () => {
  it('an issued secret is stored with a fast salted hash and verifies; a wrong one does not', async () => {
    const secret = generateSecret();
    const stored = await hashDeviceSecret(secret);
    assert.match(stored, /^sha256\$/);
    assert.doesNotMatch(stored, new RegExp(secret), 'the secret itself is never stored');
    assert.notEqual(stored, await hashDeviceSecret(secret), 'salted: the same secret hashes differently');
    assert.equal(await verifySecret(secret, stored), true);
    assert.equal(await verifySecret(generateSecret(), stored), false);
    assert.equal(await verifySecret(`${secret.slice(0, -1)}x`, stored), false);
  });

  it('a short, guessable secret still gets the slow hash, and a fast hash never accepts one', async () => {
    const stored = await hashDeviceSecret('demo-secret-pendant-0001');
    assert.match(stored, /^scrypt\$/);
    assert.equal(await verifySecret('demo-secret-pendant-0001', stored), true);
    const fast = await hashDeviceSecret('x'.repeat(40));
    assert.equal(await verifySecret('x'.repeat(31), fast), false);
  });

  it('a malformed fast hash verifies nothing', async () => {
    const secret = generateSecret();
    for (const stored of ['sha256$', 'sha256$abc', 'sha256$a$b$c', `sha256$$${secret}`]) {
      assert.equal(await verifySecret(secret, stored), false, stored);
    }
  });
});
