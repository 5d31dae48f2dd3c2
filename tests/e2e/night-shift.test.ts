// The console on a night shift, in headless Chromium against the real alarm center (PostgreSQL,
// broker, built console), on simulated time on both sides: the server's clock is injected, the
// browser's is Playwright's clock. Countdown and colour against the answer target, a resident
// who keeps pressing, the sound prompt after a reload, the closed-alarm search, the keys signed
// out on the shift handover, and a mass outage of 2,000 units shown as one incident instead of
// 2,000 rows.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
  addUser,
  connectDevice,
  createTestDatabase,
  envelope,
  eventually,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';
import { deviceTopic } from '@trygg/firmware-protocol';
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 11, 1, 23, 0);

const row = (page: Page, alarmId: string) => page.locator(`[data-testid="alarm-row"][data-alarm-id="${alarmId}"]`);
const chimes = (page: Page) => page.evaluate(() => Number(document.documentElement.dataset.chimes ?? 0));

describe('the operator console on a night shift', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  let page: Page;
  let now = T0;
  const clock = { now: () => now };
  const pendants = new Map<string, MqttClient>();

  const press = async (deviceId: string) => {
    await pendants
      .get(deviceId)!
      .publishAsync(deviceTopic(deviceId, 'event'), JSON.stringify({ ...envelope(now), type: 'alarm.manual' }), {
        qos: 1,
      });
    const { rows } = await platform.db.pool.query<{ id: string }>(
      `SELECT id FROM alarms WHERE device_id = $1 AND status <> 'closed'`,
      [deviceId],
    );
    return rows[0]!.id;
  };

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    // The unacknowledged-alarm ladder is far out: escalations seen here come from repeated presses.
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock, env: { ESCALATE_AFTER_S: '3600' } });
    for (const [n, name] of [
      [1, 'Greta Gammal'],
      [2, 'Pelle Pressar'],
      [3, 'Stina Stängd'],
    ] as const) {
      await addResident(platform, `res-ns${n}`, { name });
      const secret = await platform.provisioning.register({
        deviceId: `pendant-ns${n}`,
        deviceType: 'pendant',
        serial: `SNS${n}`,
        residentId: `res-ns${n}`,
        district: 'Centrum',
        heartbeatIntervalS: 24 * 3600,
        rules: {},
      });
      pendants.set(`pendant-ns${n}`, await connectDevice(platform, `pendant-ns${n}`, secret));
    }
    await addUser(platform, 'olga', 'operator', 'pw-olga');
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.clock.install({ time: T0 });
    await login(page, `http://127.0.0.1:${platform.httpPort}`, 'olga', 'pw-olga');
    await page.locator('.shell').waitFor({ timeout: 10_000 });
  });

  afterAll(async () => {
    await browser?.close();
    for (const p of pendants.values()) await p.endAsync();
    await platform?.close();
    await db?.drop();
  });

  it('a new alarm counts down against the 60 s answer target: green, amber, red, then past 180 s', async () => {
    const id = await press('pendant-ns1');
    const countdown = row(page, id).getByTestId('answer-clock');
    await countdown.waitFor({ timeout: 10_000 });
    assert.equal(await countdown.getAttribute('data-target'), 'ok');
    assert.match((await countdown.textContent()) ?? '', /kvar/);
    await page.clock.fastForward(45 * S);
    await page.locator(`[data-alarm-id="${id}"] [data-target="warn"]`).waitFor({ timeout: 5_000 });
    await page.clock.fastForward(20 * S);
    await page.locator(`[data-alarm-id="${id}"] [data-target="late"]`).waitFor({ timeout: 5_000 });
    assert.match((await countdown.textContent()) ?? '', /över/);
    await screenshot(page, 'night-shift-countdown-late');
    await page.clock.fastForward(120 * S);
    await page.locator(`[data-alarm-id="${id}"] [data-target="breach"]`).waitFor({ timeout: 5_000 });
  });

  it('the chime repeats while the alarm waits to be taken', async () => {
    const before = await chimes(page);
    await page.clock.fastForward(10 * S);
    await page.waitForFunction((n) => Number(document.documentElement.dataset.chimes ?? 0) > n, before, {
      timeout: 5_000,
    });
  });

  it('a resident pressing again is seen at once: "tryckt 3 gånger", moved to the top, escalated', async () => {
    now += MIN;
    const id = await press('pendant-ns2');
    const first = page.getByTestId('alarm-row').first();
    await row(page, id).waitFor({ timeout: 10_000 });
    assert.notEqual(await first.getAttribute('data-alarm-id'), id, 'the older alarm is on top at first');
    const chimed = await chimes(page);
    now += MIN;
    await press('pendant-ns2');
    await row(page, id).getByTestId('pressed').waitFor({ timeout: 10_000 });
    assert.equal(await row(page, id).getByTestId('pressed').textContent(), 'tryckt 2 gånger');
    assert.equal(await first.getAttribute('data-alarm-id'), id, 'moved to the top');
    assert.ok((await chimes(page)) > chimed, 'the chime sounds again');
    assert.equal(await row(page, id).getAttribute('data-escalated'), 'false');
    now += MIN;
    await press('pendant-ns2');
    await page.locator(`[data-alarm-id="${id}"][data-escalated="true"]`).waitFor({ timeout: 10_000 });
    assert.equal(await row(page, id).getByTestId('pressed').textContent(), 'tryckt 3 gånger');
    await screenshot(page, 'night-shift-repeated-presses');
  });

  // Retried: on a machine loaded by other suites the prompt was twice not seen within 30 s of the
  // reload (cause not found; alone and on a quiet machine it shows within 0.2 s). A console that
  // never asks still fails every try.
  it('after a reload the console asks once to turn the sound on instead of staying silent', { retry: 2 }, async () => {
    assert.equal(await page.getByTestId('sound-prompt').count(), 0, 'the login click allowed sound');
    await page.reload({ timeout: 60_000 });
    await page.getByTestId('sound-prompt').waitFor({ timeout: 30_000 });
    await screenshot(page, 'night-shift-sound-prompt');
    await page.getByTestId('sound-enable').click();
    await page.getByTestId('sound-prompt').waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('an alarm arriving while the tab is hidden shows a desktop notification', async () => {
    const hidden = await browser.newPage();
    // The tab is hidden and notifications are allowed; the page's Notification records what it shows.
    await hidden.addInitScript({
      content: `Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' });
        window.shown = [];
        window.Notification = class { constructor(title, options) { window.shown.push({ title, body: options.body }); }
          close() {} static get permission() { return 'granted'; } static requestPermission() { return Promise.resolve('granted'); } };`,
    });
    await hidden.goto(`http://127.0.0.1:${platform.httpPort}/#/`);
    await hidden.locator('.shell').waitFor({ timeout: 30_000 });
    await hidden.getByTestId('queue-empty').or(hidden.getByTestId('alarm-row').first()).waitFor({ timeout: 30_000 });
    now += MIN;
    const id = await press('pendant-ns1');
    await row(hidden, id).waitFor({ timeout: 30_000 });
    const shown = await hidden.waitForFunction(
      () => (window as unknown as { shown: { title: string; body: string }[] }).shown[0],
      null,
      { timeout: 10_000 },
    );
    assert.deepEqual(await shown.jsonValue(), { title: 'Nytt larm: Trygghetslarm', body: 'Greta Gammal, Centrum' });
    await hidden.close();
  });

  it('a closed alarm can be found by resident and read with its history', async () => {
    const id = await press('pendant-ns3');
    const base = `http://127.0.0.1:${platform.httpPort}`;
    const cookie = (await page.context().cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
    for (const [path, body] of [
      [`/api/alarms/${id}/acknowledge`, undefined],
      [`/api/alarms/${id}/close`, { outcome: 'false_alarm', note: 'Råkade trycka' }],
    ] as const) {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      assert.equal(res.status, 200);
    }
    await page.getByTestId('nav-closedAlarms').click();
    await page.getByTestId('closed-resident').fill('stina');
    await page.getByTestId('closed-outcome').selectOption('false_alarm');
    await page.getByTestId('closed-search').click();
    const found = page.locator(`[data-testid="closed-row"][data-alarm-id="${id}"]`);
    await found.waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('closed-row').count(), 1);
    assert.match((await page.getByTestId('closed-total').textContent()) ?? '', /^1 /);
    await screenshot(page, 'night-shift-closed-search');
    await found.getByRole('link').click();
    await page.getByText('Råkade trycka', { exact: false }).waitFor({ timeout: 10_000 });
  });

  it('the shift handover lists a key signed out with who has it, and not once it is back', async () => {
    const base = `http://127.0.0.1:${platform.httpPort}`;
    const cookie = (await page.context().cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
    const post = async (path: string, body: object) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, path);
    };
    await post('/api/residents/res-ns1/keys', { id: 'key-ns1', kind: 'key', label: 'Nyckel i nyckelskåp 4' });
    await post('/api/keys/key-ns1/sign-out', {});
    await page.getByTestId('nav-handover').click();
    const key = page.locator('[data-testid="handover-keys"] [data-key-id="key-ns1"]');
    await key.waitFor({ timeout: 10_000 });
    const text = (await key.textContent()) ?? '';
    assert.match(text, /Nyckel i nyckelskåp 4/);
    assert.match(text, /res-ns1/);
    assert.match(text, /olga/);
    assert.match(text, /sedan /);
    await screenshot(page, 'night-shift-handover-keys');

    await post('/api/keys/key-ns1/sign-in', {});
    await page.getByTestId('nav-queue').click();
    await page.getByTestId('nav-handover').click();
    await page.getByText('Utkvitterade nycklar (0)').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid="handover-keys"] li').count(), 0);
  });
});

describe('a mass outage in the console', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  let now = T0;
  const clock = { now: () => now };
  const UNITS = 2000;

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock });
    await platform.close();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await pool.query(
      `INSERT INTO devices (id, device_type, serial, district, status, heartbeat_interval_s, last_seen_at)
       SELECT 'norr-' || i, 'pendant', 'SN' || i, 'Norr', 'installed', 60, $1::timestamptz FROM generate_series(1, $2) i`,
      [new Date(now), UNITS],
    );
    await pool.end();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock });
    await addUser(platform, 'tore', 'technician', 'pw-tore');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await db?.drop();
  });

  it('2,000 units of one district drop at once: one incident line with 2,000 units, not 2,000 rows', async () => {
    const page = await browser.newPage();
    await login(page, `http://127.0.0.1:${platform.httpPort}`, 'tore', 'pw-tore');
    await page.locator('.shell').waitFor({ timeout: 10_000 });
    now += 4 * MIN;
    await platform.scheduler.runDue();
    const incident = page.locator(`[data-testid="incident-row"][data-units="${UNITS}"]`);
    await incident.waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('incident-row').count(), 1);
    assert.equal(await page.getByTestId('alarm-row').count(), 0, 'the grouped alarms do not flood the queue');
    await screenshot(page, 'night-shift-outage-incident');
    await incident.getByRole('link').click();
    await page.locator(`[data-testid="incident"][data-units="${UNITS}"][data-still-out="${UNITS}"]`).waitFor({
      timeout: 10_000,
    });

    now += 10 * MIN;
    for (let i = 1; i <= UNITS; i++) {
      await platform.ingest(
        deviceTopic(`norr-${i}`, 'heartbeat'),
        Buffer.from(JSON.stringify({ v: 1, id: `hb-${i}-${now}`, ts: now, intervalS: 60 })),
      );
    }
    await platform.incidents.settled();
    const closed = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ returned: number; not_returned: number }>(
        'SELECT returned, not_returned FROM incidents WHERE closed_at IS NOT NULL',
      );
      return rows[0];
    });
    assert.deepEqual([closed.returned, closed.not_returned], [UNITS, 0]);
    await page.getByText(`${UNITS} tillbaka, 0 kom inte tillbaka`, { exact: false }).waitFor({ timeout: 30_000 });
    await page.goto(`http://127.0.0.1:${platform.httpPort}/#/`);
    await page.getByTestId('queue-empty').waitFor({ timeout: 10_000 });
  });
});
