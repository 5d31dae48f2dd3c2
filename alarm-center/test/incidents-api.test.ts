// Mass outages as one incident, on real PostgreSQL and the real alarm path (routing core
// deadlines -> AlarmService -> incidents), on simulated time: 2,000 units of one district go
// silent at once and return ten minutes later.

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
const UNITS = 2000;

describe('a mass outage is one incident', { skip: Boolean(TEST_DATABASE_MODE === 'embedded') }, () => {
  let db: TestDatabase;
  let platform: Platform;
  let now = Date.UTC(2026, 11, 1, 23, 0);
  const clock = { now: () => now };
  let operator: Awaited<ReturnType<typeof loginClient>>;
  let technician: Awaited<ReturnType<typeof loginClient>>;
  let incidentId: string;

  const heartbeat = (deviceId: string) =>
    platform.ingest(
      deviceTopic(deviceId, 'heartbeat'),
      Buffer.from(JSON.stringify({ v: 1, id: `hb-${deviceId}-${now}`, ts: now, intervalS: 60 })),
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    // First start migrates; then the fleet is written as the fleet fixtures do, and loaded.
    platform = await startTestPlatform({ databaseUrl: db.url, clock });
    await platform.close();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await pool.query(
      `INSERT INTO devices (id, device_type, serial, district, status, heartbeat_interval_s, last_seen_at)
       SELECT 'norr-' || i, 'pendant', 'SN' || i, 'Norr', 'installed', 60, $1::timestamptz FROM generate_series(1, $2) i
       UNION ALL SELECT 'soder-' || i, 'pendant', 'SS' || i, 'Söder', 'installed', 60, $1::timestamptz FROM generate_series(1, 30) i`,
      [new Date(now), UNITS],
    );
    // Residents on units in Norr: one lives alone, one fell twice this month, two neither (with two
    // alarms each; Signe's latest ended with no voice contact, Clara's earlier one did).
    for (const [id, name] of [
      ['res-alone', 'Alma Ensam'],
      ['res-falls', 'Folke Fall'],
      ['res-calm', 'Clara Lugn'],
      ['res-silent', 'Signe Tyst'],
    ]) {
      await pool.query(`INSERT INTO residents (id, name, address, district) VALUES ($1, $2, 'Norrgatan 1', 'Norr')`, [
        id,
        name,
      ]);
    }
    await pool.query(`UPDATE devices SET resident_id = 'res-alone' WHERE id = 'norr-1'`);
    await pool.query(`UPDATE devices SET resident_id = 'res-falls' WHERE id = 'norr-2'`);
    await pool.query(`UPDATE devices SET resident_id = 'res-calm' WHERE id = 'norr-3'`);
    await pool.query(`UPDATE devices SET resident_id = 'res-silent' WHERE id = 'norr-4'`);
    for (const [device, resident, days, endReason] of [
      ['norr-3', 'res-calm', 20, 'no-voice-contact'],
      ['norr-3', 'res-calm', 5, 'operator-hung-up'],
      ['norr-4', 'res-silent', 20, 'operator-hung-up'],
      ['norr-4', 'res-silent', 5, 'no-voice-contact'],
    ] as const) {
      const at = new Date(now - days * 24 * 60 * MIN);
      const { rows } = await pool.query(
        `INSERT INTO alarms (device_id, resident_id, district, kind, priority, audience, status, opened_at, updated_at, closed_at, outcome)
         VALUES ($1, $2, 'Norr', 'manual', 1, 'operator', 'closed', $3, $3, $3, 'helped') RETURNING id`,
        [device, resident, at],
      );
      await pool.query(
        `INSERT INTO voice_calls (call_id, alarm_id, device_id, direction, media, state, offered_at, deadline_at, ended_at, end_reason)
         VALUES ($1, $2, $3, 'unit-calls', 'audio', 'ended', $4, $4, $4, $5)`,
        [`call-${rows[0].id}`, rows[0].id, device, at, endReason],
      );
    }
    await pool.query(
      `INSERT INTO applications (reference, status_token_hash, channel, legal_basis, applicant_name, personal_number_enc,
         birth_date, address, district, living_situation, answers, status, resident_id, received_at)
       VALUES ('TL-TEST0001', 'x', 'public', 'sol_4_2a', 'Alma Ensam', 'x', '1930-01-01', 'Norrgatan 1', 'Norr',
         'alone', '{}', 'granted', 'res-alone', $1)`,
      [new Date(now - 100 * 24 * 60 * MIN)],
    );
    for (const days of [3, 10]) {
      await pool.query(
        `INSERT INTO alarms (device_id, resident_id, district, kind, priority, audience, status, opened_at, updated_at, closed_at, outcome)
         VALUES ('norr-2', 'res-falls', 'Norr', 'fall', 1, 'operator', 'closed', $1, $1, $1, 'helped')`,
        [new Date(now - days * 24 * 60 * MIN)],
      );
    }
    await pool.end();
    platform = await startTestPlatform({ databaseUrl: db.url, clock });
    const op = await addUser(platform, 'olga', 'operator');
    const tech = await addUser(platform, 'tore', 'technician');
    operator = await loginClient(platform, op.username, op.password);
    technician = await loginClient(platform, tech.username, tech.password);
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('2,000 units of one district silent at once: exactly one incident with 2,000 units, their alarms grouped under it', async () => {
    // Söder's 30 units keep heartbeating; every unit in Norr falls silent.
    now += 4 * MIN;
    for (let i = 1; i <= 30; i++) assert.equal(await heartbeat(`soder-${i}`), 'accepted');
    // The platform's own scheduler tick may be the one that applies the deadlines: wait for it.
    await platform.scheduler.runDue();
    const body = await eventually(async () => {
      const r = await operator.call('GET', '/api/incidents');

      return r.body.incidents[0]?.units === UNITS ? r.body : undefined;
    });
    assert.equal(body.incidents.length, 1, 'one incident, not 2,000');
    const incident = body.incidents[0];
    incidentId = incident.id;
    assert.deepEqual(
      [incident.groupType, incident.groupKey, incident.units, incident.stillOut, incident.groupSize],
      ['district', 'Norr', UNITS, UNITS, UNITS],
    );
    const open = (await operator.call('GET', '/api/alarms')).body.alarms as { kind: string; incidentId: string }[];
    const lost = open.filter((a) => a.kind === 'connection_lost');
    assert.equal(lost.length, UNITS, 'every unit still has its own alarm...');
    assert.ok(
      lost.every((a) => a.incidentId === incidentId),
      '...grouped under the incident',
    );
  });

  it('the welfare-check list puts the resident living alone first, then recent falls, then among equals the one whose latest alarm had no voice contact; the view is audit-logged', async () => {
    const { status, body } = await operator.call('GET', `/api/incidents/${incidentId}`);
    assert.equal(status, 200);
    assert.equal(body.units.length, UNITS);
    assert.deepEqual(
      body.welfareChecks.map((w: { name: string }) => w.name),
      ['Alma Ensam', 'Folke Fall', 'Signe Tyst', 'Clara Lugn'],
    );
    assert.equal(body.welfareChecks[1].recentFalls, 2);
    assert.deepEqual(
      body.welfareChecks.slice(2).map((w: { risk: number; noVoiceContact: boolean }) => [w.risk, w.noVoiceContact]),
      [
        [2, true],
        [2, false],
      ],
      'Signe and Clara are equals but for how their latest alarm ended',
    );
    const { rows } = await platform.db.pool.query(
      `SELECT subject_id FROM audit_log WHERE actor = 'olga' AND action = 'view_welfare_check' ORDER BY subject_id`,
    );
    assert.deepEqual(
      rows.map((r) => r.subject_id),
      ['res-alone', 'res-calm', 'res-falls', 'res-silent'],
    );
    const tech = await technician.call('GET', `/api/incidents/${incidentId}`);
    assert.equal(tech.body.units.length, UNITS, 'technicians see the units...');
    assert.deepEqual(tech.body.welfareChecks, [], '...but not the residents');
  });

  it('the units return ten minutes later: the incident closes with "2,000 returned", the alarms close', async () => {
    now += 10 * MIN;
    for (let i = 1; i <= 30; i++) assert.equal(await heartbeat(`soder-${i}`), 'accepted');
    for (let i = 1; i <= UNITS; i++) assert.equal(await heartbeat(`norr-${i}`), 'accepted');
    await platform.incidents.settled();
    const { body } = await operator.call('GET', '/api/incidents?status=closed');
    assert.equal(body.incidents.length, 1);
    const closed = body.incidents[0];
    assert.deepEqual([closed.id, closed.returned, closed.notReturned], [incidentId, UNITS, 0]);
    assert.equal(closed.closedAt, new Date(now).toISOString());
    assert.deepEqual((await operator.call('GET', '/api/incidents')).body.incidents, []);
    const open = (await operator.call('GET', '/api/alarms')).body.alarms as { kind: string }[];
    assert.deepEqual(
      open.filter((a) => a.kind === 'connection_lost'),
      [],
    );
  });

  it('an unknown incident is a coded 404', async () => {
    const { status, body } = await operator.call('GET', '/api/incidents/999999');
    assert.equal(status, 404);
    assert.equal(body.code, 'INCIDENT_NOT_FOUND');
  });
});
