// The supervisors' overview route; the figures come from the OverviewService.

import { overviewSchema } from '@trygg/console-contract';
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
};
