// The standalone broker's configuration: environment variables parsed and validated with zod once
// at start-up (main.ts), then passed down. Nothing else in the broker reads process.env.

import { envFlag, envList, envLogLevel, envPort, metricsEnv } from '@trygg/observability/env';
import { z } from 'zod';
import {
  type BrokerConfig,
  DEFAULT_DESCRIPTOR_RESERVE,
  DEFAULT_LISTEN_BACKLOG,
  type ServiceAccount,
} from './broker.ts';
import { DEFAULT_LOGIN_ADMISSION } from './device-login.ts';

/** A port, or `off` for a listener that is not started. */
const optionalPort = z.union([z.literal('off').transform(() => null), envPort]);
const positive = z.coerce.number().positive();
const count = z.coerce.number().int().min(1);

export const standaloneSchema = z.object({
  LOG_LEVEL: envLogLevel,
  /** The alarm center's database, for device credentials. Unset: anonymous and service accounts only. */
  DATABASE_URL: z.string().url().optional(),
  MQTT_HOST: z.string().min(1).default('0.0.0.0'),
  MQTT_PORT: envPort.default(1883),
  MQTT_WS_PORT: optionalPort.default(null),
  /** `alarm-center:secret1,gateway:secret2` */
  SERVICE_ACCOUNTS: envList.pipe(
    z.array(
      z
        .string()
        .regex(/^[^:]+:.+$/, 'SERVICE_ACCOUNTS must be a comma-separated list of username:password')
        .transform((pair): ServiceAccount => {
          const at = pair.indexOf(':');
          return { username: pair.slice(0, at), password: pair.slice(at + 1) };
        }),
    ),
  ),
  MQTT_ALLOW_ANONYMOUS: envFlag.default(false),
  /** Topics closed to subscriptions, comma-separated (the Paho suite expects `test/nosubscribe`). */
  MQTT_NO_SUBSCRIBE_TOPICS: envList,
  MQTT_LOGINS_PER_S: positive.default(DEFAULT_LOGIN_ADMISSION.loginsPerSecond),
  MQTT_LOGIN_BURST: count.default(DEFAULT_LOGIN_ADMISSION.loginBurst),
  MQTT_MAX_CONCURRENT_VERIFICATIONS: count.default(DEFAULT_LOGIN_ADMISSION.maxConcurrentVerifications),
  MQTT_MAX_QUEUED_VERIFICATIONS: z.coerce.number().int().min(0).default(DEFAULT_LOGIN_ADMISSION.maxQueuedVerifications),
  /** Handshakes the kernel holds for the broker to accept (capped by net.core.somaxconn). */
  MQTT_LISTEN_BACKLOG: count.max(1_000_000).default(DEFAULT_LISTEN_BACKLOG),
  /** Device connections held at once; unset: the open-file limit less MQTT_FD_RESERVE. */
  MQTT_MAX_CONNECTIONS: count.optional(),
  /** Descriptors never given to device connections (Redis, metrics, logs). */
  MQTT_FD_RESERVE: z.coerce.number().int().min(0).max(1_000_000).default(DEFAULT_DESCRIPTOR_RESERVE),
  REDIS_URL: z.string().min(1).optional(),
  REDIS_KEY_PREFIX: z.string().min(1).optional(),
  /** Prometheus metrics: loopback by default, so only this machine (or a scraper on it) reads them. */
  ...metricsEnv(9465),
  METRICS_PORT: optionalPort.default(9465),
});

export type StandaloneConfig = z.infer<typeof standaloneSchema>;

export class ConfigError extends Error {
  readonly code = 'BROKER_CONFIG_INVALID';
}

/** Parses the environment once; a ConfigError names every bad variable. */
export function parseStandaloneConfig(env: Record<string, string | undefined>): StandaloneConfig {
  // An empty variable means "unset", as in a compose file's `FOO=`.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = standaloneSchema.safeParse(given);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`);
    throw new ConfigError(`invalid broker configuration: ${issues.join('; ')}`);
  }
  return parsed.data;
}

export function brokerConfigOf(config: StandaloneConfig): BrokerConfig {
  return {
    host: config.MQTT_HOST,
    mqttPort: config.MQTT_PORT,
    wsPort: config.MQTT_WS_PORT,
    allowAnonymous: config.MQTT_ALLOW_ANONYMOUS,
    maxPayloadBytes: 16 * 1024,
    noSubscribeTopics: config.MQTT_NO_SUBSCRIBE_TOPICS,
    listenBacklog: config.MQTT_LISTEN_BACKLOG,
    ...(config.MQTT_MAX_CONNECTIONS === undefined ? {} : { maxConnections: config.MQTT_MAX_CONNECTIONS }),
    reserveDescriptors: config.MQTT_FD_RESERVE,
    admission: {
      loginsPerSecond: config.MQTT_LOGINS_PER_S,
      loginBurst: config.MQTT_LOGIN_BURST,
      maxConcurrentVerifications: config.MQTT_MAX_CONCURRENT_VERIFICATIONS,
      maxQueuedVerifications: config.MQTT_MAX_QUEUED_VERIFICATIONS,
    },
    // REDIS_URL joins this process to a broker cluster: every node given the same URL and prefix
    // shares subscriptions, offline sessions and messages, so a device may connect to any of them.
    cluster: config.REDIS_URL ? { redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX } : undefined,
  };
}
