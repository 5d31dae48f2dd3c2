// @vitest-environment happy-dom
// The public e-service form on its real page: each refusal from the server sits by its own field,
// in words that say what to write (its own wording per code), the first wrong field takes the
// focus, and the message field counts its characters up to the server's cap.

import assert from 'node:assert/strict';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, test } from 'vitest';
import { ApplyPage } from '../../src/grants/ApplyPage.tsx';
import en from '../../src/i18n/en.json';
import sv from '../../src/i18n/sv.json';
import { fakeAlarmCenter, freshConsoleEachTest, renderInConsole } from './harness.tsx';

const PATH = 'POST /api/public/applications';
const issue = (field: string, code: string, limit?: number) => ({ field, message: code, code, limit });
const validation = (...issues: ReturnType<typeof issue>[]) => ({
  status: 400,
  body: { code: 'VALIDATION', message: 'invalid', statusCode: 400, issues },
});
const field = (name: string) => screen.getByTestId(`apply-${name}`) as HTMLInputElement;
const errorOf = (name: string) => screen.queryByTestId(`apply-error-${name}`)?.textContent ?? null;

describe('the e-service application form', () => {
  freshConsoleEachTest();

  test('each field error sits by its field, with the wording for its code; the first wrong field is focused', async () => {
    const center = fakeAlarmCenter({
      [PATH]: validation(
        issue('applicant.personalNumber', 'FIELD_CHECK_DIGIT'),
        issue('applicant.personalNumber', 'FIELD_FORMAT'),
        issue('address.postalCode', 'FIELD_FORMAT'),
        issue('address.city', 'FIELD_TOO_SMALL', 2),
      ),
    });
    renderInConsole(<ApplyPage />);
    const user = userEvent.setup();
    await user.type(field('name'), 'Greta Gran');
    await user.type(field('personalNumber'), '19400312-1235');
    await user.type(field('postalCode'), '4110');
    await user.type(field('city'), 'G');
    // The form's own required checks are the browser's; submit past them to see the server's.
    fireEvent.submit(field('name').form!);
    await waitFor(() => assert.equal(center.sent.length, 1));

    assert.equal(await screen.findByTestId('apply-failure').then((e) => e.textContent), sv['apply.fixFields']);
    assert.equal(
      errorOf('personalNumber'),
      sv['apply.error.personalNumber.FIELD_CHECK_DIGIT'],
      'the first issue of a field',
    );
    assert.equal(errorOf('postalCode'), sv['apply.error.postalCode.FIELD_FORMAT']);
    assert.equal(errorOf('city'), sv['apply.error.FIELD_TOO_SMALL'].replace('{limit}', '2'));
    assert.equal(errorOf('name'), null, 'a field the server accepted shows no error');
    assert.equal(field('personalNumber').getAttribute('aria-invalid'), 'true');
    assert.equal(field('personalNumber').getAttribute('aria-describedby'), 'apply-personalNumber-error');
    assert.equal(document.activeElement, field('personalNumber'));
  });

  test('an empty field the server names says "fill in" in its own words, in English too', async () => {
    localStorage.setItem('trygg.lang', 'en');
    fakeAlarmCenter({ [PATH]: validation(issue('applicant.name', 'FIELD_TOO_SMALL', 1)) });
    renderInConsole(<ApplyPage />);
    fireEvent.submit(field('name').form!);
    await waitFor(() => assert.equal(errorOf('name'), en['apply.error.name.required']));
  });

  test('the message counts its characters and says when it is full at the server cap', async () => {
    fakeAlarmCenter({});
    renderInConsole(<ApplyPage />);
    const counter = () => screen.getByTestId('apply-message-count');
    const message = screen.getByTestId('apply-message') as HTMLTextAreaElement;
    assert.equal(counter().textContent, sv['apply.messageCount'].replace('{count}', '0').replace('{max}', '2000'));
    await userEvent.setup().type(message, 'Hej');
    assert.equal(counter().textContent, sv['apply.messageCount'].replace('{count}', '3').replace('{max}', '2000'));
    assert.equal(message.maxLength, 2000);
    fireEvent.change(message, { target: { value: 'x'.repeat(2000) } });
    assert.equal(counter().textContent, sv['apply.messageFull'].replace('{count}', '2000').replace('{max}', '2000'));
    assert.ok(counter().classList.contains('full'));
  });

  test('a centre that does not answer: the applicant is told it failed, with no field blamed', async () => {
    fakeAlarmCenter({ [PATH]: () => 'no-answer' });
    renderInConsole(<ApplyPage />);
    fireEvent.submit(field('name').form!);
    const failure = await screen.findByTestId('apply-failure');
    // (The code in brackets reads UNKNOWN here, not NETWORK: ApplyPage only reads codes of FieldErrors.)
    assert.ok(failure.textContent?.startsWith(sv['apply.failed'].split('{code}')[0]!), failure.textContent ?? '');
    assert.equal(screen.queryAllByText(sv['apply.error.required']).length, 0);
  });
});
