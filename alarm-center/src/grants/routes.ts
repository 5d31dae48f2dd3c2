// The safety-alarm grant routes: the citizens' public e-service (apply, see the status), the case
// workers' internal e-service and manual queue, the technicians' installation orders, and the
// follow-up figures. The rules and state changes live in grants/; these handlers only translate.

import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApplicant } from '../applicants/routes.ts';
import { requireRole } from '../session/auth.ts';
import { GRANT_ERRORS } from './errors.ts';
import {
  applicationAlreadyOpenSchema,
  applicationBodySchema,
  applicationCreatedSchema,
  applicationDetailSchema,
  applicationStatusSchema,
  bookBodySchema,
  decideBodySchema,
  decisionViewSchema,
  districtBodySchema,
  districtParams,
  districtSchema,
  figuresSchema,
  idParams,
  manualQueueItemSchema,
  orderDetailSchema,
  orderListQuery,
  orderSchema,
  provisionBodySchema,
  provisionedSchema,
  publicApplicationBodySchema,
  referenceParams,
  statusQuery,
} from './schemas.ts';
import type { Applied, GrantService, Linked } from './service.ts';

/** 201 with the receipt, or 409 naming the open application this one was linked to. */
function applicationReply(reply: FastifyReply, result: Applied | Linked) {
  if (result.kind === 'applied') {
    const { kind: _, ...created } = result;
    return reply.status(201).send(created);
  }
  const { status, message } = GRANT_ERRORS.APPLICATION_ALREADY_OPEN;
  return reply.status(status).send({
    code: 'APPLICATION_ALREADY_OPEN',
    message,
    statusCode: status,
    existing: result.existing
      ? { reference: result.existing.reference, status: result.existing.status, receivedAt: result.existing.receivedAt }
      : null,
  });
}

export interface GrantRouteOptions {
  /** Per client address: the public form is open to anyone, so it is rate-limited. */
  publicApplyLimit: { max: number; timeWindow: string };
  publicStatusLimit: { max: number; timeWindow: string };
}

export const DEFAULT_GRANT_ROUTE_OPTIONS: GrantRouteOptions = {
  publicApplyLimit: { max: 10, timeWindow: '1 minute' },
  publicStatusLimit: { max: 60, timeWindow: '1 minute' },
};

export interface GrantsPluginOptions {
  grants: GrantService;
  limits?: GrantRouteOptions;
}

/** The grant feature's routes; their forms show the field errors every route's 400 carries. */
export const grantsPlugin: FastifyPluginAsync<GrantsPluginOptions> = async (scope, options) => {
  publicRoutes(scope, options.grants, options.limits ?? DEFAULT_GRANT_ROUTE_OPTIONS);
  caseWorkerRoutes(scope, options.grants);
  orderRoutes(scope, options.grants);
};

function publicRoutes(app: FastifyInstance, service: GrantService, options: GrantRouteOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['public e-service'];

  r.post(
    '/api/public/applications',
    {
      config: { rateLimit: options.publicApplyLimit },
      // Signed in with e-legitimation first: the identity number comes from the verified token.
      preValidation: requireApplicant,
      schema: {
        tags,
        body: publicApplicationBodySchema,
        response: { 201: applicationCreatedSchema, 409: applicationAlreadyOpenSchema },
      },
    },
    async (request, reply) => applicationReply(reply, await service.applyPublic(request.body, request.applicant!)),
  );

  r.get(
    '/api/public/districts',
    { schema: { tags, response: { 200: z.object({ districts: z.array(z.string()) }) } } },
    async () => ({ districts: (await service.districts(true)).map((d) => d.name) }),
  );

  r.get(
    '/api/public/applications/:reference',
    {
      config: { rateLimit: options.publicStatusLimit },
      schema: { tags, params: referenceParams, querystring: statusQuery, response: { 200: applicationStatusSchema } },
    },
    // A wrong token and an unknown reference look the same: references cannot be probed.
    async (request) => service.statusByReference(request.params.reference, request.query.token),
  );
}

function caseWorkerRoutes(app: FastifyInstance, service: GrantService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['applications'];
  const caseWorkers = requireRole('caseworker');
  const followUp = requireRole('caseworker', 'supervisor');

  r.post(
    '/api/applications',
    {
      preHandler: caseWorkers,
      schema: {
        tags,
        body: applicationBodySchema,
        response: { 201: applicationCreatedSchema, 409: applicationAlreadyOpenSchema },
      },
    },
    async (request, reply) => applicationReply(reply, await service.applyInternal(request.body, request.user!)),
  );

  // The municipality's district list: case workers and supervisors add a district or retire one.
  const listKeepers = requireRole('caseworker', 'supervisor');
  r.get(
    '/api/districts',
    {
      preHandler: listKeepers,
      schema: { tags: ['districts'], response: { 200: z.object({ districts: z.array(districtSchema) }) } },
    },
    async () => ({ districts: await service.districts(false) }),
  );
  r.put(
    '/api/districts/:name',
    {
      preHandler: listKeepers,
      schema: {
        tags: ['districts'],
        params: districtParams,
        body: districtBodySchema,
        response: { 200: districtSchema },
      },
    },
    async (request) => {
      await service.setDistrict(request.params.name, request.body.active, request.user!.username);
      return { name: request.params.name, active: request.body.active };
    },
  );

  r.get(
    '/api/applications/manual-queue',
    {
      preHandler: caseWorkers,
      schema: { tags, response: { 200: z.object({ applications: z.array(manualQueueItemSchema) }) } },
    },
    async (request) => ({ applications: await service.manualQueue(request.user!) }),
  );

  r.get(
    '/api/applications/:id',
    { preHandler: caseWorkers, schema: { tags, params: idParams, response: { 200: applicationDetailSchema } } },
    async (request) => service.application(request.user!, request.params.id),
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
      const decision = await service.latestDecision(request.params.id);
      return { status: request.body.decision, decision: decision! };
    },
  );

  r.get(
    '/api/grants/figures',
    { preHandler: followUp, schema: { tags: ['follow-up'], response: { 200: figuresSchema } } },
    async () => service.figures(),
  );
}

function orderRoutes(app: FastifyInstance, service: GrantService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['installation orders'];
  const technicians = requireRole('technician', 'supervisor');
  const orderReply = { 200: z.object({ order: orderSchema }) };
  const current = (id: string) => service.orderWithoutDoorCode(id);

  r.get(
    '/api/orders',
    {
      preHandler: technicians,
      schema: { tags, querystring: orderListQuery, response: { 200: z.object({ orders: z.array(orderSchema) }) } },
    },
    async (request) => ({ orders: await service.orders(request.user!, request.query.status) }),
  );

  r.get(
    '/api/orders/:id',
    {
      preHandler: technicians,
      schema: { tags, params: idParams, response: { 200: z.object({ order: orderDetailSchema }) } },
    },
    // The order carries the door code: the service logs every view with its reason.
    async (request) => ({ order: await service.order(request.user!, request.params.id) }),
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
