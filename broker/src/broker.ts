// The MQTT broker (aedes, MQTT 3.1.1) with the platform's authentication and ACL. The publish hook
// runs inside aedes' authorizePublish, which completes before aedes writes the PUBACK: a device's
// QoS 1 alarm is acknowledged only after the hook (the alarm center's ingest) resolved, and a
// rejected hook closes the connection without a PUBACK, so the device sends the alarm again.
// With `cluster` set, several broker processes share subscriptions, offline queues and messages
// through Redis (aedes' own Redis emitter and persistence), so a device may connect to any node.

import { timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { parseDeviceTopic, type RejectionReason } from '@trygg/firmware-protocol';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import persistenceRedis from 'aedes-persistence-redis';
import serverFactory from 'aedes-server-factory';
import mqemitterRedis from 'mqemitter-redis';
import type { Logger } from 'pino';
import { deviceIdentityOf, type Identity, mayPublish, maySubscribe } from './acl.ts';

export interface BrokerConfig {
  host: string;
  /** 0 picks a free port. */
  mqttPort: number;
  /** MQTT over WebSocket; null disables it, 0 picks a free port. */
  wsPort: number | null;
  /** Lets clients without credentials use topics outside the platform's (never `v1/...`). */
  allowAnonymous: boolean;
  maxPayloadBytes: number;
  /** Share sessions and messages with other broker processes through Redis; absent: standalone. */
  cluster?: ClusterConfig;
  /** MQTT over TLS (conventionally port 8883) besides plain MQTT; PEM key and certificate chain. */
  tls?: BrokerTlsConfig | null;
}

export interface BrokerTlsConfig {
  key: string | Buffer;
  cert: string | Buffer;
  /** 0 picks a free port. */
  port: number;
}

export interface ClusterConfig {
  /** `redis://[[user]:password@]host[:port][/db]` (or `rediss://`), the same for every node. */
  redisUrl: string;
  /** Prefixes every Redis key and pub/sub channel, so several clusters can share one Redis. */
  keyPrefix?: string;
}

export interface DeviceAuthenticator {
  /** True when the secret is the device's; a throw means "cannot tell now" (server unavailable). */
  authenticate(deviceId: string, secret: string): Promise<boolean>;
}

export interface ServiceAccount {
  username: string;
  password: string;
}

export interface PublishedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  clientId: string;
}

export interface BrokerHooks {
  /** Awaited before the PUBACK; a rejection refuses the message (no PUBACK, not forwarded). */
  onPublished?(message: PublishedMessage): Promise<void>;
  /** A publish the broker refused itself (ACL, size, topic syntax), so the platform can count it. */
  onRefused?(refusal: PublishRefusal): void;
}

export interface PublishRefusal {
  reason: Extract<RejectionReason, 'TOPIC_INVALID' | 'TOPIC_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE'>;
  clientId: string;
}

export interface BrokerDeps {
  authenticator: DeviceAuthenticator;
  serviceAccounts?: readonly ServiceAccount[];
  hooks?: BrokerHooks;
  logger: Logger;
}

export interface BrokerStats {
  connectedClients: number;
  connections: number;
  authFailures: number;
  published: number;
  refused: { acl: number; tooLarge: number; hookFailed: number; subscribe: number };
}

export interface RunningBroker {
  mqttPort: number;
  wsPort: number | null;
  /** MQTT over TLS; null when no certificate is configured. */
  tlsPort: number | null;
  aedes: Aedes;
  stats(): BrokerStats;
  close(): Promise<void>;
}

export class BrokerError extends Error {
  constructor(
    readonly code: 'BROKER_PORT_IN_USE' | 'BROKER_CLUSTER_CONFIG',
    message: string,
  ) {
    super(message);
    this.name = 'BrokerError';
  }
}

/** aedes' own errors for a PUBLISH topic it will not route (lib/handlers/publish.js). */
const PUBLISH_TOPIC_ERROR = /not allowed in PUBLISH|topic has too many levels/;

function authError(message: string, returnCode: 3 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function listen(server: Server | HttpServer, port: number, host: string, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        err.code === 'EADDRINUSE'
          ? new BrokerError('BROKER_PORT_IN_USE', `${what} port ${port} on ${host} is already in use`)
          : err,
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

function closeServer(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}

/** ioredis options from a redis URL (the persistence accepts no URL, only options). */
function redisOptions(cluster: ClusterConfig): RedisOptions {
  let url: URL;
  try {
    url = new URL(cluster.redisUrl);
  } catch {
    throw new BrokerError('BROKER_CLUSTER_CONFIG', 'cluster.redisUrl is not a URL');
  }
  const db = Number(url.pathname.slice(1) || '0');
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !Number.isInteger(db) || db < 0) {
    throw new BrokerError('BROKER_CLUSTER_CONFIG', 'cluster.redisUrl must be redis://host[:port][/db] or rediss://');
  }
  if (cluster.keyPrefix !== undefined && !/^[A-Za-z0-9_.:-]+$/.test(cluster.keyPrefix)) {
    // `*`, `?`, `[`, `/` or MQTT wildcards would change what the prefixed channel patterns match.
    throw new BrokerError('BROKER_CLUSTER_CONFIG', 'cluster.keyPrefix may hold only letters, digits and _ . : -');
  }
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    db,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

type RedisOptions = NonNullable<Parameters<typeof mqemitterRedis>[0]>;
type MQEmitterRedis = ReturnType<typeof mqemitterRedis>;
/** Exported by mqemitter-redis but missing from its types. */
type MQEmitterRedisPrefix = new (prefix: string, options: RedisOptions) => MQEmitterRedis;

interface ClusterBackends {
  mq: MQEmitterRedis;
  persistence: ReturnType<typeof persistenceRedis>;
}

function clusterBackends(cluster: ClusterConfig): ClusterBackends {
  const options = redisOptions(cluster);
  const prefix = cluster.keyPrefix;
  // Pub/sub channels ignore the Redis db number and ioredis' keyPrefix: the emitter prefixes them.
  const mq = prefix
    ? new (mqemitterRedis as unknown as { MQEmitterRedisPrefix: MQEmitterRedisPrefix }).MQEmitterRedisPrefix(
        prefix,
        options,
      )
    : mqemitterRedis(options);
  const persistence = persistenceRedis({ ...options, keyPrefix: prefix });
  return { mq, persistence };
}

export async function startBroker(config: BrokerConfig, deps: BrokerDeps): Promise<RunningBroker> {
  const { logger } = deps;
  const services = deps.serviceAccounts ?? [];
  const identities = new WeakMap<Client, Identity>();
  const counters = { connections: 0, authFailures: 0, published: 0 };
  const refused = { acl: 0, tooLarge: 0, hookFailed: 0, subscribe: 0 };
  if (config.allowAnonymous) {
    logger.warn('anonymous MQTT clients are allowed (outside v1/ only): never enable this in production');
  }

  const backends = config.cluster ? clusterBackends(config.cluster) : null;
  const aedes = new Aedes({ heartbeatInterval: 60_000, connectTimeout: 10_000, ...backends });

  const refusedBy = (reason: PublishRefusal['reason'], client: Client) =>
    deps.hooks?.onRefused?.({ reason, clientId: client.id });

  aedes.authenticate = (client, username, password, done) => {
    const fail = (reason: string, code: 3 | 4 | 5) => {
      counters.authFailures++;
      logger.warn({ clientId: client.id, reason }, 'MQTT connection refused');
      done(authError(reason, code), false);
    };
    if (!username) {
      if (!config.allowAnonymous) return fail('credentials required', 5);
      identities.set(client, { kind: 'anonymous' });
      return done(null, true);
    }
    const secret = password?.toString('utf8') ?? '';
    const service = services.find((s) => s.username === username);
    if (service) {
      if (!sameSecret(secret, service.password)) return fail('bad service credentials', 4);
      identities.set(client, { kind: 'service', username });
      return done(null, true);
    }
    const identity = deviceIdentityOf(client.id, username);
    if (!identity) return fail('client id must equal the device id in the username', 4);
    deps.authenticator.authenticate(username, secret).then(
      (ok) => {
        if (!ok) return fail('bad device credentials', 4);
        identities.set(client, identity);
        done(null, true);
      },
      (err: Error) => {
        logger.error({ err: err.message, clientId: client.id }, 'device authentication unavailable');
        fail('authentication unavailable', 3);
      },
    );
  };

  aedes.authorizePublish = (client, packet: PublishPacket, done) => {
    if (!client) return done(null); // the broker's own will/internal publishes
    const identity = identities.get(client);
    if (!identity || !mayPublish(identity, packet.topic)) {
      refused.acl++;
      // Someone else's valid device topic is an impersonation attempt; anything else is malformed.
      refusedBy(parseDeviceTopic(packet.topic) ? 'TOPIC_NOT_ALLOWED' : 'TOPIC_INVALID', client);
      logger.warn({ clientId: client.id, topic: packet.topic }, 'publish refused by ACL');
      return done(new Error(`not allowed to publish on ${packet.topic}`));
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (payload.byteLength > config.maxPayloadBytes) {
      refused.tooLarge++;
      refusedBy('PAYLOAD_TOO_LARGE', client);
      logger.warn(
        { clientId: client.id, topic: packet.topic, bytes: payload.byteLength },
        'publish refused: too large',
      );
      return done(new Error(`payload of ${payload.byteLength} bytes exceeds ${config.maxPayloadBytes}`));
    }
    if (identity.kind === 'device') packet.retain = false; // a device's alarm is an event, never a state
    const hook = deps.hooks?.onPublished;
    if (!hook) {
      counters.published++;
      return done(null);
    }
    hook({ topic: packet.topic, payload, qos: packet.qos, clientId: client.id }).then(
      () => {
        counters.published++;
        done(null);
      },
      (err: Error) => {
        refused.hookFailed++;
        logger.error({ err: err.message, clientId: client.id, topic: packet.topic }, 'publish not accepted; no PUBACK');
        done(err);
      },
    );
  };

  aedes.authorizeSubscribe = (client, subscription, done) => {
    const identity = identities.get(client);
    if (!identity || !maySubscribe(identity, subscription.topic)) {
      refused.subscribe++;
      logger.warn({ clientId: client.id, filter: subscription.topic }, 'subscription refused by ACL');
      return done(null, null);
    }
    done(null, subscription);
  };

  aedes.on('client', () => counters.connections++);
  aedes.on('clientError', (client, err) => {
    // aedes refuses wildcard and over-deep PUBLISH topics before authorizePublish runs.
    if (client && PUBLISH_TOPIC_ERROR.test(err.message)) {
      refused.acl++;
      refusedBy('TOPIC_INVALID', client);
      logger.warn({ clientId: client.id, err: err.message }, 'publish refused: invalid topic');
      return;
    }
    logger.debug({ clientId: client?.id, err: err.message }, 'client error');
  });
  aedes.on('connectionError', (_client, err) => logger.debug({ err: err.message }, 'connection error'));

  const servers: (Server | HttpServer)[] = [];
  const closeAll = async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await Promise.all(servers.map(closeServer));
    // aedes closes the emitter but never the persistence; destroy() ends its Redis connection.
    // (Its callback form waits for a 'ready' event that aedes' async setup() never emits.)
    await backends?.persistence.destroy().catch((err: Error) => {
      logger.warn({ err: err.message }, 'closing the Redis persistence failed');
    });
  };
  try {
    await aedes.listen();
    const mqtt = createNetServer((socket) => aedes.handle(socket));
    servers.push(mqtt);
    const mqttPort = await listen(mqtt, config.mqttPort, config.host, 'MQTT');
    let tlsPort: number | null = null;
    if (config.tls) {
      const { key, cert } = config.tls;
      const tls = createTlsServer({ key, cert, minVersion: 'TLSv1.2' }, (socket) => aedes.handle(socket));
      // A failed handshake (a plaintext client, an untrusted certificate) concerns that socket only.
      tls.on('tlsClientError', (err) => logger.debug({ err: err.message }, 'TLS handshake failed'));
      servers.push(tls);
      tlsPort = await listen(tls, config.tls.port, config.host, 'MQTT TLS');
    }
    let wsPort: number | null = null;
    if (config.wsPort !== null) {
      const ws = serverFactory.createServer(aedes, { ws: true }) as HttpServer;
      servers.push(ws);
      wsPort = await listen(ws, config.wsPort, config.host, 'MQTT WebSocket');
    }
    logger.info({ host: config.host, mqttPort, tlsPort, wsPort }, 'MQTT broker listening');
    return {
      mqttPort,
      wsPort,
      tlsPort,
      aedes,
      stats: () => ({ connectedClients: aedes.connectedClients, ...counters, refused: { ...refused } }),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
