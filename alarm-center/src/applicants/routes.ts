// The applicant's sign-in routes: off to the provider, back at the callback, who is signed in, and
// sign out. Sign-in and callback are browser navigations, so a refusal is a redirect to the
// e-service with the code in the address (translated there) and counted in applicant_sign_ins_total.

import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApplicantError } from './errors.ts';
import { failureReason } from './relying-party.ts';
import type { Applicant, ApplicantSignIn } from './service.ts';

export const APPLICANT_COOKIE = 'applicant_sid';
const SIGN_IN_COOKIE = 'applicant_sign_in';
const SIGN_IN_PATH = '/api/public/sign-in';

declare module 'fastify' {
  interface FastifyRequest {
    applicant: Applicant | null;
  }
}

export interface ApplicantPluginOptions {
  signIn: ApplicantSignIn;
  secureCookies: boolean;
}

const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** Reads the applicant session on every request that carries its cookie (staff sessions are apart). */
export function registerApplicant(app: FastifyInstance, signIn: ApplicantSignIn): void {
  app.decorateRequest('applicant', null);
  app.addHook('onRequest', async (request) => {
    const token = request.cookies[APPLICANT_COOKIE];
    if (token) request.applicant = await signIn.applicant(token);
  });
}

/** Only a signed-in applicant; runs before validation, so a stranger learns nothing from field errors. */
export async function requireApplicant(request: FastifyRequest): Promise<void> {
  if (!request.applicant) throw new ApplicantError('APPLICANT_SIGN_IN_REQUIRED');
}

const applicantView = z.object({
  applicant: z.object({ name: z.string(), personalNumber: z.string() }).nullable(),
});

export const applicantsPlugin: FastifyPluginAsync<ApplicantPluginOptions> = async (app, { signIn, secureCookies }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['public e-service'];
  const backToEService = (reply: FastifyReply, code: string | null) =>
    reply.redirect(code ? `/#/apply/sign-in-failed/${code}` : '/#/apply', 303);
  const refusal = (request: FastifyRequest, err: unknown) => {
    if (err instanceof ApplicantError) {
      request.log.warn({ code: err.code, reason: err.message }, 'applicant sign-in refused');
      return err.code;
    }
    request.log.error({ reason: failureReason(err) }, 'applicant sign-in failed');
    return 'SIGN_IN_UNAVAILABLE';
  };

  // Each start stores a sign-in attempt: per address, a person's retries pass, a flood does not.
  const startLimit = {
    max: 30,
    timeWindow: '1 minute',
    errorResponseBuilder: () => {
      signIn.outcomes.inc({ outcome: 'SIGN_IN_TOO_MANY' });
      return new ApplicantError('SIGN_IN_TOO_MANY');
    },
  };
  r.get(
    SIGN_IN_PATH,
    { config: { rateLimit: startLimit }, schema: { tags, summary: 'Off to the identity provider (303)' } },
    async (request, reply) => {
      try {
        const { url, state } = await signIn.begin(originOf(request));
        // Lax: the provider's redirect back is a top-level navigation from another site.
        reply.setCookie(SIGN_IN_COOKIE, state, {
          path: SIGN_IN_PATH,
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookies,
          maxAge: 600,
        });
        return reply.redirect(url, 303);
      } catch (err) {
        return backToEService(reply, refusal(request, err));
      }
    },
  );

  r.get(
    `${SIGN_IN_PATH}/callback`,
    { schema: { tags, summary: 'The identity provider sends the browser back here (303)' } },
    async (request, reply) => {
      const query = new URLSearchParams(request.url.split('?')[1] ?? '');
      const browserState = request.cookies[SIGN_IN_COOKIE];
      reply.clearCookie(SIGN_IN_COOKIE, { path: SIGN_IN_PATH });
      try {
        const token = await signIn.complete(query, browserState, originOf(request));
        reply.setCookie(APPLICANT_COOKIE, token, {
          path: '/api/public',
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookies,
          maxAge: signIn.sessionTtlS,
        });
        return backToEService(reply, null);
      } catch (err) {
        return backToEService(reply, refusal(request, err));
      }
    },
  );

  r.get('/api/public/applicant', { schema: { tags, response: { 200: applicantView } } }, async (request) => {
    const a = request.applicant;
    // The full identity number stays on the server: the page shows the date of birth only.
    return { applicant: a ? { name: a.name, personalNumber: `${a.personalNumber.slice(0, 8)}-****` } : null };
  });

  r.delete('/api/public/applicant', { schema: { tags } }, async (request, reply) => {
    await signIn.signOut(request.cookies[APPLICANT_COOKIE]);
    reply.clearCookie(APPLICANT_COOKIE, { path: '/api/public' });
    return reply.status(204).send();
  });
};
