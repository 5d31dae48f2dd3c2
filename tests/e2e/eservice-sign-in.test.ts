// Who is applying, in headless Chromium: the applicant signs in at the local OpenID Connect
// provider before the form appears; a second application shows the first instead of a duplicate;
// a relative's application for someone else goes to the case worker's queue, who sees who applied
// and the later application linked to it.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { addUser, createTestDatabase, startTestPlatform, type TestDatabase } from '@trygg/alarm-center/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { wcagViolations } from '../src/axe.ts';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';
import { IDENTITY, openSignedIn } from '../src/eservice.ts';

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').trim();

async function fillAndSend(page: Page): Promise<void> {
  for (const [field, value] of Object.entries({
    phone: '031-12 34 56',
    street: 'Storgatan 5',
    postalCode: '411 38',
    city: 'Göteborg',
  })) {
    await page.getByTestId(`apply-${field}`).fill(value);
  }
  await page.getByTestId('apply-district').selectOption('Centrum');
  await page.getByTestId('apply-maxFeeConsent').check();
  await page.getByTestId('apply-submit').click();
}

describe('the e-service knows who is applying', () => {
  let db: TestDatabase;
  let platform: Platform;
  let base: string;
  const browsers: TestBrowser[] = [];
  const browser = async () => {
    const b = await launchBrowser();
    browsers.push(b);
    return b.newPage();
  };
  let gretasReference = '';
  let annasReference = '';

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist });
    base = `http://127.0.0.1:${platform.httpPort}`;
    await platform.grants.setDistrict('Centrum', true, 'test');
    await addUser(platform, 'cecilia', 'caseworker');
  });

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await platform?.close();
    await db?.drop();
  });

  it('a cancelled or replayed sign-in is explained in Swedish on the e-service, which stays AA clean', async () => {
    const page = await browser();
    await page.goto(`${base}/#/apply`);
    await page.getByTestId('apply-sign-in-button').click();
    await page.getByTestId('idp-cancel').click();
    await page.getByTestId('apply-sign-in-error').waitFor();
    assert.equal(await text(page, 'apply-sign-in-error'), 'Inloggningen avbröts. Logga in igen när du vill.');
    assert.deepEqual(await wcagViolations(page), []);
    // A callback this browser never began (a link from someone else's sign-in, or a replay).
    await page.goto(`${base}/api/public/sign-in/callback?code=stolen&state=${'s'.repeat(43)}`);
    await page.getByTestId('apply-sign-in-error').waitFor();
    assert.match(await text(page, 'apply-sign-in-error'), /startades i en annan webbläsare/);
    await screenshot(page, 'eservice-sign-in-refused');
    assert.equal(await page.getByTestId('apply-submit').count(), 0, 'no form without a sign-in');
  });

  it('an applicant signs in at the provider, applies for herself without typing her identity number, and is granted', async () => {
    const page = await browser();
    await page.goto(`${base}/#/apply`);
    await page.getByTestId('apply-sign-in-button').waitFor();
    await openSignedIn(page, base, IDENTITY.greta);
    assert.match(await text(page, 'apply-signed-in'), /Greta Andersson \(19400312-\*\*\*\*\)/);
    assert.equal(await page.getByTestId('apply-personalNumber').count(), 0);
    await fillAndSend(page);
    await page.getByTestId('apply-done').waitFor();
    assert.equal(await text(page, 'apply-decision'), 'Beviljad');
    gretasReference = await text(page, 'apply-reference');

    // A second application the same day shows the first instead of making a duplicate.
    await page.goto(`${base}/#/apply/status`);
    await openSignedIn(page, base, IDENTITY.greta);
    await fillAndSend(page);
    await page.getByTestId('apply-already-open').waitFor();
    assert.equal(await text(page, 'apply-already-open-reference'), gretasReference);
    assert.match(await text(page, 'apply-already-open'), /har status: Beviljad/);
    await screenshot(page, 'eservice-already-open');
    assert.deepEqual(await wcagViolations(page), []);
    const orders = await platform.db.pool.query('SELECT count(*)::int AS n FROM installation_orders');
    assert.equal(orders.rows[0].n, 1, 'one installation order');
  });

  it('a relative applies for her father: recorded as hers, sent to a case worker, never granted automatically', async () => {
    const page = await browser();
    await openSignedIn(page, base, IDENTITY.anna);
    await page.getByTestId('apply-for-other').check();
    await page.getByTestId('apply-subjectName').fill('Karl Lindqvist');
    await page.getByTestId('apply-subjectPersonalNumber').fill(IDENTITY.karl);
    await page.getByTestId('apply-relation').selectOption('child');
    await fillAndSend(page);
    await page.getByTestId('apply-done').waitFor();
    assert.equal(await text(page, 'apply-decision'), 'Hos handläggare', 'Karl is 93: alone he would be granted');
    annasReference = await text(page, 'apply-reference');

    // Karl himself applies too: he sees the open application made for him.
    const karl = await browser();
    await openSignedIn(karl, base, IDENTITY.karl);
    await fillAndSend(karl);
    await karl.getByTestId('apply-already-open').waitFor();
    assert.equal(await text(karl, 'apply-already-open-reference'), annasReference);
    assert.match(await text(karl, 'apply-already-open'), /Hos handläggare/);
  });

  it('the case worker sees who applied for whom, and the later application linked to it', async () => {
    const page = await browser();
    await login(page, base, 'cecilia', 'pw-cecilia');
    const row = page.getByTestId('manual-queue').locator('tr', { hasText: annasReference });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Karl Lindqvist/);
    assert.match((await row.textContent()) ?? '', /Ansökt av anhörig eller ombud/);
    await row.getByRole('button', { name: annasReference }).click();
    await page.getByTestId('case-detail').waitFor();
    assert.equal(await text(page, 'case-representative'), `Anna Svensson, ${IDENTITY.anna} · Barn`);
    assert.equal(await text(page, 'case-identified-by'), 'Identifierad med e-legitimation');
    assert.match(await text(page, 'case-linked-applications'), /^TL-[0-9A-Z]{8}$/);
    await screenshot(page, 'cases-representative');
  });
});
