// The night-supervision pages' pure pieces: their hash routes, which roles are offered them, and
// how a refused switch to camera names the missing consent.

import assert from 'node:assert/strict';
import { test } from 'vitest';
import { ApiError } from '../src/api/client.ts';
import { pagesFor } from '../src/app/roles.ts';
import { hrefOf, parseRoute, type Route } from '../src/app/route.ts';
import { translate } from '../src/i18n/i18n.tsx';
import { supervisionErrorText } from '../src/supervision/text.ts';

const sv = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) =>
  translate('sv', key, params);

test('supervision pages have reload-safe hash routes, a resident id with odd characters included', () => {
  const routes: Route[] = [
    { page: 'supervisionRound' },
    { page: 'supervisionPlans' },
    { page: 'supervisionPlan', residentId: 'res 1/ä' },
    { page: 'supervisionLog' },
    { page: 'supervisionSavings' },
  ];
  for (const route of routes) assert.deepEqual(parseRoute(hrefOf(route)), route);
  assert.equal(hrefOf({ page: 'supervisionLog' }), '#/supervision/access-log');
  assert.deepEqual(parseRoute('#/supervision/unknown'), { page: 'supervisionRound' });
});

test('the night team lands on the round, not the alarm queue; only supervisors get the camera log', () => {
  assert.equal(pagesFor('nightteam')[0], 'supervisionRound');
  assert.ok(!pagesFor('nightteam').includes('queue'), 'the server keeps the alarm stream from the night team');
  for (const role of ['operator', 'technician', 'nightteam', 'caseworker'] as const) {
    assert.ok(!pagesFor(role).includes('supervisionLog'), role);
  }
  assert.ok(pagesFor('supervisor').includes('supervisionLog'));
  assert.ok(pagesFor('caseworker').includes('supervisionPlans'));
  assert.equal(pagesFor('caseworker')[0], 'cases');
});

test('a refused switch to camera says which consent is missing', () => {
  const refused = (reason: string) =>
    new ApiError('CONSENT_REQUIRED', 409, `The visit cannot be digital without valid consent (${reason})`);
  assert.equal(supervisionErrorText(refused('NO_RESIDENT_CONSENT'), sv), sv('supervision.error.NO_RESIDENT_CONSENT'));
  assert.equal(
    supervisionErrorText(refused('NO_COHABITANT_CONSENT'), sv),
    sv('supervision.error.NO_COHABITANT_CONSENT'),
  );
  assert.equal(supervisionErrorText(refused('SOMETHING_NEW'), sv), sv('supervision.error.CONSENT_REQUIRED'));
  assert.equal(
    supervisionErrorText(new ApiError('FRAME_REFUSED', 403, 'no'), sv),
    sv('supervision.error.FRAME_REFUSED'),
  );
  assert.equal(supervisionErrorText(new ApiError('NETWORK', 0, 'down'), sv), sv('error.NETWORK'));
  assert.equal(supervisionErrorText(new ApiError('WHATEVER', 500, 'x'), sv), sv('error.unknown', { code: 'WHATEVER' }));
});
