// Encrypts personal data at rest (door codes, identity numbers) with AES-256-GCM. The key comes
// from configuration; ciphertexts are self-describing (`v1:iv:tag:data`, base64url parts).

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface PiiCipher {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** A keyed hash (HMAC-SHA256, key derived from PII_KEY) to find a record by an identity number without storing it readably. */
  lookupKey(plain: string): string;
  /** Binary personal data (a call recording): `v1` byte, IV, tag, ciphertext, for a bytea column. */
  encryptBytes(plain: Buffer): Buffer;
  decryptBytes(sealed: Buffer): Buffer;
}

export function parseKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('PII_KEY must be 32 bytes, given as 64 hex digits or base64');
  return key;
}

export function createPiiCipher(key: Buffer): PiiCipher {
  const lookup = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'pii lookup key v1', 32));
  return {
    lookupKey: (plain) => createHmac('sha256', lookup).update(plain).digest('base64url'),
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), data]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join(':');
    },
    encryptBytes(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), data]);
    },
    decryptBytes(sealed) {
      if (sealed.length < 29 || sealed[0] !== 1) throw new Error('not a v1 PII ciphertext');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
      decipher.setAuthTag(sealed.subarray(13, 29));
      return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
    },
    decrypt(sealed) {
      const [version, iv, tag, data] = sealed.split(':');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a v1 PII ciphertext');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
