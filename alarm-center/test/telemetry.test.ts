// Device telemetry against a real InfluxDB 1.x (Debian's influxd on free ports): heartbeats are
// written in batches and read back for the technicians' charts; when InfluxDB is unavailable the
// buffer stays within its bound and drops are counted, never blocking the caller.

import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { InfluxTelemetry } from '../src/devices/telemetry.ts';
import { freePort, type RunningInflux, startInfluxd } from '../src/testing/influxd.ts';
import { eventually } from '../src/testing/wait.ts';

const logger = pino({ level: 'silent' });
const hb = (i: number) => ({
  v: 1 as const,
  id: `hb-${i}-xxxxxx`,
  ts: Date.now(),
  intervalS: 60,
  battery: 90 - (i % 10),
  signalDbm: -60,
});

describe('telemetry in InfluxDB', () => {
  let influx: RunningInflux;

  beforeAll(async () => {
    influx = await startInfluxd();
  });

  afterAll(async () => {
    await influx?.stop();
  });

  it('heartbeats are written in batches and read back per device for the device-health chart', async () => {
    const sink = new InfluxTelemetry({ url: `${influx.url}/telemetry`, batchSize: 500, flushEveryMs: 100 }, logger);
    await sink.init();
    const start = Date.now() - 1000;
    for (let i = 0; i < 2000; i++) sink.heartbeat(`dev-${i % 20}`, 'pendant', hb(i), start + i);
    await sink.flush();
    assert.equal(sink.stats().written, 2000);
    const points = await sink.query('dev-3', start - 1);
    assert.equal(points.length, 100);
    assert.equal(typeof points[0]!.battery, 'number');
    assert.equal(points[0]!.signalDbm, -60);
    await sink.close();
  });

  it('with InfluxDB unreachable, telemetry is buffered up to its bound, then dropped and counted', async () => {
    const deadPort = await freePort();
    const sink = new InfluxTelemetry(
      { url: `http://127.0.0.1:${deadPort}/telemetry`, batchSize: 100, flushEveryMs: 50, maxBuffered: 1000 },
      logger,
    );
    for (let i = 0; i < 5000; i++) sink.heartbeat(`dev-${i % 20}`, 'pendant', hb(i), Date.now());
    await eventually(async () => sink.stats().dropped > 0);
    const stats = sink.stats();
    assert.ok(stats.buffered <= 1000, `buffered ${stats.buffered} must stay within 1000`);
    assert.equal(stats.buffered + stats.dropped + stats.written, 5000);
    await sink.close();
  });
});
