// Mass outages grouped by the network path, not only the district (issue 18): a carrier outage
// silences units in every district at once, a small share of each, so no district incident would
// open and hundreds of lost-connection alarms would flood the queue. The carrier the units report
// in their heartbeats (and the SCAIP gateway that relays them) is stored and groups them into one
// incident each. Real PostgreSQL, the real heartbeat path, simulated time.

import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  TEST_DATABASE_MODE,
  type TestDatabase,
} from '../src/testing/index.ts';

const MIN = 60_000;
const DISTRICTS = ['Norr', 'Söder', 'Öster', 'Väster', 'Centrum', 'Hamnen'];
/** Per district: 50 units on Telia, 200 on Tele2; 4 or 5 SCAIP units behind the gateway gw-b. */
const TELIA_PER_DISTRICT = 50;
const TELE2_PER_DISTRICT = 200;
const SCAIP_UNITS = 25;

describe('outages grouped by carrier and gateway', { skip: Boolean(TEST_DATABASE_MODE === 'embedded') }, () => {
  let db: TestDatabase;
  let platform: Platform;
  let now = Date.UTC(2026, 11, 1, 23, 0);
  const clock = { now: () => now };
  let operator: Awaited<ReturnType<typeof loginClient>>;
  let login: { username: string; password: string };
  const telia: string[] = [];
  const tele2: string[] = [];
  const scaip: string[] = [];

  const heartbeat = (deviceId: string, extra: Record<string, unknown> = {}) =>
    platform.ingest(
      deviceTopic(deviceId, 'heartbeat'),
      Buffer.from(JSON.stringify({ v: 1, id: `hb-${deviceId}-${now}`, ts: now, intervalS: 60, ...extra })),
    );

  /** Time passes; the Tele2 units heartbeat every two minutes, well inside their deadline. */
  async function keepTele2Beating(ms: number) {
    for (let passed = 0; passed < ms; passed += 2 * MIN) {
      now += 2 * MIN;
      for (const id of tele2) assert.equal(await heartbeat(id, { carrier: 'Tele2' }), 'accepted');
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, clock });
    await platform.close();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    for (const [d, district] of DISTRICTS.entries()) {
      for (let i = 1; i <= TELIA_PER_DISTRICT; i++) telia.push(`telia-${d}-${i}`);
      for (let i = 1; i <= TELE2_PER_DISTRICT; i++) tele2.push(`tele2-${d}-${i}`);
      const ids = [...telia, ...tele2].filter((id) => id.split('-')[1] === String(d));
      await pool.query(
        `INSERT INTO devices (id, device_type, serial, district, status, heartbeat_interval_s, last_seen_at)
         SELECT id, 'pendant', 'SN-' || id, $2, 'installed', 60, $3::timestamptz FROM unnest($1::text[]) id`,
        [ids, district, new Date(now)],
      );
    }
    for (let i = 1; i <= SCAIP_UNITS; i++) {
      scaip.push(`scaip-C9-${i}`);
      await pool.query(
        `INSERT INTO devices (id, device_type, serial, district, status, heartbeat_interval_s, last_seen_at)
         VALUES ($1, 'pendant', $1, $2, 'installed', 60, $3)`,
        [`scaip-C9-${i}`, DISTRICTS[i % DISTRICTS.length], new Date(now)],
      );
    }
    await pool.end();
    platform = await startTestPlatform({ databaseUrl: db.url, clock });
    login = await addUser(platform, 'olga', 'operator');
    operator = await loginClient(platform, login.username, login.password);
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('the carrier a unit reports and the gateway a SCAIP unit speaks through are stored; an MQTT unit cannot name a gateway', async () => {
    for (const id of telia) assert.equal(await heartbeat(id, { carrier: 'Telia' }), 'accepted');
    // One Tele2 unit also claims a gateway: it reaches us over MQTT, so the claim is ignored.
    for (const id of tele2) assert.equal(await heartbeat(id, { carrier: 'Tele2', gateway: 'gw-b' }), 'accepted');
    for (const id of scaip) assert.equal(await heartbeat(id, { gateway: 'gw-b' }), 'accepted');
    // Health is written behind; a restart flushes it and the next start reads it back.
    await platform.close();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const { rows } = await pool.query(
      `SELECT coalesce(carrier, '-') AS carrier, coalesce(gateway, '-') AS gateway, count(*)::int AS n
       FROM devices GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    await pool.end();
    assert.deepEqual(rows, [
      { carrier: '-', gateway: 'gw-b', n: SCAIP_UNITS },
      { carrier: 'Tele2', gateway: '-', n: tele2.length },
      { carrier: 'Telia', gateway: '-', n: telia.length },
    ]);
    platform = await startTestPlatform({ databaseUrl: db.url, clock });
    operator = await loginClient(platform, login.username, login.password);
  });

  it('300 Telia units across six districts drop at once: one carrier incident (and one for the gateway), no district incidents', async () => {
    await keepTele2Beating(4 * MIN);
    await platform.scheduler.runDue();
    const incidents = await eventually(async () => {
      await platform.incidents.settled();
      const r = await operator.call('GET', '/api/incidents');
      const list = r.body.incidents as { groupType: string; groupKey: string; units: number }[];
      return list.reduce((n, i) => n + i.units, 0) === telia.length + SCAIP_UNITS ? list : undefined;
    });
    assert.deepEqual(
      incidents
        .map((i) => `${i.groupType}:${i.groupKey}:${i.units}`)
        .sort()
        .join(' '),
      `carrier:Telia:${telia.length} gateway:gw-b:${SCAIP_UNITS}`,
    );
    const open = (await operator.call('GET', '/api/alarms')).body.alarms as { kind: string; incidentId: string }[];
    const lost = open.filter((a) => a.kind === 'connection_lost');
    assert.equal(lost.length, telia.length + SCAIP_UNITS);
    assert.ok(
      lost.every((a) => a.incidentId),
      'every lost unit is grouped under an incident, none floods the queue on its own',
    );
  });

  it('the Telia units return, one of them on its second SIM (Tele2): the carrier incident closes with all 300 back', async () => {
    await keepTele2Beating(10 * MIN);
    for (const [i, id] of telia.entries()) {
      assert.equal(await heartbeat(id, { carrier: i === 0 ? 'Tele2' : 'Telia' }), 'accepted');
    }
    await platform.incidents.settled();
    const { body } = await operator.call('GET', '/api/incidents?status=closed');
    assert.deepEqual(
      body.incidents.map((i: { groupType: string; returned: number; notReturned: number }) => [
        i.groupType,
        i.returned,
        i.notReturned,
      ]),
      [['carrier', telia.length, 0]],
    );
  });
});
