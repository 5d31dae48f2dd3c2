// Assembles the alarm center: database and migrations, device registry and routing core, the
// embedded broker whose publish hook is the ingest (so a device's QoS 1 alarm is acknowledged
// only after it is committed), the deadline scheduler, health, and the HTTP/WebSocket app.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { brokerMetrics, DEFAULT_LOGIN_ADMISSION, hashSecret, type RunningBroker, startBroker } from '@trygg/broker';
import { serveMetrics } from '@trygg/observability';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AlarmBus } from './alarms/bus.ts';
import { Replication, replicaOrigin, withOrigin } from './alarms/replication.ts';
import { DeadlineScheduler } from './alarms/scheduler.ts';
import { AlarmService } from './alarms/service.ts';
import { RelyingParty } from './applicants/relying-party.ts';
import { ApplicantSignIn } from './applicants/service.ts';
import { AuditLog } from './audit/service.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { escalateAfterMs, RoutingCore } from './core/index.ts';
import { createPool, type Database, openDatabase } from './db/database.ts';
import { DatabaseHealth } from './db/health.ts';
import { migrate } from './db/migrate.ts';
import { primaryReads, type Reads, ReplicaReads } from './db/read-replica.ts';
import { CommandRelay } from './devices/command-relay.ts';
import { brokerCommands, type DeviceCommands, TechnicianCommands } from './devices/commands.ts';
import { deviceCredentials } from './devices/login.ts';
import { Provisioning, profileOf } from './devices/provisioning.ts';
import { DeviceRegistry } from './devices/registry.ts';
import { EmbeddedTelemetry, InfluxTelemetry, type TelemetrySink } from './devices/telemetry.ts';
import { AppError } from './errors.ts';
import { GrantService } from './grants/service.ts';
import { buildApp } from './http/app.ts';
import { isDatabaseUnavailable } from './http/errors.ts';
import { IncidentService } from './incidents/service.ts';
import { CommitGroup, DEFAULT_COMMIT_GROUP } from './ingest/commit-group.ts';
import { HealthWriter } from './ingest/health-writer.ts';
import { createIngest, type Ingest } from './ingest/ingest.ts';
import { startDeviceMessageRetention } from './ingest/retention.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { OverviewService } from './overview/service.ts';
import { createPiiCipher, type PiiCipher } from './privacy/pii.ts';
import { ResidentService } from './residents/service.ts';
import { ResponderService } from './responders/service.ts';
import { SupervisionService } from './supervision/service.ts';
import { GatewayPresence } from './voice/gateway-presence.ts';
import { VoiceRecordings } from './voice/recordings.ts';
import { VoiceService } from './voice/service.ts';

export interface PlatformOptions {
  config: Config;
  logger: Logger;
  piiKey: Buffer;
  clock?: Clock;
  /** Service account the gateway (and other trusted services) use on the broker. */
  serviceAccounts?: { username: string; password: string }[];
}

export interface Platform {
  config: Config;
  db: Database;
  app: FastifyInstance;
  broker: RunningBroker;
  httpPort: number;
  mqttPort: number;
  /** MQTT over TLS; null without MQTT_TLS_KEY_FILE/MQTT_TLS_CERT_FILE. */
  mqttTlsPort: number | null;
  wsPort: number | null;
  /** Prometheus scrape URL (METRICS_HOST/METRICS_PORT), apart from the console's port. */
  metricsUrl: string;
  core: RoutingCore;
  registry: DeviceRegistry;
  provisioning: Provisioning;
  service: AlarmService;
  grants: GrantService;
  supervision: SupervisionService;
  /** The alarm's voice calls: the gateway's call events stored as call state and alarm history. */
  voice: VoiceService;
  /** Call recordings; null unless VOICE_RECORDING_RETENTION_DAYS turns the recording policy on. */
  voiceRecordings: VoiceRecordings | null;
  /** Gateway instances' presence: a lost instance's calls end as failed. */
  gatewayPresence: GatewayPresence;
  responders: ResponderService;
  incidents: IncidentService;
  bus: AlarmBus;
  metrics: Metrics;
  ingest: Ingest;
  pii: PiiCipher;
  scheduler: DeadlineScheduler;
  telemetry: TelemetrySink;
  /** The one road for a command to a device, on whichever node it is connected. */
  commands: DeviceCommands;
  close(): Promise<void>;
}

/**
 * The sweep of silent gateway instances, one timer for all. Its first run waits a whole silence
 * window after start-up, so the gateways that were connected when this node went down have
 * reconnected and said they are online before anyone is judged silent.
 */
function startGatewaySweep(presence: GatewayPresence, silenceMs: number, logger: Logger): () => Promise<void> {
  let interval: NodeJS.Timeout | undefined;
  const sweep = () => {
    presence.sweep().catch((err: unknown) => logger.error({ err }, 'gateway sweep failed; next run retries'));
  };
  const first = setTimeout(() => {
    sweep();
    interval = setInterval(sweep, Math.max(1000, Math.floor(silenceMs / 3)));
    interval.unref();
  }, silenceMs);
  first.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(interval);
  };
}

function portInUse(variable: string, port: number): never {
  throw new AppError('PORT_IN_USE', `port ${port} is already in use: set ${variable} to a free port`);
}

/** Longest that one step of shutting down may take. */
const CLOSE_STEP_MS = 8_000;

/** Longest that starting or stopping waits for InfluxDB. */
const TELEMETRY_WAIT_MS = 2000;

/** Waits for `work`, but at most `ms`; after that `onTimeout` runs and `work` goes on unawaited. */
async function atMost(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  const timedOut = await Promise.race([work.then(() => false), expired]);
  clearTimeout(timer);
  if (timedOut) onTimeout();
}

/** Reads a PEM key and certificate pair (config guarantees both or neither are set). */
function pemPair(keyFile: string | undefined, certFile: string | undefined, port: number) {
  if (!keyFile || !certFile) return null;
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), port };
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const origin = replicaOrigin(config.INSTANCE_ID);
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL ? withOrigin(config.DATABASE_URL, origin) : null,
    embeddedDataDir: config.EMBEDDED_DB_DIR === 'memory' ? null : config.EMBEDDED_DB_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    log: (line) => logger.debug({ component: 'embedded-postgres' }, line),
  });
  const closers: (() => Promise<void>)[] = [() => db.close()];
  // Each step is bounded, so a hung transaction or a silent peer cannot keep the process alive.
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await atMost(
        close().catch((err) => logger.warn({ err }, 'close failed')),
        CLOSE_STEP_MS,
        () => logger.warn('a shutdown step did not finish in time; going on'),
      );
    }
  };
  try {
    const applied = await migrate(db.pool);
    logger.info({ mode: db.mode, applied }, 'database ready');

    const metrics = createMetrics({ openAlarmsByStatus: () => service.countOpenByStatus() });
    const bus = new AlarmBus();
    const pii = createPiiCipher(options.piiKey);
    const escalateAfter = escalateAfterMs(config.ESCALATE_AFTER_S);
    const core = new RoutingCore({ escalateAfterMs: escalateAfter });
    const registry = new DeviceRegistry();
    const now = clock.now();
    for (const device of await registry.load(db.pool)) core.upsertDevice(profileOf(device, config.TIME_ZONE), now);
    const service = new AlarmService(db.pool, core, bus, metrics, clock, {
      escalateAtPresses: config.REPEAT_ESCALATE_PRESSES,
      escalateAfterMs: config.REPEAT_ESCALATE_AFTER_S * 1000,
      followWindowMs: config.REOPEN_WINDOW_S * 1000,
    });
    for (const open of await service.openForCore()) {
      if (open.status === 'new') core.alarmOpened(open.id, open.priority, open.openedAt);
      if (open.kind === 'connection_lost') core.markConnectionLost(open.deviceId);
    }
    const provisioning = new Provisioning(db.pool, registry, core, clock, config.TIME_ZONE);
    // Read-only queries that may be a moment behind go to the streaming replica while it is in step.
    let reads: Reads = primaryReads(db.pool);
    if (config.DATABASE_REPLICA_URL) {
      const replicaPool = createPool(withOrigin(config.DATABASE_REPLICA_URL, `${origin}-replica`), 4);
      const replicaReads = new ReplicaReads({
        primary: db.pool,
        replica: replicaPool,
        maxLagMs: config.DATABASE_REPLICA_MAX_LAG_MS,
        logger: logger.child({ component: 'replica' }),
        onState: (state, lagMs) => {
          metrics.replicaInUse.set(state === 'in_use' ? 1 : 0);
          if (lagMs !== null) metrics.replicaLag.set(lagMs / 1000);
        },
      });
      await replicaReads.start();
      closers.push(async () => {
        replicaReads.stop();
        await replicaPool.end();
      });
      reads = replicaReads;
    }
    const audit = new AuditLog(db.pool, clock, reads);
    // Mass outages: the alarm service tells the incidents feature of every outage alarm.
    const incidents = new IncidentService(
      db.pool,
      service,
      registry,
      audit,
      metrics,
      clock,
      logger.child({ component: 'incidents' }),
      {
        minUnits: config.OUTAGE_MIN_UNITS,
        minShare: config.OUTAGE_MIN_SHARE,
        windowMs: config.OUTAGE_WINDOW_S * 1000,
        settleMs: config.OUTAGE_SETTLE_S * 1000,
      },
    );
    await incidents.load();
    service.groupOutagesWith(incidents);
    const residents = new ResidentService(db.pool, pii, audit);
    const grants = new GrantService(db.pool, pii, provisioning, residents, audit, clock, {
      olderPersonsMinAge: config.GRANT_OLDER_PERSONS_MIN_AGE,
      timeZone: config.TIME_ZONE,
    });
    const keyed = await grants.backfillPersonKeys();
    if (keyed.keyed + keyed.duplicates + keyed.unreadable > 0)
      logger.info(keyed, 'applications from before the sign-in got their lookup key');
    const applicants = new ApplicantSignIn(
      db.pool,
      pii,
      audit,
      clock,
      config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET
        ? new RelyingParty({
            issuer: config.OIDC_ISSUER,
            clientId: config.OIDC_CLIENT_ID,
            clientSecret: config.OIDC_CLIENT_SECRET,
          })
        : null,
      {
        sessionTtlS: config.APPLICANT_SESSION_TTL_S,
        personalNumberClaim: config.OIDC_PERSONAL_NUMBER_CLAIM,
        redirectUri: config.OIDC_REDIRECT_URI ?? null,
      },
      metrics.registry,
    );

    let telemetry: TelemetrySink = new EmbeddedTelemetry();
    if (config.INFLUX_URL) {
      const influx = new InfluxTelemetry({ url: config.INFLUX_URL }, logger);
      // A hung InfluxDB answers nothing for the client's 30 s timeout (and retries); the broker
      // must not wait for it to start taking alarms, nor shutdown for the last telemetry flush.
      const init = influx
        .init()
        .catch((err) => logger.warn({ err: err.message }, 'InfluxDB not reachable yet; buffering'));
      await atMost(init, TELEMETRY_WAIT_MS, () => logger.warn('InfluxDB does not answer; starting without it'));
      telemetry = influx;
    }
    closers.push(() =>
      atMost(telemetry.close(), TELEMETRY_WAIT_MS, () =>
        logger.warn({ unwritten: telemetry.stats().buffered }, 'InfluxDB does not answer; telemetry not flushed'),
      ),
    );

    const health = new HealthWriter(db.pool, logger);
    health.start();
    closers.push(() => health.stop());

    // The database's state, probed every second with a bounded query: a stalled database shows
    // on `/health` and on every console within about a second.
    const databaseHealth = new DatabaseHealth({
      pool: db.pool,
      onChange: (state) => {
        if (state === 'ok') logger.info('database answers again; alarms flow');
        else logger.error({ state }, 'database does not answer; device messages are not acknowledged');
        bus.setHealth(
          state === 'ok' ? { degraded: false, reason: null } : { degraded: true, reason: `database_${state}` },
        );
      },
    });
    databaseHealth.start();
    closers.push(async () => databaseHealth.stop());
    const markDegraded = (err: Error) => {
      databaseHealth.report(isDatabaseUnavailable(err) ? 'unavailable' : 'failing');
    };

    const ingest = createIngest({
      // Bound late, like onPresence: the voice feature and the command road are built below.
      onStored: (deviceId, event) => voice.offerUnitCall(deviceId, event, commands),
      pool: db.pool,
      core,
      registry,
      alarms: service,
      health,
      telemetry,
      metrics,
      logger,
      clock,
      rateLimit: { perSecond: config.DEVICE_RATE_PER_S, burst: config.DEVICE_RATE_BURST },
      onStoreFailure: markDegraded,
      // Bound late: the responders feature is built below, before the broker takes any message.
      onPresence: (client, deviceId, at, into) => responders.unitPresence(client, deviceId, at, into),
      commits: new CommitGroup(db.pool, {
        ...DEFAULT_COMMIT_GROUP,
        maxBatch: config.INGEST_BATCH_MAX,
        maxInFlight: config.INGEST_TRANSACTIONS,
      }),
    });

    const voice = new VoiceService(
      db.pool,
      service,
      metrics,
      logger.child({ component: 'voice' }),
      audit,
      (config.GATEWAY_BRIDGE_URL || config.GATEWAY_BRIDGE_URLS.size > 0) && config.GATEWAY_BRIDGE_TOKEN
        ? {
            token: config.GATEWAY_BRIDGE_TOKEN,
            byInstance: config.GATEWAY_BRIDGE_URLS,
            ...(config.GATEWAY_BRIDGE_URL ? { url: config.GATEWAY_BRIDGE_URL } : {}),
          }
        : null,
    );

    // the municipality's recording policy: unset, the gateway is never asked to record
    const recordings = config.VOICE_RECORDING_RETENTION_DAYS
      ? new VoiceRecordings(
          db.pool,
          pii,
          audit,
          metrics,
          logger.child({ component: 'voice-recordings' }),
          { retentionDays: config.VOICE_RECORDING_RETENTION_DAYS },
          () => clock.now(),
        )
      : null;
    if (recordings) voice.useRecordings(recordings);
    const gatewayPresence = new GatewayPresence(
      db.pool,
      service,
      metrics,
      logger.child({ component: 'gateway-presence' }),
      audit,
      clock,
      config.VOICE_GATEWAY_SILENCE_S * 1000,
    );
    closers.push(startGatewaySweep(gatewayPresence, config.VOICE_GATEWAY_SILENCE_S * 1000, logger));

    const stopRetention = startDeviceMessageRetention(db.pool, logger);
    closers.push(async () => stopRetention());

    const scheduler = new DeadlineScheduler(core, service, clock, logger);
    scheduler.start();
    closers.push(async () => scheduler.stop());
    if (recordings) scheduler.watch(recordings);
    incidents.start();
    closers.push(async () => {
      incidents.stop();
      await incidents.settled();
    });

    if (config.DATABASE_URL) {
      const replication = new Replication({
        databaseUrl: config.DATABASE_URL,
        origin,
        pool: db.pool,
        bus,
        core,
        service,
        clock,
        logger,
        escalateAfterMs: escalateAfter,
      });
      await replication.start();
      closers.push(() => replication.stop());
    }

    // HTTP and /health come up before the broker takes device logins: a restart while thousands
    // of devices reconnect must never fail on start-up, and must be visible while it catches up.
    let broker: RunningBroker | null = null;
    // Several nodes: a command for a device on another node goes there through PostgreSQL.
    const relay = config.DATABASE_URL
      ? new CommandRelay({
          databaseUrl: config.DATABASE_URL,
          origin,
          pool: db.pool,
          aedes: () => broker?.aedes ?? null,
          logger,
          count: (outcome) => metrics.commandRelay.inc({ outcome }),
        })
      : null;
    if (relay) {
      await relay.start();
      closers.push(() => relay.stop());
    }
    const commands: DeviceCommands = {
      request: (...args) => {
        if (!broker) return Promise.resolve({ kind: 'timeout' });
        return (relay ?? brokerCommands(broker.aedes)).request(...args);
      },
    };
    voice.useCommands(commands);
    // The supervision tick runs from here (not from its routes) until shutdown.
    const supervision = new SupervisionService(
      db.pool,
      clock,
      service,
      commands,
      logger.child({ component: 'supervision' }),
      { timeZone: config.TIME_ZONE },
    );
    supervision.start();
    closers.push(async () => supervision.stop());
    // Accept deadlines of dispatches run on the one deadline scheduler's tick.
    const responders = new ResponderService(
      db.pool,
      service,
      residents,
      audit,
      commands,
      bus,
      clock,
      logger.child({ component: 'responders' }),
      {
        timeZone: config.TIME_ZONE,
        acceptWithinMs: config.DISPATCH_ACCEPT_S * 1000,
        arrivalTargetMinutes: config.ARRIVAL_TARGET_MIN,
      },
      supervision,
    );
    await responders.load();
    const overview = new OverviewService(reads, clock, config.TIME_ZONE, config.ANSWER_TARGETS, service, responders);
    scheduler.watch(responders);
    const app = await buildApp({
      alarms: service,
      applicants,
      audit,
      bus,
      devices: provisioning,
      grants,
      incidents,
      overview,
      residents,
      supervision,
      voice,
      voiceRecordings: recordings,
      responders,
      metrics,
      telemetry,
      clock,
      logger,
      auth: {
        pool: db.pool,
        clock,
        sessionTtlS: config.SESSION_TTL_S,
        secureCookies: Boolean(config.HTTPS_KEY_FILE),
        dummyHash: await hashSecret(randomBytes(16).toString('hex')),
      },
      deviceCommands: new TechnicianCommands(commands, audit, clock),
      consoleDist: config.WEB_CONSOLE_DIST ?? null,
      consoleSettings: {
        map: { tileUrl: config.MAP_TILE_URL, attribution: config.MAP_TILE_ATTRIBUTION, linkUrl: config.MAP_LINK_URL },
      },
      https: pemPair(config.HTTPS_KEY_FILE, config.HTTPS_CERT_FILE, 0),
      health: async () => {
        // a probe begun before this request may have answered just before the database froze
        const database = await databaseHealth.check(performance.now());
        const t = telemetry.stats();
        const checks: Record<string, string> = {
          database,
          broker: broker ? 'ok' : 'starting',
          telemetry: t.dropped > 0 ? `dropping (${t.dropped} dropped)` : 'ok',
        };
        // informative only: without the replica the primary serves its reads
        if (config.DATABASE_REPLICA_URL) checks.replica = reads.state();
        const up = database === 'ok' && broker !== null && !bus.health.degraded;
        return { status: up ? 'ok' : 'degraded', checks };
      },
      live: () => ({ status: broker ? 'ok' : 'starting', checks: { broker: broker ? 'ok' : 'starting' } }),
    });
    closers.push(() => app.close());
    try {
      await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
    } catch (err) {
      if ((err as { code?: string }).code === 'EADDRINUSE') portInUse('HTTP_PORT', config.HTTP_PORT);
      throw err;
    }
    const mqttMetrics = brokerMetrics(metrics.registry);
    broker = await startBroker(
      {
        host: config.MQTT_HOST,
        mqttPort: config.MQTT_PORT,
        wsPort: config.MQTT_WS_PORT,
        allowAnonymous: config.MQTT_ALLOW_ANONYMOUS,
        maxPayloadBytes: 16 * 1024,
        publishPipeline: config.MQTT_PUBLISH_PIPELINE,
        listenBacklog: config.MQTT_LISTEN_BACKLOG,
        ...(config.MQTT_MAX_CONNECTIONS === undefined ? {} : { maxConnections: config.MQTT_MAX_CONNECTIONS }),
        reserveDescriptors: config.MQTT_FD_RESERVE,
        tls: pemPair(config.MQTT_TLS_KEY_FILE, config.MQTT_TLS_CERT_FILE, config.MQTT_TLS_PORT),
        // Logins are admitted at a bounded rate and slow (scrypt) verifications run two at a
        // time; beyond that a device gets CONNACK 3 and retries, so a storm never starves HTTP.
        admission: DEFAULT_LOGIN_ADMISSION,
      },
      {
        credentials: deviceCredentials(db.pool, logger),
        serviceAccounts: options.serviceAccounts ?? config.BROKER_SERVICE_USERS,
        hooks: {
          onPublished: async ({ topic, payload }) => {
            if (topic.startsWith('v1/devices/')) await ingest(topic, payload);
            else if (topic.startsWith('v1/voice/')) await voice.ingest(topic, payload);
            else if (topic.startsWith('v1/gateways/')) await gatewayPresence.ingest(topic, payload);
          },
          ...mqttMetrics.hooks,
          onRefused: (refusal) => {
            mqttMetrics.hooks.onRefused?.(refusal);
            metrics.rejected.inc({ reason: refusal.reason });
          },
        },
        logger: logger.child({ component: 'broker' }),
      },
    ).catch((err) => {
      if ((err as { code?: string }).code === 'BROKER_PORT_IN_USE') {
        const ws = /ws|websocket/i.test((err as Error).message);
        portInUse(ws ? 'MQTT_WS_PORT' : 'MQTT_PORT', ws ? config.MQTT_WS_PORT : config.MQTT_PORT);
      }
      throw err;
    });
    const running = broker;
    mqttMetrics.observe(running);
    closers.push(() => running.close());

    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.HTTP_PORT;

    const metricsEndpoint = await serveMetrics({
      registry: metrics.registry,
      host: config.METRICS_HOST,
      port: config.METRICS_PORT,
      token: config.METRICS_TOKEN ?? null,
    }).catch((err) => {
      if ((err as { code?: string }).code === 'METRICS_PORT_IN_USE') portInUse('METRICS_PORT', config.METRICS_PORT);
      throw err;
    });
    closers.push(() => metricsEndpoint.close());

    return {
      config,
      db,
      app,
      broker,
      httpPort,
      mqttPort: broker.mqttPort,
      mqttTlsPort: broker.tlsPort,
      wsPort: broker.wsPort,
      metricsUrl: metricsEndpoint.url,
      core,
      registry,
      provisioning,
      service,
      grants,
      supervision,
      voice,
      voiceRecordings: recordings,
      gatewayPresence,
      responders,
      incidents,
      bus,
      metrics,
      ingest,
      pii,
      scheduler,
      telemetry,
      commands,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
