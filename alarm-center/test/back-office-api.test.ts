// The back-office pages' server side: the resident search used wherever a resident is chosen, and
// the night round's address, key and door code for physical visits (door code only to the night
// team, audit-logged), filtered by night and team; a camera look-in for a resident without a camera
// is refused with a code.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  addUser,
  createTestDatabase,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

type Client = Awaited<ReturnType<typeof loginClient>>;

/** Local Stockholm time in March 2024 (UTC+1). */
const local = (day: number, h: number, m = 0) => Date.UTC(2024, 2, day, h - 1, m);

describe('back-office: resident search and the night round', () => {
  let db: TestDatabase;
  let platform: Platform;
  const now = local(5, 20);
  const clock = { now: () => now };
  let night: Client;
  let operator: Client;
  let caseworker: Client;

  const auditOf = async (action: string) =>
    (
      await platform.db.pool.query<{ actor: string; subject_id: string; reason: string | null }>(
        'SELECT actor, subject_id, reason FROM audit_log WHERE action = $1 ORDER BY id',
        [action],
      )
    ).rows;

  const refusals = async (code: string) => {
    const text = await (await fetch(platform.metricsUrl)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_refusals_total{') && l.includes('route="/api/residents"') && l.includes(`code="${code}"`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, clock });
    await addResident(platform, 'res-1', {
      name: 'Astrid Andersson',
      address: 'Storgatan 12, 411 38 Göteborg',
      access: 'Nyckel i nyckelgömma vid porten',
      doorCode: '4711',
      personalNumber: '19350101-1234',
    });
    await addResident(platform, 'res-2', { name: 'Bertil Berg', address: 'Ekvägen 3, 412 50 Göteborg' });
    await addResident(platform, 'res-3', { name: 'Astrid Lind', address: 'Lindgatan 100%, 413 01 Göteborg' });
    await platform.provisioning.register({
      deviceId: 'cam-2',
      deviceType: 'camera',
      serial: 'CAM2',
      residentId: 'res-2',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    const [n, o, c] = await Promise.all([
      addUser(platform, 'nina', 'nightteam'),
      addUser(platform, 'olga', 'operator'),
      addUser(platform, 'kajsa', 'caseworker'),
    ]);
    const logIn = (u: { username: string; password: string }) => loginClient(platform, u.username, u.password);
    [night, operator, caseworker] = await Promise.all([logIn(n), logIn(o), logIn(c)]);
    for (const [resident, team, time] of [
      ['res-1', 'Nattpatrull Centrum', '23:00'],
      ['res-2', 'Nattpatrull Väster', '01:00'],
    ] as const) {
      const put = await caseworker.call('PUT', `/api/supervision/plans/${resident}`, {
        nightTeam: team,
        visits: [{ time, mode: 'physical' }],
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
    }
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('a resident is found by part of the name, the address or the id, with no door code or identity number in the reply', async () => {
    const byName = await caseworker.call('GET', '/api/residents?q=astrid');
    assert.equal(byName.status, 200, JSON.stringify(byName.body));
    assert.deepEqual(
      byName.body.residents.map((r: { id: string }) => r.id),
      ['res-1', 'res-3'],
    );
    assert.deepEqual(byName.body.residents[0], {
      id: 'res-1',
      name: 'Astrid Andersson',
      address: 'Storgatan 12, 411 38 Göteborg',
      district: 'Centrum',
    });
    const byAddress = await night.call('GET', '/api/residents?q=ekvägen');
    assert.deepEqual(
      byAddress.body.residents.map((r: { name: string }) => r.name),
      ['Bertil Berg'],
    );
    const byId = await operator.call('GET', '/api/residents?q=res-3');
    assert.deepEqual(
      byId.body.residents.map((r: { id: string }) => r.id),
      ['res-3'],
    );
    const twoWords = await operator.call('GET', '/api/residents?q=astrid%20storgatan');
    assert.deepEqual(
      twoWords.body.residents.map((r: { id: string }) => r.id),
      ['res-1'],
    );
    const percent = await operator.call('GET', `/api/residents?q=${encodeURIComponent('0%')}`);
    assert.deepEqual(
      percent.body.residents.map((r: { id: string }) => r.id),
      ['res-3'],
      'a % in the query is a character, not a wildcard',
    );
    const text = JSON.stringify([byName.body, byAddress.body, byId.body]);
    assert.doesNotMatch(text, /4711|19350101/);
  });

  it('every search is audit-logged with who searched, for what, and whom it showed', async () => {
    await caseworker.call('GET', '/api/residents?q=Andersson');
    const logged = (await auditOf('search_residents')).at(-1);
    assert.deepEqual(logged, { actor: 'kajsa', subject_id: 'res-1', reason: 'query: Andersson' });
  });

  it('a one-letter search is refused with a code and counted; without a session it is refused', async () => {
    const before = await refusals('VALIDATION');
    const short = await operator.call('GET', '/api/residents?q=a');
    assert.equal(short.status, 400);
    assert.equal(short.body.code, 'VALIDATION');
    assert.equal(await refusals('VALIDATION'), before + 1);
    const anonymous = await fetch(`http://127.0.0.1:${platform.httpPort}/api/residents?q=astrid`);
    assert.equal(anonymous.status, 401);
  });

  it('the round shows the address and the key for each visit and filters by team and night', async () => {
    const all = await night.call('GET', '/api/supervision/round');
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual(all.body.teams, ['Nattpatrull Centrum', 'Nattpatrull Väster']);
    const astrid = all.body.visits.find((v: { residentId: string }) => v.residentId === 'res-1');
    assert.deepEqual(
      [astrid.address, astrid.access, astrid.hasCamera],
      ['Storgatan 12, 411 38 Göteborg', 'Nyckel i nyckelgömma vid porten', false],
    );
    assert.equal('doorCode' in astrid, false, 'the door code is not in the list');
    const vaster = await night.call('GET', `/api/supervision/round?team=${encodeURIComponent('Nattpatrull Väster')}`);
    assert.deepEqual(
      vaster.body.visits.map((v: { residentId: string; hasCamera: boolean }) => [v.residentId, v.hasCamera]),
      [['res-2', true]],
    );
    const otherNight = await night.call('GET', '/api/supervision/round?night=2024-03-01');
    assert.deepEqual([otherNight.body.night, otherNight.body.visits.length], ['2024-03-01', 0]);
  });

  it('the night team reads a visit’s door code, audit-logged; an operator may not', async () => {
    const visit = (await night.call('GET', '/api/supervision/round')).body.visits.find(
      (v: { residentId: string }) => v.residentId === 'res-1',
    );
    const code = await night.call('GET', `/api/supervision/visits/${visit.id}/door-code`);
    assert.deepEqual([code.status, code.body], [200, { doorCode: '4711' }]);
    const logged = (await auditOf('view_door_code')).at(-1);
    assert.equal(logged?.actor, 'nina');
    assert.equal(logged?.subject_id, 'res-1');
    assert.match(logged?.reason ?? '', new RegExp(`visit ${visit.id}`));
    const refused = await operator.call('GET', `/api/supervision/visits/${visit.id}/door-code`);
    assert.equal(refused.status, 403);
    const missing = await night.call('GET', '/api/supervision/visits/999999/door-code');
    assert.deepEqual([missing.status, missing.body.code], [404, 'VISIT_NOT_FOUND']);
  });

  it('a visit cannot be switched to camera, nor planned as one, for a resident without a camera', async () => {
    const plan = (await night.call('GET', '/api/supervision/plans/res-1')).body.plan;
    assert.equal(plan.hasCamera, false);
    const switched = await night.call('PUT', `/api/supervision/plan-visits/${plan.visits[0].id}/mode`, {
      mode: 'camera',
    });
    assert.deepEqual([switched.status, switched.body.code], [409, 'NO_CAMERA']);
    const planned = await caseworker.call('PUT', '/api/supervision/plans/res-1', {
      nightTeam: 'Nattpatrull Centrum',
      visits: [{ time: '23:00', mode: 'camera' }],
    });
    assert.deepEqual([planned.status, planned.body.code], [409, 'NO_CAMERA']);
    assert.equal((await night.call('GET', '/api/supervision/plans/res-2')).body.plan.hasCamera, true);
  });
});
