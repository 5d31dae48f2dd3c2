// Who is applying: a signed-in applicant's own application, one for someone else, a second one
// while the first is open, and districts from the municipality's list, through the real API.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addUser,
  applicantClient,
  createTestDatabase,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

const application = (overrides: Record<string, unknown> = {}) => ({
  legalBasis: 'sol_4_2a',
  applicant: { phone: '031-12 34 56' },
  address: { street: 'Storgatan 5', postalCode: '411 38', city: 'Göteborg' },
  district: 'Centrum',
  access: { keyHandling: 'key_box', note: '', doorCode: '4711' },
  livingSituation: 'alone',
  maxFeeConsent: true,
  ...overrides,
});

/** HTTP refusals counted on the metrics endpoint for a route, status and code. */
async function refusals(platform: Platform, route: string, status: number, code: string): Promise<number> {
  const text = await (await fetch(platform.metricsUrl)).text();
  const line = text
    .split('\n')
    .find((l) => l.includes(`route="${route}"`) && l.includes(`status="${status}"`) && l.includes(`code="${code}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('who is applying for a safety alarm', () => {
  let db: TestDatabase;
  let platform: Platform;
  let caseWorker: Awaited<ReturnType<typeof loginClient>>;
  let operator: Awaited<ReturnType<typeof loginClient>>;
  let first: { id: string; reference: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    const cw = await addUser(platform, 'cecilia', 'caseworker');
    const op = await addUser(platform, 'olga', 'operator');
    caseWorker = await loginClient(platform, cw.username, cw.password);
    operator = await loginClient(platform, op.username, op.password);
    for (const d of ['Centrum', 'Majorna']) await caseWorker.call('PUT', `/api/districts/${d}`, { active: true });
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('the municipality keeps the district list: case workers add and retire districts, the form lists the active', async () => {
    assert.equal((await operator.call('PUT', '/api/districts/Hisingen', { active: true })).status, 403);
    assert.equal((await caseWorker.call('PUT', '/api/districts/Hisingen', { active: true })).status, 200);
    const swedish = await caseWorker.call('PUT', `/api/districts/${encodeURIComponent('Örgryte-Härlanda')}`, {
      active: true,
    });
    assert.equal(swedish.status, 200, JSON.stringify(swedish.body));
    assert.equal((await caseWorker.call('PUT', '/api/districts/Majorna', { active: false })).status, 200);
    const listed = await fetch(`http://127.0.0.1:${platform.httpPort}/api/public/districts`);
    assert.deepEqual(((await listed.json()) as { districts: string[] }).districts, [
      'Centrum',
      'Hisingen',
      'Örgryte-Härlanda',
    ]);
    const all = await caseWorker.call('GET', '/api/districts');
    assert.deepEqual(all.body.districts, [
      { name: 'Centrum', active: true },
      { name: 'Hisingen', active: true },
      { name: 'Majorna', active: false },
      { name: 'Örgryte-Härlanda', active: true },
    ]);
  });

  it('a district not on the list (or retired) is refused with a coded field error, counted, nothing stored', async () => {
    const greta = await applicantClient(platform, '19400312-2381');
    const before = await refusals(platform, '/api/public/applications', 400, 'VALIDATION');
    for (const district of ['Majorna', 'Påhittad stadsdel']) {
      const res = await greta.call('POST', '/api/public/applications', application({ district }));
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(res.body.issues, [
        { field: 'district', message: 'not one of the municipality’s districts', code: 'FIELD_UNKNOWN_DISTRICT' },
      ]);
    }
    const injected = await greta.call('POST', '/api/public/applications', application({ district: "x'); DROP TABLE" }));
    assert.equal(injected.status, 400);
    assert.equal(await refusals(platform, '/api/public/applications', 400, 'VALIDATION'), before + 3);
    const { rows } = await platform.db.pool.query('SELECT count(*)::int AS n FROM applications');
    assert.equal(rows[0].n, 0);
  });

  it('the public form cannot carry an identity number for a self-application: it comes from the sign-in', async () => {
    const greta = await applicantClient(platform, '19400312-2381');
    const typed = await greta.call(
      'POST',
      '/api/public/applications',
      application({ applicant: { name: 'Someone', personalNumber: '19330920-1188', phone: '031-12 34 56' } }),
    );
    assert.equal(typed.status, 400);
    assert.deepEqual(
      typed.body.issues.map((i: { code: string }) => i.code),
      ['FIELD_UNKNOWN'],
    );
    const res = await greta.call('POST', '/api/public/applications', application());
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'granted');
    first = res.body;
    const detail = await caseWorker.call('GET', `/api/applications/${first.id}`);
    assert.equal(detail.body.applicant.personalNumber, '19400312-2381');
    assert.equal(detail.body.applicant.name, 'Greta Andersson');
    assert.equal(detail.body.identifiedBy, 'e_legitimation');
    assert.equal(detail.body.representative, null);
  });

  it('a second application while the first is open links to it: the applicant sees the first, no second order', async () => {
    const before = await refusals(platform, '/api/public/applications', 409, 'APPLICATION_ALREADY_OPEN');
    const greta = await applicantClient(platform, '19400312-2381');
    const again = await greta.call('POST', '/api/public/applications', application({ message: 'Ansöker igen' }));
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.code, 'APPLICATION_ALREADY_OPEN');
    assert.equal(again.body.existing.reference, first.reference);
    assert.equal(again.body.existing.status, 'granted');
    assert.equal(await refusals(platform, '/api/public/applications', 409, 'APPLICATION_ALREADY_OPEN'), before + 1);

    // A case worker registering the same person from a paper form is linked the same way.
    const paper = await caseWorker.call('POST', '/api/applications', {
      ...application(),
      applicant: { name: 'Greta Andersson', personalNumber: '19400312-2381', phone: '031-12 34 56' },
    });
    assert.equal(paper.status, 409);

    const orders = await platform.db.pool.query('SELECT count(*)::int AS n FROM installation_orders');
    assert.equal(orders.rows[0].n, 1, 'one installation order for the one grant');
    const detail = await caseWorker.call('GET', `/api/applications/${first.id}`);
    assert.equal(detail.body.linkedApplications.length, 2, 'the case worker sees both later applications');
    const linked = await caseWorker.call('GET', `/api/applications/${detail.body.linkedApplications[0].id}`);
    assert.equal(linked.body.status, 'linked');
    assert.deepEqual(linked.body.linkedTo, { id: first.id, reference: first.reference });
    assert.equal(linked.body.message, 'Ansöker igen');
    const figures = await caseWorker.call('GET', '/api/grants/figures');
    assert.equal(figures.body.applications, 1, 'the follow-up figures count the person once');
  });

  it('a relative applying for someone else is recorded as such and goes to a case worker, never decided automatically', async () => {
    const anna = await applicantClient(platform, '19850621-2466');
    const res = await anna.call(
      'POST',
      '/api/public/applications',
      application({ onBehalfOf: { name: 'Karl Lindqvist', personalNumber: '19330920-1188', relation: 'child' } }),
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'manual', 'Karl is 93 and would be granted at once had he applied himself');
    assert.ok(res.body.decision.reasons.includes('applied_by_representative'));
    const queue = await caseWorker.call('GET', '/api/applications/manual-queue');
    assert.ok(queue.body.applications.some((a: { id: string }) => a.id === res.body.id));
    const detail = await caseWorker.call('GET', `/api/applications/${res.body.id}`);
    assert.equal(detail.body.applicant.personalNumber, '19330920-1188');
    assert.equal(detail.body.applicant.name, 'Karl Lindqvist');
    assert.deepEqual(detail.body.representative, {
      name: 'Anna Svensson',
      personalNumber: '19850621-2466',
      relation: 'child',
    });
    // Someone else applying for Karl meanwhile does not learn the status of the open one.
    const greta = await applicantClient(platform, '19400312-2381');
    const other = await greta.call(
      'POST',
      '/api/public/applications',
      application({ onBehalfOf: { name: 'Karl Lindqvist', personalNumber: '19330920-1188', relation: 'other' } }),
    );
    assert.equal(other.status, 409);
    assert.equal(other.body.existing, null);
  });

  it('an application stored before the sign-in existed is found as open after the upgrade', async () => {
    // As migration 012 leaves a pre-012 application: no lookup key for its identity number.
    await platform.db.pool.query(
      `INSERT INTO applications (reference, status_token_hash, channel, legal_basis, applicant_name,
         personal_number_enc, birth_date, address, district, living_situation, answers, received_at, status)
       VALUES ('TL-OLD00001', 'x', 'public', 'sol_4_2a', 'Sven Gammal', $1, '1935-01-01', 'Gatan 1', 'Centrum',
         'alone', '{"health":null,"needMetOtherwise":null,"otherInterventions":[],"maxFeeConsent":true}', now(), 'manual')`,
      [platform.pii.encrypt('19350101-2391')],
    );
    assert.deepEqual(await platform.grants.backfillPersonKeys(), { keyed: 1, duplicates: 0, unreadable: 0 });
    const paper = await caseWorker.call('POST', '/api/applications', {
      ...application(),
      applicant: { name: 'Sven Gammal', personalNumber: '19350101-2391', phone: '031-12 34 56' },
    });
    assert.equal(paper.status, 409, JSON.stringify(paper.body));
    assert.equal(paper.body.existing.reference, 'TL-OLD00001');
  });

  it('an old application the key cannot read is left without a lookup key, counted, and the rest still keyed', async () => {
    await platform.db.pool.query(
      `INSERT INTO applications (reference, status_token_hash, channel, legal_basis, applicant_name,
         personal_number_enc, birth_date, address, district, living_situation, answers, received_at, status)
       VALUES ('TL-OLD00002', 'x', 'public', 'sol_4_2a', 'Okänd Nyckel', 'damaged-value', '1936-01-01', 'Gatan 2',
         'Centrum', 'alone', '{"health":null,"needMetOtherwise":null,"otherInterventions":[],"maxFeeConsent":true}',
         now(), 'manual')`,
    );
    assert.deepEqual(await platform.grants.backfillPersonKeys(), { keyed: 0, duplicates: 0, unreadable: 1 });
  });

  it('the database itself allows one installation order per grant and one undecided application per person', async () => {
    await assert.rejects(
      platform.db.pool.query(
        `INSERT INTO installation_orders (application_id, resident_id, district, devices_needed, created_at)
         SELECT application_id, resident_id, district, devices_needed, now() FROM installation_orders LIMIT 1`,
      ),
      /installation_orders_application_id_key/,
    );
    await assert.rejects(
      platform.db.pool.query(
        `INSERT INTO applications (reference, status_token_hash, channel, legal_basis, applicant_name,
           personal_number_enc, birth_date, address, district, living_situation, answers, received_at, person_key, status)
         SELECT 'TL-DUPLICAT', 'x', 'public', legal_basis, applicant_name, personal_number_enc, birth_date, address,
           district, living_situation, answers, now(), person_key, 'manual'
         FROM applications WHERE status = 'manual' LIMIT 1`,
      ),
      /applications_one_open_per_person/,
    );
  });
});
