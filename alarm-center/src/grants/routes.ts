// The safety-alarm grant routes: the citizens' public e-service (apply, see the status), the case
// workers' internal e-service and manual queue, the technicians' installation orders, and the
// follow-up figures. The rules and state changes live in grants/; these handlers only translate.

import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import * as audit from '../audit/repository.ts';
import type { Clock } from '../clock.ts';
import type { Provisioning } from '../devices/provisioning.ts';
import { ERRORS } from '../errors.ts';
import type { PiiCipher } from '../privacy/pii.ts';
import { requireRole } from '../session/auth.ts';
import { GrantError } from './errors.ts';
import * as grants from './repository.ts';
import {
  applicationBodySchema,
  applicationCreatedSchema,
  applicationDetailSchema,
  applicationStatusSchema,
  bookBodySchema,
  decideBodySchema,
  decisionViewSchema,
  figuresSchema,
  idParams,
  manualQueueItemSchema,
  orderDetailSchema,
  orderListQuery,
  orderSchema,
  provisionBodySchema,
  provisionedSchema,
  referenceParams,
  statusQuery,
} from './schemas.ts';
import { DEFAULT_GRANT_OPTIONS, type GrantOptions, GrantService, tokenHash } from './service.ts';

export interface GrantRouteDeps {
  pool: pg.Pool;
  pii: PiiCipher;
  provisioning: Provisioning;
  clock: Clock;
}

export interface GrantRouteOptions {
  grants: GrantOptions;
  /** Per client address: the public form is open to anyone, so it is rate-limited. */
  publicApplyLimit: { max: number; timeWindow: string };
  publicStatusLimit: { max: number; timeWindow: string };
}

export const DEFAULT_GRANT_ROUTE_OPTIONS: GrantRouteOptions = {
  grants: DEFAULT_GRANT_OPTIONS,
  publicApplyLimit: { max: 10, timeWindow: '1 minute' },
  publicStatusLimit: { max: 60, timeWindow: '1 minute' },
};

/** A field name and what is wrong with it, for forms to show next to the field. */
export interface FieldError {
  field: string;
  message: string;
}

/** Validation errors with one entry per field; everything else goes to the app's error handler. */
function fieldErrorHandler(err: FastifyError, _request: unknown, reply: import('fastify').FastifyReply) {
  if (!hasZodFastifySchemaValidationErrors(err)) throw err;
  const fields: FieldError[] = err.validation.map((v) => ({
    field: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || err.validationContext || 'body',
    message: v.message ?? 'invalid',
  }));
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return reply.status(400).send({
    code: 'VALIDATION',
    message: `${ERRORS.VALIDATION.message}: ${summary}`.slice(0, 1000),
    statusCode: 400,
    fields,
  });
}

export function grantRoutes(
  app: FastifyInstance,
  deps: GrantRouteDeps,
  options: GrantRouteOptions = DEFAULT_GRANT_ROUTE_OPTIONS,
): void {
  const service = new GrantService(deps.pool, deps.pii, deps.provisioning, deps.clock, options.grants);
  app.register(async (scope) => {
    scope.setErrorHandler(fieldErrorHandler);
    publicRoutes(scope, deps, service, options);
    caseWorkerRoutes(scope, deps, service);
    orderRoutes(scope, deps, service);
  });
}

function publicRoutes(app: FastifyInstance, deps: GrantRouteDeps, service: GrantService, options: GrantRouteOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['public e-service'];

  r.post(
    '/api/public/applications',
    {
      config: { rateLimit: options.publicApplyLimit },
      schema: { tags, body: applicationBodySchema, response: { 201: applicationCreatedSchema } },
    },
    async (request, reply) => reply.status(201).send(await service.apply(request.body, null)),
  );

  r.get(
    '/api/public/applications/:reference',
    {
      config: { rateLimit: options.publicStatusLimit },
      schema: { tags, params: referenceParams, querystring: statusQuery, response: { 200: applicationStatusSchema } },
    },
    async (request) => {
      // A wrong token and an unknown reference look the same: references cannot be probed.
      const status = await grants.statusByReference(
        deps.pool,
        request.params.reference,
        tokenHash(request.query.token),
      );
      if (!status) throw new GrantError('APPLICATION_NOT_FOUND');
      return status;
    },
  );
}

function caseWorkerRoutes(app: FastifyInstance, deps: GrantRouteDeps, service: GrantService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['applications'];
  const caseWorkers = requireRole('caseworker');
  const followUp = requireRole('caseworker', 'supervisor');

  r.post(
    '/api/applications',
    {
      preHandler: caseWorkers,
      schema: { tags, body: applicationBodySchema, response: { 201: applicationCreatedSchema } },
    },
    async (request, reply) => reply.status(201).send(await service.apply(request.body, request.user!)),
  );

  r.get(
    '/api/applications/manual-queue',
    {
      preHandler: caseWorkers,
      schema: { tags, response: { 200: z.object({ applications: z.array(manualQueueItemSchema) }) } },
    },
    async (request) => {
      const applications = await grants.manualQueue(deps.pool);
      // The queue shows names and the reasons, which may reveal health: each listing is logged.
      for (const a of applications) {
        await audit.append(deps.pool, {
          actor: request.user!.username,
          action: 'list_application',
          subjectType: 'application',
          subjectId: a.id,
          reason: 'manual queue',
        });
      }
      return { applications };
    },
  );

  r.get(
    '/api/applications/:id',
    { preHandler: caseWorkers, schema: { tags, params: idParams, response: { 200: applicationDetailSchema } } },
    async (request) => {
      await audit.append(deps.pool, {
        actor: request.user!.username,
        action: 'view_application',
        subjectType: 'application',
        subjectId: request.params.id,
        reason: 'case handling',
      });
      const application = await grants.detail(deps.pool, deps.pii, request.params.id);
      if (!application) throw new GrantError('APPLICATION_NOT_FOUND');
      return application;
    },
  );

  r.post(
    '/api/applications/:id/decide',
    {
      preHandler: caseWorkers,
      schema: {
        tags,
        params: idParams,
        body: decideBodySchema,
        response: { 200: z.object({ status: z.enum(['granted', 'denied']), decision: decisionViewSchema }) },
      },
    },
    async (request) => {
      await service.decideManually(request.params.id, request.user!, request.body);
      const decision = await grants.latestDecision(deps.pool, request.params.id);
      return { status: request.body.decision, decision: decision! };
    },
  );

  r.get(
    '/api/grants/figures',
    { preHandler: followUp, schema: { tags: ['follow-up'], response: { 200: figuresSchema } } },
    async () => ({
      ...(await grants.figures(deps.pool)),
      goals: { automaticShare: 0.9, digitalShare: 0.2 },
    }),
  );
}

function orderRoutes(app: FastifyInstance, deps: GrantRouteDeps, service: GrantService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['installation orders'];
  const technicians = requireRole('technician', 'supervisor');
  const orderReply = { 200: z.object({ order: orderSchema }) };
  const current = async (id: string) => {
    const order = await grants.order(deps.pool, deps.pii, id);
    if (!order) throw new GrantError('ORDER_NOT_FOUND');
    const { doorCode: _, ...withoutDoorCode } = order;
    return withoutDoorCode;
  };

  r.get(
    '/api/orders',
    {
      preHandler: technicians,
      schema: { tags, querystring: orderListQuery, response: { 200: z.object({ orders: z.array(orderSchema) }) } },
    },
    async (request) => {
      const orders = await grants.listOrders(deps.pool, request.query.status);
      for (const o of orders) {
        await audit.append(deps.pool, {
          actor: request.user!.username,
          action: 'list_installation_order',
          subjectType: 'resident',
          subjectId: o.residentId,
          reason: `installation order ${o.id}`,
        });
      }
      return { orders };
    },
  );

  r.get(
    '/api/orders/:id',
    {
      preHandler: technicians,
      schema: { tags, params: idParams, response: { 200: z.object({ order: orderDetailSchema }) } },
    },
    async (request) => {
      const order = await grants.order(deps.pool, deps.pii, request.params.id);
      if (!order) throw new GrantError('ORDER_NOT_FOUND');
      // The order carries the door code: every view is logged with its reason.
      await audit.append(deps.pool, {
        actor: request.user!.username,
        action: 'view_installation_order',
        subjectType: 'resident',
        subjectId: order.residentId,
        reason: `installation order ${order.id}`,
      });
      return { order };
    },
  );

  r.post(
    '/api/orders/:id/book',
    { preHandler: technicians, schema: { tags, params: idParams, body: bookBodySchema, response: orderReply } },
    async (request) => {
      await service.book(request.params.id, request.user!, request.body.visitAt);
      return { order: await current(request.params.id) };
    },
  );

  r.post(
    '/api/orders/:id/provision',
    {
      preHandler: technicians,
      schema: { tags, params: idParams, body: provisionBodySchema, response: { 201: provisionedSchema } },
    },
    async (request, reply) => {
      const secret = await service.provision(request.params.id, request.user!, request.body);
      return reply.status(201).send({
        order: await current(request.params.id),
        deviceId: request.body.deviceId,
        mqttUsername: request.body.deviceId,
        secret,
      });
    },
  );

  r.post(
    '/api/orders/:id/close',
    { preHandler: technicians, schema: { tags, params: idParams, response: orderReply } },
    async (request) => {
      await service.close(request.params.id);
      return { order: await current(request.params.id) };
    },
  );
}
