// The response loop in Chromium with two browsers: an operator on a desktop and a responder on a
// phone viewport (390x844), on the platform's simulated clock. A pressed button is taken and
// dispatched; the phone gets the call-out live with the door code, accepts, goes, arrives and
// finishes with the job sheet, which closes the alarm with the sheet in its history and takes the
// door code off the phone. Then: an accept time that passes tells the operator and the call-out
// goes to someone else; "Kom inte in" raises an escalated alarm and closes nothing.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
  addResponder,
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { SimDevice } from '@trygg/device-sim';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';

describe('responders: dispatch, accept, arrive and job sheet in two browsers', () => {
  let db: TestDatabase;
  let platform: Platform;
  let desktop: TestBrowser;
  let phone: TestBrowser;
  let operator: Page;
  let anna: Page;
  let pendant: SimDevice;
  let base: string;
  let now = Date.now();
  const clock = { now: () => now };
  /** Time passes between a person's steps (the consoles reload on the alarm's updatedAt). */
  const later = () => {
    now += 20_000;
  };

  /** A press on the pendant, taken in the operator's console; leaves the operator on the alarm. */
  const pressAndTake = async (): Promise<string> => {
    await operator.goto(`${base}/#/`);
    await pendant.send({ type: 'alarm.manual' });
    const row = operator.locator('[data-testid="alarm-row"][data-kind="manual"][data-status="new"]').first();
    await row.waitFor({ timeout: 10_000 });
    const alarmId = (await row.getAttribute('data-alarm-id'))!;
    await operator.goto(`${base}/#/alarm/${alarmId}`);
    later();
    await operator.getByTestId('action-ack').click();
    await operator.locator('[data-testid="alarm-view"][data-status="acknowledged"]').waitFor({ timeout: 10_000 });
    return alarmId;
  };

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock });
    base = `http://127.0.0.1:${platform.httpPort}`;
    await addResident(platform, 'res-1', { name: 'Astrid Andersson', district: 'Majorna', doorCode: '4711' });
    const secret = await platform.provisioning.register({
      deviceId: 'pendant-1',
      deviceType: 'pendant',
      serial: 'P1',
      residentId: 'res-1',
      district: 'Majorna',
      heartbeatIntervalS: 60,
      rules: {},
    });
    pendant = new SimDevice(
      { deviceId: 'pendant-1', deviceType: 'pendant', secret },
      { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, now: clock.now },
    );
    await pendant.connect();
    await platform.responders.addKey('res-1', {
      id: 'N14',
      kind: 'key_safe',
      label: 'Nyckelgömma vid entrén',
      lockDeviceId: null,
    });
    await addResponder(platform, 'anna', { name: 'Anna Nattpatrull', districts: ['Majorna'] });
    await addResponder(platform, 'bo', { name: 'Bo Hemtjänst', districts: ['Centrum'] });
    const olga = await addUser(platform, 'olga', 'operator');
    await addUser(platform, 'siv', 'supervisor');
    [desktop, phone] = await Promise.all([
      launchBrowser(),
      launchBrowser({ viewport: { width: 390, height: 844 }, isMobile: true }),
    ]);
    operator = await desktop.newPage();
    anna = await phone.newPage();
    await login(operator, base, olga.username, olga.password);
    await operator
      .getByTestId('nav-queue')
      .waitFor({ timeout: 10_000 })
      .catch(() => {});
    await login(anna, base, 'anna', 'pw-anna');
    await anna.getByTestId('responder-page').waitFor({ timeout: 10_000 });
  });

  afterAll(async () => {
    await pendant?.stop();
    await desktop?.close();
    await phone?.close();
    await platform?.close();
    await db?.drop();
  });

  it('the phone view is installable as a web app and fits a 390 px wide phone', async () => {
    const manifestHref = await anna.locator('link[rel="manifest"]').getAttribute('href');
    const res = await anna.request.get(new URL(manifestHref!, base).toString());
    assert.equal(res.status(), 200);
    const manifest = (await res.json()) as {
      start_url: string;
      display: string;
      lang: string;
      icons: { src: string; sizes: string }[];
    };
    assert.equal(manifest.start_url, '/#/responder');
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.lang, 'sv');
    for (const icon of manifest.icons) {
      assert.equal((await anna.request.get(new URL(icon.src, base).toString())).status(), 200, `icon ${icon.src}`);
    }
    assert.ok(manifest.icons.some((i) => i.sizes === '512x512'));
    const overflow = await anna.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px on a phone`);
  });

  it('alarm -> dispatch -> accept -> on the way -> arrived -> done with job sheet -> closed with the sheet in history', async () => {
    assert.match(await anna.getByTestId('responder-page').innerText(), /Inga aktiva uppdrag/);
    const alarmId = await pressAndTake();
    const panel = operator.getByTestId('dispatch-panel');
    // Suggested by the resident's district: Anna (Majorna) before Bo (Centrum).
    await panel.getByTestId('suggestion-anna').waitFor({ timeout: 10_000 });
    const order = await panel
      .locator('[data-testid^="suggestion-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    assert.deepEqual(order, ['suggestion-anna', 'suggestion-bo']);
    await panel.getByTestId('dispatch-notes').fill('Ring länge, hörapparat');
    await panel.getByTestId('dispatch-key').selectOption('N14');
    later();
    await panel.getByTestId('dispatch-to-anna').click();
    await panel.locator('[data-testid="dispatch-current"][data-state="dispatched"]').waitFor({ timeout: 10_000 });
    assert.match(await panel.getByTestId('dispatch-countdown').innerText(), /Ska accepteras inom/);

    // The phone gets it live, with what is needed to act.
    const card = anna.getByTestId('responder-dispatch');
    await card.waitFor({ timeout: 10_000 });
    assert.equal(await anna.getByTestId('responder-door-code').innerText(), '4711');
    assert.equal(await anna.getByTestId('responder-notes').innerText(), 'Ring länge, hörapparat');
    await screenshot(anna, 'responder-phone-dispatched');
    later();
    await anna.getByTestId('responder-accept').click();
    await operator.locator('[data-testid="dispatch-current"][data-state="accepted"]').waitFor({ timeout: 10_000 });
    assert.match(await anna.getByTestId('responder-key').innerText(), /N14/);
    await anna.getByTestId('responder-key-sign-out').click();
    await anna.getByTestId('responder-key-sign-out').waitFor({ state: 'detached', timeout: 10_000 });
    await anna.getByTestId('responder-eta').selectOption('10');
    later();
    await anna.getByTestId('responder-on-the-way').click();
    await operator.locator('[data-testid="dispatch-current"][data-state="on_the_way"]').waitFor({ timeout: 10_000 });
    assert.match(await operator.getByTestId('dispatch-current').innerText(), /10 min/);
    now += 12 * 60_000;
    await anna.getByTestId('responder-arrived').click();
    await operator.locator('[data-testid="dispatch-current"][data-state="arrived"]').waitFor({ timeout: 10_000 });

    await anna.getByTestId('responder-done').click();
    await anna.getByTestId('sheet-place').selectOption('floor');
    await anna.getByTestId('sheet-position').selectOption('lying');
    await anna.getByTestId('sheet-left').selectOption('in_bed');
    await anna.getByTestId('sheet-doorLocked').check();
    assert.equal(await anna.getByTestId('sheet-submit').isEnabled(), true);
    await anna.getByTestId('sheet-overrodeWishes').check();
    assert.equal(await anna.getByTestId('sheet-submit').isEnabled(), false, 'an override needs its reason');
    await anna.getByTestId('sheet-overrodeWishes').uncheck();
    await anna.getByTestId('sheet-note').fill('Hjälpt upp, inga skador');
    await screenshot(anna, 'responder-phone-job-sheet');
    later();
    await anna.getByTestId('sheet-submit').click();

    await operator.locator(`[data-testid="alarm-view"][data-alarm-id="${alarmId}"][data-status="closed"]`).waitFor({
      timeout: 10_000,
    });
    const history = await operator.getByTestId('alarm-view').innerText();
    for (const step of ['Personal skickad', 'Uppdraget accepterat', 'På väg', 'Framme', 'Insatsrapport']) {
      assert.ok(history.includes(step), `history shows ${step}`);
    }
    assert.match(history, /found: floor, lying; left: in_bed; door locked: yes/);
    // Every time of the response is on the alarm, received to closed.
    const times = operator.getByTestId('response-times');
    await times.getByTestId('time-closed').waitFor({ timeout: 10_000 });
    for (const step of ['received', 'answered', 'dispatched', 'accepted', 'arrived']) {
      assert.equal(await times.getByTestId(`time-${step}`).count(), 1, `time ${step} shown`);
    }
    await screenshot(operator, 'operator-alarm-closed-with-job-sheet');

    // The door code is gone from the phone once the call-out has ended.
    await anna.getByTestId('responder-ended').waitFor({ timeout: 10_000 });
    assert.equal(await anna.getByTestId('responder-door-code').count(), 0);
    assert.doesNotMatch(await anna.locator('body').innerText(), /4711/);
    // The key stays signed out to Anna until she returns it; both are logged.
    await anna.getByTestId('key-sign-in-N14').click();
    await anna.getByTestId('responder-keys').waitFor({ state: 'detached', timeout: 10_000 });
    const keyLog = await platform.responders.keyEvents('N14');
    assert.deepEqual(
      keyLog.map((e) => [e.action, e.actor]),
      [
        ['signed_out', 'anna'],
        ['signed_in', 'anna'],
      ],
    );
  });

  it('an accept time that passes tells the operator, who sends someone else; the first phone loses the call-out', async () => {
    const alarmId = await pressAndTake();
    later();
    await operator.getByTestId('dispatch-to-anna').click();
    await anna.getByTestId('responder-accept').waitFor({ timeout: 10_000 });
    now += 181_000; // DISPATCH_ACCEPT_S defaults to 180
    const warning = operator.getByTestId('dispatch-not-accepted');
    await warning.waitFor({ timeout: 10_000 });
    assert.match(await warning.innerText(), /Anna Nattpatrull har inte accepterat i tid/);
    assert.match(await operator.getByTestId('alarm-view').innerText(), /Ej accepterat i tid/);
    await screenshot(operator, 'operator-dispatch-not-accepted');
    later();
    await operator.getByTestId('dispatch-to-bo').click();
    await operator
      .locator('[data-testid="dispatch-current"][data-state="dispatched"]', { hasText: 'Bo Hemtjänst' })
      .waitFor({ timeout: 10_000 });
    await anna.getByTestId('responder-dispatch').waitFor({ state: 'detached', timeout: 10_000 });
    assert.doesNotMatch(await anna.locator('body').innerText(), /4711/);

    // Bo's call-out is Bo's: Anna's session cannot read it.
    const bo = await loginClient(platform, 'bo', 'pw-bo');
    const mine = (await bo.call('GET', '/api/my/dispatches')).body.dispatches as { id: string; alarmId: string }[];
    const bosDispatch = mine.find((d) => d.alarmId === alarmId)!;
    const annaApi = await loginClient(platform, 'anna', 'pw-anna');
    const peek = await annaApi.call('GET', `/api/dispatches/${bosDispatch.id}`);
    assert.equal(peek.status, 403);
    assert.equal(peek.body.code, 'DISPATCH_NOT_YOURS');
    assert.equal(
      (await operator.request.post(`${base}/api/alarms/${alarmId}/close`, { data: { outcome: 'helped' } })).status(),
      200,
    );
  });

  it('"Kom inte in" on the phone raises an escalated alarm in the operator queue and leaves the alarm open', async () => {
    const alarmId = await pressAndTake();
    later();
    await operator.getByTestId('dispatch-to-anna').click();
    later();
    await anna.getByTestId('responder-accept').click();
    await anna.getByTestId('responder-could-not-enter').click();
    await anna.getByTestId('could-not-enter-note').fill('Kedjelåset på, ingen öppnar');
    later();
    await anna.getByTestId('could-not-enter-confirm').click();

    await operator.goto(`${base}/#/`);
    const escalation = operator.locator('[data-testid="alarm-row"][data-kind="could_not_enter"]').first();
    await escalation.waitFor({ timeout: 10_000 });
    assert.equal(await escalation.getAttribute('data-status'), 'new');
    assert.match(await escalation.innerText(), /Kom inte in/);
    const original = operator.locator(`[data-testid="alarm-row"][data-alarm-id="${alarmId}"]`);
    assert.equal(await original.getAttribute('data-status'), 'dispatched', 'the original alarm stays open');
    await screenshot(operator, 'operator-queue-could-not-enter');
    const stored = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ priority: number; escalated_at: string | null }>(
        `SELECT priority, escalated_at FROM alarms WHERE kind = 'could_not_enter' AND status <> 'closed'`,
      );
      return rows[0];
    });
    assert.equal(stored.priority, 1);
    assert.ok(stored.escalated_at, 'escalated to the supervisors at once');
  });

  it('shows the supervisor arrival times per hour against the 30-minute target', async () => {
    const page = await desktop.newPage();
    await page.request.delete(`${base}/api/session`); // the operator's shift on this desktop ends
    await login(page, base, 'siv', 'pw-siv');
    await page.getByTestId('nav-overview').click();
    const chart = page.getByTestId('arrival-chart');
    await chart.waitFor({ timeout: 15_000 });
    // One arrival so far (the first call-out, about 13 minutes after the dispatch); Bo never arrived.
    assert.equal(await chart.getAttribute('data-arrivals'), '1');
    assert.equal(await chart.getAttribute('data-within'), '1');
    assert.match(await chart.innerText(), /Mål: inom 30 min/);
    await chart.locator('.recharts-surface').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'supervisor-arrival-times');
  });
});
