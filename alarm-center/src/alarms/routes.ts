// The operators' alarm routes: the queue, one alarm with its resident card and history, and the
// lifecycle actions. Business rules live in the AlarmService, not here.

import { closedSearchQuerySchema, closedSearchSchema } from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  alarmDetailSchema,
  alarmListQuerySchema,
  alarmSummarySchema,
  closeBodySchema,
  dispatchBodySchema,
  noteBodySchema,
} from '../api/schemas.ts';
import type { Provisioning } from '../devices/provisioning.ts';
import type { ResidentService } from '../residents/service.ts';
import { requireRole } from '../session/auth.ts';
import type { AlarmService } from './service.ts';

const idParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'alarm id is a positive integer') });
const alarmReply = { 200: z.object({ alarm: alarmSummarySchema }) };
const handlers = requireRole('operator', 'supervisor');
const viewers = requireRole('operator', 'supervisor', 'technician');

export interface AlarmsPluginOptions {
  alarms: AlarmService;
  residents: ResidentService;
  devices: Provisioning;
}

export const alarmsPlugin: FastifyPluginAsync<AlarmsPluginOptions> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['alarms'];

  r.get(
    '/api/alarms',
    {
      preHandler: viewers,
      schema: {
        tags,
        querystring: alarmListQuerySchema,
        response: { 200: z.object({ alarms: z.array(alarmSummarySchema) }) },
      },
    },
    async (request) => ({ alarms: await deps.alarms.list(request.query, request.user!) }),
  );

  r.get(
    '/api/alarms/closed',
    {
      preHandler: handlers,
      schema: { tags, querystring: closedSearchQuerySchema, response: { 200: closedSearchSchema } },
    },
    async (request) => {
      const q = request.query;
      const found = await deps.alarms.searchClosed(q);
      return { ...found, page: q.page, pageSize: q.pageSize };
    },
  );

  r.get(
    '/api/alarms/:id',
    { preHandler: viewers, schema: { tags, params: idParams, response: { 200: alarmDetailSchema } } },
    async (request) => {
      const user = request.user!;
      const alarm = await deps.alarms.summaryFor(request.params.id, user);
      // The resident card holds the door code: the resident service logs every view with its reason.
      const resident = alarm.resident
        ? await deps.residents.card(user.username, alarm.resident.id, `alarm ${alarm.id}`)
        : null;
      return {
        alarm,
        resident,
        history: await deps.alarms.history(alarm.id),
        details: await deps.alarms.details(alarm.id),
        recentEvents: await deps.devices.recentEvents(alarm.deviceId),
      };
    },
  );

  r.post(
    '/api/alarms/:id/acknowledge',
    { preHandler: handlers, schema: { tags, params: idParams, response: alarmReply } },
    async (request) => ({ alarm: await deps.alarms.acknowledge(request.params.id, request.user!) }),
  );
  r.post(
    '/api/alarms/:id/notes',
    { preHandler: handlers, schema: { tags, params: idParams, body: noteBodySchema, response: alarmReply } },
    async (request) => ({ alarm: await deps.alarms.addNote(request.params.id, request.user!, request.body.text) }),
  );
  r.post(
    '/api/alarms/:id/dispatch',
    { preHandler: handlers, schema: { tags, params: idParams, body: dispatchBodySchema, response: alarmReply } },
    async (request) => ({
      alarm: await deps.alarms.dispatch(request.params.id, request.user!, request.body.responder),
    }),
  );
  r.post(
    '/api/alarms/:id/close',
    { preHandler: handlers, schema: { tags, params: idParams, body: closeBodySchema, response: alarmReply } },
    async (request) => ({
      alarm: await deps.alarms.close(request.params.id, request.user!, request.body.outcome, request.body.note ?? null),
    }),
  );
};
