// Device credentials for the standalone broker, read from the alarm center's PostgreSQL through
// its published view `directory_device_secrets` (never its tables): the stored hash of a device's
// active secret. The broker verifies it.

import type pg from 'pg';
import type { DeviceCredentials } from './device-login.ts';

export function pgDeviceCredentials(pool: pg.Pool): DeviceCredentials {
  return {
    async secretHash(deviceId) {
      const { rows } = await pool.query<{ secret_hash: string }>(
        'SELECT secret_hash FROM directory_device_secrets WHERE device_id = $1',
        [deviceId],
      );
      return rows[0]?.secret_hash ?? null;
    },
  };
}
