// The data-protection officer's audit export: resident-card reads and camera-frame views (allowed
// and refused) appear with who, what, whom and when; the export is itself logged; only supervisors.

import assert from 'node:assert/strict';
import { SimDevice } from '@trygg/device-sim';
import { deviceTopic } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { csvCell, formatAuditExport } from '../src/audit/export.ts';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  addUser,
  connectDevice,
  createTestDatabase,
  envelope,
  loginClient,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

type Client = Awaited<ReturnType<typeof loginClient>>;
type Row = Record<'at' | 'actor' | 'action' | 'subjectType' | 'subjectId' | 'reason', string>;

/** RFC 4180 CSV to records keyed by the header row. */
function parseCsv(text: string): Row[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  const [header, ...rows] = records;
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])) as Row);
}

describe('audit-log export for the data-protection officer (real PostgreSQL)', () => {
  let db: TestDatabase;
  let platform: Platform;
  let camera: SimDevice;
  let operator: Client;
  let night: Client;
  let supervisor: Client;
  let alarmId: string;
  const start = new Date(Date.now() - 60_000).toISOString();

  const download = async (client: Client | null, query: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${platform.httpPort}/api/audit/export?${new URLSearchParams(query)}`, {
      headers: client ? { cookie: client.cookie } : {},
    });
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      headers: res.headers,
      text: await res.text(),
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url });
    await addResident(platform, 'res-dpo', { name: 'Dagny Persson' });
    const pendantSecret = await platform.provisioning.register({
      deviceId: 'pendant-dpo',
      deviceType: 'pendant',
      serial: 'SN-DPO',
      residentId: 'res-dpo',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    const cameraSecret = await platform.provisioning.register({
      deviceId: 'cam-dpo',
      deviceType: 'camera',
      serial: 'CAM-DPO',
      residentId: 'res-dpo',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    camera = new SimDevice(
      { deviceId: 'cam-dpo', deviceType: 'camera', secret: cameraSecret },
      { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}` },
    );
    camera.frame = { layout: { zones: [] }, person: null };
    await camera.connect();
    const logIn = async (u: { username: string; password: string }) => loginClient(platform, u.username, u.password);
    operator = await logIn(await addUser(platform, 'olga', 'operator'));
    night = await logIn(await addUser(platform, 'nina', 'nightteam'));
    supervisor = await logIn(await addUser(platform, 'sara', 'supervisor'));

    const pendant = await connectDevice(platform, 'pendant-dpo', pendantSecret);
    await pendant.publishAsync(
      deviceTopic('pendant-dpo', 'event'),
      JSON.stringify({ ...envelope(), type: 'alarm.manual' }),
      { qos: 1 },
    );
    await pendant.endAsync();
    const { rows } = await platform.db.pool.query<{ id: string }>(
      `SELECT id FROM alarms WHERE device_id = 'pendant-dpo'`,
    );
    alarmId = String(rows[0]!.id);

    // The personal-data accesses the officer must be able to see afterwards.
    assert.equal((await operator.call('GET', `/api/alarms/${alarmId}`)).status, 200, 'resident card read');
    const look = await operator.call('POST', '/api/supervision/look-in', { residentId: 'res-dpo', alarmId });
    assert.equal(look.status, 200, `camera frame seen during the alarm: ${JSON.stringify(look.body)}`);
    const refused = await night.call('POST', '/api/supervision/look-in', { residentId: 'res-dpo' });
    assert.equal(refused.status, 403, 'a look-in without visit or alarm is refused');
  });

  afterAll(async () => {
    await camera?.stop();
    await platform?.close();
    await db?.drop();
  });

  it('the CSV export lists who read the resident card and who looked at (or was refused) the camera, and when', async () => {
    const res = await download(supervisor, { from: start });
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="audit-.*\.csv"$/);
    const rows = parseCsv(res.text);
    const pick = (r: Row) => [r.actor, r.action, r.subjectType, r.subjectId];

    const card = rows.find((r) => r.action === 'view_resident_card');
    assert.deepEqual(card && pick(card), ['olga', 'view_resident_card', 'resident', 'res-dpo']);
    assert.equal(card?.reason, `alarm ${alarmId}`);

    const frame = rows.find((r) => r.action === 'view_camera_frame');
    assert.deepEqual(frame && pick(frame), ['olga', 'view_camera_frame', 'resident', 'res-dpo']);
    assert.match(frame?.reason ?? '', new RegExp(`alarm ${alarmId}`));

    const refusal = rows.find((r) => r.action === 'camera_frame_refused');
    assert.deepEqual(refusal && pick(refusal), ['nina', 'camera_frame_refused', 'resident', 'res-dpo']);
    assert.match(refusal?.reason ?? '', /NO_VISIT_OR_ALARM/);

    for (const r of [card, frame, refusal]) {
      const at = Date.parse(r?.at ?? '');
      assert.ok(at >= Date.parse(start) && at <= Date.now(), `when: ${r?.at}`);
    }
    const order = rows.map((r) => Date.parse(r.at));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'oldest first',
    );
    assert.doesNotMatch(res.text, /2468/, 'no door code in the export');
  });

  it('exporting is itself logged and shows up in the next export', async () => {
    const first = await download(supervisor, { from: start, format: 'jsonl' });
    assert.equal(first.status, 200);
    assert.match(first.type, /^application\/x-ndjson/);
    const lines = first.text.trimEnd().split('\n');
    const rows = lines.map((l) => JSON.parse(l) as Row);
    assert.ok(rows.some((r) => r.action === 'view_resident_card' && r.actor === 'olga'));
    const exports = rows.filter((r) => r.action === 'export_audit_log');
    assert.equal(exports.length, 1, 'the earlier CSV export is listed');
    assert.deepEqual(
      [exports[0]?.actor, exports[0]?.subjectType, exports[0]?.reason],
      ['sara', 'audit_log', 'format csv'],
    );
    assert.match(exports[0]?.subjectId ?? '', /^\d{4}-\d\d-\d\dT.*\/\d{4}-\d\d-\d\dT/, 'the period exported');
    const next = await download(supervisor, { from: start, format: 'jsonl' });
    const nextExports = next.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Row)
      .filter((r) => r.action === 'export_audit_log');
    assert.deepEqual(
      nextExports.map((r) => r.reason),
      ['format csv', 'format jsonl'],
    );
  });

  it('only the requested period is exported', async () => {
    const before = await download(supervisor, { from: '2020-01-01T00:00:00Z', to: start });
    assert.equal(before.status, 200);
    assert.deepEqual(parseCsv(before.text), [], 'nothing happened before the test started');
    assert.equal(before.text, 'at,actor,action,subjectType,subjectId,reason\r\n');

    const backwards = await download(supervisor, { from: new Date().toISOString(), to: start });
    assert.equal(backwards.status, 400);
    const missing = await download(supervisor, {});
    assert.equal(missing.status, 400);
    const notADate = await download(supervisor, { from: 'yesterday' });
    assert.equal(notADate.status, 400);
  });

  it('operators, night staff and anonymous callers cannot export the log', async () => {
    assert.equal((await download(operator, { from: start })).status, 403);
    assert.equal((await download(night, { from: start })).status, 403);
    assert.equal((await download(null, { from: start })).status, 401);
  });

  it('CSV cells are quoted and formula-like text is defused for spreadsheets', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell('a,b "c"'), '"a,b ""c"""');
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvCell('-1+2'), "'-1+2");
    const csv = formatAuditExport(
      [{ at: 'T', actor: '@evil', action: 'a', subjectType: 's', subjectId: 'line\nbreak', reason: null }],
      'csv',
    );
    assert.deepEqual(parseCsv(csv), [
      { at: 'T', actor: "'@evil", action: 'a', subjectType: 's', subjectId: 'line\nbreak', reason: '' },
    ]);
  });
});
