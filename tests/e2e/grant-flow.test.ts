// Safety-alarm grant flow, end to end in headless Chromium on real PostgreSQL: a citizen signs in
// with e-legitimation (the local OpenID Connect provider) and applies, the rules grant automatically, a technician books and
// provisions a device from the order page, the simulated device's button press reaches the
// operator's live queue, and the opened alarm shows the applicant's resident card. Bad input gets
// field-level errors and is never stored; script typed into free text stays text.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Platform } from '@trygg/alarm-center';
import {
  addUser,
  createTestDatabase,
  eventually,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { SimDevice } from '@trygg/device-sim';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';
import { IDENTITY, openSignedIn } from '../src/eservice.ts';

const SHOTS = resolve(fileURLToPath(new URL('../artifacts', import.meta.url)));

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `grant-${name}.png`), fullPage: true });
}

/** What a person sees in an element, without layout-dependent whitespace. */
async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim();
}

/** Every dialog a page opens (an executed alert() would land here) is recorded and dismissed. */
function recordDialogs(page: Page, into: string[]): void {
  page.on('dialog', (dialog) => {
    into.push(dialog.message());
    void dialog.dismiss();
  });
}

// Name and identity number come from the sign-in (Greta Andersson, a demo identity), not the form.
const APPLICANT = {
  phone: '031-12 34 56',
  street: 'Storgatan 5',
  postalCode: '411 38',
  city: 'Göteborg',
  doorCode: '4711',
  contactName: 'Karin Ansöker',
  contactRelation: 'dotter',
  contactPhone: '070-123 45 67',
};
// Free text with markup: accepted as text, and must be shown as text everywhere it appears.
const ACCESS_NOTE = 'Nyckelgömma vid källardörren <script>alert("xss")</script><img src=x onerror=alert(1)>';
const ADDRESS = 'Storgatan 5, 411 38 Göteborg';

async function fillApplicant(page: Page, values: Partial<Record<keyof typeof APPLICANT | 'accessNote', string>>) {
  for (const [field, value] of Object.entries(values)) await page.getByTestId(`apply-${field}`).fill(value);
}

describe('a citizen’s application becomes a working alarm in the operator’s queue', () => {
  let db: TestDatabase;
  let platform: Platform;
  let base: string;
  let citizen: TestBrowser;
  let technicianBrowser: TestBrowser;
  let operatorBrowser: TestBrowser;
  let caseWorkerBrowser: TestBrowser;
  let pendant: SimDevice | undefined;
  const dialogs: string[] = [];
  const applicationCount = async () =>
    Number((await platform.db.pool.query('SELECT count(*) AS n FROM applications')).rows[0].n);

  // Carried from step to step of the one flow.
  let reference = '';
  let citizenPage: Page;
  let technicianPage: Page;
  let secret = '';

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist });
    base = `http://127.0.0.1:${platform.httpPort}`;
    await addUser(platform, 'tore', 'technician');
    await addUser(platform, 'olga', 'operator');
    await addUser(platform, 'cecilia', 'caseworker');
    await platform.grants.setDistrict('Centrum', true, 'test');
    // One browser context per person: the citizen's never holds a session.
    citizen = await launchBrowser();
    technicianBrowser = await launchBrowser();
    operatorBrowser = await launchBrowser();
    caseWorkerBrowser = await launchBrowser();
  });

  afterAll(async () => {
    await pendant?.stop();
    await citizen?.close();
    await technicianBrowser?.close();
    await operatorBrowser?.close();
    await caseWorkerBrowser?.close();
    await platform?.close();
    await db?.drop();
  });

  it('the public form names each wrong field in the page and stores nothing', async () => {
    const page = await citizen.newPage();
    recordDialogs(page, dialogs);
    await openSignedIn(page, base, IDENTITY.greta);
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-failure').waitFor();
    assert.match(await textOf(page.getByTestId('apply-failure')), /Rätta de markerade fälten/);
    for (const field of ['phone', 'street', 'postalCode', 'city', 'district']) {
      await page.getByTestId(`apply-error-${field}`).waitFor({ timeout: 2_000 });
      assert.equal(await page.getByTestId(`apply-${field}`).getAttribute('aria-invalid'), 'true', field);
    }
    assert.equal(await textOf(page.getByTestId('apply-error-district')), 'Välj din stadsdel i listan.');
    await shot(page, 'apply-missing-fields');

    // For someone else: markup in the name, a date that does not exist, oversize free text: each
    // is named by its field.
    await page.getByTestId('apply-for-other').check();
    await page.getByTestId('apply-subjectName').fill('<script>alert("namn")</script>');
    await page.getByTestId('apply-subjectPersonalNumber').fill('19450230-1234');
    await fillApplicant(page, { ...APPLICANT, accessNote: 'x'.repeat(501) });
    await page.getByTestId('apply-district').selectOption('Centrum');
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-error-subjectPersonalNumber').waitFor();
    assert.match(
      await textOf(page.getByTestId('apply-error-subjectPersonalNumber')),
      /^Datumet i personnumret finns inte/,
    );
    assert.match(await textOf(page.getByTestId('apply-error-subjectName')), /^Skriv namnet med bokstäver/);
    assert.equal(await textOf(page.getByTestId('apply-error-accessNote')), 'Texten är för lång: högst 500 tecken.');
    for (const field of ['phone', 'street', 'postalCode', 'city', 'doorCode']) {
      assert.equal(await page.getByTestId(`apply-error-${field}`).count(), 0, `${field} was valid`);
    }
    // The form keeps what the citizen typed, as typed.
    assert.equal(await page.getByTestId('apply-subjectName').inputValue(), '<script>alert("namn")</script>');
    await shot(page, 'apply-invalid-fields');

    assert.equal(await applicationCount(), 0, 'nothing invalid was stored');
    assert.deepEqual(dialogs, []);
    await page.close();
  });

  it('a citizen signed in with e-legitimation applies and sees the automatic grant with its justification', async () => {
    citizenPage = await citizen.newPage();
    recordDialogs(citizenPage, dialogs);
    await openSignedIn(citizenPage, base, IDENTITY.greta);
    assert.match(await textOf(citizenPage.getByTestId('apply-signed-in')), /Inloggad som Greta Andersson/);
    assert.equal(await citizenPage.getByTestId('apply-personalNumber').count(), 0, 'no identity-number box');
    assert.equal(await citizenPage.getByTestId('apply-name').count(), 0, 'the name comes from the sign-in');
    await fillApplicant(citizenPage, { ...APPLICANT, accessNote: ACCESS_NOTE });
    await citizenPage.getByTestId('apply-district').selectOption('Centrum');
    await citizenPage.getByTestId('apply-keyHandling').selectOption('key_box');
    await citizenPage.getByTestId('apply-maxFeeConsent').check();
    await shot(citizenPage, 'apply-filled');
    await citizenPage.getByTestId('apply-submit').click();

    await citizenPage.getByTestId('apply-done').waitFor();
    reference = await textOf(citizenPage.getByTestId('apply-reference'));
    assert.match(reference, /^TL-[0-9A-Z]{8}$/);
    const token = await textOf(citizenPage.getByTestId('apply-token'));
    assert.ok(token.length >= 16, token);
    assert.equal(await textOf(citizenPage.getByTestId('apply-decision')), 'Beviljad');
    await shot(citizenPage, 'apply-done');

    await citizenPage.getByRole('link', { name: 'Se status' }).last().click();
    await citizenPage.getByTestId('status-state').waitFor();
    assert.equal(await textOf(citizenPage.getByTestId('status-state')), 'Beviljad');
    assert.match(await textOf(citizenPage.getByTestId('status-justification')), /beviljad automatiskt/);
    assert.match(await textOf(citizenPage.getByTestId('status-justification')), /4 kap\. 2 a §/);
    assert.equal(await textOf(citizenPage.getByTestId('status-installation')), 'Väntar på bokning');
    assert.match(await textOf(citizenPage.locator('body')), /Automatiskt enligt kommunens regler/);
    await shot(citizenPage, 'status-granted');

    const { rows } = await platform.db.pool.query(
      'SELECT channel, access, door_code_enc FROM applications WHERE reference = $1',
      [reference],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].channel, 'public');
    assert.ok(String(rows[0].access).endsWith(ACCESS_NOTE), 'free text is stored exactly as written');
    assert.notEqual(rows[0].door_code_enc, APPLICANT.doorCode, 'the door code is not stored in clear');
  });

  it('a technician sees the order, books it and provisions a device whose secret the page shows once', async () => {
    technicianPage = await technicianBrowser.newPage();
    recordDialogs(technicianPage, dialogs);
    await login(technicianPage, base, 'tore', 'pw-tore');
    await technicianPage.getByTestId('nav-orders').click();
    const card = technicianPage.getByTestId(`order-${reference}`);
    await card.waitFor();
    const text = await textOf(card);
    assert.match(text, /Greta Andersson/);
    assert.match(text, /Väntar på bokning/);
    assert.ok(text.includes(ADDRESS), text);
    assert.ok(text.includes('Karin Ansöker (dotter) 070-123 45 67'), text);
    assert.ok(text.includes('<script>alert("xss")</script><img src=x onerror=alert(1)>'), 'markup shown as text');
    assert.ok(!text.includes(APPLICANT.doorCode), 'the door code is hidden until asked for');
    await card.getByRole('button', { name: 'Visa portkod (loggas)' }).click();
    await card.getByText(APPLICANT.doorCode, { exact: true }).waitFor();
    const viewed = await platform.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'view_installation_order' AND actor = 'tore'`,
    );
    assert.equal(viewed.rows[0].n, 1, 'showing the door code was logged');
    await shot(technicianPage, 'orders-open');

    await card.getByTestId('order-visitAt').fill('2030-05-14T09:30');
    await card.getByTestId('order-book').click();
    await card.getByText('Bokad', { exact: true }).waitFor();
    assert.match(await textOf(card), /tore/);

    await card.getByTestId('order-deviceId').fill('pendant-greta');
    assert.equal(await card.getByTestId('order-deviceType').inputValue(), 'pendant');
    await card.getByTestId('order-serial').fill('SN-GRETA-1');
    await card.getByTestId('order-provision').click();
    await card.getByTestId('order-secret').waitFor();
    secret = await textOf(card.getByTestId('order-secret'));
    assert.ok(secret.length >= 16, `secret: ${secret}`);
    await card.getByText('Enhet registrerad, testas', { exact: true }).waitFor();
    await shot(technicianPage, 'orders-provisioned');
  });

  it('the device’s button press reaches the operator’s queue live, showing the applicant’s resident card', async () => {
    const page = await operatorBrowser.newPage();
    recordDialogs(page, dialogs);
    await login(page, base, 'olga', 'pw-olga');
    await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await page.getByTestId('alarm-row').count(), 0);

    pendant = new SimDevice(
      { deviceId: 'pendant-greta', deviceType: 'pendant', secret },
      { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}` },
    );
    await pendant.connect();
    await pendant.send({ type: 'alarm.manual' });

    // No reload: the page was loaded before the press.
    const row = page.locator('[data-testid="alarm-row"][data-kind="manual"]').first();
    await row.waitFor({ timeout: 10_000 });
    const rowText = await textOf(row);
    assert.match(rowText, /Greta Andersson/);
    assert.match(rowText, /pendant-greta/);
    assert.ok(!rowText.includes(APPLICANT.doorCode), 'the queue row does not carry the door code');
    await shot(page, 'operator-queue');

    await row.getByRole('link').first().click();
    const residentCard = page.getByTestId('resident-card');
    await residentCard.waitFor();
    const cardText = await textOf(residentCard);
    assert.match(cardText, /Greta Andersson/);
    assert.ok(cardText.includes(ADDRESS), cardText);
    assert.ok(cardText.includes('<script>alert("xss")</script>'), 'the access note is shown as text');
    assert.match(cardText, /Karin Ansöker/);
    assert.equal(await textOf(residentCard.locator('dd.mono.big')), APPLICANT.doorCode);
    assert.equal(await residentCard.locator('script, img').count(), 0, 'no markup from the form was rendered');
    const viewed = await platform.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'view_resident_card' AND actor = 'olga'`,
    );
    assert.ok(viewed.rows[0].n >= 1, 'the operator’s view of the door code was logged');
    await shot(page, 'operator-resident-card');
  });

  it('the technician closes the tested order and the citizen sees the alarm installed', async () => {
    const card = technicianPage.getByTestId(`order-${reference}`);
    await card.getByTestId('order-close').click();
    // A closed order leaves the technicians' queue of active orders.
    await technicianPage.getByText('Ordern är avslutad; larmet är installerat.').waitFor();
    await card.waitFor({ state: 'detached' });
    await technicianPage.getByText('Inga installationer väntar.').waitFor();
    await shot(technicianPage, 'orders-closed');

    await citizenPage.reload();
    await citizenPage.getByTestId('status-installation').waitFor();
    assert.match(await textOf(citizenPage.getByTestId('status-installation')), /^Installerad och testad · /);
    await shot(citizenPage, 'status-installed');

    const stored = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ status: string; device_id: string }>(
        `SELECT o.status, o.device_id FROM installation_orders o JOIN applications a ON a.id = o.application_id
         WHERE a.reference = $1`,
        [reference],
      );
      return rows[0]?.status === 'closed' ? rows[0] : undefined;
    });
    assert.equal(stored.device_id, 'pendant-greta');
  });

  it('the case worker’s figures count the digital, automatic grant', async () => {
    const page = await caseWorkerBrowser.newPage();
    recordDialogs(page, dialogs);
    await login(page, base, 'cecilia', 'pw-cecilia');
    const figures = page.getByTestId('grant-figures');
    await figures.waitFor({ timeout: 5_000 });
    assert.match(await textOf(figures), /100 %/);
    assert.equal(await textOf(page.getByTestId('figures-manual-queue')), '0');
    await shot(page, 'cases');
    // Stays logged in: the live stream must not throw a case worker out.
    await page.waitForTimeout(1_000);
    assert.equal(await page.getByTestId('login-username').count(), 0);
  });

  it('no script typed into the form ever ran in any of the pages', () => {
    assert.deepEqual(dialogs, [], 'no alert() from the form’s text was executed');
  });
});
