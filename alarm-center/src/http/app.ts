// Builds the alarm center's Fastify app: validation and serialisation with zod, the OpenAPI
// document, cookies, login rate limiting, the routes, the console stream and the built console.

import { existsSync } from 'node:fs';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/service.ts';
import type { AlarmBus } from '../bus.ts';
import type { Clock } from '../clock.ts';
import { DEFAULT_GRANT_OPTIONS, type GrantOptions } from '../grants/service.ts';
import type { TelemetrySink } from '../ingest/telemetry.ts';
import type { Metrics } from '../metrics.ts';
import type { PiiCipher } from '../privacy/pii.ts';
import type { Provisioning } from '../provisioning.ts';
import { type AuthOptions, registerAuth } from './auth.ts';
import { notFoundBody, registerErrorHandler, registerRefusalCounter } from './errors.ts';
import { alarmRoutes } from './routes-alarms.ts';
import { auditRoutes } from './routes-audit.ts';
import { deviceRoutes } from './routes-devices.ts';
import { DEFAULT_GRANT_ROUTE_OPTIONS, grantRoutes } from './routes-grants.ts';
import { overviewRoutes } from './routes-overview.ts';
import { sessionRoutes } from './routes-session.ts';
import { streamRoutes } from './routes-stream.ts';
import { supervisionRoutes } from './routes-supervision.ts';

export interface AppDeps {
  pool: pg.Pool;
  bus: AlarmBus;
  metrics: Metrics;
  service: AlarmService;
  provisioning: Provisioning;
  telemetry: TelemetrySink;
  clock: Clock;
  pii: PiiCipher;
  auth: AuthOptions;
  logger: Logger;
  /** Directory of the built web console (web-console/dist), served at /. */
  consoleDist: string | null;
  /** The municipality's grant settings (age threshold, time zone); defaults when absent. */
  grants?: GrantOptions;
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  https?: { key: Buffer; cert: Buffer } | null;
  health(): Promise<{ status: 'ok' | 'degraded'; checks: Record<string, string> }>;
}

const isMetricsPath = (url: string) => url.split('?')[0] === '/metrics';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const options = {
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // Fastify's per-request lines stay off (FSTDEP023: the option now lives on the log controller).
    logController: new LogController({ disableRequestLogging: true }),
  };
  // Routes see the same request and reply either way; only the listening server differs.
  const app = (
    deps.https ? Fastify({ ...options, https: { key: deps.https.key, cert: deps.https.cert } }) : Fastify(options)
  ) as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  registerRefusalCounter(app, deps.metrics.httpRefusals);

  await app.register(swagger, {
    openapi: { info: { title: 'Trygghetsjour alarm center', version: '1' } },
    transform: jsonSchemaTransform,
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(websocket, { options: { maxPayload: 4096 } });
  registerAuth(app, deps.auth);

  sessionRoutes(app, deps.auth, { max: 10, timeWindow: '1 minute' });
  alarmRoutes(app, deps);
  auditRoutes(app, deps);
  deviceRoutes(app, deps);
  grantRoutes(app, deps, { ...DEFAULT_GRANT_ROUTE_OPTIONS, grants: deps.grants ?? DEFAULT_GRANT_OPTIONS });
  overviewRoutes(app, deps);
  streamRoutes(app, deps);
  supervisionRoutes(app, deps);

  app.get('/health', { schema: { hide: true } }, async (_request, reply) => {
    const health = await deps.health();
    return reply.status(health.status === 'ok' ? 200 : 503).send(health);
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const consoleServed = Boolean(deps.consoleDist && existsSync(deps.consoleDist));
  if (consoleServed) await app.register(fastifyStatic, { root: deps.consoleDist as string, wildcard: false });
  // API paths answer 404 in JSON; with the console served, other GETs fall back to its index.html
  // (client-side routes survive a reload). /metrics moved to its own listener (METRICS_PORT): an
  // old scrape configuration gets a 404 here, not the console's page.
  app.setNotFoundHandler((request, reply) =>
    consoleServed && request.method === 'GET' && !request.url.startsWith('/api/') && !isMetricsPath(request.url)
      ? reply.sendFile('index.html')
      : reply.status(404).send(notFoundBody()),
  );
  return app;
}
