// Walking skeleton, end to end on real parts: a pendant press published by mosquitto_pub (a
// client no one here wrote) appears in the operator's console in headless Chromium without a
// reload; the operator acknowledges it there, and PostgreSQL has it stored as acknowledged.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { DEMO_DEVICES, DEMO_USERS, seedDemo } from '@trygg/alarm-center';
import { createTestDatabase, eventually, startTestPlatform, type TestDatabase } from '@trygg/alarm-center/testing';
import { deviceTopic } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';
import { run } from '../src/processes.ts';

describe('a pendant press reaches the operator console', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist });
    await seedDemo(platform);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await db?.drop();
  });

  it('mosquitto_pub press -> live queue row in Chromium -> acknowledged in the console and in PostgreSQL', async () => {
    const base = `http://127.0.0.1:${platform.httpPort}`;
    const operator = DEMO_USERS.find((u) => u.role === 'operator')!;
    const pendant = DEMO_DEVICES.find((d) => d.deviceType === 'pendant')!;
    const page = await browser.newPage();
    await login(page, base, operator.username, operator.password);
    await page
      .getByTestId('connection-banner')
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => {});
    await screenshot(page, 'operator-queue-empty');

    const messageId = `press-${Date.now()}`;
    const pub = await run('mosquitto_pub', [
      '-V',
      'mqttv311',
      '-h',
      '127.0.0.1',
      '-p',
      String(platform.mqttPort),
      '-i',
      pendant.deviceId,
      '-u',
      pendant.deviceId,
      '-P',
      pendant.secret,
      '-q',
      '1',
      '-t',
      deviceTopic(pendant.deviceId, 'event'),
      '-m',
      JSON.stringify({ v: 1, id: messageId, ts: Date.now(), type: 'alarm.manual' }),
    ]);
    assert.equal(pub.code, 0, `mosquitto_pub failed: ${pub.stderr}`);

    // The row appears without a reload: the page was loaded before the press.
    const row = page.locator(`[data-testid="alarm-row"][data-kind="manual"]`).first();
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.getAttribute('data-status'), 'new');
    const alarmId = await row.getAttribute('data-alarm-id');
    assert.ok(alarmId);
    await screenshot(page, 'operator-queue-new-alarm');

    await row.getByTestId('alarm-ack').click();
    await page.locator(`[data-testid="alarm-row"][data-alarm-id="${alarmId}"][data-status="acknowledged"]`).waitFor({
      timeout: 10_000,
    });
    await screenshot(page, 'operator-queue-acknowledged');

    const stored = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ status: string; acknowledged_by: string }>(
        'SELECT status, acknowledged_by FROM alarms WHERE id = $1',
        [alarmId],
      );
      return rows[0]?.status === 'acknowledged' ? rows[0] : undefined;
    });
    assert.equal(stored.acknowledged_by, operator.username);
  });
});
