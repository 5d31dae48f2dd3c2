// Device logins stay cheap through a reconnect storm: issued secrets are stored with a fast hash,
// and a device provisioned with the old slow hash is moved to the fast one at its first login.

import assert from 'node:assert/strict';
import { generateSecret, hashSecret } from '@trygg/broker';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { deviceCredentials } from '../src/devices/login.ts';
import * as devices from '../src/devices/repository.ts';
import type { Platform } from '../src/platform.ts';
import {
  connectDevice,
  createTestDatabase,
  eventually,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

describe('device logins', () => {
  let db: TestDatabase;
  let platform: Platform;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  const device = (deviceId: string) => ({
    deviceId,
    deviceType: 'pendant' as const,
    serial: `SN-${deviceId}`,
    residentId: null,
    district: 'Centrum',
    heartbeatIntervalS: 60,
    rules: {},
  });

  it('a newly provisioned device gets an issued secret stored with the fast hash', async () => {
    const secret = await platform.provisioning.register(device('pendant-fast'));
    assert.ok(secret.length >= 32);
    assert.match((await devices.secretHash(platform.db.pool, 'pendant-fast'))!, /^sha256\$/);
    const client = await connectDevice(platform, 'pendant-fast', secret);
    await client.endAsync();
  });

  it('a device stored with the slow hash logs in and is moved to the fast hash, and logs in again', async () => {
    const secret = generateSecret();
    await devices.register(platform.db.pool, device('pendant-legacy'), await hashSecret(secret));
    platform.registry.set({ ...device('pendant-legacy'), status: 'provisioned', carrier: null, gateway: null });
    const first = await connectDevice(platform, 'pendant-legacy', secret);
    await first.endAsync();
    await eventually(async () => (await devices.secretHash(platform.db.pool, 'pendant-legacy'))?.startsWith('sha256$'));
    const again = await connectDevice(platform, 'pendant-legacy', secret);
    await again.endAsync();
    await assert.rejects(
      connectDevice(platform, 'pendant-legacy', generateSecret()),
      /Bad username or password|Not authorized/,
    );
  });

  it('the logins of a reconnect storm read in one turn are looked up in one query, each with its own answer', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `pendant-storm-${i}`);
    for (const id of ids) await platform.provisioning.register(device(id));
    let queries = 0;
    const pool = platform.db.pool;
    const counting = new Proxy(pool, {
      get(target, key, receiver) {
        if (key !== 'query') return Reflect.get(target, key, receiver);
        return (...args: unknown[]) => {
          queries++;
          return (target.query as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as pg.Pool;
    const credentials = deviceCredentials(counting, pino({ level: 'silent' }));
    const asked = [...ids, ids[5]!, 'pendant-never-provisioned'];
    const hashes = await Promise.all(asked.map((id) => credentials.secretHash(id)));
    assert.equal(queries, 1);
    const expected = await Promise.all(asked.map((id) => devices.secretHash(pool, id)));
    assert.deepEqual(hashes, expected);
    assert.equal(hashes.at(-1), null);
    assert.ok(hashes.slice(0, 40).every((h) => h?.startsWith('sha256$')));
  });
});
