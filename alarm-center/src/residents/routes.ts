// Residents over HTTP: the search used wherever a resident is chosen. Every staff role may search
// (each chooses residents: plans, the camera log, device registration); a hit holds only name,
// address, district and id, and every search is audit-logged by the ResidentService.

import { residentSearchQuerySchema, residentSearchReplySchema } from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireRole } from '../session/auth.ts';
import type { ResidentService } from './service.ts';

const staff = requireRole('operator', 'technician', 'supervisor', 'caseworker', 'nightteam');

export const residentsPlugin: FastifyPluginAsync<{ residents: ResidentService }> = async (app, { residents }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/residents',
    {
      preHandler: staff,
      schema: {
        tags: ['residents'],
        querystring: residentSearchQuerySchema,
        response: { 200: residentSearchReplySchema },
      },
    },
    async (request) => ({
      residents: await residents.search(request.user!.username, request.query.q, request.query.limit),
    }),
  );
};
