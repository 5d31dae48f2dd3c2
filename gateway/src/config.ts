// Configuration enters here once: environment variables parsed and validated with zod, then passed
// down explicitly. Nothing else in the gateway reads process.env.

import { envList, envLogLevel, envPort, metricsEnv } from '@trygg/observability/env';
import { z } from 'zod';

/**
 * GATEWAY_CONTROLLER_CREDENTIALS_FILE: the SIP digest secret of each controller (as configured in
 * the unit), optionally the address blocks it may send from and the digest algorithms to offer.
 * `{ "4600123": { "secret": "...", "sources": ["192.0.2.0/24"], "algorithms": ["MD5"] } }`
 */
export const controllerCredentialsSchema = z.record(
  z.string().regex(/^[A-Za-z0-9]{1,24}$/),
  z.strictObject({
    secret: z.string().min(12),
    sources: z.array(z.string().regex(/^[0-9A-Fa-f.:]+(\/[0-9]{1,3})?$/)).optional(),
    algorithms: z
      .array(z.enum(['MD5', 'SHA-256']))
      .min(1)
      .optional(),
  }),
);

export const configSchema = z.object({
  GATEWAY_SIP_HOST: z.string().default('0.0.0.0'),
  /** UDP and TCP share the port, as SIP does (5060 by convention). */
  GATEWAY_SIP_PORT: envPort.default(5060),
  /** SIP over TLS, only when both certificate files are given. */
  GATEWAY_SIP_TLS_PORT: envPort.default(5061),
  GATEWAY_TLS_CERT_FILE: z.string().optional(),
  GATEWAY_TLS_KEY_FILE: z.string().optional(),
  /** CA whose client certificates authenticate controllers on TLS (subject CN = controller id). */
  GATEWAY_TLS_CA_FILE: z.string().optional(),
  /** The alarm center's PostgreSQL: controllers are known by their provisioned devices. */
  DATABASE_URL: z.string().url().optional(),
  /** Provisioned controller ids, comma-separated; used only without DATABASE_URL. */
  GATEWAY_CONTROLLERS: envList,
  /** digest: every controller proves its secret (401 challenge); off: anyone knowing a cid may send. */
  GATEWAY_AUTH: z.enum(['digest', 'off']).default('digest'),
  GATEWAY_CONTROLLER_CREDENTIALS_FILE: z.string().optional(),
  /** Address blocks every SIP request must come from, comma-separated; empty: any. */
  GATEWAY_ALLOWED_SOURCES: envList,
  /** Nonce key (hex, 32 bytes) shared by replicas behind one address; random per process when unset. */
  GATEWAY_NONCE_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .optional(),
  /** Heartbeat interval told to every controller in the mrs (`hbi`), seconds. */
  GATEWAY_HEARTBEAT_INTERVAL_S: z.coerce.number().int().min(5).max(86_400).default(300),
  GATEWAY_DEDUPE_TTL_S: z.coerce.number().int().min(1).max(86_400).default(600),
  MQTT_URL: z.string().url().default('mqtt://127.0.0.1:1883'),
  /**
   * Names this gateway's broker connections (`<id>-<n>`). Give each instance its own: two
   * instances with the same MQTT client ids on one broker would keep disconnecting each other.
   */
  GATEWAY_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,48}$/)
    .default('scaip-gateway'),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** Publisher connections to the broker; a device's messages always use the same one. */
  GATEWAY_MQTT_CONNECTIONS: z.coerce.number().int().min(1).max(32).default(4),
  /** SIP over TCP/TLS: a connection silent this long is closed. */
  GATEWAY_TCP_IDLE_TIMEOUT_S: z.coerce.number().int().min(1).max(3600).default(120),
  /** SIP over TCP/TLS: connections in all, and from one address. */
  GATEWAY_TCP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(4096),
  GATEWAY_TCP_MAX_PER_PEER: z.coerce.number().int().min(1).max(1_000_000).default(32),
  /** SO_RCVBUF of the SIP UDP socket: a burst that arrives while the gateway is busy waits there
   * (the kernel grants at most twice net.core.rmem_max). */
  GATEWAY_UDP_RECEIVE_BUFFER_BYTES: z.coerce.number().int().min(4096).max(1_073_741_824).default(4_194_304),
  /** Open-file descriptors never given to SIP connections (database pool, broker, logs). */
  GATEWAY_FD_RESERVE: z.coerce.number().int().min(0).max(1_000_000).default(512),
  /** Prometheus endpoint (@trygg/observability): loopback by default, never a SIP port; with
   * METRICS_TOKEN set, /metrics needs `Authorization: Bearer <token>`. */
  ...metricsEnv(9465),
  /** The alarm's voice call (SCAIP mre/cre/tnu, the unit's INVITE, RTP): on unless turned off. */
  GATEWAY_VOICE: z.enum(['on', 'off']).default('on'),
  /**
   * The address units reach this instance's SIP and RTP at (tnu, SDP): its own, not a load
   * balancer's, since the call lives in this process. Defaults to GATEWAY_SIP_HOST; with that at
   * 0.0.0.0 it must be given, or voice stays off (a unit cannot call 0.0.0.0).
   */
  GATEWAY_VOICE_HOST: z.string().optional(),
  /** `tnu` sent to units; default sip:voice-<GATEWAY_INSTANCE_ID>@<GATEWAY_VOICE_HOST>:<GATEWAY_SIP_PORT>. */
  GATEWAY_VOICE_URI: z
    .string()
    .regex(/^sips?:[A-Za-z0-9@+*#.:;=_%~!$,/?-]{1,128}$/)
    .optional(),
  /** The voice bridge's signalling API for the alarm center (joining calls from the console): off without a token. */
  GATEWAY_BRIDGE_HOST: z.string().default('127.0.0.1'),
  GATEWAY_BRIDGE_PORT: envPort.default(9470),
  GATEWAY_BRIDGE_TOKEN: z.string().min(16).optional(),
  /** How often the instance says it is online (v1/gateways/<id>/status); the alarm center's VOICE_GATEWAY_SILENCE_S must be well above it. */
  GATEWAY_PRESENCE_INTERVAL_S: z.coerce.number().int().min(1).max(600).default(10),
  /** The browser bridges (werift) in a worker thread, off the SIP/SCAIP event loop: on unless turned off. */
  GATEWAY_BRIDGE_WORKER: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: envLogLevel,
});

export type GatewayConfig = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return configSchema.parse(env);
}
