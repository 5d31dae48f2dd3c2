// PostgreSQL stopped in the middle of a burst of alarms and started again. While it is down,
// alarms are held by the devices (never acknowledged, because nothing was committed), /health
// answers 503 and every console is told the service is degraded; once it is back, every alarm
// lands exactly once and the consoles are told so.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { addResident, eventually, startTestPlatform } from '@trygg/alarm-center/testing';
import { type Delivery, SimDevice } from '@trygg/device-sim';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type HealthFeed, healthFeed } from '../src/health-feed.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../src/private-postgres.ts';

// Node's fetch types a reply's JSON as unknown (the DOM's said any); these tests read replies loosely.
type Json = ReturnType<typeof JSON.parse>;

const DEVICES = 30;
const BEFORE = 10;
/** The issue asks for 20 s; OUTAGE_S shortens it for quick local runs. */
const OUTAGE_MS = Number(process.env.OUTAGE_S ?? 20) * 1000;

describe('PostgreSQL outage during a burst', () => {
  let pg: PrivatePostgres;
  let platform: Platform;
  const devices: SimDevice[] = [];
  let feed: HealthFeed;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    platform = await startTestPlatform({ databaseUrl: pg.url });
    await addResident(platform, 'res-outage');
    for (let i = 0; i < DEVICES; i++) {
      const deviceId = `outage-${i}`;
      const secret = await platform.provisioning.register({
        deviceId,
        deviceType: 'pendant',
        serial: `SN-OUT-${i}`,
        residentId: 'res-outage',
        district: 'Centrum',
        heartbeatIntervalS: 300,
        rules: {},
      });
      const device = new SimDevice(
        { deviceId, deviceType: 'pendant', secret },
        { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, reconnectMinMs: 200, reconnectMaxMs: 2000 },
      );
      await device.connect();
      devices.push(device);
    }
    feed = await healthFeed(platform);
  });

  afterAll(async () => {
    feed?.close();
    await Promise.all(devices.map((d) => d.stop()));
    await platform?.close();
    await pg?.destroy();
  });

  it('holds alarms while the database is down, reports degraded, and lands every alarm once afterwards', async () => {
    const alarmCount = async () => Number((await platform.db.pool.query('SELECT count(*) AS n FROM alarms')).rows[0].n);

    // Before the outage: alarms are committed and acknowledged as usual.
    await Promise.all(devices.slice(0, BEFORE).map((d) => d.send({ type: 'alarm.manual' })));
    assert.equal(await alarmCount(), BEFORE);

    await pg.stop();
    const held: { device: SimDevice; delivered: Delivery | null; promise: Promise<Delivery> }[] = [];
    for (const device of devices.slice(BEFORE)) {
      const entry = { device, delivered: null as Delivery | null, promise: device.send({ type: 'alarm.manual' }) };
      entry.promise.then((d) => {
        entry.delivered = d;
      });
      held.push(entry);
    }

    // Consoles and /health say so within seconds, instead of silently missing alarms.
    await eventually(async () => feed.degraded.includes(true), 10_000);
    const during = await fetch(`http://127.0.0.1:${platform.httpPort}/health`);
    assert.equal(during.status, 503);
    assert.equal(((await during.json()) as Json).checks.database, 'unavailable');

    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    assert.equal(
      held.filter((h) => h.delivered).length,
      0,
      'no alarm is acknowledged to a device while it cannot be committed',
    );

    await pg.start();
    const delivered = await Promise.all(held.map((h) => h.promise));
    assert.equal(delivered.length, DEVICES - BEFORE);
    await eventually(async () => (await alarmCount()) === DEVICES, 20_000);
    const { rows } = await platform.db.pool.query<{ device_id: string; n: string }>(
      `SELECT device_id, count(*) AS n FROM alarms GROUP BY device_id HAVING count(*) > 1`,
    );
    assert.deepEqual(rows, [], 'no alarm duplicated');
    await eventually(async () => feed.degraded.at(-1) === false, 10_000);
    const afterwards = await fetch(`http://127.0.0.1:${platform.httpPort}/health`);
    assert.equal(afterwards.status, 200);
  });
});
