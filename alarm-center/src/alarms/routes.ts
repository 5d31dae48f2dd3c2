// The operators' alarm routes: the queue, one alarm with its resident card and history, and the
// lifecycle actions. Business rules live in the AlarmService and repositories, not here.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import {
  alarmDetailSchema,
  alarmListQuerySchema,
  alarmSummarySchema,
  closeBodySchema,
  dispatchBodySchema,
  noteBodySchema,
} from '../api/schemas.ts';
import * as audit from '../audit/repository.ts';
import * as devices from '../devices/repository.ts';
import { AppError } from '../errors.ts';
import type { PiiCipher } from '../privacy/pii.ts';
import * as residents from '../residents/repository.ts';
import { requireRole } from '../session/auth.ts';
import * as alarms from './repository.ts';
import type { AlarmService } from './service.ts';

const idParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'alarm id is a positive integer') });
const alarmReply = { 200: z.object({ alarm: alarmSummarySchema }) };
const handlers = requireRole('operator', 'supervisor');
const viewers = requireRole('operator', 'supervisor', 'technician');

export function alarmRoutes(app: FastifyInstance, deps: { pool: pg.Pool; service: AlarmService; pii: PiiCipher }) {
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
    async (request) => {
      // Technicians see technical alarms only; operators and supervisors see all.
      const audience = request.user?.role === 'technician' ? 'technician' : undefined;
      return { alarms: await alarms.list(deps.pool, { ...request.query, audience }) };
    },
  );

  r.get(
    '/api/alarms/:id',
    { preHandler: viewers, schema: { tags, params: idParams, response: { 200: alarmDetailSchema } } },
    async (request) => {
      const alarm = await alarms.summary(deps.pool, request.params.id);
      if (!alarm) throw new AppError('ALARM_NOT_FOUND');
      const user = request.user!;
      if (user.role === 'technician' && alarm.audience !== 'technician') throw new AppError('FORBIDDEN_ROLE');
      let resident = null;
      if (alarm.resident) {
        // The resident card holds the door code: every view is audit-logged with its reason.
        await audit.append(deps.pool, {
          actor: user.username,
          action: 'view_resident_card',
          subjectType: 'resident',
          subjectId: alarm.resident.id,
          reason: `alarm ${alarm.id}`,
        });
        resident = await residents.card(deps.pool, deps.pii, alarm.resident.id);
      }
      return {
        alarm,
        resident,
        history: await alarms.history(deps.pool, alarm.id),
        details: await alarms.details(deps.pool, alarm.id),
        recentEvents: await devices.recentEvents(deps.pool, alarm.deviceId),
      };
    },
  );

  r.post(
    '/api/alarms/:id/acknowledge',
    { preHandler: handlers, schema: { tags, params: idParams, response: alarmReply } },
    async (request) => ({ alarm: await deps.service.acknowledge(request.params.id, request.user!) }),
  );
  r.post(
    '/api/alarms/:id/notes',
    { preHandler: handlers, schema: { tags, params: idParams, body: noteBodySchema, response: alarmReply } },
    async (request) => ({ alarm: await deps.service.addNote(request.params.id, request.user!, request.body.text) }),
  );
  r.post(
    '/api/alarms/:id/dispatch',
    { preHandler: handlers, schema: { tags, params: idParams, body: dispatchBodySchema, response: alarmReply } },
    async (request) => ({
      alarm: await deps.service.dispatch(request.params.id, request.user!, request.body.responder),
    }),
  );
  r.post(
    '/api/alarms/:id/close',
    { preHandler: handlers, schema: { tags, params: idParams, body: closeBodySchema, response: alarmReply } },
    async (request) => ({
      alarm: await deps.service.close(
        request.params.id,
        request.user!,
        request.body.outcome,
        request.body.note ?? null,
      ),
    }),
  );
}
