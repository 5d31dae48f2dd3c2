// Standalone broker (`npm run broker`), for deployments that run the broker apart from the alarm
// center. Devices authenticate against the alarm center's PostgreSQL credentials (DATABASE_URL);
// without it the broker serves anonymous clients (when allowed) and service accounts only. The
// configuration is read once, here; metrics are served on their own loopback listener.

import { serveMetrics } from '@trygg/observability';
import pg from 'pg';
import { pino } from 'pino';
import client from 'prom-client';
import { startBroker } from './broker.ts';
import { brokerConfigOf, parseStandaloneConfig, type StandaloneConfig } from './config.ts';
import { pgDeviceCredentials } from './device-credentials-pg.ts';
import { brokerMetrics } from './metrics.ts';

let config: StandaloneConfig;
try {
  config = parseStandaloneConfig(process.env);
} catch (err) {
  pino().fatal({ code: (err as { code?: string }).code }, (err as Error).message);
  process.exit(2);
}
const logger = pino({ level: config.LOG_LEVEL });

const pool = config.DATABASE_URL ? new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 }) : null;
if (!pool) logger.warn('DATABASE_URL is not set: devices cannot log in (anonymous and service accounts only)');

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const metrics = brokerMetrics(registry);

const fail = (err: Error & { code?: string }) => {
  logger.fatal({ code: err.code }, err.message);
  process.exit(1);
};
const broker = await startBroker(brokerConfigOf(config), {
  credentials: pool ? pgDeviceCredentials(pool) : undefined,
  serviceAccounts: config.SERVICE_ACCOUNTS,
  hooks: metrics.hooks,
  logger,
}).catch(fail);
metrics.observe(broker);

const endpoint =
  config.METRICS_PORT === null
    ? null
    : await serveMetrics({
        registry,
        host: config.METRICS_HOST,
        port: config.METRICS_PORT,
        token: config.METRICS_TOKEN,
      }).catch(fail);
if (endpoint) logger.info({ url: endpoint.url, token: Boolean(config.METRICS_TOKEN) }, 'metrics endpoint listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    logger.info({ signal }, 'shutting down');
    await endpoint?.close();
    await broker.close();
    await pool?.end();
    process.exit(0);
  });
}
