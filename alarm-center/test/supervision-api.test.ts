import assert from 'node:assert/strict';
import { SimDevice } from '@trygg/device-sim';
import type { AnonymizedFrame } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import type { FrameAccessLogEntry, SupervisionPlan, SupervisionVisit } from '../src/supervision/api.ts';
import {
  addResident,
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

type Client = Awaited<ReturnType<typeof loginClient>>;

/** Local Stockholm time in March 2024 (UTC+1). */
const local = (day: number, h: number, m = 0) => Date.UTC(2024, 2, day, h - 1, m);

const FRAME: AnonymizedFrame = {
  layout: { zones: [{ kind: 'bed', rect: { x: 0.1, y: 0.1, w: 0.4, h: 0.3 } }] },
  person: { box: { x: 0.15, y: 0.12, w: 0.2, h: 0.25 }, posture: 'lying' },
};

describe('digital night supervision through the API', () => {
  let db: TestDatabase;
  let platform: Platform;
  let camera: SimDevice;
  let now = local(5, 20);
  const clock = { now: () => now };
  let night: Client;
  let supervisor: Client;
  let technician: Client;
  let operator: Client;
  /** Sessions expire on the simulated clock too: a new shift logs in again. */
  let logInAll: () => Promise<void>;

  const plan = async (residentId: string): Promise<SupervisionPlan> =>
    (await night.call('GET', `/api/supervision/plans/${residentId}`)).body.plan;
  const visitAt = (p: SupervisionPlan, time: string) => p.visits.find((v) => v.time === time)!;
  const round = async (query = ''): Promise<SupervisionVisit[]> =>
    (await night.call('GET', `/api/supervision/round${query}`)).body.visits;
  const tonights = async (residentId: string, time: string) =>
    (await round()).find((v) => v.residentId === residentId && v.time === time)!;
  const accessLog = async (): Promise<FrameAccessLogEntry[]> =>
    (await supervisor.call('GET', '/api/supervision/access-log')).body.entries;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, clock });
    await addResident(platform, 'res-1', { name: 'Astrid Andersson' });
    await addResident(platform, 'res-2', { name: 'Bertil Berg' });
    const secret = await platform.provisioning.register({
      deviceId: 'cam-1',
      deviceType: 'camera',
      serial: 'CAM1',
      residentId: 'res-1',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    camera = new SimDevice(
      { deviceId: 'cam-1', deviceType: 'camera', secret },
      { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, now: clock.now },
    );
    camera.frame = FRAME;
    await camera.connect();
    const [n, s, t, o] = await Promise.all([
      addUser(platform, 'nina', 'nightteam'),
      addUser(platform, 'sara', 'supervisor'),
      addUser(platform, 'tore', 'technician'),
      addUser(platform, 'olga', 'operator'),
    ]);
    const logIn = (u: { username: string; password: string }) => loginClient(platform, u.username, u.password);
    logInAll = async () => {
      [night, supervisor, technician, operator] = await Promise.all([logIn(n), logIn(s), logIn(t), logIn(o)]);
    };
    await logInAll();
  });

  afterAll(async () => {
    await camera?.stop();
    await platform?.close();
    await db?.drop();
  });

  it('switching a visit to camera is refused without the resident’s and the co-habitant’s consent', async () => {
    const put = await night.call('PUT', '/api/supervision/plans/res-1', {
      nightTeam: 'Nattpatrull Centrum',
      cohabitantName: 'Erik Andersson',
      visits: [
        { time: '23:00', mode: 'physical' },
        { time: '02:00', mode: 'physical' },
        { time: '05:00', mode: 'physical' },
      ],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(
      put.body.plan.visits.map((v: { time: string }) => v.time),
      ['23:00', '02:00', '05:00'],
    );
    const at0200 = visitAt(put.body.plan, '02:00');

    const refused = await night.call('PUT', `/api/supervision/plan-visits/${at0200.id}/mode`, { mode: 'camera' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'CONSENT_REQUIRED');
    assert.match(refused.body.message, /NO_RESIDENT_CONSENT/);

    const residentConsent = await night.call('POST', '/api/supervision/residents/res-1/consents', {
      party: 'resident',
      scope: 'camera',
    });
    assert.equal(residentConsent.status, 201);
    assert.equal(residentConsent.body.consent.recordedBy, 'nina');
    const stillRefused = await night.call('PUT', `/api/supervision/plan-visits/${at0200.id}/mode`, { mode: 'camera' });
    assert.equal(stillRefused.status, 409);
    assert.match(stillRefused.body.message, /NO_COHABITANT_CONSENT/);
    assert.equal(visitAt(await plan('res-1'), '02:00').mode, 'physical');

    await night.call('POST', '/api/supervision/residents/res-1/consents', {
      party: 'cohabitant',
      partyName: 'Erik Andersson',
      scope: 'camera',
    });
    const switched = await night.call('PUT', `/api/supervision/plan-visits/${at0200.id}/mode`, { mode: 'camera' });
    assert.equal(switched.status, 200);
    assert.equal(visitAt(switched.body.plan, '02:00').mode, 'camera');
    assert.deepEqual(switched.body.plan.saving.perNight, { replacedVisits: 1, minutesSaved: 58, krSaved: 515 });
    assert.deepEqual(switched.body.plan.saving.perMonth, { replacedVisits: 31, minutesSaved: 1798, krSaved: 15_965 });

    const viaPlan = await night.call('PUT', '/api/supervision/plans/res-2', {
      nightTeam: 'Nattpatrull Centrum',
      visits: [{ time: '01:00', mode: 'camera' }],
    });
    assert.equal(viaPlan.status, 409, 'a plan cannot be saved with a camera visit lacking consent');
    const bertil = await night.call('PUT', '/api/supervision/plans/res-2', {
      nightTeam: 'Nattpatrull Centrum',
      visits: [{ time: '01:00', mode: 'physical' }],
    });
    assert.equal(bertil.status, 200);
  });

  it('tonight’s round lists every resident’s visits in time order, physical and digital', async () => {
    const visits = await round();
    assert.deepEqual(
      visits.map((v) => [v.residentName, v.time, v.mode, v.status]),
      [
        ['Astrid Andersson', '23:00', 'physical', 'pending'],
        ['Bertil Berg', '01:00', 'physical', 'pending'],
        ['Astrid Andersson', '02:00', 'camera', 'pending'],
        ['Astrid Andersson', '05:00', 'physical', 'pending'],
      ],
    );
    assert.equal(visits[2]?.dueAt, new Date(local(6, 2)).toISOString());
  });

  it('a look-in before the visit’s time is refused and logged as refused', async () => {
    now = local(6, 1, 59);
    const visit = await tonights('res-1', '02:00');
    assert.equal(visit.status, 'pending');
    const early = await night.call('POST', '/api/supervision/look-in', { residentId: 'res-1', visitId: visit.id });
    assert.equal(early.status, 403);
    assert.equal(early.body.code, 'FRAME_REFUSED');
    const [entry] = await accessLog();
    assert.deepEqual(
      [entry?.actor, entry?.residentId, entry?.visitId, entry?.allowed, entry?.reason],
      ['nina', 'res-1', visit.id, false, 'VISIT_NOT_DUE'],
    );
  });

  it('a frame request outside any visit or alarm is refused and logged as refused, whoever asks', async () => {
    const bare = await night.call('POST', '/api/supervision/look-in', { residentId: 'res-1' });
    assert.equal(bare.status, 403);
    assert.equal(bare.body.code, 'FRAME_REFUSED');
    const visit = await tonights('res-1', '02:00');
    const wrongRole = await technician.call('POST', '/api/supervision/look-in', {
      residentId: 'res-1',
      visitId: visit.id,
    });
    assert.equal(wrongRole.status, 403);
    const otherResident = await night.call('POST', '/api/supervision/look-in', {
      residentId: 'res-2',
      visitId: visit.id,
    });
    assert.equal(otherResident.status, 403);
    const [e3, e2, e1] = await accessLog();
    assert.deepEqual(
      [e1, e2, e3].map((e) => [e?.actor, e?.residentId, e?.allowed, e?.reason]),
      [
        ['nina', 'res-1', false, 'NO_VISIT_OR_ALARM'],
        ['tore', 'res-1', false, 'ROLE_NOT_AUTHORISED'],
        ['nina', 'res-2', false, 'VISIT_OTHER_RESIDENT'],
      ],
    );
    assert.equal(camera.stats.commands, 0, 'the camera was never asked');
  });

  it('the camera visit becomes due at 02:00 on simulated time; the look-in shows the camera’s frame and is closed as all well', async () => {
    now = local(6, 2);
    const visit = await eventually(async () => {
      const v = await tonights('res-1', '02:00');
      return v.status === 'due' && v;
    });
    const look = await night.call('POST', '/api/supervision/look-in', { residentId: 'res-1', visitId: visit.id });
    assert.equal(look.status, 200, JSON.stringify(look.body));
    assert.deepEqual(look.body.frame, FRAME);
    assert.equal(look.body.cameraUnavailable, false);
    assert.equal(camera.stats.commands, 1);

    const closed = await night.call('POST', `/api/supervision/visits/${visit.id}/close`, { outcome: 'all_well' });
    assert.equal(closed.status, 200);
    assert.deepEqual([closed.body.visit.status, closed.body.visit.closedBy], ['done_all_well', 'nina']);
    const again = await night.call('POST', `/api/supervision/visits/${visit.id}/close`, { outcome: 'all_well' });
    assert.equal(again.body.code, 'VISIT_CLOSED');

    const [view] = await accessLog();
    assert.deepEqual(
      [view?.actor, view?.residentName, view?.visitId, view?.allowed, view?.reason],
      ['nina', 'Astrid Andersson', visit.id, true, 'visit'],
    );
    const savings = await supervisor.call('GET', '/api/supervision/savings?month=2024-03');
    assert.deepEqual(savings.body.realised.total, { replacedVisits: 1, minutesSaved: 58, krSaved: 515 });
    assert.deepEqual(savings.body.realised.perNight, [
      { night: '2024-03-05', saving: { replacedVisits: 1, minutesSaved: 58, krSaved: 515 } },
    ]);
  });

  it('only supervisors see the access log, and nothing in the API or database can alter it', async () => {
    assert.equal((await night.call('GET', '/api/supervision/access-log')).status, 403);
    assert.equal((await operator.call('GET', '/api/supervision/access-log')).status, 403);
    const [entry] = await accessLog();
    assert.equal((await supervisor.call('DELETE', `/api/supervision/access-log/${entry?.id}`)).status, 404);
    await assert.rejects(platform.db.pool.query('UPDATE frame_access_log SET allowed = false'), /append-only/);
    await assert.rejects(platform.db.pool.query('DELETE FROM frame_access_log'), /append-only/);
    assert.equal((await accessLog()).length, 5);
  });

  it('a digital visit not done within the grace period is missed and raises an alarm, during which the camera may be seen', async () => {
    const p = await plan('res-1');
    assert.equal(
      (await night.call('PUT', `/api/supervision/plan-visits/${visitAt(p, '05:00').id}/mode`, { mode: 'camera' }))
        .status,
      200,
    );
    now = local(6, 5);
    const visit = await eventually(async () => {
      const v = await tonights('res-1', '05:00');
      return v.status === 'due' && v;
    });
    assert.equal(visit.mode, 'camera', 'the switch applies to tonight’s open visit');
    now = local(6, 5, 14);
    assert.equal((await tonights('res-1', '05:00')).status, 'due', 'still inside the 15 minutes');

    now = local(6, 5, 15);
    // Nobody opens the round: the scheduler's own tick notices the missed visit and raises the alarm.
    // (res-1 may already have an open alarm from an earlier test, so wait for this visit's own.)
    const missed = await eventually(async () => {
      const v = await tonights('res-1', '05:00');
      return v.status === 'missed' && v.alarmId !== null && v;
    });
    assert.equal(missed.status, 'missed');
    assert.notEqual(missed.alarmId, null);
    const alarms = (await operator.call('GET', '/api/alarms')).body.alarms as {
      id: string;
      kind: string;
      priority: number;
      resident: { id: string };
    }[];
    const alarm = alarms.find((a) => a.id === missed.alarmId);
    assert.equal(alarm?.resident.id, 'res-1');
    assert.deepEqual([alarm?.kind, alarm?.priority], ['supervision', 2], 'operators see it as a supervision alarm');
    const detail = await operator.call('GET', `/api/alarms/${missed.alarmId}`);
    assert.ok(
      detail.body.history.some((h: { note: string | null }) => /Digital visit 05:00 not done/.test(h.note ?? '')),
      'the alarm says why it was raised',
    );

    const late = await night.call('POST', '/api/supervision/look-in', { residentId: 'res-1', visitId: missed.id });
    assert.equal(late.status, 403, 'the visit window is over');
    const duringAlarm = await operator.call('POST', '/api/supervision/look-in', {
      residentId: 'res-1',
      alarmId: missed.alarmId,
    });
    assert.equal(duringAlarm.status, 200);
    assert.deepEqual(duringAlarm.body.frame, FRAME);
    const [entry] = await accessLog();
    assert.deepEqual(
      [entry?.actor, entry?.alarmId, entry?.allowed, entry?.reason],
      ['olga', missed.alarmId, true, 'alarm'],
    );
  });

  it('withdrawing consent switches the planned and the coming visits back to physical and tells the night team', async () => {
    now = local(6, 20);
    await logInAll();
    const upcoming = await tonights('res-1', '02:00');
    assert.deepEqual([upcoming.night, upcoming.mode, upcoming.status], ['2024-03-06', 'camera', 'pending']);

    const consents = (await night.call('GET', '/api/supervision/residents/res-1/consents')).body.consents;
    const cohabitant = consents.find((c: { party: string }) => c.party === 'cohabitant');
    const withdrawn = await night.call('POST', `/api/supervision/consents/${cohabitant.id}/withdraw`);
    assert.equal(withdrawn.status, 200);
    assert.equal(withdrawn.body.consent.withdrawnAt, new Date(local(6, 20)).toISOString());
    assert.equal(withdrawn.body.switchedPlanVisits.length, 2);

    const after = await tonights('res-1', '02:00');
    assert.deepEqual([after.mode, after.modeChangedReason], ['physical', 'consent_withdrawn']);
    assert.deepEqual(
      (await plan('res-1')).visits.map((v) => v.mode),
      ['physical', 'physical', 'physical'],
    );
    const lastNight = await round('?night=2024-03-05');
    assert.deepEqual(
      lastNight.filter((v) => v.residentId === 'res-1').map((v) => [v.time, v.mode, v.status]),
      [
        ['23:00', 'physical', 'due'],
        ['02:00', 'camera', 'done_all_well'],
        ['05:00', 'camera', 'missed'],
      ],
      'what was done stays on record',
    );
    const planned = visitAt(await plan('res-1'), '02:00');
    const again = await night.call('PUT', `/api/supervision/plan-visits/${planned.id}/mode`, { mode: 'camera' });
    assert.equal(again.status, 409);
    const twice = await night.call('POST', `/api/supervision/consents/${cohabitant.id}/withdraw`);
    assert.equal(twice.body.code, 'CONSENT_WITHDRAWN');
  });

  it('a camera that gives no frame at look-in time turns the visit physical at once', async () => {
    await night.call('POST', `/api/supervision/residents/res-1/consents`, {
      party: 'cohabitant',
      partyName: 'Erik Andersson',
      scope: 'camera',
    });
    const id = visitAt(await plan('res-1'), '02:00').id;
    assert.equal((await night.call('PUT', `/api/supervision/plan-visits/${id}/mode`, { mode: 'camera' })).status, 200);
    camera.frame = null;
    now = local(7, 2, 1);
    const visit = await eventually(async () => {
      const v = await tonights('res-1', '02:00');
      return v.status === 'due' && v;
    });
    const look = await night.call('POST', '/api/supervision/look-in', { residentId: 'res-1', visitId: visit.id });
    assert.equal(look.status, 200);
    assert.equal(look.body.cameraUnavailable, true);
    assert.deepEqual([look.body.visit.mode, look.body.visit.modeChangedReason], ['physical', 'camera_unavailable']);
    const closed = await night.call('POST', `/api/supervision/visits/${visit.id}/close`, {
      outcome: 'escalate_physical',
      note: 'Kameran svarar inte',
    });
    assert.equal(closed.body.visit.status, 'escalated_physical');
  });

  it('the night team escalates a visit to an alarm the operators see, with the night team’s note', async () => {
    const visit = (await round('?night=2024-03-06')).find((v) => v.residentId === 'res-1' && v.time === '23:00')!;
    assert.equal(visit.status, 'due');
    const closed = await night.call('POST', `/api/supervision/visits/${visit.id}/close`, {
      outcome: 'escalate_alarm',
      note: 'Ligger på golvet vid sängen',
    });
    assert.equal(closed.status, 200);
    assert.equal(closed.body.visit.status, 'escalated_alarm');
    const detail = await operator.call('GET', `/api/alarms/${closed.body.visit.alarmId}`);
    assert.equal(detail.body.alarm.resident.id, 'res-1');
    assert.ok(detail.body.history.some((h: { note: string | null }) => h.note === 'Ligger på golvet vid sängen'));
  });
});
