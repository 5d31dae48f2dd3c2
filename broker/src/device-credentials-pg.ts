// Device credentials for the standalone broker, read from the alarm center's PostgreSQL: the stored
// hash of a device's active secret (not revoked, device not retired). The broker verifies it.

import type pg from 'pg';
import type { DeviceCredentials } from './device-login.ts';

export function pgDeviceCredentials(pool: pg.Pool): DeviceCredentials {
  return {
    async secretHash(deviceId) {
      const { rows } = await pool.query<{ secret_hash: string }>(
        `SELECT c.secret_hash FROM device_credentials c JOIN devices d ON d.id = c.device_id
         WHERE c.device_id = $1 AND c.revoked_at IS NULL AND d.status <> 'retired'`,
        [deviceId],
      );
      return rows[0]?.secret_hash ?? null;
    },
  };
}
