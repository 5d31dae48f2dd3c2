// What every back-office page shares, in Chromium: people are shown by their display names, date
// and time inputs follow the console's language, a newly issued device secret can be copied with
// a visible "Kopierad", and notices sit in a line of their own instead of covering the page.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
  addUser,
  connectDevice,
  createTestDatabase,
  envelope,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';

describe('the console everywhere', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  let base: string;
  const users: Record<string, { username: string; password: string }> = {};

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist });
    base = `http://127.0.0.1:${platform.httpPort}`;
    for (const [username, role, name] of [
      ['olga', 'operator', 'Olga Operatör'],
      ['tore', 'technician', 'Tore Tekniker'],
      ['nina', 'nightteam', 'Nina Nattpatrull'],
      ['kajsa', 'caseworker', 'Kajsa Handläggare'],
      ['siv', 'supervisor', 'Siv Samordnare'],
    ] as const) {
      users[username] = await addUser(platform, username, role, `pw-${username}`, name);
    }
    await addResident(platform, 'res-1', { name: 'Astrid Andersson' });
    const secret = await platform.provisioning.register({
      deviceId: 'pendant-1',
      deviceType: 'pendant',
      serial: 'P1',
      residentId: 'res-1',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    const device = await connectDevice(platform, 'pendant-1', secret);
    await device.publishAsync('v1/devices/pendant-1/event', JSON.stringify({ ...envelope(), type: 'alarm.manual' }), {
      qos: 1,
    });
    await device.endAsync();
    const alarmId = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ id: string }>('SELECT id FROM alarms');
      return rows[0]?.id;
    });
    const olga = await loginClient(platform, 'olga', 'pw-olga');
    assert.equal((await olga.call('POST', `/api/alarms/${alarmId}/acknowledge`)).status, 200);
    const kajsa = await loginClient(platform, 'kajsa', 'pw-kajsa');
    const plan = await kajsa.call('PUT', '/api/supervision/plans/res-1', {
      nightTeam: 'Nattpatrull Centrum',
      visits: [{ time: '23:00', mode: 'physical' }],
    });
    assert.equal(plan.status, 200, JSON.stringify(plan.body));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await db?.drop();
  });

  const pageAs = async (username: string): Promise<Page> => {
    const page = await browser.newPage();
    await page.context().clearCookies();
    await login(page, base, username, users[username]!.password);
    await page.locator('.shell').waitFor();
    return page;
  };

  it('people are shown by their display names, not their usernames', async () => {
    const page = await pageAs('siv');
    assert.match((await page.locator('.who').textContent()) ?? '', /^Siv Samordnare/);
    const row = page.locator('[data-testid="alarm-row"]').first();
    await row.waitFor();
    await row.getByText('Olga Operatör', { exact: false }).waitFor();
    assert.doesNotMatch((await row.textContent()) ?? '', /\bolga\b/);
    await row.getByRole('link').first().click();
    await page.locator('.history').getByText('Olga Operatör').first().waitFor();
    await page.close();
  });

  it('date and time inputs follow the console’s language', async () => {
    const page = await pageAs('nina');
    await page.getByTestId('nav-supervisionRound').click();
    const night = page.getByTestId('round-night');
    await night.waitFor();
    assert.equal(await night.getAttribute('lang'), 'sv');
    await page.getByTestId('lang-switch').click();
    assert.equal(await night.getAttribute('lang'), 'en');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.goto(`${base}/#/supervision/plans/res-1`);
    const time = page.locator('[data-testid="plan-form-visit"] input[type="time"]').first();
    await time.waitFor();
    assert.equal(await time.getAttribute('lang'), 'en');
    await page.getByTestId('lang-switch').click();
    assert.equal(await time.getAttribute('lang'), 'sv');
    await page.close();
  });

  it('a newly issued device secret is copied with one click and the page says "Kopierad"', async () => {
    const page = await pageAs('tore');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.goto(`${base}/#/devices/new`);
    await page.getByTestId('register-deviceId').fill('pendant-copy');
    await page.getByTestId('register-serial').fill('SN-COPY');
    await page.getByTestId('register-district').fill('Centrum');
    await page.getByTestId('register-submit').click();
    const secret = (await page.getByTestId('issued-secret').textContent()) ?? '';
    assert.ok(secret.length >= 16);
    await page.getByTestId('issued-secret-copy').click();
    await page.getByTestId('issued-secret-copy-status').filter({ hasText: 'Kopierad' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await screenshot(page, 'device-secret-copied');
    await page.close();
  });

  it('the secret issued for an installation order is copied the same way, and the visit time input is in Swedish', async () => {
    // A phone application the rules grant at once makes an installation order.
    const kajsa = await loginClient(platform, 'kajsa', 'pw-kajsa');
    // Districts come from the municipality's list (case workers keep it).
    assert.equal((await kajsa.call('PUT', '/api/districts/Centrum', { active: true })).status < 300, true);
    const applied = await kajsa.call('POST', '/api/applications', {
      district: 'Centrum',
      legalBasis: 'sol_4_2a',
      applicant: { name: 'Greta Telefon', personalNumber: '19400312-2381', phone: '031-12 34 56' },
      address: { street: 'Storgatan 5', postalCode: '411 38', city: 'Göteborg' },
      access: { keyHandling: 'key_box' },
      livingSituation: 'alone',
      needMetOtherwise: false,
      maxFeeConsent: true,
    });
    assert.equal(applied.status, 201, JSON.stringify(applied.body));
    const page = await pageAs('tore');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.getByTestId('nav-orders').click();
    const card = page.locator('article[data-testid^="order-"]').first();
    await card.waitFor();
    assert.equal(await card.getByTestId('order-visitAt').getAttribute('lang'), 'sv');
    await card.getByTestId('order-visitAt').fill('2030-05-14T09:30');
    await card.getByTestId('order-book').click();
    await card.getByText('Bokad', { exact: true }).waitFor();
    assert.match((await card.textContent()) ?? '', /Tore Tekniker/, 'the booked technician by name');
    await card.getByTestId('order-deviceId').fill('pendant-greta');
    await card.getByTestId('order-serial').fill('SN-GRETA');
    await card.getByTestId('order-provision').click();
    const secret = ((await card.getByTestId('order-secret').textContent()) ?? '').trim();
    assert.ok(secret.length >= 16);
    await card.getByTestId('order-secret-copy').click();
    await card.getByTestId('order-secret-copy-status').filter({ hasText: 'Kopierad' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await page.close();
  });

  it('a notice appears in its own line and covers none of the page', async () => {
    const page = await pageAs('tore');
    await page.setViewportSize({ width: 1000, height: 500 });
    await page.goto(`${base}/#/devices/pendant-1`);
    const button = page.getByTestId('device-installed');
    await button.click();
    const notice = page.getByTestId('notice');
    await notice.filter({ hasText: 'Enheten är markerad som installerad.' }).waitFor();
    const covered = await page.evaluate(() => {
      const n = document.querySelector('[data-testid="notice"]')!.getBoundingClientRect();
      const under: string[] = [];
      for (const el of document.querySelectorAll('main.page *')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.left < n.right && n.left < r.right && r.top < n.bottom && n.top < r.bottom)
          under.push(el.tagName);
      }
      return under;
    });
    assert.deepEqual(covered, [], 'nothing of the page lies under the notice');
    await screenshot(page, 'notice-line');
    await page.close();
  });
});
