// The HTTP error handler's last nets, on a bare Fastify app with the platform's handler: a
// constraint the service did not test first is the request's fault (409/400 with a code), never a
// 500; anything else unexpected is a 500 that leaks nothing.
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { describe, it } from 'vitest';
import { registerErrorHandler } from '../src/http/errors.ts';

function appThrowing(err: Error) {
  const app = Fastify({ logger: false });
  registerErrorHandler(app);
  app.post('/thing', async () => {
    throw err;
  });
  return app;
}

const pgError = (code: string, constraint: string) =>
  Object.assign(new Error(`violates constraint "${constraint}"`), { code, constraint });

describe('the HTTP error handler', () => {
  it('answers a foreign key violation (something named does not exist) with 409 REFERENCE_UNKNOWN', async () => {
    const res = await appThrowing(pgError('23503', 'plans_resident_id_fkey')).inject({ method: 'POST', url: '/thing' });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'REFERENCE_UNKNOWN');
    assert.doesNotMatch(res.body, /plans_resident_id_fkey/, 'the constraint goes to the log, not the client');
  });

  it('answers a check violation (a combination the table forbids) with 400 VALIDATION', async () => {
    const res = await appThrowing(pgError('23514', 'resident_keys_check')).inject({ method: 'POST', url: '/thing' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'VALIDATION');
  });

  it('answers anything else unexpected with a 500 that names no internals', async () => {
    const res = await appThrowing(pgError('XX000', 'internal_thing')).inject({ method: 'POST', url: '/thing' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { code: 'INTERNAL', message: 'Internal error', statusCode: 500 });
  });
});
