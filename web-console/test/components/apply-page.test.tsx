// @vitest-environment happy-dom
// The public e-service form on its real page, for a citizen signed in over OpenID Connect: each
// refusal from the server sits by its own field, in words that say what to write (its own wording
// per code), the first wrong field takes the focus, and the message field counts its characters up
// to the server's cap.

import assert from 'node:assert/strict';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, test } from 'vitest';
import { ApplyPage } from '../../src/grants/ApplyPage.tsx';
import en from '../../src/i18n/en.json';
import sv from '../../src/i18n/sv.json';
import {
  districts,
  eServiceRoutes,
  fakeAlarmCenter,
  freshConsoleEachTest,
  greta,
  renderInConsole,
} from './harness.tsx';

const PATH = 'POST /api/public/applications';
const issue = (field: string, code: string, limit?: number) => ({ field, message: code, code, limit });
const validation = (...issues: ReturnType<typeof issue>[]) => ({
  status: 400,
  body: { code: 'VALIDATION', message: 'invalid', statusCode: 400, issues },
});
const field = (name: string) => screen.getByTestId(`apply-${name}`) as HTMLInputElement;
/** The form shows once the page knows who is signed in; until then it is a busy card. */
const formShown = async () => {
  const signedIn = await screen.findByTestId('apply-signed-in');
  assert.ok(signedIn.textContent?.includes(greta.personalNumber), signedIn.textContent ?? '');
};
const errorOf = (name: string) => screen.queryByTestId(`apply-error-${name}`)?.textContent ?? null;

describe('the e-service application form', () => {
  freshConsoleEachTest();

  test('each field error sits by its field, with the wording for its code; the first wrong field is focused', async () => {
    const center = fakeAlarmCenter({
      ...eServiceRoutes(),
      [PATH]: validation(
        issue('onBehalfOf.personalNumber', 'FIELD_CHECK_DIGIT'),
        issue('onBehalfOf.personalNumber', 'FIELD_FORMAT'),
        issue('address.postalCode', 'FIELD_FORMAT'),
        issue('address.city', 'FIELD_TOO_SMALL', 2),
      ),
    });
    renderInConsole(<ApplyPage />);
    await formShown();
    const user = userEvent.setup();
    // Greta applies for her mother: the identity number typed is the mother's, hers comes from the sign-in.
    await user.click(field('for-other'));
    await user.type(field('subjectName'), 'Gerda Gran');
    await user.type(field('subjectPersonalNumber'), '19200312-1235');
    await user.type(field('phone'), '0701234567');
    await user.type(field('postalCode'), '4110');
    await user.type(field('city'), 'G');
    await waitFor(() => assert.equal(screen.getAllByRole('option', { name: districts[1] }).length, 1));
    await user.selectOptions(field('district'), districts[1]!);
    // The form's own required checks are the browser's; submit past them to see the server's.
    fireEvent.submit(field('phone').form!);
    await waitFor(() => assert.equal(center.to('POST', '/api/public/applications').length, 1));
    const sent = center.to('POST', '/api/public/applications')[0]!.body as {
      applicant: unknown;
      onBehalfOf: unknown;
      district: string;
    };
    assert.deepEqual(sent.applicant, { phone: '0701234567' }, 'no identity of the applicant is taken from the form');
    assert.deepEqual(sent.onBehalfOf, { name: 'Gerda Gran', personalNumber: '19200312-1235', relation: 'child' });
    assert.equal(sent.district, districts[1]);

    assert.equal(await screen.findByTestId('apply-failure').then((e) => e.textContent), sv['apply.fixFields']);
    assert.equal(
      errorOf('subjectPersonalNumber'),
      sv['apply.error.subjectPersonalNumber.FIELD_CHECK_DIGIT'],
      'the first issue of a field',
    );
    assert.equal(errorOf('postalCode'), sv['apply.error.postalCode.FIELD_FORMAT']);
    assert.equal(errorOf('city'), sv['apply.error.FIELD_TOO_SMALL'].replace('{limit}', '2'));
    assert.equal(errorOf('phone'), null, 'a field the server accepted shows no error');
    assert.equal(errorOf('district'), null, 'a field the server accepted shows no error');
    assert.equal(field('subjectPersonalNumber').getAttribute('aria-invalid'), 'true');
    assert.equal(field('subjectPersonalNumber').getAttribute('aria-describedby'), 'apply-subjectPersonalNumber-error');
    assert.equal(document.activeElement, field('subjectPersonalNumber'));
  });

  test('an empty field the server names says "fill in" in its own words, in English too', async () => {
    localStorage.setItem('trygg.lang', 'en');
    fakeAlarmCenter({ ...eServiceRoutes(), [PATH]: validation(issue('applicant.phone', 'FIELD_TOO_SMALL', 1)) });
    renderInConsole(<ApplyPage />);
    await formShown();
    fireEvent.submit(field('phone').form!);
    await waitFor(() => assert.equal(errorOf('phone'), en['apply.error.phone.required']));
    assert.equal(document.activeElement, field('phone'));
  });

  test('the message counts its characters and says when it is full at the server cap', async () => {
    fakeAlarmCenter(eServiceRoutes());
    renderInConsole(<ApplyPage />);
    await formShown();
    const counter = () => screen.getByTestId('apply-message-count');
    const message = screen.getByTestId('apply-message') as HTMLTextAreaElement;
    assert.equal(counter().textContent, sv['apply.messageCount'].replace('{count}', '0').replace('{max}', '2000'));
    await userEvent.setup().type(message, 'Hej');
    assert.equal(counter().textContent, sv['apply.messageCount'].replace('{count}', '3').replace('{max}', '2000'));
    fireEvent.change(message, { target: { value: 'x'.repeat(2000) } });
    assert.equal(counter().textContent, sv['apply.messageFull'].replace('{count}', '2000').replace('{max}', '2000'));
    assert.ok(counter().classList.contains('full'));
    // Beyond the cap nothing is silently cut: the text is kept, the counter says how far over it is.
    fireEvent.change(message, { target: { value: 'x'.repeat(2003) } });
    assert.equal(message.value.length, 2003);
    assert.equal(
      counter().textContent,
      sv['signIn.messageOver'].replace('{count}', '2003').replace('{max}', '2000').replace('{over}', '3'),
    );
    assert.ok(counter().classList.contains('full'));
  });

  test('a centre that does not answer: the applicant is told it failed, with no field blamed', async () => {
    fakeAlarmCenter({ ...eServiceRoutes(), [PATH]: () => 'no-answer' });
    renderInConsole(<ApplyPage />);
    await formShown();
    fireEvent.submit(field('phone').form!);
    const failure = await screen.findByTestId('apply-failure');
    // (The code in brackets reads UNKNOWN here, not NETWORK: ApplyPage only reads codes of FieldErrors.)
    assert.ok(failure.textContent?.startsWith(sv['apply.failed'].split('{code}')[0]!), failure.textContent ?? '');
    assert.equal(screen.queryAllByText(sv['apply.error.required']).length, 0);
  });
});
