// An alarm-center process with a provisioned fleet, on either database it can run on: the local
// PostgreSQL (a fresh database) or the embedded default that `npm start` uses (a fresh data
// directory). Crash and restart tests run the same scenario on both.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@trygg/alarm-center/testing';
import { generateSecret, hashDeviceSecret } from '@trygg/broker';
import pg from 'pg';
import { type AlarmCenterProcess, centerEnvironment, startAlarmCenterProcess } from './alarm-center-process.ts';

export type DatabaseMode = 'postgres' | 'embedded';

/** Both, unless TEST_DATABASE_MODE picks one. */
export const DATABASE_MODES: DatabaseMode[] =
  process.env.TEST_DATABASE_MODE === 'embedded'
    ? ['embedded']
    : process.env.TEST_DATABASE_MODE === 'postgres'
      ? ['postgres']
      : ['postgres', 'embedded'];

export interface CenterUnderTest {
  mode: DatabaseMode;
  process: AlarmCenterProcess;
  httpPort: number;
  mqttPort: number;
  env: Record<string, string>;
  deviceIds: string[];
  /** Each device has its own issued secret, as provisioning gives it. */
  secretOf(deviceId: string): string;
  /** A pool on the center's database (the embedded one is reachable while the center runs). */
  pool(): pg.Pool;
  /** Starts the process again on the same ports and database (after the caller killed it). */
  restart(options?: { healthyWithinMs?: number }): Promise<AlarmCenterProcess>;
  close(): Promise<void>;
}

export interface FleetOptions {
  devices: number;
  prefix: string;
  /** Extra environment for the alarm center. */
  env?: Record<string, string>;
}

export async function startCenterUnderTest(mode: DatabaseMode, fleet: FleetOptions): Promise<CenterUnderTest> {
  let db: TestDatabase | null = null;
  let dir: string | null = null;
  let databaseUrl: string | null = null;
  const extra: Record<string, string> = { ...fleet.env };
  if (mode === 'postgres') {
    db = await createTestDatabase();
    databaseUrl = db.url;
  } else {
    dir = await mkdtemp(join(tmpdir(), 'trygg-center-'));
    await chmod(dir, 0o755); // as root, the embedded server runs as 'postgres' and must enter it
    extra.EMBEDDED_DB_DIR = join(dir, 'data');
  }
  const { env, httpPort, mqttPort } = await centerEnvironment(databaseUrl, extra);
  let center = await startAlarmCenterProcess(env, httpPort); // migrates the empty database
  const pool = new pg.Pool({ connectionString: await center.databaseUrl(), max: 2 });
  pool.on('error', () => {}); // the embedded server restarts with the center

  const deviceIds = Array.from({ length: fleet.devices }, (_, i) => `${fleet.prefix}${i + 1}`);
  const secrets = new Map(deviceIds.map((id) => [id, generateSecret()]));
  const hashes = await Promise.all(deviceIds.map((id) => hashDeviceSecret(secrets.get(id)!)));
  await pool.query(
    `INSERT INTO devices (id, device_type, serial, district)
     SELECT id, 'pendant', 'SN-' || id, 'Centrum' FROM unnest($1::text[]) id`,
    [deviceIds],
  );
  await pool.query(
    'INSERT INTO device_credentials (device_id, secret_hash) SELECT * FROM unnest($1::text[], $2::text[])',
    [deviceIds, hashes],
  );
  // Restart so the registry loads the devices inserted behind its back.
  await center.kill('SIGTERM');
  center = await startAlarmCenterProcess(env, httpPort);

  return {
    mode,
    get process() {
      return center;
    },
    httpPort,
    mqttPort,
    env,
    deviceIds,
    secretOf: (id) => secrets.get(id)!,
    pool: () => pool,
    async restart(options = {}) {
      center = await startAlarmCenterProcess(env, httpPort, options);
      return center;
    },
    async close() {
      await center.kill('SIGTERM');
      await pool.end().catch(() => {});
      await db?.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
