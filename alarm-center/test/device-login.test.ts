// Device logins stay cheap through a reconnect storm: issued secrets are stored with a fast hash,
// and a device provisioned with the old slow hash is moved to the fast one at its first login.

import assert from 'node:assert/strict';
import { generateSecret, hashSecret } from '@trygg/broker';
import { afterAll, beforeAll, describe, it } from 'vitest';
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
});
