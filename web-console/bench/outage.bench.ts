// The console through a mass outage: 1,000 open operator alarms in the queue, then 2,000 units
// of one district fall silent at once (the routing core's heartbeat deadlines, on the platform's
// clock moved four minutes on) and their alarms are grouped under one incident. Figures, each
// as one JSON line {"bench":"console-outage","metric":...}:
//   storm_to_incident_ms  deadlines due → the one incident line with 2,000 units on screen
//   storm_peak_rows       the most alarm rows the queue showed during the storm (1,000 before it)
//   first_render_ms       a fresh load with 1,000 open + 2,000 grouped alarms → all rows and the incident line
//   live_update_ms        a device's MQTT publish → its new row, with all of the above open
// Times are taken inside the page by a MutationObserver (Date.now() on one machine).

import { DEMO_USERS, seedDemo } from '@trygg/alarm-center';
import { connectDevice, createTestDatabase, envelope, startTestPlatform } from '@trygg/alarm-center/testing';
import { deviceTopic } from '@trygg/firmware-protocol';
import pg from 'pg';
import { launchBrowser, login } from '../../tests/src/browser.ts';
import { buildConsole } from '../../tests/src/console.ts';

const OPEN_ALARMS = Number(process.env.BENCH_OPEN_ALARMS ?? 1000);
const OUTAGE_UNITS = Number(process.env.BENCH_OUTAGE_UNITS ?? 2000);
const RENDER_RUNS = Number(process.env.BENCH_RENDER_RUNS ?? 5);
const LIVE_RUNS = 10;

const OBSERVER = `function (target, units) {
  window.benchAllRowsAt = null;
  window.benchIncidentAt = null;
  window.benchPeakRows = 0;
  window.benchSeen = {};
  const observer = new MutationObserver(function () {
    const at = Date.now();
    const rows = document.querySelectorAll('[data-testid="alarm-row"]');
    if (rows.length > window.benchPeakRows) window.benchPeakRows = rows.length;
    const incident = document.querySelector('[data-testid="incident-row"][data-units="' + units + '"]');
    if (incident && window.benchIncidentAt === null) window.benchIncidentAt = at;
    if (window.benchAllRowsAt === null && rows.length >= target && (incident || window.benchNoIncident)) {
      window.benchAllRowsAt = performance.now();
    }
    for (const r of rows) {
      const id = r.dataset.alarmId || '';
      if (!(id in window.benchSeen)) window.benchSeen[id] = at;
    }
  });
  function start() {
    observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-units'] });
  }
  if (document.documentElement) start();
  else document.addEventListener('DOMContentLoaded', start);
}`;

const line = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ bench: 'console-outage', metric, value: Number(value.toFixed(1)), unit, openAlarms: OPEN_ALARMS, outageUnits: OUTAGE_UNITS, ...extra })}\n`,
  );
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const max = (xs: number[]) => Math.max(...xs);

const consoleDist = await buildConsole();
const db = await createTestDatabase();
let skew = 0;
const clock = { now: () => Date.now() + skew };
const env = { ESCALATE_AFTER_S: '86400' };
// First start migrates; the fleet is written straight into the tables (as the fleet fixtures do)
// and loaded by the second start, so the routing core supervises the outage units.
let platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock, env });
await platform.close();
{
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  const now = Date.now();
  await pool.query(
    `INSERT INTO devices (id, device_type, serial, district, status, heartbeat_interval_s, last_seen_at)
     SELECT 'outage-' || i, 'pendant', 'SNO' || i, 'Norr', 'installed', 60, $1::timestamptz FROM generate_series(1, $2) i`,
    [new Date(now), OUTAGE_UNITS],
  );
  // 1,000 open operator alarms on devices that are not supervised (so the storm is the outage's).
  await pool.query(
    `INSERT INTO devices (id, device_type, serial, district, status)
     SELECT 'bench-' || i, 'pendant', 'SNB' || i, (ARRAY['Centrum','Majorna','Örgryte','Lundby','Angered'])[1 + i % 5], 'provisioned'
     FROM generate_series(1, $1) i`,
    [OPEN_ALARMS],
  );
  await pool.query(
    `INSERT INTO alarms (device_id, district, kind, priority, audience, opened_at, updated_at)
     SELECT d.id, d.district, 'manual', 1, 'operator', $1::timestamptz - (i * interval '3 seconds'), $1::timestamptz
     FROM (SELECT id, district, row_number() OVER (ORDER BY id) AS i FROM devices WHERE id LIKE 'bench-%') d`,
    [new Date(now)],
  );
  await pool.end();
}
platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, clock, env });
const browser = await launchBrowser();
try {
  await seedDemo(platform);
  const pool = platform.db.pool;
  const live = Array.from({ length: LIVE_RUNS }, (_, n) => ({
    deviceId: `bench-live-${n}`,
    secret: `bench-live-${n}-secret`,
  }));
  for (const d of live) {
    await platform.provisioning.register(
      {
        deviceId: d.deviceId,
        deviceType: 'pendant',
        serial: `SN-${d.deviceId}`,
        residentId: null,
        district: 'Centrum',
        heartbeatIntervalS: 86_400,
        rules: {},
      },
      d.secret,
    );
  }
  const operator = DEMO_USERS.find((u) => u.role === 'operator')!;
  const base = `http://127.0.0.1:${platform.httpPort}`;
  const page = await browser.newPage();
  await page.addInitScript({
    content: `window.benchNoIncident = true; (${OBSERVER})(${OPEN_ALARMS}, ${OUTAGE_UNITS});`,
  });
  await login(page, base, operator.username, operator.password);
  await page
    .locator('[data-testid="alarm-row"]')
    .nth(OPEN_ALARMS - 1)
    .waitFor({ timeout: 60_000 });
  await page.evaluate(() => {
    (window as unknown as { benchPeakRows: number }).benchPeakRows = 0;
  });

  // The storm: every outage unit's heartbeat deadline is due at once.
  skew += 4 * 60_000;
  const stormAt = Date.now();
  await platform.scheduler.runDue();
  const incidentAt = await page.waitForFunction(
    () => (window as unknown as { benchIncidentAt: number | null }).benchIncidentAt,
    null,
    { timeout: 120_000, polling: 'raf' },
  );
  line('storm_to_incident_ms', ((await incidentAt.jsonValue()) as number) - stormAt, 'ms', { from: 'deadlines due' });
  // Wait until every grouped alarm has left the rows again, then read the peak.
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="alarm-row"]').length <= n,
    OPEN_ALARMS + 50,
    { timeout: 120_000 },
  );
  const peak = await page.evaluate(() => (window as unknown as { benchPeakRows: number }).benchPeakRows);
  line('storm_peak_rows', peak, 'rows', { before: OPEN_ALARMS });
  const { rows: grouped } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM alarms WHERE incident_id IS NOT NULL AND status <> 'closed'`,
  );

  // First render with the storm in place: all rows and the incident line.
  await page.addInitScript({ content: 'window.benchNoIncident = false;' });
  const renders: number[] = [];
  for (let run = 0; run < RENDER_RUNS; run++) {
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { benchAllRowsAt: number | null }).benchAllRowsAt, null, {
      timeout: 60_000,
      polling: 50,
    });
    renders.push(await page.evaluate(() => (window as unknown as { benchAllRowsAt: number }).benchAllRowsAt));
  }
  line('first_render_ms', median(renders), 'ms', {
    runs: RENDER_RUNS,
    max: Number(max(renders).toFixed(1)),
    grouped: grouped[0]?.n,
  });

  const newRows: number[] = [];
  for (const d of live) {
    const client = await connectDevice(platform, d.deviceId, d.secret);
    const sentAt = Date.now();
    await client.publishAsync(
      deviceTopic(d.deviceId, 'event'),
      JSON.stringify({ ...envelope(clock.now()), type: 'alarm.manual' }),
      {
        qos: 1,
      },
    );
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id::text FROM alarms WHERE device_id = $1 AND status <> 'closed'`,
      [d.deviceId],
    );
    const seenAt = await page.waitForFunction(
      (alarmId) => (window as unknown as { benchSeen: Record<string, number> }).benchSeen[alarmId],
      rows[0]!.id,
      { timeout: 10_000, polling: 'raf' },
    );
    newRows.push(((await seenAt.jsonValue()) as number) - sentAt);
    await client.endAsync();
    await new Promise((r) => setTimeout(r, 300));
  }
  line('live_update_ms', median(newRows), 'ms', {
    runs: LIVE_RUNS,
    max: Number(max(newRows).toFixed(1)),
    from: 'mqtt publish',
  });
  process.stdout.write(
    `console-outage: ${grouped[0]?.n} grouped outage alarms under one incident line beside ${OPEN_ALARMS} open alarms; peak ${peak} rows during the storm; first render median ${median(renders).toFixed(0)} ms; publish→row median ${median(newRows).toFixed(0)} ms\n`,
  );
} finally {
  await browser.close();
  await platform.close();
  await db.drop();
}
