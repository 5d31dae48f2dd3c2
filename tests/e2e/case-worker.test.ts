// The case worker's pages in Chromium: the phone/paper form speaks about the applicant in the
// third person, an unanswered question reads "Ej besvarad", long values stay inside the case
// card, and the follow-up figures are charted against the 90 % automation goal.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import {
  addUser,
  createTestDatabase,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';

/** A Swedish identity number for the given YYYYMMDD with a correct check digit. */
function personalNumber(date: string, serial = '238'): string {
  const nine = `${date.slice(2)}${serial}`;
  let sum = 0;
  for (let i = 0; i < nine.length; i += 1) {
    let v = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
    if (v > 9) v -= 9;
    sum += v;
  }
  return `${date}-${serial}${(10 - (sum % 10)) % 10}`;
}

/** One unbroken 300-character word: the kind of value that used to run out of the card. */
const LONG_WORD = 'Ringtvåggångerochväntasedanpåattdörrenöppnas'.repeat(7).slice(0, 300);

describe('the case worker’s pages', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  let base: string;
  let page: Page;

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist });
    base = `http://127.0.0.1:${platform.httpPort}`;
    const kajsa = await addUser(platform, 'kajsa', 'caseworker');
    // Districts come from the municipality's list, which case workers keep.
    const listed = await (await loginClient(platform, kajsa.username, kajsa.password)).call(
      'PUT',
      '/api/districts/Centrum',
      {
        active: true,
      },
    );
    assert.ok(listed.status < 300, JSON.stringify(listed.body));
    browser = await launchBrowser();
    page = await browser.newPage();
    await login(page, base, kajsa.username, kajsa.password);
    await page.locator('.shell').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await db?.drop();
  });

  it('the phone/paper form asks about the applicant, not "du"', async () => {
    await page.goto(`${base}/#/cases/new`);
    await page.getByTestId('apply-basis-sol_4_1').check();
    const form = page.locator('form').first();
    await form.getByText('Har den sökande fallit, eller nästan fallit, under det senaste året?').waitFor();
    const text = (await form.textContent()) ?? '';
    assert.match(text, /Har den sökande andra insatser från kommunen i dag\?/);
    assert.match(text, /Den sökande godkänner maxtaxan/);
    assert.doesNotMatch(text, /\b(du|dig|din|ditt)\b/i, 'no second person in the case worker’s form');
    await screenshot(page, 'case-worker-phone-form');
  });

  it('a registered application the rules cannot decide opens as a card with "Ej besvarad" and nothing spilling out', async () => {
    for (const [field, value] of Object.entries({
      name: 'Greta Telefonsdotter',
      personalNumber: personalNumber('19400312'),
      phone: '031-12 34 56',
      street: `Storgatan 5 ${LONG_WORD.slice(0, 80)}`,
      postalCode: '411 38',
      city: 'Göteborg',
    })) {
      await page.getByTestId(`apply-${field}`).fill(value);
    }
    await page.getByTestId('apply-district').selectOption('Centrum');
    await page.getByTestId('apply-feelsUnsafeAlone-yes').check();
    await page.getByTestId('apply-intervention-home_care').check();
    await page.getByTestId('apply-message').fill(LONG_WORD);
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-done').waitFor();
    assert.equal(await page.getByTestId('apply-decision').textContent(), 'Hos handläggare');
    assert.match((await page.getByTestId('apply-done').textContent()) ?? '', /Ge den sökande ärendenumret/);

    await page.goto(`${base}/#/cases`);
    await page.getByTestId('manual-queue').getByRole('button').first().click();
    const card = page.getByTestId('case-detail');
    await card.waitFor();
    const answers = await card
      .locator('dt')
      .evaluateAll((dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
    assert.equal(answers['Har den sökande fallit, eller nästan fallit, under det senaste året?'], 'Ej besvarad');
    assert.equal(answers['Känner sig den sökande otrygg när hen är ensam hemma?'], 'Ja');
    assert.ok(!Object.values(answers).includes('Välj svar'));
    const spills = await card.evaluate((form) => {
      const edge = form.getBoundingClientRect().right;
      return [...form.querySelectorAll('dd, h3')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > edge + 1)
        .map((el) => el.textContent?.slice(0, 40));
    });
    assert.deepEqual(spills, [], 'every value wraps inside the card');
    await screenshot(page, 'case-worker-case-card');
  });

  it('the figures are charted against the 90 % automation goal', async () => {
    await page.goto(`${base}/#/cases`);
    const chart = page.getByTestId('figures-chart');
    await chart.getByText('90 %', { exact: true }).waitFor();
    assert.equal(await chart.getAttribute('data-goal'), '90');
    const labels = await chart.locator('.recharts-label-list text, .recharts-label').allTextContents();
    assert.ok(labels.includes('90 %'), `bar labels: ${labels}`);
    assert.ok(labels.includes('20 %'), `bar labels: ${labels}`);
    const legend = (await chart.locator('.recharts-legend-wrapper').textContent()) ?? '';
    assert.match(legend, /Utfall/);
    assert.match(legend, /Mål/);
    await screenshot(page, 'case-worker-figures');
  });
});
