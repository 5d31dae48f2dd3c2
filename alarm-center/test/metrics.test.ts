// What an operator's Prometheus sees, scraped the way it would be: on the metrics listener of its
// own (METRICS_HOST/METRICS_PORT, optionally behind METRICS_TOKEN), never the console's port;
// HTTP refusals counted by route, status and code; open alarms by status.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Platform } from '../src/platform.ts';
import { createTestDatabase, startTestPlatform, type TestDatabase } from '../src/testing/index.ts';

const TOKEN = 'scrape-token-0123456789abcdef';

/** The value of one sample line, e.g. `alarms_open{status="new"}`, or 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
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

  before(async () => {
    db = await createTestDatabase();
    // A served console: its index.html fallback must not answer for /metrics either.
    consoleDist = await mkdtemp(join(tmpdir(), 'console-'));
    await writeFile(join(consoleDist, 'index.html'), '<!doctype html><title>Trygghetsjour</title>');
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist, env: { METRICS_TOKEN: TOKEN } });
  });

  after(async () => {
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
});
