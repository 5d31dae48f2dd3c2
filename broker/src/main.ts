// Standalone broker (`npm run broker`), for deployments that run the broker apart from the alarm
// center. Devices authenticate against the alarm center's PostgreSQL credentials table; the alarm
// center and the gateway connect with service accounts. Without a hook, the broker forwards.

import pg from 'pg';
import { pino } from 'pino';
import { startBroker } from './broker.ts';
import { VerifiedSecretCache } from './secrets.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });

function port(name: string, fallback: number | null): number | null {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'off') return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    logger.fatal(`${name} must be a port number 0-65535 or "off", got "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** SERVICE_ACCOUNTS="alarm-center:secret1,gateway:secret2" */
function serviceAccounts(): { username: string; password: string }[] {
  const raw = process.env.SERVICE_ACCOUNTS ?? '';
  return raw
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(':');
      if (at < 1 || at === pair.length - 1) {
        logger.fatal('SERVICE_ACCOUNTS must be a comma-separated list of username:password');
        process.exit(2);
      }
      return { username: pair.slice(0, at), password: pair.slice(at + 1) };
    });
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  logger.fatal('DATABASE_URL is required: devices authenticate against the alarm center database');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const cache = new VerifiedSecretCache({ max: 200_000, ttlMs: 10 * 60_000 });

const broker = await startBroker(
  {
    host: process.env.MQTT_HOST ?? '0.0.0.0',
    mqttPort: port('MQTT_PORT', 1883) ?? 1883,
    wsPort: port('MQTT_WS_PORT', null),
    allowAnonymous: process.env.MQTT_ALLOW_ANONYMOUS === 'true',
    maxPayloadBytes: 16 * 1024,
    // REDIS_URL joins this process to a broker cluster: every node given the same URL and prefix
    // shares subscriptions, offline sessions and messages, so a device may connect to any of them.
    cluster: process.env.REDIS_URL
      ? { redisUrl: process.env.REDIS_URL, keyPrefix: process.env.REDIS_KEY_PREFIX || undefined }
      : undefined,
  },
  {
    authenticator: {
      async authenticate(deviceId, secret) {
        const { rows } = await pool.query<{ secret_hash: string }>(
          `SELECT c.secret_hash FROM device_credentials c JOIN devices d ON d.id = c.device_id
           WHERE c.device_id = $1 AND c.revoked_at IS NULL AND d.status <> 'retired'`,
          [deviceId],
        );
        const hash = rows[0]?.secret_hash;
        return hash !== undefined && cache.verify(deviceId, secret, hash);
      },
    },
    serviceAccounts: serviceAccounts(),
    logger,
  },
).catch((err: Error) => {
  logger.fatal(err.message);
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    logger.info({ signal }, 'shutting down');
    await broker.close();
    await pool.end();
    process.exit(0);
  });
}
