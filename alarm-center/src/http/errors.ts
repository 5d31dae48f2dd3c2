// Turns every error a route can meet into the catalogue's {code, message, statusCode} body, so
// consoles and logs match on codes: any area's catalogue error (error-catalogue.ts), validation
// errors through the one formatter (validation.ts), database outages; internals are not leaked.

import type { FastifyError, FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import { isCatalogued } from '../error-catalogue.ts';
import { ERRORS } from '../errors.ts';
import { FieldRefusal, validationErrorBody } from './validation.ts';

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001']);

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    (e.code !== undefined && CONNECTION_ERRORS.has(e.code)) ||
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(e.message ?? '')
  );
}

/** PostgreSQL SQLSTATE class 22, "data exception": the value itself was refused. */
function isRefusedByDatabase(err: { code?: unknown }): boolean {
  return typeof err.code === 'string' && /^22[0-9A-Z]{3}$/.test(err.code);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    // Any area's catalogue error (platform, grants, supervision): its code, message and status.
    if (isCatalogued(err)) {
      return reply.status(err.statusCode).send({ code: err.code, message: err.message, statusCode: err.statusCode });
    }
    if (err instanceof FieldRefusal) return reply.status(400).send(err.body());
    const invalid = validationErrorBody(err);
    if (invalid) return reply.status(400).send(invalid);
    if (isDatabaseUnavailable(err)) {
      const e = ERRORS.DATABASE_UNAVAILABLE;
      return reply.status(e.status).send({ code: 'DATABASE_UNAVAILABLE', message: e.message, statusCode: e.status });
    }
    if (isRefusedByDatabase(err)) {
      // The schema let through a value PostgreSQL cannot store (e.g. a NUL in text): the client's
      // fault, but logged so the schema can be tightened.
      request.log.warn({ sqlstate: err.code, url: request.routeOptions.url }, 'value refused by the database');
      return reply.status(400).send({
        code: 'VALIDATION',
        message: `${ERRORS.VALIDATION.message}: a value cannot be stored (e.g. a NUL character or a number out of range)`,
        statusCode: 400,
      });
    }
    if (err.code === '23503' || err.code === '23514') {
      // A foreign key or check the service did not test first (a resident, device or id named in
      // the path or body that does not exist, a combination the table forbids): the request's
      // fault, not a 500; logged with the constraint so the service can give its own code.
      const constraint = (err as { constraint?: string }).constraint;
      request.log.warn(
        { sqlstate: err.code, constraint, url: request.routeOptions.url },
        'request refused by a constraint',
      );
      const e = err.code === '23503' ? ERRORS.REFERENCE_UNKNOWN : ERRORS.VALIDATION;
      const code = err.code === '23503' ? 'REFERENCE_UNKNOWN' : 'VALIDATION';
      return reply.status(e.status).send({ code, message: e.message, statusCode: e.status });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'request failed');
    return reply.status(status).send({
      // A 500's own code is internal (e.g. a PostgreSQL SQLSTATE): it goes to the log, not the client.
      code: status === 500 ? 'INTERNAL' : (err.code ?? 'BAD_REQUEST'),
      message: status === 500 ? 'Internal error' : err.message,
      statusCode: status,
    });
  });
}

/** The `code` of a JSON error body; codes are the catalogue's, so the label set stays small. */
function codeOf(payload: unknown): string {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return 'NONE';
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'NONE';
  } catch {
    return 'NONE'; // not JSON after all: counted without a code
  }
}

/**
 * Counts every reply with status 400 or more by route pattern (never the requested URL, which a
 * scanner chooses), status and code. A hook on the sent reply rather than the error handler alone,
 * so refusals sent directly (the not-found handler, a route's own 400) are counted too.
 */
export function registerRefusalCounter(app: FastifyInstance, refusals: Counter<'route' | 'status' | 'code'>): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400) {
      refusals.inc({
        route: request.routeOptions.url ?? '(unmatched)',
        status: String(reply.statusCode),
        code: codeOf(payload),
      });
    }
    return payload;
  });
}

/** The JSON body of every 404 the API sends. */
export function notFoundBody() {
  return { code: 'NOT_FOUND', message: ERRORS.NOT_FOUND.message, statusCode: 404 };
}
