// Turns every error a route can meet into the catalogue's {code, message, statusCode} body, so
// consoles and logs match on codes. Validation errors name the fields; internals are not leaked.

import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERRORS } from '../errors.ts';

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001']);

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    (e.code !== undefined && CONNECTION_ERRORS.has(e.code)) ||
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(e.message ?? '')
  );
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.statusCode).send({ code: err.code, message: err.message, statusCode: err.statusCode });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields = err.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
        return `${path || err.validationContext || 'body'}: ${v.message}`;
      });
      return reply.status(400).send({
        code: 'VALIDATION',
        message: `${ERRORS.VALIDATION.message}: ${fields.join('; ')}`.slice(0, 1000),
        statusCode: 400,
      });
    }
    if (isDatabaseUnavailable(err)) {
      const e = ERRORS.DATABASE_UNAVAILABLE;
      return reply.status(e.status).send({ code: 'DATABASE_UNAVAILABLE', message: e.message, statusCode: e.status });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'request failed');
    return reply.status(status).send({
      code: err.code ?? (status === 500 ? 'INTERNAL' : 'BAD_REQUEST'),
      message: status === 500 ? 'Internal error' : err.message,
      statusCode: status,
    });
  });
}

/** The JSON body of every 404 the API sends. */
export function notFoundBody() {
  return { code: 'NOT_FOUND', message: ERRORS.NOT_FOUND.message, statusCode: 404 };
}
