// The technician's device page in Chromium: 24-hour battery and signal charts with axes and units
// (or words when there are no readings), the protocol's commands with the device's answer, and the
// device's technical alarms.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { addUser, createTestDatabase, startTestPlatform, type TestDatabase } from '@trygg/alarm-center/testing';
import { SimDevice } from '@trygg/device-sim';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';

describe('the device page', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  let pendant: SimDevice;
  let base: string;
  let technician: { username: string; password: string };

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    // The platform's clock walks through the last hours so the readings spread over the chart.
    let past: number | null = Date.now() - 6 * 3_600_000;
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock: { now: () => past ?? Date.now() } });
    base = `http://127.0.0.1:${platform.httpPort}`;
    const register = (deviceId: string) =>
      platform.provisioning.register({
        deviceId,
        deviceType: 'pendant',
        serial: `SN-${deviceId}`,
        residentId: null,
        district: 'Centrum',
        heartbeatIntervalS: 60,
        rules: {},
      });
    const secret = await register('pendant-1');
    await register('pendant-silent');
    pendant = new SimDevice(
      { deviceId: 'pendant-1', deviceType: 'pendant', secret },
      { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}` },
    );
    await pendant.connect();
    for (const [battery, signal] of [
      [84, -58],
      [83, -63],
      [81, -71],
    ] as const) {
      pendant.battery = battery;
      pendant.signalDbm = signal;
      await pendant.heartbeat();
      past += 3 * 3_600_000;
    }
    past = null; // from here on the platform's clock is real time
    await pendant.send({ type: 'battery.low', level: 9 });
    technician = await addUser(platform, 'tore', 'technician');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pendant?.stop();
    await platform?.close();
    await db?.drop();
  });

  const openDevice = async (id: string): Promise<Page> => {
    const page = await browser.newPage();
    await page.context().clearCookies();
    await login(page, base, technician.username, technician.password);
    await page.locator('.shell').waitFor();
    await page.goto(`${base}/#/devices/${id}`);
    await page.getByTestId('device-page').waitFor();
    return page;
  };

  const ticks = (page: Page, chart: string, axis: 'xAxis' | 'yAxis') =>
    page
      .locator(`[data-testid="${chart}"] .recharts-${axis}-tick-labels .recharts-cartesian-axis-tick-value`)
      .allTextContents();

  it('battery and signal are drawn over 24 hours with times on one axis and units on the other', async () => {
    const page = await openDevice('pendant-1');
    await page.locator('[data-testid="chart-battery"][data-readings="3"] .recharts-line-curve').waitFor();
    const times = await ticks(page, 'chart-battery', 'xAxis');
    assert.ok(times.length >= 3, `time ticks: ${times}`);
    for (const tick of times) assert.match(tick, /^\d{2}:\d{2}$/, 'times of day, 24-hour clock');
    const percent = await ticks(page, 'chart-battery', 'yAxis');
    assert.ok(percent.includes('100 %') && percent.includes('0 %'), `battery axis: ${percent}`);
    const dbm = await ticks(page, 'chart-signal', 'yAxis');
    assert.ok(dbm.includes('-120 dBm'), `signal axis: ${dbm}`);
    assert.match((await page.locator('[data-testid="chart-signal"] figcaption').textContent()) ?? '', /-71 dBm/);
    await screenshot(page, 'device-page-charts');
    await page.close();
  });

  it('a device without readings says so instead of showing an empty chart', async () => {
    const page = await openDevice('pendant-silent');
    const empty = page.getByTestId('chart-battery-empty');
    await empty.waitFor();
    assert.equal(await empty.textContent(), 'Inga mätvärden det senaste dygnet.');
    assert.equal(await page.locator('[data-testid="chart-battery"] svg').count(), 0);
    await page.close();
  });

  it('the technician pings the device and changes its heartbeat interval, and sees each answer', async () => {
    const page = await openDevice('pendant-1');
    await page.getByTestId('command-ping').click();
    const ping = page.locator('[data-testid="command-result"][data-type="ping"]');
    await ping.waitFor();
    assert.equal(await ping.getAttribute('data-result'), 'answered');
    assert.match((await ping.textContent()) ?? '', /Ping: svarade efter \d+ ms/);
    await page.getByTestId('command-interval').fill('120');
    await page.getByTestId('command-interval-send').click();
    await page
      .locator('[data-testid="command-result"][data-type="set_heartbeat_interval"][data-result="answered"]')
      .waitFor();
    assert.equal(pendant.heartbeatIntervalS, 120);
    assert.equal(await page.getByTestId('command-snapshot').count(), 0, 'no snapshot button for a pendant');
    await screenshot(page, 'device-page-commands');
    await page.close();
  });

  it('the device’s technical alarms are listed on its page', async () => {
    const page = await openDevice('pendant-1');
    const low = page.locator('[data-testid="device-alarm"][data-kind="battery_low"]');
    await low.waitFor();
    assert.match((await low.textContent()) ?? '', /Lågt batteri/);
    await page.close();
  });
});
