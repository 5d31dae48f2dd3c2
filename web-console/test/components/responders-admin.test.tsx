// @vitest-environment happy-dom
// A supervisor manages who can be sent on the real page: the list with districts, shift, phone and
// status; adding a team sends exactly what was typed (districts split, empty phone as none);
// editing fills the form from the row and sends a full replacement; the status is set per row;
// the server's refusals are shown in Swedish words.

import assert from 'node:assert/strict';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Responder } from '@trygg/console-contract';
import { describe, test } from 'vitest';
import sv from '../../src/i18n/sv.json';
import { RespondersAdminPage } from '../../src/responders/RespondersAdminPage.tsx';
import { fakeAlarmCenter, freshConsoleEachTest, type Routes, renderInConsole } from './harness.tsx';

const anna: Responder = {
  id: 'anna',
  name: 'Anna Nattpatrull',
  kind: 'person',
  districts: ['Majorna'],
  shiftStart: '22:00',
  shiftEnd: '07:00',
  status: 'on_duty',
  statusChangedAt: '2026-12-01T22:00:00.000Z',
  username: 'anna',
  phone: '031-11 22 33',
};

function start(routes: Routes = {}) {
  const notices: { text: string; tone?: string }[] = [];
  let list = [anna];
  const center = fakeAlarmCenter({
    'GET /api/responders': () => ({ body: { responders: list } }),
    'POST /api/responders': (body) => {
      const r = { ...(body as Responder), statusChangedAt: anna.statusChangedAt };
      list = [...list, r];
      return { body: { responder: r } };
    },
    ...routes,
  });
  renderInConsole(<RespondersAdminPage notify={(text, tone) => notices.push({ text, tone })} />);
  return { center, notices, user: userEvent.setup() };
}

const field = (label: string) => screen.getByLabelText(label) as HTMLInputElement;

describe('the responder register', () => {
  freshConsoleEachTest();

  test('lists responders with districts, shift, phone and status, in Swedish', async () => {
    start();
    const row = await screen.findByText('Anna Nattpatrull');
    const cells = within(row.closest('tr')!);
    assert.ok(cells.getByText('Majorna'));
    assert.ok(cells.getByText('22:00–07:00'));
    assert.ok(cells.getByText('031-11 22 33'));
    const status = cells.getByLabelText('Status för Anna Nattpatrull') as HTMLSelectElement;
    assert.equal(status.value, 'on_duty');
    assert.equal(status.selectedOptions[0]?.textContent, sv['responders.status.on_duty']);
    assert.ok(screen.getByRole('heading', { name: sv['respondersAdmin.newTitle'] }));
  });

  test('adding a team sends what was typed: districts split, no phone as none; it starts off duty', async () => {
    const { center, notices, user } = start();
    await screen.findByText('Anna Nattpatrull');
    await user.type(field(sv['respondersAdmin.field.id']), 'natt-majorna');
    await user.type(field(sv['respondersAdmin.field.name']), 'Nattpatrull Majorna');
    await user.selectOptions(field(sv['respondersAdmin.field.kind']), 'team');
    await user.type(field(sv['respondersAdmin.field.districts']), 'Majorna, Centrum ,');
    await user.click(screen.getByRole('button', { name: sv['respondersAdmin.create'] }));
    await waitFor(() => assert.equal(center.to('POST', '/api/responders').length, 1));
    assert.deepEqual(center.to('POST', '/api/responders')[0]!.body, {
      id: 'natt-majorna',
      status: 'off',
      name: 'Nattpatrull Majorna',
      kind: 'team',
      districts: ['Majorna', 'Centrum'],
      shiftStart: '22:00',
      shiftEnd: '07:00',
      phone: null,
      username: null,
    });
    await screen.findByText('Nattpatrull Majorna');
    assert.deepEqual(notices, [
      { text: 'Nattpatrull Majorna är tillagd och ledig tills du sätter i tjänst.', tone: undefined },
    ]);
    assert.equal(field(sv['respondersAdmin.field.name']).value, '', 'the form is empty again');
  });

  test('editing fills the form from the row and sends the whole responder to PUT', async () => {
    const { center, user } = start({
      'PUT /api/responders/anna': (body) => ({ body: { responder: { ...anna, ...(body as object) } } }),
    });
    await user.click(await screen.findByRole('button', { name: 'Ändra Anna Nattpatrull' }));
    assert.ok(screen.getByRole('heading', { name: 'Ändra Anna Nattpatrull' }));
    assert.equal(screen.queryByLabelText(sv['respondersAdmin.field.id']), null, 'the id is not changed');
    assert.equal(field(sv['respondersAdmin.field.districts']).value, 'Majorna');
    await user.type(field(sv['respondersAdmin.field.districts']), ', Centrum');
    await user.clear(field(sv['respondersAdmin.field.phone']));
    await user.type(field(sv['respondersAdmin.field.phone']), '+46 31 765 43 21');
    await user.click(screen.getByRole('button', { name: sv['respondersAdmin.save'] }));
    await waitFor(() => assert.equal(center.to('PUT', '/api/responders/anna').length, 1));
    assert.deepEqual(center.to('PUT', '/api/responders/anna')[0]!.body, {
      name: 'Anna Nattpatrull',
      kind: 'person',
      districts: ['Majorna', 'Centrum'],
      shiftStart: '22:00',
      shiftEnd: '07:00',
      phone: '+46 31 765 43 21',
      username: 'anna',
    });
  });

  test('the status is set per row', async () => {
    const { center, notices, user } = start({
      'PUT /api/responders/anna/status': (body) => ({ body: { responder: { ...anna, ...(body as object) } } }),
    });
    await user.selectOptions(await screen.findByLabelText('Status för Anna Nattpatrull'), 'off');
    await waitFor(() => assert.equal(center.to('PUT', '/api/responders/anna/status').length, 1));
    assert.deepEqual(center.to('PUT', '/api/responders/anna/status')[0]!.body, { status: 'off' });
    await waitFor(() => assert.deepEqual(notices, [{ text: 'Anna Nattpatrull: Ledig.', tone: undefined }]));
  });

  test('a refusal is shown in words and the typed values are kept', async () => {
    const { notices, user } = start({
      'POST /api/responders': {
        status: 409,
        body: { code: 'RESPONDER_USER_TAKEN', message: 'taken', statusCode: 409 },
      },
    });
    await screen.findByText('Anna Nattpatrull');
    await user.type(field(sv['respondersAdmin.field.id']), 'bo');
    await user.type(field(sv['respondersAdmin.field.name']), 'Bo Hemtjänst');
    await user.type(field(sv['respondersAdmin.field.districts']), 'Centrum');
    await user.type(field(sv['respondersAdmin.field.username']), 'anna');
    await user.click(screen.getByRole('button', { name: sv['respondersAdmin.create'] }));
    await waitFor(() => assert.deepEqual(notices, [{ text: sv['error.RESPONDER_USER_TAKEN'], tone: 'error' }]));
    assert.equal(field(sv['respondersAdmin.field.name']).value, 'Bo Hemtjänst');
  });
});
