// The operator queue under load: the alarm center runs in-process on a fresh PostgreSQL database
// holding 1,000 open alarms, the production console bundle runs in headless Chromium, and we
// measure what an operator would feel:
//   first_render_ms  navigation start → all 1,000 rows in the DOM (bundle, session, stream snapshot, React)
//   live_update_ms   a device's MQTT publish → its new row in the DOM, with 1,000 rows shown
//   status_update_ms another console's acknowledge (HTTP) → the row's status changed in this console
// Times are taken inside the page by a MutationObserver (Date.now() on one machine, so Node's and
// Chromium's clocks agree). Prints one JSON line per figure: {"bench":"console","metric":...}.

import { DEMO_USERS, seedDemo } from '@trygg/alarm-center';
import {
  connectDevice,
  createTestDatabase,
  envelope,
  loginClient,
  startTestPlatform,
} from '@trygg/alarm-center/testing';
import { deviceTopic } from '@trygg/firmware-protocol';
import * as alarms from '../../alarm-center/src/alarms/repository.ts';
import * as devices from '../../alarm-center/src/devices/repository.ts';
import { launchBrowser, login } from '../../tests/src/browser.ts';
import { buildConsole } from '../../tests/src/console.ts';

const OPEN_ALARMS = Number(process.env.BENCH_OPEN_ALARMS ?? 1000);
const RENDER_RUNS = Number(process.env.BENCH_RENDER_RUNS ?? 5);
const LIVE_RUNS = 10;
const DISTRICTS = ['Centrum', 'Majorna', 'Örgryte', 'Lundby', 'Angered'];
const KINDS = [
  { kind: 'manual', priority: 1, deviceType: 'pendant' },
  { kind: 'fall', priority: 1, deviceType: 'fall' },
  { kind: 'door_exit', priority: 2, deviceType: 'door' },
  { kind: 'dose_missed', priority: 3, deviceType: 'dispenser' },
] as const;

/**
 * Runs in the page before its own scripts: notes when the row count first reaches the target and
 * when each alarm row first appears or changes status. A string, not a function, because the
 * TypeScript loader would add helper calls that do not exist in the browser.
 */
const OBSERVER = `function (target) {
  window.benchAllRowsAt = null;
  window.benchSeen = {};
  window.benchStatus = {};
  const observer = new MutationObserver(function () {
    const at = Date.now();
    const rows = document.querySelectorAll('[data-testid="alarm-row"]');
    if (window.benchAllRowsAt === null && rows.length >= target) window.benchAllRowsAt = performance.now();
    for (const r of rows) {
      const id = r.dataset.alarmId || '';
      if (!(id in window.benchSeen)) window.benchSeen[id] = at;
      const status = r.dataset.status || '';
      if (!window.benchStatus[id] || window.benchStatus[id].status !== status) window.benchStatus[id] = { status: status, at: at };
    }
  });
  function start() {
    observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-status'] });
  }
  if (document.documentElement) start();
  else document.addEventListener('DOMContentLoaded', start);
}`;

const line = (metric: string, value: number, extra: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ bench: 'console', metric, value: Number(value.toFixed(1)), unit: 'ms', openAlarms: OPEN_ALARMS, ...extra })}\n`,
  );
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const max = (xs: number[]) => Math.max(...xs);

const consoleDist = await buildConsole();
const db = await createTestDatabase();
// Escalation is pushed out of the way so no escalation sweep lands inside a measurement.
const platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, env: { ESCALATE_AFTER_S: '86400' } });
const browser = await launchBrowser();
try {
  await seedDemo(platform);
  const pool = platform.db.pool;

  // 1,000 open alarms from 1,000 devices (one open alarm per device and kind), ages spread over an hour.
  const now = Date.now();
  for (let n = 0; n < OPEN_ALARMS; n++) {
    const k = KINDS[n % KINDS.length]!;
    const deviceId = `bench-${k.deviceType}-${String(n).padStart(4, '0')}`;
    const district = DISTRICTS[n % DISTRICTS.length]!;
    await devices.register(
      pool,
      {
        deviceId,
        deviceType: k.deviceType,
        serial: `SN-${n}`,
        residentId: null,
        district,
        heartbeatIntervalS: 60,
        rules: {},
      },
      'unused-hash',
    );
    await alarms.raise(pool, {
      deviceId,
      residentId: null,
      district,
      kind: k.kind,
      priority: k.priority,
      audience: 'operator',
      at: now - ((n * 3_600_000) / OPEN_ALARMS + 1000),
      sourceMessageId: null,
      details: {},
    });
  }

  // Devices that press live during the benchmark: registered through provisioning so ingest knows them.
  const live = Array.from({ length: LIVE_RUNS }, (_, n) => ({
    deviceId: `bench-live-${n}`,
    secret: `bench-secret-live-${n}`,
  }));
  for (const d of live) {
    await platform.provisioning.register(
      {
        deviceId: d.deviceId,
        deviceType: 'pendant',
        serial: `SN-${d.deviceId}`,
        residentId: null,
        district: 'Centrum',
        heartbeatIntervalS: 60,
        rules: {},
      },
      d.secret,
    );
  }

  const operator = DEMO_USERS.find((u) => u.role === 'operator')!;
  const base = `http://127.0.0.1:${platform.httpPort}`;
  const page = await browser.newPage();
  await page.addInitScript({ content: `(${OBSERVER})(${OPEN_ALARMS});` });

  await login(page, base, operator.username, operator.password);
  await page
    .locator('[data-testid="alarm-row"]')
    .nth(OPEN_ALARMS - 1)
    .waitFor({ timeout: 60_000 });

  // First render: a fresh load of the queue with the session already established.
  const renders: number[] = [];
  for (let run = 0; run < RENDER_RUNS; run++) {
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { benchAllRowsAt: number | null }).benchAllRowsAt, null, {
      timeout: 60_000,
      polling: 50,
    });
    renders.push(await page.evaluate(() => (window as unknown as { benchAllRowsAt: number }).benchAllRowsAt));
  }
  line('first_render_ms', median(renders), { runs: RENDER_RUNS, max: Number(max(renders).toFixed(1)) });

  // New alarm: publish → row in the DOM, each with the full queue shown.
  const newRows: number[] = [];
  for (const d of live) {
    const client = await connectDevice(platform, d.deviceId, d.secret);
    const sentAt = Date.now();
    await client.publishAsync(
      deviceTopic(d.deviceId, 'event'),
      JSON.stringify({ ...envelope(), type: 'alarm.manual' }),
      { qos: 1 },
    );
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id::text FROM alarms WHERE device_id = $1 AND status <> 'closed'`,
      [d.deviceId],
    );
    const id = rows[0]!.id;
    const seenAt = await page.waitForFunction(
      (alarmId) => (window as unknown as { benchSeen: Record<string, number> }).benchSeen[alarmId],
      id,
      { timeout: 10_000, polling: 'raf' },
    );
    newRows.push(((await seenAt.jsonValue()) as number) - sentAt);
    await client.endAsync();
    await new Promise((r) => setTimeout(r, 300));
  }
  line('live_update_ms', median(newRows), {
    runs: LIVE_RUNS,
    max: Number(max(newRows).toFixed(1)),
    from: 'mqtt publish',
  });

  // Status change: another operator acknowledges over HTTP → the row changes in this console.
  const other = await loginClient(platform, operator.username, operator.password);
  const { rows: targets } = await pool.query<{ id: string }>(
    `SELECT id::text FROM alarms WHERE status = 'new' AND device_id LIKE 'bench-pendant-%' ORDER BY id LIMIT $1`,
    [LIVE_RUNS],
  );
  const updates: number[] = [];
  for (const { id } of targets) {
    const sentAt = Date.now();
    const reply = await other.call('POST', `/api/alarms/${id}/acknowledge`);
    if (reply.status !== 200) throw new Error(`acknowledge ${id}: ${reply.status}`);
    const changedAt = await page.waitForFunction(
      (alarmId) => {
        const s = (window as unknown as { benchStatus: Record<string, { status: string; at: number }> }).benchStatus[
          alarmId
        ];
        return s?.status === 'acknowledged' ? s.at : null;
      },
      id,
      { timeout: 10_000, polling: 'raf' },
    );
    updates.push(((await changedAt.jsonValue()) as number) - sentAt);
    await new Promise((r) => setTimeout(r, 300));
  }
  line('status_update_ms', median(updates), {
    runs: targets.length,
    max: Number(max(updates).toFixed(1)),
    from: 'http acknowledge',
  });

  const shown = await page.locator('[data-testid="alarm-row"]').count();
  process.stdout.write(
    `console: ${shown} rows shown; first render median ${median(renders).toFixed(0)} ms (max ${max(renders).toFixed(0)}), new alarm publish→row median ${median(newRows).toFixed(0)} ms (max ${max(newRows).toFixed(0)}), acknowledge→row median ${median(updates).toFixed(0)} ms (max ${max(updates).toFixed(0)})\n`,
  );
} finally {
  await browser.close();
  await platform.close();
  await db.drop();
}
