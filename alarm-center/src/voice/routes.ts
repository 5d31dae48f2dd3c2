// The alarm's voice calls for the console: state, who answered, how each ended.

import { alarmCallsSchema } from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../session/auth.ts';
import type { VoiceRecordings } from './recordings.ts';
import type { VoiceService } from './service.ts';

const idParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'alarm id is a positive integer') });

export const voicePlugin: FastifyPluginAsync<{ voice: VoiceService; recordings: VoiceRecordings | null }> = async (
  app,
  { voice, recordings },
) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/alarms/:id/calls',
    {
      preHandler: requireRole('operator', 'supervisor'),
      schema: { tags: ['voice'], params: idParams, response: { 200: alarmCallsSchema } },
    },
    async (request) => ({ calls: await voice.forAlarm(request.params.id, request.user!) }),
  );
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/alarms/:id/callback',
    {
      preHandler: requireRole('operator', 'supervisor'),
      schema: { tags: ['voice'], params: idParams, response: { 200: z.object({ callId: z.string() }) } },
    },
    async (request) => voice.callBack(request.params.id, request.user!),
  );
  const callParams = idParams.extend({ callId: z.string().regex(/^[A-Za-z0-9_.:-]{8,64}$/) });
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/alarms/:id/calls/:callId/join',
    {
      preHandler: requireRole('operator', 'supervisor'),
      schema: {
        tags: ['voice'],
        params: callParams,
        body: z.object({ sdp: z.string().min(10).max(16_384) }),
        response: { 200: z.object({ sdp: z.string(), recording: z.boolean() }) },
      },
    },
    async (request) => voice.join(request.params.id, request.params.callId, request.user!, request.body.sdp),
  );
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/alarms/:id/calls/:callId/control',
    {
      preHandler: requireRole('operator', 'supervisor'),
      schema: {
        tags: ['voice'],
        params: callParams,
        body: z.object({ action: z.enum(['hangup', 'duplex', 'listen', 'speak']) }),
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async (request) => {
      await voice.control(request.params.id, request.params.callId, request.user!, request.body.action);
      return { ok: true as const };
    },
  );
  // Playback of a recorded call: supervisors only (least privilege: the operator who held the call
  // heard it live; listening again is a review, a complaint or an investigation, which is the
  // supervisor's). A reason is required and every playback is in the audit log before it plays.
  if (recordings) {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/api/alarms/:id/calls/:callId/recording',
      {
        preHandler: requireRole('supervisor'),
        schema: {
          tags: ['voice'],
          params: callParams,
          querystring: z.object({ reason: z.string().trim().min(3).max(500) }),
        },
      },
      async (request, reply) => {
        const { id, callId } = request.params;
        const wav = await recordings.play(id, callId, request.user!.username, request.query.reason);
        return reply.header('content-type', 'audio/wav').header('cache-control', 'no-store').send(wav);
      },
    );
  }
};
