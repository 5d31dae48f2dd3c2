// Runs the SCAIP gateway standalone: SIP on GATEWAY_SIP_HOST:GATEWAY_SIP_PORT (UDP and TCP, TLS
// when a certificate is configured), publishing into the broker at MQTT_URL.

import { readFileSync } from 'node:fs';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { connectPublisher } from './mqtt-publisher.ts';
import { startGateway } from './server.ts';

const config = loadConfig();
const logger = pino({ level: config.LOG_LEVEL, name: 'scaip-gateway' });
const controllerIds = new Set(config.GATEWAY_CONTROLLERS);
if (controllerIds.size === 0) logger.warn('GATEWAY_CONTROLLERS is empty: every controller will be refused');

const publisher = await connectPublisher({
  url: config.MQTT_URL,
  ...(config.MQTT_USERNAME === undefined ? {} : { username: config.MQTT_USERNAME }),
  ...(config.MQTT_PASSWORD === undefined ? {} : { password: config.MQTT_PASSWORD }),
  clientId: 'scaip-gateway',
});

const tls =
  config.GATEWAY_TLS_CERT_FILE && config.GATEWAY_TLS_KEY_FILE
    ? {
        port: config.GATEWAY_SIP_TLS_PORT,
        cert: readFileSync(config.GATEWAY_TLS_CERT_FILE),
        key: readFileSync(config.GATEWAY_TLS_KEY_FILE),
      }
    : undefined;

const gateway = await startGateway({
  host: config.GATEWAY_SIP_HOST,
  udpPort: config.GATEWAY_SIP_PORT,
  tcpPort: config.GATEWAY_SIP_PORT,
  ...(tls ? { tls } : {}),
  controllers: {
    isKnown: (cid) => controllerIds.has(cid),
    heartbeatIntervalS: () => config.GATEWAY_HEARTBEAT_INTERVAL_S,
  },
  publish: publisher.publish,
  logger,
  dedupeTtlMs: config.GATEWAY_DEDUPE_TTL_S * 1000,
});

async function shutdown(signal: string): Promise<void> {
  logger.info({ signal, stats: gateway.stats() }, 'SCAIP gateway stopping');
  await gateway.close();
  await publisher.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
