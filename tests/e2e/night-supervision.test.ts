// Digital night supervision end to end in Chromium, on the platform's simulated clock: a night
// team member records the resident's consent, switches the 02:00 visit to camera in one step,
// looks in when the visit falls due (the simulated camera answers with an anonymized frame) and
// closes it as all well; the supervisor then finds the view in the camera access log and the
// saving on the dashboard.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { SimDevice } from '@trygg/device-sim';
import type { AnonymizedFrame } from '@trygg/firmware-protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';

/** Local Stockholm time in March 2024 (UTC+1). */
const local = (day: number, h: number, m = 0) => Date.UTC(2024, 2, day, h - 1, m);

const FRAME: AnonymizedFrame = {
  layout: {
    zones: [
      { kind: 'bed', rect: { x: 0.1, y: 0.1, w: 0.4, h: 0.3 } },
      { kind: 'door', rect: { x: 0.8, y: 0.0, w: 0.15, h: 0.2 } },
    ],
  },
  person: { box: { x: 0.15, y: 0.12, w: 0.2, h: 0.25 }, posture: 'lying' },
};

describe('digital night supervision in the console', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  let camera: SimDevice;
  let now = local(5, 20);
  const clock = { now: () => now };
  let base: string;
  let nina: { username: string; password: string };
  let sara: { username: string; password: string };

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock });
    base = `http://127.0.0.1:${platform.httpPort}`;
    await addResident(platform, 'res-1', { name: 'Astrid Andersson' });
    const secret = await platform.provisioning.register({
      deviceId: 'cam-1',
      deviceType: 'camera',
      serial: 'CAM1',
      residentId: 'res-1',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    camera = new SimDevice(
      { deviceId: 'cam-1', deviceType: 'camera', secret },
      { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, now: clock.now },
    );
    camera.frame = FRAME;
    await camera.connect();
    [nina, sara] = await Promise.all([addUser(platform, 'nina', 'nightteam'), addUser(platform, 'sara', 'supervisor')]);
    // The case worker has decided the need: three physical visits a night.
    const caseworker = await addUser(platform, 'kajsa', 'caseworker');
    const decided = await (await loginClient(platform, caseworker.username, caseworker.password)).call(
      'PUT',
      '/api/supervision/plans/res-1',
      {
        nightTeam: 'Nattpatrull Centrum',
        visits: [
          { time: '23:00', mode: 'physical' },
          { time: '02:00', mode: 'physical' },
          { time: '05:00', mode: 'physical' },
        ],
      },
    );
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await camera?.stop();
    await platform?.close();
    await db?.drop();
  });

  const visitRow = (page: Page, time: string) =>
    page.locator(`[data-testid="round-visit"][data-resident-id="res-1"][data-time="${time}"]`);

  it('the night team records consent, switches 02:00 to camera, looks in when due and closes it as all well; the supervisor sees the view and the saving', async () => {
    const page = await browser.newPage();
    await login(page, base, nina.username, nina.password);

    // The plan, from the night team's navigation.
    await page.getByTestId('nav-supervisionPlans').click();
    const planRow = page.locator('[data-testid="plan-row"][data-resident-id="res-1"]');
    await planRow.waitFor();
    assert.match((await planRow.textContent()) ?? '', /Astrid Andersson\s*Nattpatrull Centrum/);
    await screenshot(page, 'supervision-plans');
    await planRow.locator('a').click();
    const plan = page.getByTestId('supervision-plan');
    await plan.waitFor();
    const at0200 = page.locator('[data-testid="plan-visit"][data-time="02:00"]');
    assert.equal(await at0200.getAttribute('data-mode'), 'physical');

    // Without consent the switch is refused and the night team is told what is missing.
    await at0200.getByTestId('switch-camera').click();
    const refused = at0200.getByTestId('switch-refused');
    await refused.waitFor();
    assert.match((await refused.textContent()) ?? '', /Brukarens samtycke saknas/);
    assert.equal(await at0200.getAttribute('data-mode'), 'physical');
    await screenshot(page, 'supervision-plan-switch-refused');

    await page.getByTestId('consent-party').selectOption('resident');
    await page.getByTestId('consent-scope').selectOption('camera');
    await page.getByTestId('consent-record').click();
    const consent = page.locator('[data-testid="consent-row"][data-party="resident"][data-scope="camera"]');
    await consent.waitFor();
    assert.equal(await consent.getAttribute('data-withdrawn'), 'false');
    assert.match((await consent.textContent()) ?? '', /nina/);

    // One step: the 02:00 visit becomes a camera look-in and the plan shows what it saves.
    await at0200.getByTestId('switch-camera').click();
    await page.locator('[data-testid="plan-visit"][data-time="02:00"][data-mode="camera"]').waitFor();
    assert.equal(
      await page.locator('[data-testid="plan-visit"][data-time="23:00"]').getAttribute('data-mode'),
      'physical',
    );
    const perNight = page.getByTestId('plan-saving-night');
    assert.deepEqual(
      [
        await perNight.getAttribute('data-visits'),
        await perNight.getAttribute('data-minutes'),
        await perNight.getAttribute('data-kr'),
      ],
      ['1', '58', '515'],
    );
    assert.match((await perNight.textContent()) ?? '', /58 min.*515 kr/);
    await screenshot(page, 'supervision-plan-editor');

    // Tonight's round: the camera visit is listed in time order but not actionable before 02:00.
    await page.getByTestId('nav-supervisionRound').click();
    await visitRow(page, '02:00').waitFor();
    assert.deepEqual(
      await page
        .locator('[data-testid="round-visit"]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-time'))),
      ['23:00', '02:00', '05:00'],
    );
    assert.equal(await visitRow(page, '02:00').getAttribute('data-mode'), 'camera');
    assert.equal(await visitRow(page, '02:00').getAttribute('data-status'), 'pending');
    assert.equal(await visitRow(page, '02:00').getByTestId('visit-lookin').isDisabled(), true);
    await screenshot(page, 'supervision-round-pending');

    // 02:00 arrives on the platform's clock; the round shows the visit as due.
    now = local(6, 2);
    await eventually(async () => {
      await page.getByTestId('round-refresh').click();
      return (await visitRow(page, '02:00').getAttribute('data-status')) === 'due';
    });
    const lookIn = visitRow(page, '02:00').getByTestId('visit-lookin');
    assert.equal(await lookIn.isEnabled(), true);
    const visitId = await visitRow(page, '02:00').getAttribute('data-visit-id');
    assert.ok(visitId);
    await lookIn.click();

    // The look-in: the anonymized room with the person as a rectangle lying in bed.
    const panel = page.getByTestId('visit-lookin-panel');
    await panel.waitFor();
    assert.equal(camera.stats.commands, 1, 'the camera was asked for one frame');
    assert.equal(await panel.locator('svg .zone').count(), 2);
    assert.equal(await panel.locator('svg .person.posture-lying rect').count(), 1);
    assert.match((await panel.locator('figcaption').textContent()) ?? '', /Personen ligger/);
    await screenshot(page, 'supervision-round-look-in');

    await panel.getByTestId('visit-close-all_well').click();
    await page
      .locator(`[data-testid="round-visit"][data-visit-id="${visitId}"][data-status="done_all_well"]`)
      .waitFor();
    assert.equal(await panel.count(), 0, 'the frame is gone once the visit is closed');
    await screenshot(page, 'supervision-round-closed');

    // The supervisor: the view in the access log, the saving on the dashboard.
    await page.context().clearCookies();
    await login(page, base, sara.username, sara.password);
    await page.getByTestId('nav-supervisionLog').click();
    const view = page.locator(
      `[data-testid="access-entry"][data-actor="nina"][data-visit-id="${visitId}"][data-allowed="true"]`,
    );
    await view.waitFor();
    assert.match((await view.textContent()) ?? '', /Astrid Andersson/);
    assert.equal(await page.locator('[data-testid="access-entry"]').count(), 1, 'one view, one log line');
    await screenshot(page, 'supervision-access-log');

    await page.getByTestId('nav-supervisionSavings').click();
    const total = page.getByTestId('savings-total');
    await total.waitFor();
    assert.deepEqual(
      [
        await total.getAttribute('data-visits'),
        await total.getAttribute('data-minutes'),
        await total.getAttribute('data-kr'),
      ],
      ['1', '58', '515'],
    );
    const night = page.locator('[data-testid="savings-night"][data-night="2024-03-05"]');
    assert.equal(await night.getAttribute('data-kr'), '515');
    assert.equal(await page.getByTestId('savings-planned-month').getAttribute('data-kr'), String(31 * 515));
    await screenshot(page, 'supervision-savings');
  });
});
