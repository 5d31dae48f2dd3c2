// What an operator's Prometheus sees, scraped the way it would be: on the metrics listener of its
// own (METRICS_HOST/METRICS_PORT, optionally behind METRICS_TOKEN), never the console's port;
// HTTP refusals counted by route, status and code; open alarms by status.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceTopic } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
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

const TOKEN = 'scrape-token-0123456789abcdef';

/** The value of one sample line, e.g. `alarms_open{status="new"}`, or 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The sum over the series of `name` whose labels include all of `labels` (label order is not fixed). */
function total(text: string, name: string, labels: Record<string, string>): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

async function scrape(platform: Platform): Promise<string> {
  const res = await fetch(platform.metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return res.text();
}

describe('metrics that tell the truth (real PostgreSQL, metrics listener on its own port)', () => {
  let db: TestDatabase;
  let platform: Platform;
  let consoleDist: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A served console: its index.html fallback must not answer for /metrics either.
    consoleDist = await mkdtemp(join(tmpdir(), 'console-'));
    await writeFile(join(consoleDist, 'index.html'), '<!doctype html><title>Trygghetsjour</title>');
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, env: { METRICS_TOKEN: TOKEN } });
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
    await rm(consoleDist, { recursive: true, force: true });
  });

  it("metrics are served on a loopback listener of their own, and the console's port answers 404 for /metrics", async () => {
    const url = new URL(platform.metricsUrl);
    assert.equal(url.hostname, '127.0.0.1');
    assert.notEqual(Number(url.port), platform.httpPort);
    assert.match(await scrape(platform), /device_messages_rejected_total/);
    const onConsole = await fetch(`http://127.0.0.1:${platform.httpPort}/metrics`);
    assert.equal(onConsole.status, 404);
    assert.doesNotMatch(await onConsole.text(), /device_messages|Trygghetsjour/);
  });

  it('with METRICS_TOKEN set, a scrape without the token is refused and counted', async () => {
    assert.equal((await fetch(platform.metricsUrl)).status, 401);
    assert.equal((await fetch(platform.metricsUrl, { headers: { authorization: 'Bearer guess' } })).status, 401);
    assert.ok(sample(await scrape(platform), 'metrics_unauthorized_total') >= 2);
  });

  it('every refused HTTP request is counted by route pattern, status and error code', async () => {
    const base = `http://127.0.0.1:${platform.httpPort}`;
    const before = await scrape(platform);
    const count = (text: string, route: string, status: string, code: string) =>
      total(text, 'http_refusals_total', { route, status, code });

    assert.equal((await fetch(`${base}/api/alarms`)).status, 401);
    const wrong = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'nobody', password: 'wrong-password' }),
    });
    assert.equal(wrong.status, 401);
    const invalid = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(invalid.status, 400);
    assert.equal((await fetch(`${base}/api/no-such-route-7f3a`)).status, 404);

    const text = await scrape(platform);
    assert.equal(
      count(text, '/api/alarms', '401', 'AUTH_REQUIRED') - count(before, '/api/alarms', '401', 'AUTH_REQUIRED'),
      1,
    );
    assert.equal(
      count(text, '/api/session', '401', 'AUTH_INVALID') - count(before, '/api/session', '401', 'AUTH_INVALID'),
      1,
    );
    assert.equal(
      count(text, '/api/session', '400', 'VALIDATION') - count(before, '/api/session', '400', 'VALIDATION'),
      1,
    );
    assert.equal(count(text, '(unmatched)', '404', 'NOT_FOUND') - count(before, '(unmatched)', '404', 'NOT_FOUND'), 1);
    assert.doesNotMatch(text, /no-such-route/, 'a label never holds the raw URL');
  });

  it('alarms_open tells how many alarms are open, by status, as they open and are acknowledged', async () => {
    await addResident(platform, 'res-m');
    const secret = await platform.provisioning.register({
      deviceId: 'pendant-m',
      deviceType: 'pendant',
      serial: 'SN-m',
      residentId: 'res-m',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
    const open = (text: string, status: string) => sample(text, `alarms_open{status="${status}"}`);
    const before = await scrape(platform);
    const device = await connectDevice(platform, 'pendant-m', secret);
    await device.publishAsync(
      deviceTopic('pendant-m', 'event'),
      JSON.stringify({ ...envelope(), type: 'alarm.manual' }),
      {
        qos: 1,
      },
    );
    await device.endAsync();
    const raised = await scrape(platform);
    assert.equal(open(raised, 'new'), open(before, 'new') + 1, 'the press is one more new alarm');

    const operator = await addUser(platform, 'op-m', 'operator');
    const client = await loginClient(platform, operator.username, operator.password);
    const { rows } = await platform.db.pool.query<{ id: string }>(
      "SELECT id FROM alarms WHERE device_id = 'pendant-m' AND status = 'new'",
    );
    assert.equal((await client.call('POST', `/api/alarms/${rows[0]!.id}/acknowledge`)).status, 200);
    const acknowledged = await scrape(platform);
    assert.equal(open(acknowledged, 'new'), open(before, 'new'));
    assert.equal(open(acknowledged, 'acknowledged'), open(before, 'acknowledged') + 1);
  });
});
