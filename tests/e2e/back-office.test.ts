// The back-office pages in Chromium as their users meet them: a resident is chosen by searching
// (name, address or id) with an accessible combobox wherever one is chosen; the night round shows
// where to go, the key and, on request, the door code for physical visits, filtered by night and
// team; switching a visit to camera for a resident without one warns at once.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
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

/** Local Stockholm time in March 2024 (UTC+1). */
const local = (day: number, h: number, m = 0) => Date.UTC(2024, 2, day, h - 1, m);

describe('back-office pages in the console', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  const now = local(5, 20);
  const clock = { now: () => now };
  let base: string;
  const users: Record<string, { username: string; password: string }> = {};

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock });
    base = `http://127.0.0.1:${platform.httpPort}`;
    await addResident(platform, 'res-1', {
      name: 'Astrid Andersson',
      address: 'Storgatan 12, 411 38 Göteborg',
      access: 'Nyckelgömma vid porten, kod 12',
      doorCode: '4711',
    });
    await addResident(platform, 'res-2', { name: 'Astrid Lind', address: 'Ekvägen 3, 412 50 Göteborg' });
    await addResident(platform, 'res-3', { name: 'Bertil Berg', address: 'Lindgatan 8, 413 01 Göteborg' });
    for (const [name, role] of [
      ['kajsa', 'caseworker'],
      ['nina', 'nightteam'],
      ['sara', 'supervisor'],
      ['olga', 'operator'],
    ] as const) {
      users[role] = await addUser(platform, name, role);
    }
    const kajsa = await loginClient(platform, users.caseworker!.username, users.caseworker!.password);
    for (const [resident, team, time] of [
      ['res-1', 'Nattpatrull Centrum', '23:00'],
      ['res-3', 'Nattpatrull Väster', '01:00'],
    ] as const) {
      const put = await kajsa.call('PUT', `/api/supervision/plans/${resident}`, {
        nightTeam: team,
        visits: [{ time, mode: 'physical' }],
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
    }
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await db?.drop();
  });

  const pageAs = async (role: string): Promise<Page> => {
    const page = await browser.newPage();
    await page.context().clearCookies(); // one browser profile: each role logs in afresh
    await login(page, base, users[role]!.username, users[role]!.password);
    await page.locator('.shell').waitFor();
    return page;
  };

  it('a case worker finds a resident by name with the keyboard and opens the plan, without knowing any id', async () => {
    const page = await pageAs('caseworker');
    await page.getByTestId('nav-supervisionPlans').click();
    const input = page.getByRole('combobox', { name: 'Öppna eller skapa plan för brukare' });
    await input.waitFor();
    await input.fill('a');
    await page.getByTestId('plans-resident-status').filter({ hasText: 'Skriv minst 2 tecken' }).waitFor();
    await input.fill('astrid');
    const options = page.getByRole('option');
    await page.getByTestId('plans-resident-status').filter({ hasText: '2 träffar' }).waitFor();
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await options.allTextContents(), [
      'Astrid Andersson Storgatan 12, 411 38 Göteborg res-1',
      'Astrid Lind Ekvägen 3, 412 50 Göteborg res-2',
    ]);
    await screenshot(page, 'back-office-resident-search');
    await input.press('ArrowDown');
    assert.equal(await options.nth(1).getAttribute('aria-selected'), 'true');
    assert.equal(await input.getAttribute('aria-activedescendant'), await options.nth(1).getAttribute('id'));
    await input.press('Enter');
    await page.waitForURL(/#\/supervision\/plans\/res-2$/);
    await page.getByTestId('plan-form').waitFor();

    // By address, then by id, from the same box.
    await page.getByTestId('nav-supervisionPlans').click();
    await input.fill('storgatan');
    await page.locator('[data-testid="plans-resident-option"][data-resident-id="res-1"]').click();
    await page.waitForURL(/#\/supervision\/plans\/res-1$/);
    await page.getByTestId('supervision-plan').waitFor();
    await page.getByTestId('nav-supervisionPlans').click();
    await input.fill('nobody-here');
    await page.getByTestId('plans-resident-status').filter({ hasText: 'Ingen brukare hittades' }).waitFor();
    await page.close();
  });

  it('the supervisor filters the camera log by a resident chosen by name', async () => {
    const page = await pageAs('supervisor');
    await page.getByTestId('nav-supervisionLog').click();
    const input = page.getByTestId('access-resident-input');
    await input.fill('Bertil');
    const asked = page.waitForRequest((r) => r.url().includes('/api/supervision/access-log?residentId=res-3'));
    await page.locator('[data-testid="access-resident-option"][data-resident-id="res-3"]').click();
    await asked;
    assert.equal(await input.inputValue(), 'Bertil Berg, Lindgatan 8, 413 01 Göteborg');
    await page.getByTestId('access-all').click();
    assert.equal(await input.inputValue(), '');
    await page.close();
  });

  it('the night team sees where to go and the key for physical visits, reads the door code on request, and filters by team and night', async () => {
    const page = await pageAs('nightteam');
    await page.getByTestId('nav-supervisionRound').click();
    const astrid = page.locator('[data-testid="round-visit"][data-resident-id="res-1"]');
    await astrid.waitFor();
    assert.equal(await astrid.getByTestId('visit-address').textContent(), 'Storgatan 12, 411 38 Göteborg');
    assert.equal(await astrid.getByTestId('visit-access').textContent(), 'Nyckel: Nyckelgömma vid porten, kod 12');
    assert.equal(await astrid.getByTestId('visit-door-code').count(), 0, 'the door code is not shown unasked');
    await astrid.getByTestId('visit-show-door-code').click();
    await astrid.getByTestId('visit-door-code').filter({ hasText: 'Portkod: 4711' }).waitFor();
    const { rows } = await platform.db.pool.query(
      `SELECT actor FROM audit_log WHERE action = 'view_door_code' AND subject_id = 'res-1'`,
    );
    assert.deepEqual(rows, [{ actor: 'nina' }]);
    await screenshot(page, 'back-office-round-door-code');

    assert.equal(await page.locator('[data-testid="round-visit"]').count(), 2);
    await page.getByTestId('round-team').selectOption('Nattpatrull Väster');
    await page.locator('[data-testid="round-visit"][data-resident-id="res-1"]').waitFor({ state: 'detached' });
    assert.deepEqual(
      await page
        .locator('[data-testid="round-visit"]')
        .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-resident-id'))),
      ['res-3'],
    );
    assert.equal(await page.getByTestId('round-night').getAttribute('lang'), 'sv');
    await page.getByTestId('round-night').fill('2024-03-01');
    await page.getByText('1 mars 2024', { exact: false }).first().waitFor();
    assert.equal(await page.locator('[data-testid="round-visit"]').count(), 0);
    await page.close();
  });

  it('switching a visit to camera for a resident without a camera warns at once, without asking the server', async () => {
    const page = await pageAs('nightteam');
    await page.goto(`${base}/#/supervision/plans/res-1`);
    await page.getByTestId('plan-no-camera').waitFor();
    const switches: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT') switches.push(r.url());
    });
    const at2300 = page.locator('[data-testid="plan-visit"][data-time="23:00"]');
    await at2300.getByTestId('switch-camera').click();
    const warning = at2300.getByTestId('switch-refused');
    await warning.waitFor();
    assert.equal(await warning.textContent(), 'Besöket 23:00 kan inte bli kameratillsyn: brukaren har ingen kamera.');
    assert.deepEqual(switches, []);
    assert.equal(await at2300.getAttribute('data-mode'), 'physical');
    await screenshot(page, 'back-office-plan-no-camera');
    await page.close();
  });
});
