// The responders routes: the responder list and status, dispatching an alarm and its suggestions,
// the responder's own dispatches and steps (phone view), the key register and arrival times.
// Rules live in the ResponderService; here only validation and role checks.

import {
  acceptBodySchema,
  alarmDispatchesSchema,
  arrivalTimesSchema,
  couldNotEnterBodySchema,
  dispatchBodyV2Schema,
  dispatchIdParams,
  dispatchSchema,
  jobSheetSchema,
  keyEventSchema,
  keyIdParams,
  keySchema,
  keySignBodySchema,
  newKeyBodySchema,
  newResponderBodySchema,
  onTheWayBodySchema,
  responderDispatchSchema,
  responderFieldsSchema,
  responderIdParams,
  responderSchema,
  responderStatusBodySchema,
} from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../session/auth.ts';
import type { ResponderService } from './service.ts';

const alarmParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'alarm id is a positive integer') });
const residentParams = z.object({ residentId: z.string().min(1).max(64) });
const handlers = requireRole('operator', 'supervisor');
const responders = requireRole('responder');
const actors = requireRole('responder', 'operator', 'supervisor');
const supervisors = requireRole('supervisor');
const responderReply = { 200: z.object({ responder: responderSchema }) };
const dispatchReply = { 200: z.object({ dispatch: dispatchSchema }) };
const keyReply = { 200: z.object({ key: keySchema }) };

export const respondersPlugin: FastifyPluginAsync<{ responders: ResponderService }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = deps.responders;
  const tags = ['responders'];

  // ---- responders and their status ----------------------------------------------------------
  r.get(
    '/api/responders',
    { preHandler: handlers, schema: { tags, response: { 200: z.object({ responders: z.array(responderSchema) }) } } },
    async () => ({ responders: await svc.list() }),
  );
  // Supervisors manage who can be sent: people and teams, their districts, shifts and phones.
  r.post(
    '/api/responders',
    { preHandler: supervisors, schema: { tags, body: newResponderBodySchema, response: responderReply } },
    async (request) => ({ responder: await svc.create(request.body) }),
  );
  r.put(
    '/api/responders/:id',
    {
      preHandler: supervisors,
      schema: { tags, params: responderIdParams, body: responderFieldsSchema, response: responderReply },
    },
    async (request) => ({ responder: await svc.update(request.params.id, request.body) }),
  );
  r.get(
    '/api/responders/me',
    { preHandler: responders, schema: { tags, response: { 200: z.object({ responder: responderSchema }) } } },
    async (request) => ({ responder: await svc.me(request.user!) }),
  );
  r.put(
    '/api/responders/:id/status',
    {
      preHandler: actors,
      schema: {
        tags,
        params: responderIdParams,
        body: responderStatusBodySchema,
        response: { 200: z.object({ responder: responderSchema }) },
      },
    },
    async (request) => ({ responder: await svc.setStatus(request.params.id, request.body.status, request.user!) }),
  );

  // ---- the operator's side ------------------------------------------------------------------
  r.get(
    '/api/alarms/:id/dispatches',
    { preHandler: handlers, schema: { tags, params: alarmParams, response: { 200: alarmDispatchesSchema } } },
    async (request) => svc.forAlarm(request.params.id),
  );
  r.post(
    '/api/alarms/:id/dispatches',
    {
      preHandler: handlers,
      schema: { tags, params: alarmParams, body: dispatchBodyV2Schema, response: dispatchReply },
    },
    async (request) => ({ dispatch: await svc.dispatch(request.params.id, request.user!, request.body) }),
  );
  r.get(
    '/api/arrival-times',
    {
      preHandler: requireRole('supervisor'),
      schema: {
        tags,
        querystring: z.object({ hours: z.coerce.number().int().min(1).max(168).default(24) }),
        response: { 200: arrivalTimesSchema },
      },
    },
    async (request) => svc.arrivalTimes(request.query.hours),
  );

  // ---- the responder's phone ----------------------------------------------------------------
  r.get(
    '/api/my/dispatches',
    { preHandler: responders, schema: { tags, response: { 200: z.object({ dispatches: z.array(dispatchSchema) }) } } },
    async (request) => ({ dispatches: await svc.mine(request.user!) }),
  );
  r.get(
    '/api/dispatches/:id',
    { preHandler: responders, schema: { tags, params: dispatchIdParams, response: { 200: responderDispatchSchema } } },
    async (request) => svc.forResponder(request.params.id, request.user!),
  );
  const step = (path: string, name: 'accept' | 'arrive') =>
    r.post(
      `/api/dispatches/:id/${path}`,
      {
        preHandler: actors,
        schema: { tags, params: dispatchIdParams, body: acceptBodySchema, response: dispatchReply },
      },
      async (request) => ({ dispatch: await svc.step(request.params.id, request.user!, name) }),
    );
  step('accept', 'accept');
  step('arrived', 'arrive');
  r.post(
    '/api/dispatches/:id/on-the-way',
    {
      preHandler: actors,
      schema: { tags, params: dispatchIdParams, body: onTheWayBodySchema, response: dispatchReply },
    },
    async (request) => ({
      dispatch: await svc.step(request.params.id, request.user!, 'on_the_way', { etaMinutes: request.body.etaMinutes }),
    }),
  );
  r.post(
    '/api/dispatches/:id/done',
    { preHandler: actors, schema: { tags, params: dispatchIdParams, body: jobSheetSchema, response: dispatchReply } },
    async (request) => ({ dispatch: await svc.done(request.params.id, request.user!, request.body) }),
  );
  r.post(
    '/api/dispatches/:id/could-not-enter',
    {
      preHandler: actors,
      schema: { tags, params: dispatchIdParams, body: couldNotEnterBodySchema, response: dispatchReply },
    },
    async (request) => ({ dispatch: await svc.couldNotEnter(request.params.id, request.user!, request.body.note) }),
  );
  r.post(
    '/api/dispatches/:id/unlock',
    {
      preHandler: actors,
      schema: {
        tags,
        params: dispatchIdParams,
        body: acceptBodySchema,
        response: { 200: z.object({ opened: z.literal(true) }) },
      },
    },
    async (request) => svc.openLock(request.params.id, request.user!),
  );

  // ---- the key register ---------------------------------------------------------------------
  r.get(
    '/api/residents/:residentId/keys',
    {
      preHandler: handlers,
      schema: { tags, params: residentParams, response: { 200: z.object({ keys: z.array(keySchema) }) } },
    },
    async (request) => ({ keys: await svc.keysOf(request.params.residentId) }),
  );
  r.post(
    '/api/residents/:residentId/keys',
    { preHandler: handlers, schema: { tags, params: residentParams, body: newKeyBodySchema, response: keyReply } },
    async (request) => ({ key: await svc.addKey(request.params.residentId, request.body) }),
  );
  r.get(
    '/api/my/keys',
    { preHandler: responders, schema: { tags, response: { 200: z.object({ keys: z.array(keySchema) }) } } },
    async (request) => ({ keys: await svc.keysHeldBy(request.user!) }),
  );
  r.get(
    '/api/keys/signed-out',
    { preHandler: handlers, schema: { tags, response: { 200: z.object({ keys: z.array(keySchema) }) } } },
    async () => ({ keys: await svc.keysSignedOut() }),
  );
  r.get(
    '/api/keys/:id/events',
    {
      preHandler: handlers,
      schema: { tags, params: keyIdParams, response: { 200: z.object({ events: z.array(keyEventSchema) }) } },
    },
    async (request) => ({ events: await svc.keyEvents(request.params.id) }),
  );
  r.post(
    '/api/keys/:id/sign-out',
    { preHandler: actors, schema: { tags, params: keyIdParams, body: keySignBodySchema, response: keyReply } },
    async (request) => ({ key: await svc.signOutKey(request.params.id, request.user!, request.body.dispatchId) }),
  );
  r.post(
    '/api/keys/:id/unlock-for-visit',
    {
      preHandler: requireRole('nightteam', 'supervisor'),
      schema: {
        tags,
        params: keyIdParams,
        body: z.strictObject({ visitId: z.string().regex(/^[1-9][0-9]{0,17}$/) }),
        response: { 200: z.object({ opened: z.literal(true) }) },
      },
    },
    async (request) => svc.openLockForVisit(request.params.id, request.body.visitId, request.user!),
  );
  r.post(
    '/api/keys/:id/sign-in',
    { preHandler: actors, schema: { tags, params: keyIdParams, body: acceptBodySchema, response: keyReply } },
    async (request) => ({ key: await svc.signInKey(request.params.id, request.user!) }),
  );
};
