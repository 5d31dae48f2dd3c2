// Digital night supervision over HTTP: plans and the one-step mode switch, consents, tonight's
// round, look-ins at a resident's camera, closing visits, the frame access log and savings. The
// rules live in supervision/rules.ts and the SupervisionService; this file maps HTTP onto them
// (the platform builds the service and runs its periodic tick).

import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ResidentService } from '../residents/service.ts';
import { requireRole } from '../session/auth.ts';
import {
  accessLogEntrySchema,
  accessLogQuerySchema,
  closeVisitBodySchema,
  consentBodySchema,
  consentSchema,
  doorCodeReplySchema,
  idParams,
  lookInBodySchema,
  lookInReplySchema,
  modeBodySchema,
  planBodySchema,
  planSchema,
  residentParams,
  roundQuerySchema,
  roundReplySchema,
  savingsQuerySchema,
  savingsSchema,
  visitSchema,
} from './api.ts';
import type { ConsentRecord, Visit } from './repository.ts';
import type { SupervisionService } from './service.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

const visitOut = (v: Visit) => ({
  id: v.id,
  residentId: v.residentId,
  residentName: v.residentName,
  address: v.address,
  access: v.access,
  hasCamera: v.hasCamera,
  nightTeam: v.nightTeam,
  night: v.night,
  time: v.time,
  dueAt: iso(v.dueAt),
  mode: v.mode,
  status: v.status,
  modeChangedReason: v.modeChangedReason,
  closedBy: v.closedBy,
  closedAt: isoOrNull(v.closedAt),
  note: v.note,
  alarmId: v.alarmId,
});

const consentOut = (c: ConsentRecord) => ({
  ...c,
  recordedAt: iso(c.recordedAt),
  withdrawnAt: isoOrNull(c.withdrawnAt),
});

const planners = requireRole('nightteam', 'caseworker', 'supervisor');
const planViewers = requireRole('nightteam', 'caseworker', 'supervisor', 'operator');
const nightTeam = requireRole('nightteam', 'supervisor');
const roundViewers = requireRole('nightteam', 'supervisor', 'operator');
const consentKeepers = requireRole('nightteam', 'caseworker', 'supervisor');
const supervisors = requireRole('supervisor');
const savingsViewers = requireRole('nightteam', 'caseworker', 'supervisor');
/** Any logged-in user may ask: the rules decide, and a refusal is logged like a view. */
const anyone = requireRole('operator', 'technician', 'supervisor', 'caseworker', 'nightteam', 'responder');

export const supervisionPlugin: FastifyPluginAsync<{
  supervision: SupervisionService;
  residents: ResidentService;
}> = async (app, { supervision, residents }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['supervision'];
  const base = '/api/supervision';
  const planReply = { 200: z.object({ plan: planSchema }) };

  r.get(
    `${base}/plans`,
    { preHandler: planViewers, schema: { tags, response: { 200: z.object({ plans: z.array(planSchema) }) } } },
    async () => ({ plans: await supervision.plans() }),
  );
  r.get(
    `${base}/plans/:residentId`,
    { preHandler: planViewers, schema: { tags, params: residentParams, response: planReply } },
    async (request) => ({ plan: await supervision.plan(request.params.residentId) }),
  );
  r.put(
    `${base}/plans/:residentId`,
    { preHandler: planners, schema: { tags, params: residentParams, body: planBodySchema, response: planReply } },
    async (request) => ({ plan: await supervision.savePlan(request.params.residentId, request.body) }),
  );
  r.delete(
    `${base}/plans/:residentId`,
    { preHandler: planners, schema: { tags, params: residentParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await supervision.deletePlan(request.params.residentId);
      return reply.status(204).send(null);
    },
  );
  r.put(
    `${base}/plan-visits/:id/mode`,
    { preHandler: nightTeam, schema: { tags, params: idParams, body: modeBodySchema, response: planReply } },
    async (request) => ({ plan: await supervision.switchMode(request.params.id, request.body.mode) }),
  );

  r.get(
    `${base}/residents/:residentId/consents`,
    {
      preHandler: planViewers,
      schema: { tags, params: residentParams, response: { 200: z.object({ consents: z.array(consentSchema) }) } },
    },
    async (request) => ({ consents: (await supervision.consents(request.params.residentId)).map(consentOut) }),
  );
  r.post(
    `${base}/residents/:residentId/consents`,
    {
      preHandler: consentKeepers,
      schema: {
        tags,
        params: residentParams,
        body: consentBodySchema,
        response: { 201: z.object({ consent: consentSchema }) },
      },
    },
    async (request, reply) => {
      const consent = await supervision.recordConsent(request.params.residentId, request.body, request.user!);
      return reply.status(201).send({ consent: consentOut(consent) });
    },
  );
  r.post(
    `${base}/consents/:id/withdraw`,
    {
      preHandler: consentKeepers,
      schema: {
        tags,
        params: idParams,
        response: {
          200: z.object({
            consent: consentSchema,
            switchedPlanVisits: z.array(z.string()),
            switchedVisits: z.array(z.string()),
          }),
        },
      },
    },
    async (request) => {
      const result = await supervision.withdrawConsent(request.params.id, request.user!);
      return { ...result, consent: consentOut(result.consent) };
    },
  );

  r.get(
    `${base}/round`,
    {
      preHandler: roundViewers,
      schema: {
        tags,
        querystring: roundQuerySchema,
        response: { 200: roundReplySchema },
      },
    },
    async (request) => {
      const round = await supervision.round(request.query.night ?? null, request.query.team ?? null);
      return { night: round.night, teams: round.teams, visits: round.visits.map(visitOut) };
    },
  );
  // Only the roles that do the round read the door code, one visit at a time, audit-logged.
  r.get(
    `${base}/visits/:id/door-code`,
    { preHandler: nightTeam, schema: { tags, params: idParams, response: { 200: doorCodeReplySchema } } },
    async (request) => {
      const visit = await supervision.roundVisit(request.params.id);
      const reason = `night round visit ${visit.id} (${visit.night} ${visit.time})`;
      return { doorCode: await residents.doorCode(request.user!.username, visit.residentId, reason) };
    },
  );
  r.post(
    `${base}/look-in`,
    { preHandler: anyone, schema: { tags, body: lookInBodySchema, response: { 200: lookInReplySchema } } },
    async (request) => {
      const result = await supervision.lookIn(request.user!, {
        residentId: request.body.residentId,
        visitId: request.body.visitId ?? null,
        alarmId: request.body.alarmId ?? null,
      });
      return { ...result, visit: result.visit ? visitOut(result.visit) : null };
    },
  );
  r.post(
    `${base}/visits/:id/close`,
    {
      preHandler: nightTeam,
      schema: {
        tags,
        params: idParams,
        body: closeVisitBodySchema,
        response: { 200: z.object({ visit: visitSchema }) },
      },
    },
    async (request) => ({
      visit: visitOut(
        await supervision.closeVisit(request.params.id, request.user!, request.body.outcome, request.body.note ?? null),
      ),
    }),
  );

  r.get(
    `${base}/access-log`,
    {
      preHandler: supervisors,
      schema: {
        tags,
        querystring: accessLogQuerySchema,
        response: { 200: z.object({ entries: z.array(accessLogEntrySchema) }) },
      },
    },
    async (request) => ({
      entries: (await supervision.accessLog(request.query)).map((e) => ({ ...e, at: iso(e.at) })),
    }),
  );
  r.get(
    `${base}/savings`,
    { preHandler: savingsViewers, schema: { tags, querystring: savingsQuerySchema, response: { 200: savingsSchema } } },
    async (request) => supervision.savings(request.query.month ?? null),
  );
};
