// Every refusal on the login page becomes words the operator can act on, never a raw code.

import assert from 'node:assert/strict';
import { test } from 'vitest';
import { ApiError } from '../src/api/client.ts';
import { loginRefusal } from '../src/app/loginRefusal.ts';
import { translate } from '../src/i18n/i18n.tsx';

test('wrong credentials, a wait with its seconds, and an unavailable centre each get their own text', () => {
  assert.deepEqual(loginRefusal(new ApiError('AUTH_INVALID', 401, '')), { kind: 'message', key: 'login.invalid' });
  assert.deepEqual(loginRefusal(new ApiError('AUTH_DELAYED', 429, '', 16)), { kind: 'delayed', seconds: 16 });
  assert.deepEqual(loginRefusal(new ApiError('AUTH_REQUIRED', 401, '')), { kind: 'message', key: 'login.expired' });
  for (const err of [
    new ApiError('NETWORK', 0, ''),
    new ApiError('BAD_RESPONSE', 502, '<html>'),
    new ApiError('DATABASE_UNAVAILABLE', 503, ''),
    new ApiError('INTERNAL', 500, ''),
  ]) {
    assert.deepEqual(loginRefusal(err), { kind: 'message', key: 'login.unavailable' }, err.code);
  }
  // Any other 429 (a proxy's limit without a body) still reads as a wait.
  assert.equal(loginRefusal(new ApiError('HTTP_429', 429, '')).kind, 'delayed');
  assert.deepEqual(loginRefusal(new ApiError('BAD_REQUEST', 400, '')), { kind: 'message', key: 'login.failed' });
});

test('the wait reads naturally in both languages', () => {
  assert.equal(
    translate('sv', 'login.delayed', { seconds: 16 }),
    'För många misslyckade inloggningar. Försök igen om 16 sekunder.',
  );
  assert.equal(translate('en', 'login.delayed', { seconds: 16 }), 'Too many failed logins. Try again in 16 seconds.');
});
