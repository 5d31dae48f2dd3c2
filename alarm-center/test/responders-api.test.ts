import assert from 'node:assert/strict';
import type { AlarmDispatches, Dispatch, ResponderDispatch } from '@trygg/console-contract';
import { SimDevice } from '@trygg/device-sim';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  addResponder,
  addUser,
  createTestDatabase,
  eventually,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

type Client = Awaited<ReturnType<typeof loginClient>>;

const SHEET = {
  foundPlace: 'floor',
  foundPosition: 'lying',
  leftAs: 'in_bed',
  doorLocked: true,
  othersPresent: false,
  refused: false,
  overrodeWishes: false,
  note: 'Helped up, no injuries',
};

describe('responders and dispatch through the API', () => {
  let db: TestDatabase;
  let platform: Platform;
  let now = Date.UTC(2024, 2, 5, 1, 0);
  const clock = { now: () => now };
  let operator: Client;
  let anna: Client;
  let bo: Client;
  let pendant: SimDevice;
  let door: SimDevice;

  /** A pressed button on res-1's pendant, taken by the operator; returns the alarm id. */
  const takenAlarm = async (): Promise<string> => {
    await pendant.send({ type: 'alarm.manual' });
    const id = await eventually(async () => {
      const open = (await operator.call('GET', '/api/alarms')).body.alarms as { id: string; status: string }[];
      return open.find((a) => a.status === 'new')?.id;
    });
    assert.equal((await operator.call('POST', `/api/alarms/${id}/acknowledge`)).status, 200);
    return id;
  };
  const send = async (alarmId: string, responderId: string, extra: Record<string, unknown> = {}) =>
    operator.call('POST', `/api/alarms/${alarmId}/dispatches`, { responderId, notes: 'Ring länge', ...extra });
  const dispatched = async (alarmId: string, responderId: string): Promise<Dispatch> => {
    const res = await send(alarmId, responderId);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.dispatch;
  };
  const history = async (alarmId: string) =>
    (await operator.call('GET', `/api/alarms/${alarmId}`)).body.history as { type: string; actor: string | null }[];
  const closeAlarm = (alarmId: string) =>
    operator.call('POST', `/api/alarms/${alarmId}/close`, { outcome: 'no_action_needed' });

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, clock, env: { DISPATCH_ACCEPT_S: '180' } });
    await addResident(platform, 'res-1', { name: 'Astrid Andersson', district: 'Majorna', doorCode: '4711' });
    const broker = `mqtt://127.0.0.1:${platform.mqttPort}`;
    const pendantSecret = await platform.provisioning.register({
      deviceId: 'pendant-1',
      deviceType: 'pendant',
      serial: 'P1',
      residentId: 'res-1',
      district: 'Majorna',
      heartbeatIntervalS: 60,
      rules: {},
    });
    const doorSecret = await platform.provisioning.register({
      deviceId: 'door-1',
      deviceType: 'door',
      serial: 'D1',
      residentId: 'res-1',
      district: 'Majorna',
      heartbeatIntervalS: 60,
      rules: {},
    });
    pendant = new SimDevice(
      { deviceId: 'pendant-1', deviceType: 'pendant', secret: pendantSecret },
      { brokerUrl: broker, now: clock.now },
    );
    door = new SimDevice(
      { deviceId: 'door-1', deviceType: 'door', secret: doorSecret },
      { brokerUrl: broker, now: clock.now },
    );
    await Promise.all([pendant.connect(), door.connect()]);
    await addResponder(platform, 'anna', { name: 'Anna Nattpatrull', districts: ['Majorna'] });
    await addResponder(platform, 'bo', { name: 'Bo Hemtjänst', districts: ['Centrum'] });
    await addResponder(platform, 'cilla', { name: 'Cilla Ledig', districts: ['Majorna'], status: 'off' });
    const o = await addUser(platform, 'olga', 'operator');
    operator = await loginClient(platform, o.username, o.password);
    anna = await loginClient(platform, 'anna', 'pw-anna');
    bo = await loginClient(platform, 'bo', 'pw-bo');
    const key = await operator.call('POST', '/api/residents/res-1/keys', {
      id: 'key-14',
      kind: 'key',
      label: 'Nyckel 14, nyckelskåp Majorna',
    });
    assert.equal(key.status, 200, JSON.stringify(key.body));
    const lock = await operator.call('POST', '/api/residents/res-1/keys', {
      id: 'lock-1',
      kind: 'digital_lock',
      label: 'Digitalt lås ytterdörr',
      lockDeviceId: 'door-1',
    });
    assert.equal(lock.status, 200, JSON.stringify(lock.body));
  });

  afterAll(async () => {
    await pendant?.stop();
    await door?.stop();
    await platform?.close();
    await db?.drop();
  });

  it('a key for a resident or lock device that does not exist, or a lock without its device, is refused with a code, not a 500', async () => {
    const cases = [
      [
        { id: 'k-x1', kind: 'key', label: 'Nyckel' },
        '/api/residents/no-such-resident/keys',
        404,
        'KEY_RESIDENT_UNKNOWN',
      ],
      [
        { id: 'k-x2', kind: 'key', label: 'Nyckel' },
        '/api/residents/..%2F..%2Fetc%2Fpasswd/keys',
        404,
        'KEY_RESIDENT_UNKNOWN',
      ],
      [
        { id: 'k-x3', kind: 'digital_lock', label: 'Lås', lockDeviceId: 'no-such-lock' },
        '/api/residents/res-1/keys',
        409,
        'KEY_LOCK_UNKNOWN',
      ],
      [{ id: 'k-x4', kind: 'digital_lock', label: 'Lås' }, '/api/residents/res-1/keys', 400, 'KEY_LOCK_MISMATCH'],
      [
        { id: 'k-x5', kind: 'key', label: 'Nyckel', lockDeviceId: 'door-1' },
        '/api/residents/res-1/keys',
        400,
        'KEY_LOCK_MISMATCH',
      ],
    ] as const;
    for (const [body, path, status, code] of cases) {
      const res = await operator.call('POST', path, body);
      assert.equal(res.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body as { code?: string }).code, code);
    }
  });

  it('offers on-duty responders of the resident’s district first and never one who is off', async () => {
    const alarmId = await takenAlarm();
    const { suggestions } = (await operator.call('GET', `/api/alarms/${alarmId}/dispatches`)).body as AlarmDispatches;
    assert.deepEqual(
      suggestions.map((s) => [s.responder.id, s.inDistrict]),
      [
        ['anna', true],
        ['bo', false],
      ],
    );
    assert.equal((await closeAlarm(alarmId)).status, 200);
  });

  it('refuses a dispatch to an off-duty responder, or before the alarm is taken, with coded errors counted on /metrics', async () => {
    const alarmId = await takenAlarm();
    const off = await send(alarmId, 'cilla');
    assert.equal(off.status, 409);
    assert.equal(off.body.code, 'RESPONDER_NOT_AVAILABLE');
    const unknown = await send(alarmId, 'nobody');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'RESPONDER_NOT_FOUND');
    const bad = await operator.call('POST', `/api/alarms/${alarmId}/dispatches`, { responderId: '' });
    assert.equal(bad.body.code, 'VALIDATION');
    await closeAlarm(alarmId);

    await pendant.send({ type: 'alarm.manual' });
    const untaken = await eventually(async () => {
      const open = (await operator.call('GET', '/api/alarms')).body.alarms as { id: string; status: string }[];
      return open.find((a) => a.status === 'new')?.id;
    });
    const early = await send(untaken, 'anna');
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'ALARM_NOT_TAKEN');
    await operator.call('POST', `/api/alarms/${untaken}/acknowledge`);
    await closeAlarm(untaken);

    const metrics = await (await fetch(platform.metricsUrl)).text();
    assert.match(metrics, /http_refusals_total\{[^}]*code="RESPONDER_NOT_AVAILABLE"[^}]*\} 1/);
  });

  it('walks the loop: accept once, on the way, arrived, done with the job sheet closes the alarm with it in history', async () => {
    const alarmId = await takenAlarm();
    const d = await dispatched(alarmId, 'anna');
    assert.equal(d.state, 'dispatched');

    const mine = (await anna.call('GET', '/api/my/dispatches')).body.dispatches as Dispatch[];
    assert.equal(mine[0]?.id, d.id);
    const view = (await anna.call('GET', `/api/dispatches/${d.id}`)).body as ResponderDispatch;
    assert.equal(view.access?.doorCode, '4711');
    assert.equal(view.access?.notes, 'Ring länge');
    assert.equal(view.access?.address, 'Testgatan 1, 411 01 Göteborg');

    now += 60_000;
    assert.equal((await anna.call('POST', `/api/dispatches/${d.id}/accept`, {})).status, 200);
    const twice = await anna.call('POST', `/api/dispatches/${d.id}/accept`, {});
    assert.equal(twice.status, 409);
    assert.equal(twice.body.code, 'DISPATCH_STEP_REFUSED');
    const noEta = await anna.call('POST', `/api/dispatches/${d.id}/on-the-way`, {});
    assert.equal(noEta.body.code, 'VALIDATION');
    assert.equal((await anna.call('POST', `/api/dispatches/${d.id}/on-the-way`, { etaMinutes: 12 })).status, 200);
    const early = await anna.call('POST', `/api/dispatches/${d.id}/done`, SHEET);
    assert.equal(early.body.code, 'DISPATCH_STEP_REFUSED', 'done before arriving');
    now += 14 * 60_000;
    assert.equal((await anna.call('POST', `/api/dispatches/${d.id}/arrived`, {})).status, 200);

    const missing = await anna.call('POST', `/api/dispatches/${d.id}/done`, { foundPlace: 'floor' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'VALIDATION');
    const noReason = await anna.call('POST', `/api/dispatches/${d.id}/done`, { ...SHEET, overrodeWishes: true });
    assert.equal(noReason.status, 400);
    assert.match(noReason.body.message, /overrideReason/);

    now += 10 * 60_000;
    const done = await anna.call('POST', `/api/dispatches/${d.id}/done`, SHEET);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.dispatch.state, 'done');

    const detail = (await operator.call('GET', `/api/alarms/${alarmId}`)).body;
    assert.equal(detail.alarm.status, 'closed');
    assert.equal(detail.alarm.outcome, 'helped');
    const types = detail.history.map((h: { type: string }) => h.type);
    for (const step of [
      'dispatched',
      'dispatch_accepted',
      'dispatch_on_the_way',
      'dispatch_arrived',
      'job_sheet',
      'closed',
    ]) {
      assert.ok(types.includes(step), `history has ${step}: ${types.join(', ')}`);
    }
    const sheet = detail.history.find((h: { type: string }) => h.type === 'job_sheet');
    assert.equal(sheet.actor, 'anna');
    assert.match(sheet.note, /found: floor, lying; left: in_bed; door locked: yes/);
    const times = await platform.service.responseTimes(alarmId);
    assert.ok(times?.dispatched && times.accepted && times.arrived && times.closed);
    assert.equal(Date.parse(times.arrived) - Date.parse(times.dispatched), 15 * 60_000);

    const afterwards = (await anna.call('GET', `/api/dispatches/${d.id}`)).body as ResponderDispatch;
    assert.equal(afterwards.access, null, 'no door code once the dispatch has ended');
    const reads = await platform.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE actor = 'anna' AND action = 'view_resident_card' AND reason = $1`,
      [`dispatch ${d.id}`],
    );
    assert.equal(reads.rows[0].n, 1, 'the one read while active is audit-logged; the ended view reads nothing');
    const me = (await anna.call('GET', '/api/responders/me')).body.responder;
    assert.equal(me.status, 'on_duty', 'free again after the job');
  });

  it('does not show a responder another responder’s dispatch', async () => {
    const alarmId = await takenAlarm();
    const d = await dispatched(alarmId, 'anna');
    const peek = await bo.call('GET', `/api/dispatches/${d.id}`);
    assert.equal(peek.status, 403);
    assert.equal(peek.body.code, 'DISPATCH_NOT_YOURS');
    const step = await bo.call('POST', `/api/dispatches/${d.id}/accept`, {});
    assert.equal(step.status, 403);
    assert.equal((await bo.call('GET', `/api/alarms/${alarmId}`)).status, 403, 'no alarm queue for responders');
    await closeAlarm(alarmId);
  });

  it('tells the operator when the accept time passes and re-dispatch takes the door code from the first responder', async () => {
    const alarmId = await takenAlarm();
    const d = await dispatched(alarmId, 'anna');
    now += 179_000;
    await platform.scheduler.runDue();
    assert.equal(
      (await history(alarmId)).some((h) => h.type === 'dispatch_not_accepted'),
      false,
    );
    now += 2_000;
    const told = await eventually(async () => {
      const h = await history(alarmId);
      return h.find((e) => e.type === 'dispatch_not_accepted');
    });
    assert.equal(told.actor, 'system');
    const summary = (await operator.call('GET', `/api/alarms/${alarmId}`)).body.alarm;
    assert.equal(summary.escalated, true, 'the queue announces the alarm again');
    const { dispatches, suggestions } = (await operator.call('GET', `/api/alarms/${alarmId}/dispatches`))
      .body as AlarmDispatches;
    assert.equal(dispatches[0]?.acceptTimedOut, true);
    assert.deepEqual(
      suggestions.map((s) => s.responder.id),
      ['bo'],
      'someone else is suggested; the silent responder still holds the call-out and may accept late',
    );
    const second = await dispatched(alarmId, 'bo');
    const first = (await anna.call('GET', `/api/dispatches/${d.id}`)).body as ResponderDispatch;
    assert.equal(first.dispatch.state, 'reassigned');
    assert.equal(first.access, null);
    assert.equal((await anna.call('POST', `/api/dispatches/${d.id}/accept`, {})).body.code, 'DISPATCH_NOT_ACTIVE');
    assert.equal((await bo.call('GET', `/api/dispatches/${second.id}`)).body.access.doorCode, '4711');
    assert.equal((await bo.call('POST', `/api/dispatches/${second.id}/accept`, {})).status, 200);
    await closeAlarm(alarmId);
  });

  it('"Kom inte in" raises an escalated priority-1 alarm and never closes the original', async () => {
    const alarmId = await takenAlarm();
    const d = await dispatched(alarmId, 'anna');
    await anna.call('POST', `/api/dispatches/${d.id}/accept`, {});
    const refused = await anna.call('POST', `/api/dispatches/${d.id}/could-not-enter`, { note: 'Kedjelåset på' });
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    assert.equal(refused.body.dispatch.state, 'could_not_enter');
    const open = (await operator.call('GET', '/api/alarms')).body.alarms as {
      id: string;
      kind: string;
      priority: number;
      escalated: boolean;
      status: string;
    }[];
    const escalation = open.find((a) => a.kind === 'could_not_enter');
    assert.ok(escalation, 'a could_not_enter alarm is open');
    assert.equal(escalation.priority, 1);
    assert.equal(escalation.escalated, true);
    assert.equal(open.find((a) => a.id === alarmId)?.status, 'dispatched', 'the original stays open');
    assert.ok((await history(alarmId)).some((h) => h.type === 'could_not_enter' && h.actor === 'anna'));
    await operator.call('POST', `/api/alarms/${escalation.id}/acknowledge`);
    await closeAlarm(escalation.id);
    await closeAlarm(alarmId);
  });

  it('confirms arrival from the unit’s presence button (SCAIP stc 0088)', async () => {
    const alarmId = await takenAlarm();
    const d = await dispatched(alarmId, 'anna');
    await anna.call('POST', `/api/dispatches/${d.id}/accept`, {});
    await pendant.send({ type: 'presence' });
    const arrived = await eventually(async () => {
      const view = (await anna.call('GET', `/api/dispatches/${d.id}`)).body as ResponderDispatch;
      return view.dispatch.state === 'arrived' ? view.dispatch : undefined;
    });
    assert.equal(arrived.arrivedVia, 'unit');
    assert.ok((await history(alarmId)).some((h) => h.type === 'dispatch_arrived'));
    await closeAlarm(alarmId);
  });

  it('logs key sign-out and sign-in, and opens the digital lock only during an active dispatch', async () => {
    const alarmId = await takenAlarm();
    const d = await dispatched(alarmId, 'anna');
    const notYet = await anna.call('POST', `/api/dispatches/${d.id}/unlock`, {});
    assert.equal(notYet.status, 403);
    assert.equal(notYet.body.code, 'LOCK_NOT_ALLOWED');
    await anna.call('POST', `/api/dispatches/${d.id}/accept`, {});
    const out = await anna.call('POST', '/api/keys/key-14/sign-out', { dispatchId: d.id });
    assert.equal(out.status, 200, JSON.stringify(out.body));
    assert.equal(out.body.key.holder, 'anna');
    assert.equal(
      (await anna.call('POST', '/api/keys/key-14/sign-out', { dispatchId: d.id })).body.code,
      'KEY_ALREADY_OUT',
    );
    const opened = await anna.call('POST', `/api/dispatches/${d.id}/unlock`, {});
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    await anna.call('POST', `/api/dispatches/${d.id}/arrived`, {});
    await anna.call('POST', `/api/dispatches/${d.id}/done`, SHEET);
    const ended = await anna.call('POST', `/api/dispatches/${d.id}/unlock`, {});
    assert.equal(ended.body.code, 'LOCK_NOT_ALLOWED', 'not after the dispatch ended');
    assert.equal((await anna.call('POST', '/api/keys/key-14/sign-in', {})).status, 200);

    const keyLog = (await operator.call('GET', '/api/keys/key-14/events')).body.events;
    assert.deepEqual(
      keyLog.map((e: { action: string; actor: string }) => [e.action, e.actor]),
      [
        ['signed_out', 'anna'],
        ['signed_in', 'anna'],
      ],
    );
    const lockLog = (await operator.call('GET', '/api/keys/lock-1/events')).body.events;
    assert.deepEqual(
      lockLog.map((e: { action: string }) => e.action),
      ['lock_refused', 'lock_opened', 'lock_refused'],
    );
    const audited = await platform.db.pool.query(
      `SELECT action FROM audit_log WHERE actor = 'anna' AND action LIKE 'open_digital_lock%' ORDER BY id`,
    );
    assert.deepEqual(
      audited.rows.map((r) => r.action),
      ['open_digital_lock_refused', 'open_digital_lock', 'open_digital_lock_refused'],
    );
  });

  it('opens the digital lock for the night team only during a due physical supervision visit', async () => {
    const nina = await addUser(platform, 'nina', 'nightteam');
    const night = await loginClient(platform, nina.username, nina.password);
    // Stockholm is UTC+1 in March: a visit due this minute and one two hours from now.
    const hhmm = (at: number) => new Date(at + 3_600_000).toISOString().slice(11, 16);
    const dueNow = hhmm(now);
    const later = hhmm(now + 2 * 3_600_000);
    const plan = await night.call('PUT', '/api/supervision/plans/res-1', {
      nightTeam: 'Nattpatrull Majorna',
      visits: [
        { time: dueNow, mode: 'physical' },
        { time: later, mode: 'physical' },
      ],
    });
    assert.equal(plan.status, 200, JSON.stringify(plan.body));
    const visits = (await night.call('GET', '/api/supervision/round')).body.visits as {
      id: string;
      time: string;
      status: string;
    }[];
    const due = visits.find((v) => v.time === dueNow)!;
    const pending = visits.find((v) => v.time === later)!;
    assert.equal(due.status, 'due');
    const refused = await night.call('POST', '/api/keys/lock-1/unlock-for-visit', { visitId: pending.id });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'LOCK_NOT_ALLOWED');
    const opened = await night.call('POST', '/api/keys/lock-1/unlock-for-visit', { visitId: due.id });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const lockLog = (await operator.call('GET', '/api/keys/lock-1/events')).body.events as {
      action: string;
      actor: string;
    }[];
    assert.deepEqual(
      lockLog.slice(-2).map((e) => [e.action, e.actor]),
      [
        ['lock_refused', 'nina'],
        ['lock_opened', 'nina'],
      ],
    );
  });

  it('a supervisor creates a team, edits its districts, shift and phone and sets it on duty; operators may not manage responders', async () => {
    const sup = await addUser(platform, 'sara', 'supervisor');
    const supervisor = await loginClient(platform, sup.username, sup.password);
    await addUser(platform, 'natt1', 'responder');
    const team = {
      id: 'natt-majorna',
      name: 'Nattpatrull Majorna',
      kind: 'team',
      districts: ['Majorna'],
      shiftStart: '22:00',
      shiftEnd: '07:00',
      phone: '031-123 45 67',
      username: 'natt1',
    };
    const created = await supervisor.call('POST', '/api/responders', team);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(
      [created.body.responder.kind, created.body.responder.status, created.body.responder.username],
      ['team', 'off', 'natt1'],
      'a new responder starts off duty',
    );
    const again = await supervisor.call('POST', '/api/responders', team);
    assert.deepEqual([again.status, again.body.code], [409, 'RESPONDER_EXISTS']);
    const taken = await supervisor.call('POST', '/api/responders', { ...team, id: 'natt-2' });
    assert.deepEqual([taken.status, taken.body.code], [409, 'RESPONDER_USER_TAKEN']);
    const nobody = await supervisor.call('POST', '/api/responders', { ...team, id: 'natt-3', username: 'ingen' });
    assert.deepEqual([nobody.status, nobody.body.code], [409, 'RESPONDER_USER_UNKNOWN']);
    const bad = await supervisor.call('POST', '/api/responders', { ...team, id: 'natt-4', shiftStart: '25:00' });
    assert.equal(bad.status, 400);

    const { id, ...fields } = team;
    const edited = await supervisor.call('PUT', `/api/responders/${id}`, {
      ...fields,
      districts: ['Majorna', 'Centrum'],
      shiftStart: '21:00',
      phone: '+46 31 765 43 21',
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual(
      [edited.body.responder.districts, edited.body.responder.shiftStart, edited.body.responder.phone],
      [['Majorna', 'Centrum'], '21:00', '+46 31 765 43 21'],
    );
    assert.equal((await supervisor.call('PUT', '/api/responders/finns-inte', fields)).body.code, 'RESPONDER_NOT_FOUND');
    const onDuty = await supervisor.call('PUT', `/api/responders/${id}/status`, { status: 'on_duty' });
    assert.equal(onDuty.body.responder.status, 'on_duty');
    const listed = (await operator.call('GET', '/api/responders')).body.responders as { id: string; status: string }[];
    assert.equal(listed.find((r) => r.id === id)?.status, 'on_duty');

    assert.equal((await operator.call('POST', '/api/responders', { ...team, id: 'natt-5' })).status, 403);
    assert.equal((await operator.call('PUT', `/api/responders/${id}`, fields)).status, 403);
  });
});
