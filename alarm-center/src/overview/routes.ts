// The supervisors' overview route; the figures come from the OverviewService.

import {
  answerTargetsSchema,
  answerTimesQuerySchema,
  answerTimesSchema,
  handoverSchema,
  overviewSchema,
} from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireRole } from '../session/auth.ts';
import type { OverviewService } from './service.ts';

export const overviewPlugin: FastifyPluginAsync<{ overview: OverviewService }> = async (app, { overview }) => {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/api/overview',
      { preHandler: requireRole('supervisor'), schema: { tags: ['overview'], response: { 200: overviewSchema } } },
      async () => overview.overview(),
    );
  // ---- the night shift (issue 18) ----
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/answer-targets',
    {
      preHandler: requireRole('operator', 'supervisor', 'technician'),
      schema: { tags: ['overview'], response: { 200: answerTargetsSchema } },
    },
    async () => ({ targets: overview.answerTargets }),
  );
  r.get(
    '/api/overview/answer-times',
    {
      preHandler: requireRole('supervisor'),
      schema: { tags: ['overview'], querystring: answerTimesQuerySchema, response: { 200: answerTimesSchema } },
    },
    async (request) => overview.answerTimes(request.query.hours),
  );
  r.get(
    '/api/handover',
    {
      preHandler: requireRole('operator', 'supervisor'),
      schema: { tags: ['overview'], response: { 200: handoverSchema } },
    },
    async () => overview.handover(),
  );
};
