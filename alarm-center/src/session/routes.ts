// Login, who-am-I, logout, and a supervisor lifting the login delays on an account.

import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema, loginBodySchema, staffDirectorySchema, userSchema } from '../api/schemas.ts';
import type { AuditLog } from '../audit/service.ts';
import { AppError, ERRORS } from '../errors.ts';
import { type AuthOptions, liftAccountDelay, login, logout, requireRole } from './auth.ts';
import * as users from './repository.ts';

export const sessionPlugin: FastifyPluginAsync<{ auth: AuthOptions; audit: AuditLog }> = async (
  app,
  { auth, audit },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/session',
    {
      // No per-address request limit here: a whole centre may share one address. Failures slow
      // the clients that make them instead (auth.ts).
      schema: {
        tags: ['session'],
        body: loginBodySchema,
        response: { 200: z.object({ user: userSchema }), 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const result = await login(auth, request, reply, request.body.username, request.body.password);
      if (result.kind === 'ok') return { user: result.user };
      const { status, message } = ERRORS.AUTH_DELAYED;
      return reply
        .status(status)
        .header('retry-after', String(result.retryAfterS))
        .send({ code: 'AUTH_DELAYED', message, statusCode: status, retryAfterS: result.retryAfterS });
    },
  );
  r.get(
    '/api/session',
    { schema: { tags: ['session'], response: { 200: z.object({ user: userSchema }) } } },
    async (request) => {
      if (!request.user) throw new AppError('AUTH_REQUIRED');
      return { user: request.user };
    },
  );
  // Staff names for the console: who acknowledged, looked in or closed, by name rather than login.
  r.get(
    '/api/staff',
    {
      preHandler: requireRole('operator', 'technician', 'supervisor', 'caseworker', 'nightteam', 'responder'),
      schema: { tags: ['session'], response: { 200: staffDirectorySchema } },
    },
    async () => ({ staff: await users.directory(auth.pool) }),
  );
  r.delete('/api/session', { schema: { tags: ['session'] } }, async (request, reply) => {
    await logout(auth, request, reply);
    return reply.status(204).send();
  });
  r.delete(
    '/api/login-delays/:username',
    {
      preHandler: requireRole('supervisor'),
      schema: {
        tags: ['session'],
        params: z.object({ username: loginBodySchema.shape.username }),
        response: { 200: z.object({ lifted: z.boolean() }) },
      },
    },
    async (request) => ({
      lifted: await liftAccountDelay(auth, audit, request.user!.username, request.params.username),
    }),
  );
};
