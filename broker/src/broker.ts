// The MQTT broker (aedes, MQTT 3.1.1) with the platform's authentication and ACL: this file
// assembles aedes, its hooks (one handler per packet type under handlers/) and the listeners. The
// publish hook runs inside aedes' authorizePublish, which completes before aedes writes the PUBACK:
// a device's QoS 1 alarm is acknowledged only after the hook (the alarm center's ingest) resolved,
// and a rejected hook closes the connection without a PUBACK, so the device sends the alarm again.
// With `cluster` set, several broker processes share subscriptions, offline queues and messages
// through Redis (aedes' own Redis emitter and persistence), so a device may connect to any node.

import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { connectionCapacity, openFileLimit } from '@trygg/observability/limits';
import { Aedes, type Client } from 'aedes';
import persistenceRedis from 'aedes-persistence-redis';
import serverFactory from 'aedes-server-factory';
import mqemitterRedis from 'mqemitter-redis';
import type { Logger } from 'pino';
import type { Identity } from './acl.ts';
import type { BrokerContext, PublishedMessage } from './context.ts';
import {
  DEFAULT_LOGIN_ADMISSION,
  type DeviceAuthenticator,
  type DeviceCredentials,
  DeviceLogin,
  type DeviceLoginStats,
  type LoginAdmission,
} from './device-login.ts';
import { authenticate, preConnect } from './handlers/connect.ts';
import { authorizeForward } from './handlers/forward.ts';
import { authorizePublish, dropAfterAcknowledging, PUBLISH_TOPIC_ERROR } from './handlers/publish.ts';
import { authorizeSubscribe } from './handlers/subscribe.ts';
import { PlatformMemoryPersistence } from './memory-persistence.ts';
import { decodeWhole } from './packet-reads.ts';
import { encodeWhole } from './packet-writes.ts';
import { PublishPipeline } from './publish-pipeline.ts';
import { type RefusalCounts, type RefusalHooks, Refusals } from './refusals.ts';
import { coalesceWrites } from './socket-writes.ts';
import { memoryEmitter } from './topic-matches.ts';

export type { PublishedMessage } from './context.ts';
export type { DeviceAuthenticator, DeviceCredentials, LoginAdmission } from './device-login.ts';
export type { LoginRefusal, PublishRefusal, SubscribeRefusal } from './refusals.ts';

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
  /**
   * Topics (and what lies below them) closed to every subscription: SUBACK 0x80, and never
   * delivered to a wildcard either. The Paho interoperability suite expects `test/nosubscribe`.
   */
  noSubscribeTopics?: readonly string[];
  /**
   * Bounds on the cost of device logins (rate, concurrent scrypt, waiting); unset fields take
   * DEFAULT_LOGIN_ADMISSION. The verification bounds apply to the derivations the broker runs for
   * `deps.credentials`; to calls of the older `deps.authenticator` only when
   * `maxConcurrentVerifications` is set here.
   */
  admission?: Partial<LoginAdmission>;
  /**
   * Publishes of one connection that may await the publish hook at once before the broker stops
   * reading that connection ahead (publish-pipeline.ts); 1: only once a whole read was handled,
   * as aedes does. Default DEFAULT_PUBLISH_PIPELINE.
   */
  publishPipeline?: number;
  /**
   * Connections the kernel may complete and hold for the broker to accept (listen backlog) on
   * each of its listeners; Linux caps it at net.core.somaxconn. Default DEFAULT_LISTEN_BACKLOG.
   */
  listenBacklog?: number;
  /**
   * Device connections (TCP, TLS and WebSocket together) held at once; never more than the
   * open-file limit minus `reserveDescriptors`. Over it a connection is closed on arrival and
   * counted, and the device retries. Default: the open-file limit alone decides.
   */
  maxConnections?: number;
  /** Descriptors never given to device connections. Default DEFAULT_DESCRIPTOR_RESERVE. */
  reserveDescriptors?: number;
}

/**
 * Descriptors kept from device connections, so that when devices fill the process (a fleet larger
 * than its open-file limit) the database pool, consoles' HTTP and WebSocket, InfluxDB and the logs
 * still get theirs: without it the kernel's EMFILE strikes whatever opens next, and a node full of
 * devices can no longer store their alarms.
 */
export const DEFAULT_DESCRIPTOR_RESERVE = 512;

/** How often, at most, the broker logs that connections are being refused at its cap. */
const CAP_LOG_EVERY_MS = 10_000;

/**
 * A reconnect storm's handshakes wait in the kernel while the broker is busy: 2,000 devices at once
 * fit, where Node's default (511) drops the rest and leaves each device to its TCP retransmission
 * (1 s, 3 s, ...). Linux's own cap, net.core.somaxconn, is 4096 by default.
 */
export const DEFAULT_LISTEN_BACKLOG = 4096;

/** Enough for a gateway's several group-commit transactions in flight on one connection. */
export const DEFAULT_PUBLISH_PIPELINE = 256;

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

export interface ServiceAccount {
  username: string;
  password: string;
}

export interface BrokerHooks extends RefusalHooks {
  /** Awaited before the PUBACK; a rejection refuses the message (no PUBACK, not forwarded). */
  onPublished?(message: PublishedMessage): Promise<void>;
}

export interface BrokerDeps {
  /**
   * Where device secrets are looked up; the broker verifies them itself (scrypt, bounded by
   * `admission`, cached), and tells an unknown device from a wrong secret.
   */
  credentials?: DeviceCredentials;
  /** The older form: the caller verifies. Used only when `credentials` is absent. */
  authenticator?: DeviceAuthenticator;
  serviceAccounts?: readonly ServiceAccount[];
  hooks?: BrokerHooks;
  logger: Logger;
  /** Milliseconds, for the login rate and the secret cache's TTL; Date.now by default. */
  clock?: () => number;
}

export interface BrokerStats {
  connectedClients: number;
  connections: number;
  /** Sockets open now on every listener, the most allowed, and those closed on arrival at the cap. */
  sockets: { open: number; capacity: number; refused: number };
  /** Refused logins, all reasons. */
  authFailures: number;
  published: number;
  /** The most publishes of one connection that awaited the publish hook at once. */
  peakPublishesAwaitingHook: number;
  refused: { acl: number; tooLarge: number; hookFailed: number; subscribe: number };
  /** Every refusal by kind and reason code (the same ones the hooks receive). */
  refusals: RefusalCounts;
  logins: DeviceLoginStats;
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

async function listen(
  server: Server | HttpServer,
  port: number,
  host: string,
  what: string,
  backlog: number,
): Promise<number> {
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
    server.listen({ port, host, backlog });
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

const sum = (counts: Partial<Record<string, number>>) =>
  Object.values(counts).reduce<number>((total, n) => total + (n ?? 0), 0);

export async function startBroker(config: BrokerConfig, deps: BrokerDeps): Promise<RunningBroker> {
  const { logger } = deps;
  if (config.allowAnonymous) {
    logger.warn('anonymous MQTT clients are allowed (outside v1/ only): never enable this in production');
  }
  const ctx: BrokerContext = {
    allowAnonymous: config.allowAnonymous,
    maxPayloadBytes: config.maxPayloadBytes,
    noSubscribeTopics: config.noSubscribeTopics ?? [],
    services: deps.serviceAccounts ?? [],
    identities: new WeakMap<Client, Identity>(),
    emptyPersistentIds: new WeakSet<Client>(),
    deviceLogin: new DeviceLogin(
      { credentials: deps.credentials, authenticator: deps.authenticator },
      { ...DEFAULT_LOGIN_ADMISSION, ...config.admission },
      deps.clock ?? Date.now,
      config.admission?.maxConcurrentVerifications !== undefined,
    ),
    refusals: new Refusals(deps.hooks ?? {}, logger),
    onPublished: deps.hooks?.onPublished?.bind(deps.hooks),
    counters: { connections: 0, published: 0, hookFailed: 0 },
    logger,
  };
  const { counters } = ctx;

  const backends = config.cluster ? clusterBackends(config.cluster) : null;
  const aedes = new Aedes({
    heartbeatInterval: 60_000,
    connectTimeout: 10_000,
    ...(backends ?? { persistence: new PlatformMemoryPersistence(), mq: memoryEmitter() }),
  });
  aedes.preConnect = preConnect(ctx);
  aedes.authenticate = authenticate(ctx);
  const pipeline = new PublishPipeline(config.publishPipeline ?? DEFAULT_PUBLISH_PIPELINE);
  aedes.authorizePublish = authorizePublish(ctx, dropAfterAcknowledging(aedes), pipeline);
  aedes.authorizeSubscribe = authorizeSubscribe(ctx);
  aedes.authorizeForward = authorizeForward(ctx);

  aedes.on('client', () => counters.connections++);
  aedes.on('clientError', (client, err) => {
    // aedes refuses wildcard and over-deep PUBLISH topics before authorizePublish runs.
    if (client && PUBLISH_TOPIC_ERROR.test(err.message)) {
      ctx.refusals.publish({ reason: 'TOPIC_INVALID', clientId: client.id }, err.message);
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
  const fileLimit = openFileLimit();
  const capacity = connectionCapacity(
    config.maxConnections ?? Number.MAX_SAFE_INTEGER,
    config.reserveDescriptors ?? DEFAULT_DESCRIPTOR_RESERVE,
    fileLimit,
  );
  const sockets = { open: 0, refused: 0, refusedSinceLog: 0, loggedAt: Number.NEGATIVE_INFINITY };
  /** A socket within the cap is counted until it closes; one over it is closed at once and counted. */
  const admit = (socket: Socket): boolean => {
    if (sockets.open >= capacity) {
      sockets.refused++;
      sockets.refusedSinceLog++;
      socket.destroy();
      const now = performance.now();
      if (now - sockets.loggedAt >= CAP_LOG_EVERY_MS) {
        logger.warn(
          { refused: sockets.refusedSinceLog, open: sockets.open, capacity, fileLimit },
          'device connections refused at the connection cap: raise the open-file limit (ulimit -n) or add a node',
        );
        sockets.loggedAt = now;
        sockets.refusedSinceLog = 0;
      }
      return false;
    }
    sockets.open++;
    socket.once('close', () => sockets.open--);
    return true;
  };
  try {
    await aedes.listen();
    // A TCP or TLS connection's PUBLISH and PUBACK are read and written whole (packet-reads.ts,
    // packet-writes.ts), and its writes of one turn leave together (socket-writes.ts).
    const handle = (socket: Socket) => decodeWhole(aedes.handle(encodeWhole(coalesceWrites(socket))));
    const mqtt = createNetServer((socket) => {
      if (admit(socket)) handle(socket);
    });
    servers.push(mqtt);
    const backlog = config.listenBacklog ?? DEFAULT_LISTEN_BACKLOG;
    const mqttPort = await listen(mqtt, config.mqttPort, config.host, 'MQTT', backlog);
    let tlsPort: number | null = null;
    if (config.tls) {
      const { key, cert } = config.tls;
      const tls = createTlsServer({ key, cert, minVersion: 'TLSv1.2' }, handle);
      // counted from accept, before the handshake: a handshake holds its descriptor too
      tls.prependListener('connection', (socket: Socket) => void admit(socket));
      // A failed handshake (a plaintext client, an untrusted certificate) concerns that socket only.
      tls.on('tlsClientError', (err) => logger.debug({ err: err.message }, 'TLS handshake failed'));
      servers.push(tls);
      tlsPort = await listen(tls, config.tls.port, config.host, 'MQTT TLS', backlog);
    }
    let wsPort: number | null = null;
    if (config.wsPort !== null) {
      const ws = serverFactory.createServer(aedes, { ws: true }) as HttpServer;
      ws.prependListener('connection', (socket: Socket) => void admit(socket));
      servers.push(ws);
      wsPort = await listen(ws, config.wsPort, config.host, 'MQTT WebSocket', backlog);
    }
    logger.info({ host: config.host, mqttPort, tlsPort, wsPort }, 'MQTT broker listening');
    return {
      mqttPort,
      wsPort,
      tlsPort,
      aedes,
      stats: () => {
        const refusals = ctx.refusals.counts();
        const { publish } = refusals;
        return {
          connectedClients: aedes.connectedClients,
          connections: counters.connections,
          sockets: { open: sockets.open, capacity, refused: sockets.refused },
          authFailures: sum(refusals.login),
          published: counters.published,
          peakPublishesAwaitingHook: pipeline.peakPending(),
          refused: {
            acl: (publish.TOPIC_INVALID ?? 0) + (publish.TOPIC_NOT_ALLOWED ?? 0),
            tooLarge: publish.PAYLOAD_TOO_LARGE ?? 0,
            hookFailed: counters.hookFailed,
            subscribe: sum(refusals.subscribe),
          },
          refusals,
          logins: ctx.deviceLogin.stats(),
        };
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
