// The web console for each role, end to end on real parts (alarm center in-process on real
// PostgreSQL, the production console bundle in headless Chromium, devices over real MQTT):
// an operator closes an alarm with an outcome, a technician provisions a device and watches its
// first heartbeat arrive, each role is kept out of the others' pages and data, and the queue works
// from the keyboard. Screenshots of every main view go to artifacts/screenshots/.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { DEMO_DEVICES, DEMO_USERS, seedDemo } from '@trygg/alarm-center';
import {
  connectDevice,
  createTestDatabase,
  envelope,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { SimDevice } from '@trygg/device-sim';
import { deviceTopic } from '@trygg/firmware-protocol';
import sv from '@trygg/web-console/i18n/sv.json' with { type: 'json' };
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';

const user = (role: string) => DEMO_USERS.find((u) => u.role === role)!;
const device = (id: string) => DEMO_DEVICES.find((d) => d.deviceId === id)!;
const TIME = /\d{1,2}:\d{2}:\d{2}/;

describe('the web console per role', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  let base: string;
  const sims: SimDevice[] = [];

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist });
    await seedDemo(platform);
    browser = await launchBrowser();
    base = `http://127.0.0.1:${platform.httpPort}`;
  });

  afterAll(async () => {
    for (const sim of sims) await sim.stop();
    await browser?.close();
    await platform?.close();
    await db?.drop();
  });

  /** A press (or fall) sent by a demo device over MQTT 3.1.1; resolves with the new alarm's id. */
  async function raise(deviceId: string, type: 'alarm.manual' | 'fall.detected'): Promise<string> {
    const d = device(deviceId);
    const client = await connectDevice(platform, d.deviceId, d.secret);
    const event = { ...envelope(), type };
    await client.publishAsync(deviceTopic(d.deviceId, 'event'), JSON.stringify(event), { qos: 1 });
    await client.endAsync();
    return eventually(async () => {
      const { rows } = await platform.db.pool.query<{ id: string }>(
        `SELECT id::text FROM alarms WHERE device_id = $1 AND status <> 'closed' ORDER BY id DESC LIMIT 1`,
        [deviceId],
      );
      return rows[0]?.id;
    });
  }

  /** Logs in on a fresh page; the browser profile is shared, so the last login holds the session. */
  async function pageAs(role: string): Promise<Page> {
    const page = await browser.newPage();
    await page.context().clearCookies();
    const u = user(role);
    await login(page, base, u.username, u.password);
    await page.locator('.shell').waitFor({ timeout: 10_000 });
    return page;
  }

  const row = (page: Page, id: string) => page.locator(`[data-testid="alarm-row"][data-alarm-id="${id}"]`);

  it('an operator acknowledges and closes an alarm with an outcome and a note; its history shows who did what, when', async () => {
    const alarmId = await raise('pendant-0001', 'alarm.manual');
    const page = await pageAs('operator');
    await row(page, alarmId).waitFor({ timeout: 10_000 });
    await screenshot(page, 'queue');

    await row(page, alarmId).locator('td.kind a').click();
    const view = page.locator(`[data-testid="alarm-view"][data-alarm-id="${alarmId}"]`);
    await view.waitFor({ timeout: 10_000 });
    await page.getByTestId('action-ack').click();
    await page.locator(`[data-testid="alarm-view"][data-status="acknowledged"]`).waitFor({ timeout: 10_000 });
    await screenshot(page, 'alarm-view');

    const note = 'Ringde upp, brukaren hade fallit men reste sig själv.';
    await page.getByTestId('action-close').click();
    await page.getByTestId('close-outcome').selectOption('helped');
    await page.getByTestId('close-note').fill(note);
    await page.getByTestId('close-confirm').click();

    // Closing returns to the queue, where the alarm no longer is.
    await page.waitForFunction(() => location.hash === '#/' || location.hash === '', null, { timeout: 10_000 });
    await row(page, alarmId).waitFor({ state: 'detached', timeout: 10_000 });

    await page.goto(`${base}/#/alarm/${alarmId}`);
    await page.locator(`[data-testid="alarm-view"][data-status="closed"]`).waitFor({ timeout: 10_000 });
    const entry = (type: string) => page.locator(`[data-testid="history-entry"][data-type="${type}"]`);
    for (const type of ['acknowledged', 'closed']) {
      assert.equal(await entry(type).count(), 1, `one ${type} entry in the history`);
      const text = await entry(type).innerText();
      // By the name people know, not the login.
      assert.match(text, new RegExp(user('operator').displayName), `${type} names the operator`);
      assert.match(await entry(type).locator('time').innerText(), TIME, `${type} shows when`);
    }
    assert.match(await entry('closed').innerText(), new RegExp(note.slice(0, 20)));
    assert.match(await view.innerText(), new RegExp(sv['outcome.helped']));
    await screenshot(page, 'alarm-view-closed');

    const { rows } = await platform.db.pool.query<{ status: string; outcome: string }>(
      'SELECT status, outcome FROM alarms WHERE id = $1',
      [alarmId],
    );
    assert.deepEqual(rows[0], { status: 'closed', outcome: 'helped' });
    await page.close();
  });

  it('a technician registers a device, sees its credentials once, watches its first heartbeat arrive live and marks it installed', async () => {
    const page = await pageAs('technician');
    await page.getByTestId('nav-devices').click();
    await page.locator('[data-testid="device-row"]').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'devices');

    await page.getByTestId('device-register-link').click();
    await page.getByTestId('register-submit').waitFor();
    await page.getByTestId('register-deviceId').fill('pendant-e2e-0042');
    await page.getByTestId('register-deviceType').selectOption('pendant');
    await page.getByTestId('register-serial').fill('SN-E2E-0042');
    // The resident is chosen by search, not by typing an internal id.
    await page.getByTestId('register-resident-input').fill('res-0003');
    await page.locator('[data-testid="register-resident-option"][data-resident-id="res-0003"]').click();
    await page.getByTestId('register-district').fill('Majorna');
    await screenshot(page, 'registration');
    await page.getByTestId('register-submit').click();

    const deviceId = await page.getByTestId('issued-device-id').innerText();
    const secret = await page.getByTestId('issued-secret').innerText();
    assert.equal(deviceId, 'pendant-e2e-0042');
    assert.ok(secret.length >= 16, 'a real secret is issued');
    await screenshot(page, 'registration-credentials');

    await page.locator(`a[href="#/devices/${deviceId}"]`).click();
    await page.locator('[data-testid="device-page"][data-status="provisioned"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('test-mode-waiting').waitFor({ timeout: 10_000 });
    // A marker that a reload would wipe: the heartbeat must arrive in this very document.
    await page.evaluate(() => {
      (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });
    await screenshot(page, 'device-page-test-mode-waiting');

    const sim = new SimDevice(
      { deviceId, deviceType: 'pendant', secret },
      { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, heartbeatIntervalS: 60, reconnectMinMs: 100 },
    );
    sims.push(sim);
    await sim.connect();
    sim.battery = 87;
    await sim.heartbeat();

    const beat = page.getByTestId('test-mode-heartbeat').first();
    await beat.waitFor({ timeout: 10_000 });
    assert.match(await beat.innerText(), /87/, 'the heartbeat shows the battery the device reported');
    assert.equal(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce), true);
    // The page follows the device: its badge turns online without a reload.
    await page.locator('.device-page .badge-ok').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.device-page .badge-ok').innerText(), sv['devices.online']);
    await screenshot(page, 'device-page');

    await page.getByTestId('device-installed').click();
    await page.locator('[data-testid="device-page"][data-status="installed"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('test-mode').count(), 0, 'test mode ends once installed');
    const { rows } = await platform.db.pool.query<{ status: string }>('SELECT status FROM devices WHERE id = $1', [
      deviceId,
    ]);
    assert.equal(rows[0]?.status, 'installed');
    await page.close();
  });

  it('each role is kept out of the other roles’ pages and data, in the console and in the API', async () => {
    const residentAlarm = await raise('pendant-0002', 'alarm.manual');
    const forbidden = sv['nav.forbidden'];

    // Technicians see technical alarms only: no resident alarm in their queue, its view refused.
    const tech = await pageAs('technician');
    // "No open alarms" (not "waiting") means the live snapshot has arrived: the operator's alarm is not in it.
    await tech.getByText(sv['queue.empty']).waitFor({ timeout: 10_000 });
    assert.equal(await row(tech, residentAlarm).count(), 0, 'resident alarm not in the technician queue');
    await tech.goto(`${base}/#/alarm/${residentAlarm}`);
    await tech.locator('.alarm-page [role="alert"]').waitFor({ timeout: 10_000 });
    assert.equal(await tech.getByTestId('alarm-view').count(), 0, 'no alarm view for the technician');
    assert.equal(await tech.getByText('Bertil Svensson').count(), 0, 'no resident name leaks');
    await screenshot(tech, 'technician-refused-alarm');
    await tech.goto(`${base}/#/overview`);
    await tech.getByText(forbidden).waitFor({ timeout: 10_000 });
    assert.equal(await tech.getByTestId('overview').count(), 0);
    await tech.close();

    const techApi = await loginClient(platform, user('technician').username, user('technician').password);
    assert.equal((await techApi.call('GET', `/api/alarms/${residentAlarm}`)).status, 403);
    assert.equal((await techApi.call('POST', `/api/alarms/${residentAlarm}/acknowledge`)).status, 403);
    assert.equal((await techApi.call('POST', `/api/alarms/${residentAlarm}/close`, { outcome: 'helped' })).status, 403);
    const techList = await techApi.call('GET', '/api/alarms');
    assert.equal(techList.status, 200);
    assert.ok(
      !techList.body.alarms.some((a: { id: string }) => a.id === residentAlarm),
      'the alarm list hides resident alarms from technicians',
    );
    assert.equal((await techApi.call('GET', '/api/overview')).status, 403);

    // Operators handle alarms but do not provision devices or see the supervisor overview.
    const op = await pageAs('operator');
    await row(op, residentAlarm).waitFor({ timeout: 10_000 });
    assert.equal(await op.getByTestId('nav-devices').count(), 0, 'no devices link for operators');
    await op.goto(`${base}/#/devices/new`);
    await op.getByText(forbidden).waitFor({ timeout: 10_000 });
    assert.equal(await op.getByTestId('register-submit').count(), 0, 'no registration form for operators');
    await screenshot(op, 'operator-refused-registration');
    await op.goto(`${base}/#/overview`);
    await op.getByText(forbidden).waitFor({ timeout: 10_000 });
    assert.equal(await op.getByTestId('overview').count(), 0, 'no overview for operators');
    await op.close();

    const opApi = await loginClient(platform, user('operator').username, user('operator').password);
    assert.equal((await opApi.call('GET', '/api/overview')).status, 403);
    assert.equal((await opApi.call('GET', '/api/devices')).status, 403);
    const register = await opApi.call('POST', '/api/devices', {
      deviceId: 'pendant-by-operator',
      deviceType: 'pendant',
      serial: 'SN-X',
      residentId: null,
      district: 'Centrum',
    });
    assert.equal(register.status, 403);
    const { rows } = await platform.db.pool.query('SELECT 1 FROM devices WHERE id = $1', ['pendant-by-operator']);
    assert.equal(rows.length, 0, 'the refused registration stored nothing');

    // The supervisor does see the overview, with the open alarm counted.
    const sup = await pageAs('supervisor');
    await sup.getByTestId('nav-overview').click();
    await sup.getByTestId('overview').waitFor({ timeout: 10_000 });
    await screenshot(sup, 'overview');
    await sup.close();
  });

  it('a case worker, who has no live alarm stream, is not shown a red "not connected"; an operator sees the stream live', async () => {
    const cw = await pageAs('caseworker');
    await cw.getByTestId('nav-cases').waitFor({ timeout: 10_000 });
    assert.equal(await cw.getByTestId('connection-status').count(), 0);
    assert.equal(await cw.getByText(sv['conn.down']).count(), 0);
    await cw.close();
    const op = await pageAs('operator');
    await op.locator('[data-testid="connection-status"][data-state="live"]').waitFor({ timeout: 10_000 });
    await op.close();
  });

  it('from the keyboard, with the queue focused, g selects the next unacknowledged alarm, j moves down and a acknowledges', async () => {
    // pendant-0002's alarm from the previous test is still open and new; add a fall alarm.
    const fallAlarm = await raise('fall-0003', 'fall.detected');
    const page = await pageAs('operator');
    await row(page, fallAlarm).waitFor({ timeout: 10_000 });
    const rows = page.locator('[data-testid="alarm-row"]');
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-alarm-id')!));
    const statuses = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    assert.ok(ids.length >= 2, 'two alarms in the queue');
    assert.ok(statuses.every((s) => s === 'new'));
    const [first, second] = ids as [string, string];
    const selected = (id: string) =>
      page.locator(`[data-testid="alarm-row"][aria-selected="true"][data-alarm-id="${id}"]`).waitFor({ timeout: 5000 });

    await page.locator('.queue h2').click(); // focus on the queue, not on a form field
    await page.keyboard.press('g');
    await selected(first); // g: the most urgent unacknowledged alarm
    await page.keyboard.press('j');
    await selected(second); // j: the next alarm down
    await page.keyboard.press('a');
    await page.locator(`[data-testid="alarm-row"][data-alarm-id="${second}"][data-status="acknowledged"]`).waitFor({
      timeout: 10_000,
    });
    assert.equal(await row(page, first).getAttribute('data-status'), 'new', 'only the selected alarm was acknowledged');

    await page.keyboard.press('g');
    await selected(first); // g: back to the alarm still unacknowledged
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="alarm-view"][data-alarm-id="${first}"]`).waitFor({ timeout: 10_000 });
    await page.keyboard.press('a');
    await page.locator(`[data-testid="alarm-view"][data-status="acknowledged"]`).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    await row(page, first).waitFor({ timeout: 10_000 });
    assert.equal(await row(page, first).getAttribute('data-status'), 'acknowledged');

    const { rows: stored } = await platform.db.pool.query<{ id: string; acknowledged_by: string }>(
      'SELECT id::text, acknowledged_by FROM alarms WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[first, second]],
    );
    assert.deepEqual(
      stored.map((r) => r.acknowledged_by),
      [user('operator').username, user('operator').username],
    );
    await page.close();
  });

  it('the Swedish login page says what went wrong and how long to wait, never a raw code; a supervisor lifts the wait', async () => {
    const operator = user('operator');
    const page = await browser.newPage();
    await page.context().clearCookies();
    await page.goto(base);
    await page.getByTestId('login-username').waitFor({ timeout: 10_000 });
    await screenshot(page, 'login');
    await page.getByTestId('login-username').fill(operator.username);
    await page.getByTestId('login-password').fill('wrong-password');
    const refusal = page.getByTestId('login-refusal');
    const attempt = async () => {
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/session') && r.request().method() === 'POST');
      await page.getByTestId('login-submit').click();
      await answered;
      await refusal.waitFor({ timeout: 10_000 });
      return refusal.innerText();
    };
    assert.equal(await attempt(), sv['login.invalid']);
    assert.equal(await page.locator('.shell').count(), 0, 'a wrong password does not open the console');

    // Someone keeps guessing from this (unknown) browser: the answer becomes a wait, in Swedish.
    const delayed = page.locator('[data-testid="login-refusal"][data-delayed="true"]');
    for (let i = 0; i < 12 && (await delayed.count()) === 0; i++) await attempt();
    const text = await delayed.innerText();
    const wait = new RegExp(`^${sv['login.delayed'].replace('{seconds}', '(\\d+)').replace(/[.]/g, '\\.')}$`);
    assert.match(text, wait);
    assert.doesNotMatch(text, /BAD_REQUEST|AUTH_|\(/, 'no raw code');
    await screenshot(page, 'login-delayed');
    await page.close();

    // A supervisor lifts the wait from the overview; the operator then gets in at once, and the
    // lift is in the audit log.
    const supervisor = await pageAs('supervisor');
    await supervisor.goto(`${base}/#/overview`);
    await supervisor.getByTestId('lift-login-delay-username').fill(operator.username);
    await supervisor.getByTestId('lift-login-delay-submit').click();
    await supervisor
      .getByText(sv['loginDelay.lifted'].replace('{username}', operator.username))
      .waitFor({ timeout: 10_000 });
    await supervisor.close();
    const { rows } = await platform.db.pool.query(
      `SELECT actor FROM audit_log WHERE action = 'lift_login_delay' AND subject_id = $1`,
      [operator.username],
    );
    assert.deepEqual(rows, [{ actor: user('supervisor').username }]);
    await (await pageAs('operator')).close();
  });
});
