// The incidents routes: open and closed mass-outage incidents, and one incident with its units
// and welfare-check list. Business rules live in the IncidentService.

import { incidentDetailSchema, incidentListQuerySchema, incidentSummarySchema } from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../session/auth.ts';
import type { IncidentService } from './service.ts';

const viewers = requireRole('operator', 'supervisor', 'technician');
const idParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'incident id is a positive integer') });

export const incidentsPlugin: FastifyPluginAsync<{ incidents: IncidentService }> = async (app, { incidents }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['incidents'];
  r.get(
    '/api/incidents',
    {
      preHandler: viewers,
      schema: {
        tags,
        querystring: incidentListQuerySchema,
        response: { 200: z.object({ incidents: z.array(incidentSummarySchema) }) },
      },
    },
    async (request) => ({ incidents: await incidents.list(request.query.status) }),
  );
  r.get(
    '/api/incidents/:id',
    { preHandler: viewers, schema: { tags, params: idParams, response: { 200: incidentDetailSchema } } },
    async (request) => incidents.detail(request.params.id, request.user!),
  );
};
