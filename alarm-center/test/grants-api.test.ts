import assert from 'node:assert/strict';
import { deviceTopic } from '@trygg/firmware-protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import * as residents from '../src/residents/repository.ts';
import {
  addUser,
  applicantClient,
  connectDevice,
  createTestDatabase,
  envelope,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

// Node's fetch types a reply's JSON as unknown (the DOM's said any); these tests read replies loosely.
type Json = ReturnType<typeof JSON.parse>;

type Client = Awaited<ReturnType<typeof loginClient>>;

/** A Swedish identity number for the given YYYYMMDD with a correct check digit. */
function personalNumber(date: string, serial = '238'): string {
  const nine = `${date.slice(2)}${serial}`;
  let sum = 0;
  for (let i = 0; i < nine.length; i += 1) {
    let v = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
    if (v > 9) v -= 9;
    sum += v;
  }
  return `${date}-${serial}${(10 - (sum % 10)) % 10}`;
}

const olderApplicant = (overrides: Record<string, unknown> = {}) => ({
  legalBasis: 'sol_4_2a',
  applicant: { name: 'Greta Ansöker', personalNumber: personalNumber('19400312'), phone: '031-12 34 56' },
  address: { street: 'Storgatan 5', postalCode: '411 38', city: 'Göteborg' },
  district: 'Centrum',
  access: { keyHandling: 'key_box', note: 'Nyckelgömma vid källardörren', doorCode: '4711' },
  contacts: [{ name: 'Karin Ansöker', relation: 'dotter', phone: '070-123 45 67' }],
  livingSituation: 'alone',
  maxFeeConsent: true,
  ...overrides,
});

/** The public e-service's body: the applicant's identity comes from the sign-in, not the form. */
const publicApplication = (overrides: Record<string, unknown> = {}) => {
  const { applicant: _, ...rest } = olderApplicant();
  return { ...rest, applicant: { phone: '031-12 34 56' }, ...overrides };
};

async function post(platform: Platform, path: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${platform.httpPort}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function get(platform: Platform, path: string) {
  const res = await fetch(`http://127.0.0.1:${platform.httpPort}${path}`);
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as Json };
}

const fieldsOf = (body: { fields?: { field: string }[] }) => (body.fields ?? []).map((f) => f.field);

describe('safety-alarm grants through the API', () => {
  let db: TestDatabase;
  let platform: Platform;
  let caseWorker: Client;
  let technician: Client;
  let operator: Client;
  /** Greta Andersson, 19400312-2381, a demo identity at the test's identity provider. */
  let greta: Awaited<ReturnType<typeof applicantClient>>;
  let pendant: MqttClient | undefined;
  let granted: { id: string; reference: string; statusToken: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    const cw = await addUser(platform, 'cecilia', 'caseworker');
    const tech = await addUser(platform, 'tore', 'technician');
    const op = await addUser(platform, 'olga', 'operator');
    caseWorker = await loginClient(platform, cw.username, cw.password);
    technician = await loginClient(platform, tech.username, tech.password);
    operator = await loginClient(platform, op.username, op.password);
    await caseWorker.call('PUT', '/api/districts/Centrum', { active: true });
    greta = await applicantClient(platform, '19400312-2381');
  });

  afterAll(async () => {
    await pendant?.endAsync();
    await platform?.close();
    await db?.drop();
  });

  it('a citizen of 84 with no other interventions is granted automatically and sees it with the token', async () => {
    const res = await greta.call('POST', '/api/public/applications', publicApplication());
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.body.reference, /^TL-[0-9A-Z]{8}$/);
    assert.equal(res.body.status, 'granted');
    assert.equal(res.body.decision.automatic, true);
    assert.equal(res.body.decision.feeDecision, 'automatic');
    granted = res.body;

    const status = await get(
      platform,
      `/api/public/applications/${granted.reference}?token=${encodeURIComponent(granted.statusToken)}`,
    );
    assert.equal(status.status, 200);
    assert.equal(status.body.status, 'granted');
    assert.equal(status.body.channel, 'public');
    assert.match(status.body.decision.justification.sv, /beviljad automatiskt/);
    assert.match(status.body.decision.justification.en, /granted automatically/);
    assert.deepEqual(status.body.installation, { status: 'open', visitAt: null });
    // The status page carries no identity number, name or door code.
    assert.doesNotMatch(JSON.stringify(status.body), /19400312|Greta|Andersson|4711/);
  });

  it('a wrong token and an unknown reference get the same 404', async () => {
    const wrongToken = await get(platform, `/api/public/applications/${granted.reference}?token=${'x'.repeat(32)}`);
    const unknown = await get(platform, `/api/public/applications/TL-00000000?token=${granted.statusToken}`);
    assert.equal(wrongToken.status, 404);
    assert.equal(unknown.status, 404);
    assert.equal(wrongToken.body.code, 'APPLICATION_NOT_FOUND');
    assert.deepEqual(wrongToken.body, unknown.body);
  });

  it('stores the identity number and door code encrypted, and records rule version and facts', async () => {
    const { rows } = await platform.db.pool.query(
      `SELECT a.personal_number_enc, a.door_code_enc, a.resident_id, d.rule_version, d.facts, d.decided_by
       FROM applications a JOIN decisions d ON d.application_id = a.id WHERE a.reference = $1`,
      [granted.reference],
    );
    const row = rows[0];
    assert.ok(row);
    assert.doesNotMatch(row.personal_number_enc, /19400312/);
    assert.notEqual(row.door_code_enc, '4711');
    assert.equal(platform.pii.decrypt(row.personal_number_enc), personalNumber('19400312'));
    assert.equal(row.decided_by, null);
    assert.match(row.rule_version, /^grant-rules\//);
    assert.equal(row.facts.legalBasis, 'sol_4_2a');
    assert.ok(row.facts.age >= 84);
    // The grant made the applicant a resident the alarm center knows.
    const card = await residents.card(platform.db.pool, platform.pii, row.resident_id);
    // The name and identity number came from the verified sign-in, not from the form.
    assert.equal(card?.name, 'Greta Andersson');
    assert.equal(card?.doorCode, '4711');
    assert.match(card?.access ?? '', /källardörren/);
  });

  it('names every missing field', async () => {
    const res = await greta.call('POST', '/api/public/applications', { legalBasis: 'sol_4_2a', applicant: {} });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'VALIDATION');
    const fields = fieldsOf(res.body);
    for (const f of ['applicant.phone', 'address', 'district', 'access', 'maxFeeConsent']) {
      assert.ok(fields.includes(f), `${f} missing from ${fields.join(', ')}`);
    }
  });

  it('rejects an identity number whose date does not exist, and a wrong check digit', async () => {
    const impossible = olderApplicant({
      applicant: { name: 'Greta', personalNumber: '19450230-1234', phone: '031-12 34 56' },
    });
    const res = await caseWorker.call('POST', '/api/applications', impossible);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.fields, [
      { field: 'applicant.personalNumber', message: 'the date in the identity number does not exist' },
    ]);
    const badCheck = personalNumber('19400312').replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    const res2 = await caseWorker.call(
      'POST',
      '/api/applications',
      olderApplicant({ applicant: { name: 'Greta', personalNumber: badCheck, phone: '031-12 34 56' } }),
    );
    assert.equal(res2.status, 400);
    assert.deepEqual(res2.body.fields, [{ field: 'applicant.personalNumber', message: 'the check digit is wrong' }]);
    // Each identity-number problem has its own code, so a console can say it in its language.
    assert.deepEqual(
      res.body.issues.map((i: { code: string }) => i.code),
      ['FIELD_DATE'],
    );
    assert.deepEqual(
      res2.body.issues.map((i: { code: string }) => i.code),
      ['FIELD_CHECK_DIGIT'],
    );
    // Someone applying for another person types that person's number: checked the same way.
    const res3 = await greta.call(
      'POST',
      '/api/public/applications',
      publicApplication({ onBehalfOf: { name: 'Greta', personalNumber: '1940-03-12', relation: 'spouse' } }),
    );
    assert.deepEqual(res3.body.issues, [
      { field: 'onBehalfOf.personalNumber', message: 'format YYYYMMDD-XXXX', code: 'FIELD_FORMAT' },
    ]);
  });

  it('gives a too-long text its code and its limit', async () => {
    const res = await greta.call('POST', '/api/public/applications', publicApplication({ message: 'x'.repeat(2001) }));
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.issues, [
      { field: 'message', message: 'at most 2000 characters', code: 'FIELD_TOO_BIG', limit: 2000 },
    ]);
  });

  it('rejects oversize free text, control characters and markup in a name, field by field', async () => {
    const res = await caseWorker.call(
      'POST',
      '/api/applications',
      olderApplicant({
        message: 'x'.repeat(2001),
        access: { keyHandling: 'key_box', note: 'nyckel\u0000gömma' },
        applicant: { name: '<script>alert(1)</script>', personalNumber: personalNumber('19400312'), phone: '1' },
      }),
    );
    assert.equal(res.status, 400);
    assert.deepEqual(fieldsOf(res.body).sort(), ['access.note', 'applicant.name', 'applicant.phone', 'message']);
    const count = await platform.db.pool.query('SELECT count(*)::int AS n FROM applications');
    assert.equal(count.rows[0].n, 1, 'nothing invalid was stored');
  });

  it('keeps script in free text as inert text, returned as JSON exactly as written', async () => {
    const script = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    // Karl Lindqvist (93), another demo identity: Greta already has an open application.
    const karl = await applicantClient(platform, '19330920-1188');
    const res = await karl.call('POST', '/api/public/applications', publicApplication({ message: script }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { rows } = await platform.db.pool.query('SELECT message FROM applications WHERE id = $1', [res.body.id]);
    assert.equal(rows[0].message, script);
    const detail = await fetch(`${caseWorker.base}/api/applications/${res.body.id}`, {
      headers: { cookie: caseWorker.cookie },
    });
    assert.match(detail.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(((await detail.json()) as Json).message, script);
  });

  it('only case workers may register applications on someone’s behalf', async () => {
    const anonymous = await post(platform, '/api/applications', olderApplicant());
    assert.equal(anonymous.status, 401);
    const asOperator = await operator.call('POST', '/api/applications', olderApplicant());
    assert.equal(asOperator.status, 403);
  });

  it('sends an applicant with home care to the manual queue with the reasons, never denying', async () => {
    const res = await caseWorker.call(
      'POST',
      '/api/applications',
      olderApplicant({
        applicant: { name: 'Sven Hemtjänst', personalNumber: personalNumber('19380101', '456'), phone: '031-22 22 22' },
        otherInterventions: ['home_care'],
      }),
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'manual');
    assert.equal(res.body.decision.feeDecision, 'fee_handling');
    assert.match(res.body.decision.justification.sv, /Ingen del av ansökan har avslagits/);

    const queue = await caseWorker.call('GET', '/api/applications/manual-queue');
    assert.equal(queue.status, 200);
    const item = queue.body.applications.find((a: { id: string }) => a.id === res.body.id);
    assert.ok(item, 'the application is in the manual queue');
    assert.equal(item.channel, 'internal');
    assert.ok(item.reasons.includes('other_interventions'));
    assert.deepEqual(item.otherInterventions, ['home_care']);

    const audit = await platform.db.pool.query(
      `SELECT actor FROM audit_log WHERE action = 'list_application' AND subject_id = $1`,
      [res.body.id],
    );
    assert.deepEqual(
      audit.rows.map((r) => r.actor),
      ['cecilia'],
    );

    const detail = await caseWorker.call('GET', `/api/applications/${res.body.id}`);
    assert.equal(detail.body.registeredBy, 'cecilia');
    assert.equal(detail.body.applicant.personalNumber, personalNumber('19380101', '456'));
  });

  it('a case worker denies with a justification the citizen reads; only people ever deny', async () => {
    const applied = await caseWorker.call(
      'POST',
      '/api/applications',
      olderApplicant({
        legalBasis: 'sol_4_1',
        applicant: { name: 'Nils Nekas', personalNumber: personalNumber('19900505', '111'), phone: '031-33 33 33' },
        health: { fallRisk: false, feelsUnsafeAlone: false, conditionNeedingQuickHelp: false },
        needMetOtherwise: true,
      }),
    );
    assert.equal(applied.body.status, 'manual');

    const tooShort = await caseWorker.call('POST', `/api/applications/${applied.body.id}/decide`, {
      decision: 'denied',
      justification: 'Nej',
    });
    assert.equal(tooShort.status, 400);
    assert.deepEqual(fieldsOf(tooShort.body), ['justification']);

    const asTechnician = await technician.call('POST', `/api/applications/${applied.body.id}/decide`, {
      decision: 'denied',
      justification: 'Behovet tillgodoses av sambo.',
    });
    assert.equal(asTechnician.status, 403);

    const denied = await caseWorker.call('POST', `/api/applications/${applied.body.id}/decide`, {
      decision: 'denied',
      justification: 'Behovet tillgodoses av din sambo som finns hemma dygnet runt.',
    });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));
    assert.equal(denied.body.decision.decision, 'denied');
    assert.equal(denied.body.decision.automatic, false);

    const again = await caseWorker.call('POST', `/api/applications/${applied.body.id}/decide`, {
      decision: 'granted',
      justification: 'Ändrar mig, beviljas ändå.',
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'APPLICATION_NOT_IN_MANUAL_QUEUE');

    const { rows } = await platform.db.pool.query(
      `SELECT count(*)::int AS n FROM decisions WHERE decision = 'denied' AND decided_by IS NULL`,
    );
    assert.equal(rows[0].n, 0);
    await assert.rejects(
      platform.db.pool.query(
        `INSERT INTO decisions (application_id, decision, fee_decision, rule_version, facts, justification, decided_at)
         VALUES ($1, 'denied', 'fee_handling', 'x', '{}', 'x', now())`,
        [applied.body.id],
      ),
      /decisions_automation_never_denies/,
    );
  });

  it('a case worker’s grant creates an installation order too', async () => {
    const queue = await caseWorker.call('GET', '/api/applications/manual-queue');
    const sven = queue.body.applications.find((a: { applicantName: string }) => a.applicantName === 'Sven Hemtjänst');
    const res = await caseWorker.call('POST', `/api/applications/${sven.id}/decide`, {
      decision: 'granted',
      feeDecision: 'fee_handling',
      justification: 'Beviljas; larmet samordnas med hemtjänstens insatser.',
    });
    assert.equal(res.status, 200);
    const orders = await technician.call('GET', '/api/orders');
    assert.ok(orders.body.orders.some((o: { residentName: string }) => o.residentName === 'Sven Hemtjänst'));
  });

  it('a technician books, provisions, tests live and closes; the alarm shows the applicant’s card', async () => {
    const asOperator = await operator.call('GET', '/api/orders');
    assert.equal(asOperator.status, 403);

    const list = await technician.call('GET', '/api/orders');
    assert.equal(list.status, 200);
    const order = list.body.orders.find((o: { reference: string }) => o.reference === granted.reference);
    assert.ok(order, 'the grant created an order');
    assert.equal(order.status, 'open');
    assert.equal(order.address, 'Storgatan 5, 411 38 Göteborg');
    assert.deepEqual(order.devicesNeeded, ['pendant']);
    assert.equal(order.contacts[0].name, 'Karin Ansöker');
    assert.equal('doorCode' in order, false, 'the list does not carry the door code');

    const detail = await technician.call('GET', `/api/orders/${order.id}`);
    assert.equal(detail.body.order.doorCode, '4711');
    const audited = await platform.db.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'view_installation_order' AND actor = 'tore'`,
    );
    assert.equal(audited.rows[0].n, 1);

    const device = { deviceId: 'pendant-greta', deviceType: 'pendant', serial: 'SN-GRETA-1' };
    const early = await technician.call('POST', `/api/orders/${order.id}/provision`, device);
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'ORDER_WRONG_STATE');

    const impossible = await technician.call('POST', `/api/orders/${order.id}/book`, {
      visitAt: '2024-02-30T10:00:00+01:00',
    });
    assert.equal(impossible.status, 400);
    assert.deepEqual(fieldsOf(impossible.body), ['visitAt']);

    const booked = await technician.call('POST', `/api/orders/${order.id}/book`, {
      visitAt: '2030-05-14T09:30:00+02:00',
    });
    assert.equal(booked.status, 200, JSON.stringify(booked.body));
    assert.equal(booked.body.order.status, 'booked');
    assert.equal(booked.body.order.technician, 'tore');

    const provisioned = await technician.call('POST', `/api/orders/${order.id}/provision`, device);
    assert.equal(provisioned.status, 201, JSON.stringify(provisioned.body));
    assert.equal(provisioned.body.order.status, 'provisioned');
    assert.equal(provisioned.body.order.deviceId, 'pendant-greta');
    assert.ok(provisioned.body.secret.length >= 16);
    const twice = await technician.call('POST', `/api/orders/${order.id}/provision`, device);
    assert.equal(twice.status, 409);

    const untested = await technician.call('POST', `/api/orders/${order.id}/close`);
    assert.equal(untested.status, 409);
    assert.equal(untested.body.code, 'ORDER_DEVICE_NOT_TESTED');

    pendant = await connectDevice(platform, 'pendant-greta', provisioned.body.secret);
    await pendant.publishAsync(
      deviceTopic('pendant-greta', 'event'),
      JSON.stringify({ ...envelope(), type: 'alarm.manual' }),
      { qos: 1 },
    );
    const alarms = await operator.call('GET', '/api/alarms');
    const alarm = alarms.body.alarms.find((a: { deviceId: string }) => a.deviceId === 'pendant-greta');
    assert.ok(alarm, 'the test press reached the operators');
    assert.equal(alarm.resident.name, 'Greta Andersson');
    const card = await operator.call('GET', `/api/alarms/${alarm.id}`);
    assert.equal(card.body.resident.address, 'Storgatan 5, 411 38 Göteborg');
    assert.equal(card.body.resident.doorCode, '4711');

    const closed = await technician.call('POST', `/api/orders/${order.id}/close`);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.order.status, 'closed');
    const devices = await technician.call('GET', '/api/devices');
    const installed = devices.body.devices.find((d: { deviceId: string }) => d.deviceId === 'pendant-greta');
    assert.equal(installed.status, 'installed');
    assert.equal(installed.resident.name, 'Greta Andersson');

    const status = await get(platform, `/api/public/applications/${granted.reference}?token=${granted.statusToken}`);
    assert.equal(status.body.installation.status, 'closed');
  });

  it('shows the follow-up figures against the municipality’s goals', async () => {
    const asOperator = await operator.call('GET', '/api/grants/figures');
    assert.equal(asOperator.status, 403);
    const res = await caseWorker.call('GET', '/api/grants/figures');
    assert.equal(res.status, 200);
    // Applications: Greta (public, auto), script (public, auto), Sven (internal, manual → granted),
    // Nils (internal, manual → denied).
    assert.equal(res.body.applications, 4);
    assert.equal(res.body.decided, 4);
    assert.equal(res.body.automaticShare, 0.5);
    assert.equal(res.body.digitalShare, 0.5);
    assert.equal(res.body.manualQueue, 0);
    assert.equal(res.body.openOrders, 2);
    assert.deepEqual(res.body.goals, { automaticShare: 0.9, digitalShare: 0.2 });
    assert.equal(typeof res.body.leadTimeHours.toDecision, 'number');
    assert.equal(typeof res.body.leadTimeHours.toInstalled, 'number');
  });

  it('rate-limits the public form', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await greta.call('POST', '/api/public/applications', {})).status);
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
    assert.ok(statuses.every((s) => s === 400 || s === 429));
  });
});

describe('the municipality sets the age from which SoL 4:2a applies', () => {
  it('with GRANT_OLDER_PERSONS_MIN_AGE=90 an applicant born in 1940 goes to the case worker, not granted', async () => {
    const db = await createTestDatabase();
    const platform = await startTestPlatform({ databaseUrl: db.url, env: { GRANT_OLDER_PERSONS_MIN_AGE: '90' } });
    try {
      const cw = await addUser(platform, 'cissi', 'caseworker');
      await (await loginClient(platform, cw.username, cw.password)).call('PUT', '/api/districts/Centrum', {
        active: true,
      });
      const greta = await applicantClient(platform, '19400312-2381');
      const res = await greta.call('POST', '/api/public/applications', publicApplication());
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.status, 'manual', 'below the threshold: a case worker decides');
      assert.match(res.body.decision.justification.en, /age|90/i);
    } finally {
      await platform.close();
      await db.drop();
    }
  });
});
