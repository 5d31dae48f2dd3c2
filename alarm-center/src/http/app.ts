// Builds the alarm center's Fastify app: validation and serialisation with zod, the OpenAPI
// document, cookies, the routes, the console stream and the built console.

import { existsSync } from 'node:fs';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { AlarmBus } from '../alarms/bus.ts';
import { alarmsPlugin } from '../alarms/routes.ts';
import type { AlarmService } from '../alarms/service.ts';
import { streamPlugin } from '../alarms/stream.ts';
import { applicantsPlugin, registerApplicant } from '../applicants/routes.ts';
import type { ApplicantSignIn } from '../applicants/service.ts';
import { auditPlugin } from '../audit/routes.ts';
import type { AuditLog } from '../audit/service.ts';
import type { Clock } from '../clock.ts';
import type { TechnicianCommands } from '../devices/commands.ts';
import type { Provisioning } from '../devices/provisioning.ts';
import { devicesPlugin } from '../devices/routes.ts';
import type { TelemetrySink } from '../devices/telemetry.ts';
import { DEFAULT_GRANT_ROUTE_OPTIONS, type GrantRouteOptions, grantsPlugin } from '../grants/routes.ts';
import type { GrantService } from '../grants/service.ts';
import { incidentsPlugin } from '../incidents/routes.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { Metrics } from '../metrics.ts';
import { overviewPlugin } from '../overview/routes.ts';
import type { OverviewService } from '../overview/service.ts';
import { residentsPlugin } from '../residents/routes.ts';
import type { ResidentService } from '../residents/service.ts';
import { respondersPlugin } from '../responders/routes.ts';
import type { ResponderService } from '../responders/service.ts';
import { type AuthOptions, registerAuth } from '../session/auth.ts';
import { sessionPlugin } from '../session/routes.ts';
import { supervisionPlugin } from '../supervision/routes.ts';
import type { SupervisionService } from '../supervision/service.ts';
import type { VoiceRecordings } from '../voice/recordings.ts';
import { voicePlugin } from '../voice/routes.ts';
import type { VoiceService } from '../voice/service.ts';
import { type ConsoleSettings, consoleSettingsPlugin, DEFAULT_CONSOLE_SETTINGS } from './console-settings.ts';
import { notFoundBody, registerErrorHandler, registerRefusalCounter } from './errors.ts';

/** The services the platform built; each feature's plugin gets only the ones it uses. */
export interface AppDeps {
  alarms: AlarmService;
  /** The applicants' e-legitimation sign-in (OpenID Connect). */
  applicants: ApplicantSignIn;
  audit: AuditLog;
  bus: AlarmBus;
  devices: Provisioning;
  grants: GrantService;
  incidents: IncidentService;
  overview: OverviewService;
  residents: ResidentService;
  supervision: SupervisionService;
  responders: ResponderService;
  metrics: Metrics;
  telemetry: TelemetrySink;
  clock: Clock;
  auth: AuthOptions;
  logger: Logger;
  /** Directory of the built web console (web-console/dist), served at /. */
  consoleDist: string | null;
  /** Rate limits of the public e-service; defaults when absent. */
  grantRoutes?: GrantRouteOptions;
  /** The technicians' device commands; absent, the command route answers COMMANDS_UNAVAILABLE. */
  deviceCommands?: TechnicianCommands;
  /** What the console is told about maps; defaults when absent. */
  consoleSettings?: ConsoleSettings;
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  https?: { key: Buffer; cert: Buffer } | null;
  health(): Promise<{ status: 'ok' | 'degraded'; checks: Record<string, string> }>;
  /** Whether this node takes devices and consoles at all, whatever the shared database does. */
  live(): { status: 'ok' | 'starting'; checks: Record<string, string> };
  /** The alarm's voice calls (issue 17); their routes are absent without it. */
  voice?: VoiceService;
  /** The recording policy's recordings (playback route); null or absent: the policy is off. */
  voiceRecordings?: VoiceRecordings | null;
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
  registerApplicant(app, deps.applicants);

  // One encapsulated plugin per feature: a feature's routes see its services, never another's SQL.
  await app.register(sessionPlugin, { auth: deps.auth, audit: deps.audit });
  await app.register(alarmsPlugin, { alarms: deps.alarms, residents: deps.residents, devices: deps.devices });
  await app.register(auditPlugin, { audit: deps.audit });
  await app.register(applicantsPlugin, { signIn: deps.applicants, secureCookies: deps.auth.secureCookies });
  await app.register(devicesPlugin, {
    devices: deps.devices,
    telemetry: deps.telemetry,
    clock: deps.clock,
    commands: deps.deviceCommands,
  });
  await app.register(grantsPlugin, { grants: deps.grants, limits: deps.grantRoutes ?? DEFAULT_GRANT_ROUTE_OPTIONS });
  await app.register(overviewPlugin, { overview: deps.overview });
  await app.register(streamPlugin, {
    alarms: deps.alarms,
    bus: deps.bus,
    metrics: deps.metrics,
    responderIdOf: (username) => deps.responders.responderIdOf(username),
  });
  await app.register(supervisionPlugin, { supervision: deps.supervision, residents: deps.residents });
  if (deps.voice) await app.register(voicePlugin, { voice: deps.voice, recordings: deps.voiceRecordings ?? null });
  await app.register(respondersPlugin, { responders: deps.responders });
  await app.register(residentsPlugin, { residents: deps.residents });
  await app.register(consoleSettingsPlugin, { settings: deps.consoleSettings ?? DEFAULT_CONSOLE_SETTINGS });
  await app.register(incidentsPlugin, { incidents: deps.incidents });

  app.get('/health', { schema: { hide: true } }, async (_request, reply) => {
    const health = await deps.health();
    return reply.status(health.status === 'ok' ? 200 : 503).send(health);
  });
  // The load balancer's check. A database stalled or down is every node's, so moving devices to
  // another node helps none of them, and cutting their sessions turns a slow moment into a
  // reconnect storm: only a node that cannot answer at all (dead, hung, still starting) is out.
  app.get('/health/live', { schema: { hide: true } }, async (_request, reply) => {
    const live = deps.live();
    return reply.status(live.status === 'ok' ? 200 : 503).send(live);
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
