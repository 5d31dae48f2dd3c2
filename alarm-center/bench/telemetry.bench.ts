// Telemetry ingest into a real InfluxDB 1.x (Debian's influxd, started here on free ports): how many
// heartbeat points per second the alarm center's batching writer sustains. Prints JSON lines.

import pino from 'pino';
import { InfluxTelemetry } from '../src/devices/telemetry.ts';
import { startInfluxd } from '../src/testing/influxd.ts';

const POINTS = Number(process.env.BENCH_POINTS ?? 600_000);
const CHUNK = 50_000;
const DEVICES = 10_000;

const influx = await startInfluxd();
try {
  const sink = new InfluxTelemetry(
    { url: `${influx.url}/bench`, batchSize: 5000, maxBuffered: 2 * CHUNK },
    pino({ level: 'warn' }),
  );
  await sink.init();
  const t0 = Date.now() - 3_600_000;
  const start = performance.now();
  for (let sent = 0; sent < POINTS; sent += CHUNK) {
    for (let n = sent; n < sent + CHUNK; n++) {
      sink.heartbeat(
        `dev-${n % DEVICES}`,
        'pendant',
        { v: 1, id: `hb-${n}-bench`, ts: t0 + n, intervalS: 60, battery: 50 + (n % 50), signalDbm: -60 - (n % 30) },
        t0 + n,
      );
    }
    await sink.flush();
  }
  const seconds = (performance.now() - start) / 1000;
  const stats = sink.stats();
  await sink.close();
  const perS = Math.round(stats.written / seconds);
  process.stdout.write(`${JSON.stringify({ bench: 'influx', metric: 'points_per_s', value: perS, unit: '1/s' })}\n`);
  process.stdout.write(
    `${JSON.stringify({ bench: 'influx', metric: 'dropped', value: stats.dropped, unit: 'count' })}\n`,
  );
  process.stdout.write(
    `influx: ${stats.written.toLocaleString('en')} heartbeat points in ${seconds.toFixed(1)} s = ${perS.toLocaleString('en')} points/s (batches of 5,000), ${stats.dropped} dropped\n`,
  );
} finally {
  await influx.stop();
}
