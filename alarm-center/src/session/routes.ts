// Login, who-am-I and logout.

import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loginBodySchema, userSchema } from '../api/schemas.ts';
import { AppError } from '../errors.ts';
import { type AuthOptions, login, logout } from './auth.ts';

export const sessionPlugin: FastifyPluginAsync<{ auth: AuthOptions; loginRateLimit: object }> = async (
  app,
  { auth, loginRateLimit },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/session',
    {
      config: { rateLimit: loginRateLimit },
      schema: { tags: ['session'], body: loginBodySchema, response: { 200: z.object({ user: userSchema }) } },
    },
    async (request, reply) => ({ user: await login(auth, reply, request.body.username, request.body.password) }),
  );
  r.get(
    '/api/session',
    { schema: { tags: ['session'], response: { 200: z.object({ user: userSchema }) } } },
    async (request) => {
      if (!request.user) throw new AppError('AUTH_REQUIRED');
      return { user: request.user };
    },
  );
  r.delete('/api/session', { schema: { tags: ['session'] } }, async (request, reply) => {
    await logout(auth, request, reply);
    return reply.status(204).send();
  });
};
