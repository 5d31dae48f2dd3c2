// @vitest-environment happy-dom
// Why a login was refused, as the operator reads it on the real login page: wrong credentials, a
// wait that counts down, a centre that does not answer; Swedish by default, English when chosen.

import assert from 'node:assert/strict';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { User } from '@trygg/console-contract';
import { describe, test, vi } from 'vitest';
import { LoginPage } from '../../src/app/LoginPage.tsx';
import en from '../../src/i18n/en.json';
import sv from '../../src/i18n/sv.json';
import { fakeAlarmCenter, freshConsoleEachTest, operator, type Reply, renderInConsole } from './harness.tsx';

async function logIn(reply: Reply | (() => 'no-answer')) {
  const center = fakeAlarmCenter({ 'POST /api/session': typeof reply === 'function' ? reply : reply });
  const logins: User[] = [];
  renderInConsole(<LoginPage expired={false} onLogin={(u) => logins.push(u)} />);
  const user = userEvent.setup();
  // The page focuses the user name at once, so the operator can type without the mouse.
  assert.equal(document.activeElement, screen.getByTestId('login-username'));
  await user.keyboard('olga');
  await user.type(screen.getByTestId('login-password'), 'hemligt{Enter}');
  await waitFor(() => assert.equal(center.sent.length, 1));
  assert.deepEqual(center.sent[0]!.body, { username: 'olga', password: 'hemligt' });
  return { logins };
}

const refusal = () => screen.findByTestId('login-refusal');
const error = (code: string, statusCode: number, extra = {}) => ({
  status: statusCode,
  body: { code, message: code, statusCode, ...extra },
});

describe('login refusals', () => {
  freshConsoleEachTest();

  test('a wrong password says so, in Swedish, and the operator stays on the page', async () => {
    const { logins } = await logIn(error('AUTH_INVALID', 401));
    assert.equal((await refusal()).textContent, sv['login.invalid']);
    assert.equal(logins.length, 0);
  });

  test('after too many guesses the page says how many seconds to wait (from the server)', async () => {
    await logIn(error('AUTH_DELAYED', 429, { retryAfterS: 30 }));
    const text = (await refusal()).textContent ?? '';
    assert.match(text, /^För många misslyckade inloggningar\. Försök igen om (29|30) sekunder\.$/);
  });

  test('a centre that answers 503, or not at all, is "not answering", never "wrong password"', async () => {
    await logIn(error('DATABASE_UNAVAILABLE', 503));
    assert.equal((await refusal()).textContent, sv['login.unavailable']);
    cleanup();
    vi.unstubAllGlobals();
    await logIn(() => 'no-answer');
    assert.equal((await refusal()).textContent, sv['login.unavailable']);
  });

  test('in English when the operator chose English', async () => {
    localStorage.setItem('trygg.lang', 'en');
    await logIn(error('AUTH_INVALID', 401));
    assert.equal((await refusal()).textContent, en['login.invalid']);
    assert.notEqual(en['login.invalid'], sv['login.invalid']);
  });

  test('the language switch on the page translates the refusal at once', async () => {
    await logIn(error('AUTH_INVALID', 401));
    await refusal();
    await userEvent.setup().click(screen.getByTestId('lang-switch'));
    assert.equal((await refusal()).textContent, en['login.invalid']);
  });

  test('the right password logs the operator in', async () => {
    const { logins } = await logIn({ body: { user: operator } });
    await waitFor(() => assert.deepEqual(logins, [operator]));
    assert.equal(screen.queryByTestId('login-refusal'), null);
  });
});
