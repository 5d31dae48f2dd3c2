// Runs the SCAIP gateway standalone: SIP on GATEWAY_SIP_HOST:GATEWAY_SIP_PORT (UDP and TCP, TLS
// when a certificate is configured), publishing into the broker at MQTT_URL. Controllers are those
// with devices provisioned in the alarm center's PostgreSQL (DATABASE_URL), else GATEWAY_CONTROLLERS.

import { readFileSync } from 'node:fs';
import { type CallEvent, type GatewayStatus, gatewayStatusTopic, voiceCallTopic } from '@trygg/firmware-protocol';
import { serveMetrics } from '@trygg/observability';
import pg from 'pg';
import pino from 'pino';
import { type ControllerAuth, createControllerAuth } from './auth.ts';
import { startBridgeApi } from './bridge-api.ts';
import { controllerCredentialsSchema, loadConfig } from './config.ts';
import type { ControllerRegistry } from './handler.ts';
import { createGatewayMetrics } from './metrics.ts';
import { connectPublisher, publisherPool } from './mqtt-publisher.ts';
import { pgControllerRegistry } from './pg-controllers.ts';
import { startGateway } from './server.ts';

const config = loadConfig();
const logger = pino({ level: config.LOG_LEVEL, name: 'scaip-gateway' });
const pool = config.DATABASE_URL ? new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 }) : null;
pool?.on('error', (err) => logger.warn({ err }, 'controller registry database connection lost'));
const controllers = pool ? databaseControllers(pool) : listedControllers(config.GATEWAY_CONTROLLERS);

function databaseControllers(db: pg.Pool): ControllerRegistry {
  logger.info('controllers: devices provisioned in the alarm center (DATABASE_URL)');
  const registry = pgControllerRegistry({ pool: db });
  return {
    isKnown: registry.isKnown,
    // so snu 0 means stored as an event of a registered device (see handler.ts)
    ...(registry.unit ? { unit: registry.unit } : {}),
    // the devices' provisioned interval is what the alarm center supervises
    heartbeatIntervalS: (cid) => registry.heartbeatIntervalS?.(cid) ?? config.GATEWAY_HEARTBEAT_INTERVAL_S,
  };
}

function listedControllers(ids: string[]): ControllerRegistry {
  const known = new Set(ids);
  if (known.size === 0) logger.warn('GATEWAY_CONTROLLERS is empty: every controller will be refused');
  return { isKnown: (cid) => known.has(cid), heartbeatIntervalS: () => config.GATEWAY_HEARTBEAT_INTERVAL_S };
}

function gatewayPresence(instance: string) {
  const status = (state: GatewayStatus['state']) => Buffer.from(JSON.stringify({ state } satisfies GatewayStatus));
  return {
    topic: gatewayStatusTopic(instance),
    will: status('offline'),
    birth: status('online'),
    everyMs: config.GATEWAY_PRESENCE_INTERVAL_S * 1000,
  };
}

const publisher = publisherPool(
  await Promise.all(
    Array.from({ length: config.GATEWAY_MQTT_CONNECTIONS }, (_, i) =>
      connectPublisher({
        url: config.MQTT_URL,
        ...(config.MQTT_USERNAME === undefined ? {} : { username: config.MQTT_USERNAME }),
        ...(config.MQTT_PASSWORD === undefined ? {} : { password: config.MQTT_PASSWORD }),
        clientId: `${config.GATEWAY_INSTANCE_ID}-${i}`,
        // one connection carries the instance's presence: when the process dies, the broker says so
        ...(i === 0 ? { presence: gatewayPresence(config.GATEWAY_INSTANCE_ID) } : {}),
      }),
    ),
  ),
);

const tls =
  config.GATEWAY_TLS_CERT_FILE && config.GATEWAY_TLS_KEY_FILE
    ? {
        port: config.GATEWAY_SIP_TLS_PORT,
        cert: readFileSync(config.GATEWAY_TLS_CERT_FILE),
        key: readFileSync(config.GATEWAY_TLS_KEY_FILE),
        ...(config.GATEWAY_TLS_CA_FILE ? { ca: readFileSync(config.GATEWAY_TLS_CA_FILE) } : {}),
      }
    : undefined;

function controllerAuth(): ControllerAuth | undefined {
  if (config.GATEWAY_AUTH === 'off') {
    logger.warn('GATEWAY_AUTH=off: any host that knows a controller id can send alarms and resets for it');
    return undefined;
  }
  const file = config.GATEWAY_CONTROLLER_CREDENTIALS_FILE;
  const credentials = file ? controllerCredentialsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : {};
  if (!file) logger.warn('no GATEWAY_CONTROLLER_CREDENTIALS_FILE: every controller will be refused (403)');
  return createControllerAuth({
    credentials: new Map(Object.entries(credentials)),
    allowedSources: config.GATEWAY_ALLOWED_SOURCES,
    ...(config.GATEWAY_NONCE_KEY ? { nonceKey: Buffer.from(config.GATEWAY_NONCE_KEY, 'hex') } : {}),
  });
}
const auth = controllerAuth();

const metrics = createGatewayMetrics();
const metricsEndpoint = await serveMetrics({
  registry: metrics.registry,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  token: config.METRICS_TOKEN ?? null,
});
logger.info({ url: metricsEndpoint.url, token: config.METRICS_TOKEN !== undefined }, 'metrics served');

const voiceHost = config.GATEWAY_VOICE_HOST ?? (config.GATEWAY_SIP_HOST === '0.0.0.0' ? null : config.GATEWAY_SIP_HOST);
if (config.GATEWAY_VOICE === 'on' && voiceHost === null) {
  logger.warn('voice calls off: set GATEWAY_VOICE_HOST, the address units call (GATEWAY_SIP_HOST is 0.0.0.0)');
}
const voice =
  config.GATEWAY_VOICE === 'on' && voiceHost !== null
    ? {
        rtpHost: voiceHost,
        // the call lives in this process: units are told to call this instance, not a shared address
        receiverUri:
          config.GATEWAY_VOICE_URI ?? `sip:voice-${config.GATEWAY_INSTANCE_ID}@${voiceHost}:${config.GATEWAY_SIP_PORT}`,
        instanceId: config.GATEWAY_INSTANCE_ID,
        bridgeWorker: config.GATEWAY_BRIDGE_WORKER === 'on',
        publishCall: (deviceId: string, event: CallEvent) =>
          publisher.publish(voiceCallTopic(deviceId), Buffer.from(JSON.stringify(event))),
      }
    : null;
const gateway = await startGateway({
  ...(voice ? { voice } : {}),
  host: config.GATEWAY_SIP_HOST,
  udpPort: config.GATEWAY_SIP_PORT,
  tcpPort: config.GATEWAY_SIP_PORT,
  ...(tls ? { tls } : {}),
  controllers,
  publish: publisher.publish,
  logger,
  dedupeTtlMs: config.GATEWAY_DEDUPE_TTL_S * 1000,
  gatewayId: config.GATEWAY_INSTANCE_ID,
  metrics,
  ...(auth ? { auth } : {}),
  udpReceiveBufferBytes: config.GATEWAY_UDP_RECEIVE_BUFFER_BYTES,
  streams: {
    idleTimeoutMs: config.GATEWAY_TCP_IDLE_TIMEOUT_S * 1000,
    maxTotal: config.GATEWAY_TCP_MAX_CONNECTIONS,
    maxPerPeer: config.GATEWAY_TCP_MAX_PER_PEER,
    reserveDescriptors: config.GATEWAY_FD_RESERVE,
  },
});
const bridgeApi =
  gateway.voice && config.GATEWAY_BRIDGE_TOKEN
    ? await startBridgeApi({
        voice: gateway.voice,
        host: config.GATEWAY_BRIDGE_HOST,
        port: config.GATEWAY_BRIDGE_PORT,
        token: config.GATEWAY_BRIDGE_TOKEN,
        logger,
      })
    : null;

async function shutdown(signal: string): Promise<void> {
  logger.info({ signal, stats: gateway.stats() }, 'SCAIP gateway stopping');
  await bridgeApi?.close();
  await gateway.close();
  await metricsEndpoint.close();
  await publisher.close();
  await pool?.end();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
