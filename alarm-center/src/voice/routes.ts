// The alarm's voice calls for the console: state, who answered, how each ended.

import { alarmCallsSchema } from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../session/auth.ts';
import type { VoiceService } from './service.ts';

const idParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'alarm id is a positive integer') });

export const voicePlugin: FastifyPluginAsync<{ voice: VoiceService }> = async (app, { voice }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/alarms/:id/calls',
    {
      preHandler: requireRole('operator', 'supervisor'),
      schema: { tags: ['voice'], params: idParams, response: { 200: alarmCallsSchema } },
    },
    async (request) => ({ calls: await voice.forAlarm(request.params.id, request.user!) }),
  );
};
