// The supervisors' overview route; the figures come from the OverviewService.

import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../session/auth.ts';
import type { OverviewService } from './service.ts';

const overviewSchema = z.object({
  openByKind: z.record(z.string(), z.int()),
  openByDistrict: z.record(z.string(), z.int()),
  ackP50Ms: z.number().nullable(),
  ackP90Ms: z.number().nullable(),
  escalationsToday: z.int(),
  falseAlarmShareByDistrict: z.record(z.string(), z.number()),
  devicesOffline: z.int(),
});

export const overviewPlugin: FastifyPluginAsync<{ overview: OverviewService }> = async (app, { overview }) => {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/api/overview',
      { preHandler: requireRole('supervisor'), schema: { tags: ['overview'], response: { 200: overviewSchema } } },
      async () => overview.overview(),
    );
};
