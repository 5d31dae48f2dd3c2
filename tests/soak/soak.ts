// Soak run (`npm run soak`, not part of `npm test`): SOAK_DEVICES (10,000) devices connected to a
// real alarm-center process for SOAK_MINUTES (30), heartbeating once a minute, with a steady
// SOAK_ALARMS_PER_MIN (60) alarms. Every minute it samples the alarm center's memory; at the end
// it checks that every acknowledged alarm is in PostgreSQL exactly once and that memory stayed
// flat (the last third's median RSS within SOAK_MAX_GROWTH, 15 %, of the first third's after
// warm-up). Prints JSON lines {"bench":"soak",...} and exits non-zero on a failed check.

import type mqtt from 'mqtt';
import { startFleet } from '../src/fleet.ts';

const DEVICES = Number(process.env.SOAK_DEVICES ?? 10_000);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const ALARMS_PER_MIN = Number(process.env.SOAK_ALARMS_PER_MIN ?? 60);
const MAX_GROWTH = Number(process.env.SOAK_MAX_GROWTH ?? 0.15);

const line = (metric: string, value: number, unit: string) =>
  process.stdout.write(
    `${JSON.stringify({ bench: 'soak', metric, value: Number(value.toFixed(2)), unit, devices: DEVICES })}\n`,
  );

const fleet = await startFleet(DEVICES, 'soak-');
const stopHeartbeats = fleet.startHeartbeats(60);
let acked = 0;
let sent = 0;
const samples: number[] = [];
try {
  const end = Date.now() + MINUTES * 60_000;
  let nextSample = Date.now();
  while (Date.now() < end) {
    const c = fleet.clients[(sent * 7919) % fleet.clients.length] as mqtt.MqttClient;
    const payload = JSON.stringify({ v: 1, id: `soak-${sent}-${Date.now()}`, ts: Date.now(), type: 'alarm.manual' });
    sent++;
    c.publish(`v1/devices/${c.options.clientId}/event`, payload, { qos: 1 }, (err) => {
      if (!err) acked++;
    });
    if (Date.now() >= nextSample) {
      const rss = await fleet.centerRssMiB().catch(() => {
        throw new Error(`the alarm center process is gone:\n${fleet.center.output().slice(-4000)}`);
      });
      samples.push(rss);
      process.stderr.write(
        `soak: minute ${samples.length - 1}: RSS ${rss.toFixed(0)} MiB, ${acked}/${sent} alarms acknowledged\n`,
      );
      nextSample += 60_000;
    }
    await new Promise((r) => setTimeout(r, 60_000 / ALARMS_PER_MIN));
  }
  await new Promise((r) => setTimeout(r, 5000));
  // device_messages is keyed by (device, message id): a stored row is an accepted alarm, once.
  const { rows } = await fleet.pool.query<{ events: string }>(
    `SELECT count(*) AS events FROM device_messages WHERE message_id LIKE 'soak-%'`,
  );
  const stored = Number(rows[0]?.events);
  const third = Math.max(1, Math.floor(samples.length / 3));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const early = median(samples.slice(1, 1 + third).length ? samples.slice(1, 1 + third) : samples);
  const late = median(samples.slice(-third));
  line('alarms_sent', sent, 'count');
  line('alarms_acked', acked, 'count');
  line('alarms_stored', stored, 'count');
  line('rss_early_mib', early, 'MiB');
  line('rss_late_mib', late, 'MiB');
  line('rss_growth', late / early - 1, 'ratio');
  const ok = stored === acked && late / early - 1 <= MAX_GROWTH;
  process.stdout.write(
    `soak: ${DEVICES.toLocaleString('en')} devices for ${MINUTES} min: ${acked}/${sent} alarms acknowledged, ${stored} stored, RSS ${early.toFixed(0)} → ${late.toFixed(0)} MiB: ${ok ? 'PASS' : 'FAIL'}\n`,
  );
  if (!ok) process.exitCode = 1;
} finally {
  stopHeartbeats();
  await fleet.close();
}
