// @vitest-environment happy-dom
// A technician registers a device on the real form: required fields are required before anything
// is sent, the resident is chosen by searching (name, address or id), the server's refusals are
// shown in words with the typed values kept, and the issued credentials are shown once.

import assert from 'node:assert/strict';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, test, vi } from 'vitest';
import { RegisterDevicePage } from '../../src/devices/RegisterDevicePage.tsx';
import en from '../../src/i18n/en.json';
import sv from '../../src/i18n/sv.json';
import {
  fakeAlarmCenter,
  freshConsoleEachTest,
  type Reply,
  renderInConsole,
  residentSearchRoutes,
} from './harness.tsx';

const input = (name: string) => screen.getByTestId(`register-${name}`) as HTMLInputElement;

/** Searches for the resident and picks the hit with this id from the list. */
async function chooseResident(user: ReturnType<typeof userEvent.setup>, query: string, id: string) {
  await user.type(input('resident-input'), query);
  const hit = await waitFor(() => {
    const option = screen.getAllByTestId('register-resident-option').find((o) => o.dataset.residentId === id);
    assert.ok(option, `no hit ${id} for "${query}"`);
    return option;
  });
  await user.click(hit);
}

async function fill(user: ReturnType<typeof userEvent.setup>) {
  await user.type(input('deviceId'), 'pendant-0042');
  await user.selectOptions(screen.getByTestId('register-deviceType'), 'door');
  await user.type(input('serial'), 'SN-42');
  await chooseResident(user, 'Ingrid', 'res-9');
  // The device usually serves the resident's district: choosing her fills it in.
  assert.equal(input('district').value, 'Norr');
}

function start(reply: Reply) {
  const center = fakeAlarmCenter({ ...residentSearchRoutes(), 'POST /api/devices': reply });
  renderInConsole(<RegisterDevicePage />);
  return { center, user: userEvent.setup() };
}

const refused = (code: string, status: number) => ({ status, body: { code, message: code, statusCode: status } });

describe('registering a device', () => {
  freshConsoleEachTest();

  test('nothing is sent while a required field is empty', async () => {
    const { center, user } = start({ status: 201, body: { deviceId: 'x', secret: 'y' } });
    await user.type(input('deviceId'), 'pendant-0042');
    await user.click(screen.getByTestId('register-submit'));
    assert.equal(center.to('POST', '/api/devices').length, 0);
    assert.equal(input('serial').validity.valueMissing, true);
    assert.equal(input('resident-input').required, false, 'the resident is optional');
  });

  test('an id already in use is refused in words, and what the technician typed is kept', async () => {
    const { center, user } = start(refused('DEVICE_EXISTS', 409));
    await fill(user);
    await user.click(screen.getByTestId('register-submit'));
    assert.equal((await screen.findByRole('alert')).textContent, sv['error.DEVICE_EXISTS']);
    assert.deepEqual(center.to('POST', '/api/devices')[0]!.body, {
      deviceId: 'pendant-0042',
      deviceType: 'door',
      serial: 'SN-42',
      residentId: 'res-9',
      district: 'Norr',
    });
    assert.equal(input('deviceId').value, 'pendant-0042');
    assert.equal(input('resident-input').value, 'Ingrid Berg, Storgatan 1', 'the chosen resident is kept');
    assert.equal(input('district').value, 'Norr');
  });

  test('an unknown resident is refused in English too; an unknown code still shows the code', async () => {
    localStorage.setItem('trygg.lang', 'en');
    const { user } = start(refused('RESIDENT_NOT_FOUND', 404));
    await fill(user);
    await user.click(screen.getByTestId('register-submit'));
    assert.equal((await screen.findByRole('alert')).textContent, en['error.RESIDENT_NOT_FOUND']);
    cleanup();
    vi.unstubAllGlobals();
    const again = start(refused('SOMETHING_NEW', 400));
    await fill(again.user);
    await again.user.click(screen.getByTestId('register-submit'));
    assert.equal(
      (await screen.findByRole('alert')).textContent,
      en['error.unknown'].replace('{code}', 'SOMETHING_NEW'),
    );
  });

  test('a resident searched for but not chosen is sent as none, and the issued secret is shown once', async () => {
    const { center, user } = start({ status: 201, body: { deviceId: 'pendant-0042', secret: 's3cr3t-once' } });
    await user.type(input('deviceId'), 'pendant-0042');
    await user.type(input('serial'), 'SN-42');
    // The search finds her, but the technician never picks the hit: typed text is not a resident.
    await user.type(input('resident-input'), 'Ingrid');
    await waitFor(() => assert.equal(screen.getAllByTestId('register-resident-option').length, 1));
    await user.type(input('district'), 'Norr');
    await user.click(screen.getByTestId('register-submit'));
    await waitFor(() => assert.equal(screen.getByTestId('issued-secret').textContent, 's3cr3t-once'));
    assert.equal((center.to('POST', '/api/devices')[0]!.body as { residentId: unknown }).residentId, null);
    assert.ok(screen.getByText(sv['register.onceWarning']));
  });
});
