// The GPS position of a mobile alarm on a real Leaflet map in Chromium: drawn on the tiles of the
// configured tile source (here a local tile server, as the tests have no internet), and, when no
// tile can be fetched, replaced by the coordinates and an "open in map" link.

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
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchBrowser, login, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';
import { startTileServer, type TileServer, tileOf } from '../src/tiles.ts';

const POSITION = { lat: 57.70887, lon: 11.97456, accuracyM: 25 };

describe('the position map on the alarm page', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: TestBrowser;
  let tiles: TileServer;
  let base: string;
  let alarmId: string;
  let operator: { username: string; password: string };

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    tiles = await startTileServer();
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      consoleDist,
      env: { MAP_TILE_URL: tiles.urlTemplate, MAP_TILE_ATTRIBUTION: 'Testkarta' },
    });
    base = `http://127.0.0.1:${platform.httpPort}`;
    await addResident(platform, 'res-1', { name: 'Astrid Andersson' });
    const secret = await platform.provisioning.register({
      deviceId: 'mob-1',
      deviceType: 'mobile_pendant',
      serial: 'MOB1',
      residentId: 'res-1',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    const device = await connectDevice(platform, 'mob-1', secret);
    await device.publishAsync(
      'v1/devices/mob-1/event',
      JSON.stringify({ ...envelope(), type: 'alarm.manual', position: POSITION }),
      { qos: 1 },
    );
    await device.endAsync();
    alarmId = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ id: string }>("SELECT id FROM alarms WHERE device_id = 'mob-1'");
      return rows[0]?.id;
    });
    operator = await addUser(platform, 'olga', 'operator');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await db?.drop();
    await tiles?.close();
  });

  const openAlarm = async (): Promise<Page> => {
    const page = await browser.newPage();
    await page.context().clearCookies();
    await login(page, base, operator.username, operator.password);
    await page.locator('.shell').waitFor();
    await page.goto(`${base}/#/alarm/${alarmId}`);
    await page.getByTestId('position-map').waitFor();
    return page;
  };

  it('without map tiles the position is given as coordinates with an "open in map" link', async () => {
    tiles.up = false;
    const page = await openAlarm();
    await page.locator('[data-testid="position-map"][data-tiles="failed"]').waitFor();
    assert.equal(await page.getByTestId('position-map-leaflet').isVisible(), false, 'no empty map box');
    assert.match((await page.getByTestId('position-map-no-tiles').textContent()) ?? '', /Kartbilderna kan inte hämtas/);
    assert.match(
      (await page.locator('[data-testid="position-map"] figcaption').textContent()) ?? '',
      /57,70887, 11,97456 \(noggrannhet ±25 m\)/,
    );
    const link = page.getByTestId('position-map-link');
    assert.equal(await link.textContent(), 'Öppna i karta');
    assert.equal(
      await link.getAttribute('href'),
      'https://www.openstreetmap.org/?mlat=57.708870&mlon=11.974560#map=17/57.708870/11.974560',
    );
    await screenshot(page, 'position-map-no-tiles');
    await page.close();
  });

  it('with a tile source the marker is drawn on the tiles around the reported position', async () => {
    tiles.up = true;
    tiles.requested.length = 0;
    const page = await openAlarm();
    await page.locator('[data-testid="position-map"][data-tiles="loaded"]').waitFor();
    await page.locator('.map-leaflet img.leaflet-tile-loaded').first().waitFor();
    const srcs = await page
      .locator('.map-leaflet img.leaflet-tile-loaded')
      .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
    assert.ok(
      srcs.every((s) => s.startsWith(tiles.urlTemplate.split('{z}')[0]!)),
      'tiles from the configured source',
    );
    // The tile that holds the position was fetched at the zoom the map chose.
    const z = tiles.requested[0]!.z;
    assert.ok(z >= 14 && z <= 17, `zoom ${z} shows a street, not a country`);
    const home = tileOf(POSITION.lat, POSITION.lon, z);
    assert.ok(
      tiles.requested.some((t) => t.z === z && t.x === home.x && t.y === home.y),
      `tile ${z}/${home.x}/${home.y} requested`,
    );
    // The marker sits in the middle of the map.
    const map = await page.getByTestId('position-map-leaflet').boundingBox();
    const marker = await page.locator('.map-leaflet path.map-position').boundingBox();
    assert.ok(map && marker);
    const dx = marker.x + marker.width / 2 - (map.x + map.width / 2);
    const dy = marker.y + marker.height / 2 - (map.y + map.height / 2);
    assert.ok(Math.abs(dx) < 3 && Math.abs(dy) < 3, `marker off centre by ${dx}, ${dy}`);
    assert.match((await page.locator('.leaflet-control-attribution').textContent()) ?? '', /Testkarta/);
    await screenshot(page, 'position-map-tiles');
    await page.close();
  });
});
