// One device process of the scale run (tests/scale/scale.ts): connects devices
// `${prefix}${from}..${to}` to one MQTT address (an HAProxy), reports when all are connected, then
// on "go" heartbeats them and presses the buttons it is told to, reporting each press's send time
// (wall clock, comparable across processes) and its PUBACK latency. Exits when its stdin closes,
// so it never outlives the scale run. Messages are JSON lines on stdout.

import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import { startLoopMonitor } from './loop-monitor.ts';

const [urlList, perUrlText, prefix, fromText, toText, secret] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
// device j connects through balancer floor((j - 1) / perUrl), so no balancer takes more than perUrl
const urls = urlList.split(',');
const perUrl = Number(perUrlText);
const from = Number(fromText);
const to = Number(toText);
// the scale run's pipe closing (it ended, or was killed) ends this process, even while connecting
process.stdin.once('end', () => process.exit(0));
const say = (m: object) => process.stdout.write(`${JSON.stringify(m)}\n`);
const wallNow = () => performance.timeOrigin + performance.now();
// SCALE_TRACE=1: this process's own loop delay and GC, to tell its stalls from the platform's latency
if (process.env.SCALE_TRACE === '1') startLoopMonitor((sample) => say({ type: 'loop', ...sample }));

const clients: mqtt.MqttClient[] = [];
const started = performance.now();
const startAt = wallNow();
for (let i = from; i <= to; i += 250) {
  const batch: Promise<void>[] = [];
  for (let j = i; j <= Math.min(i + 249, to); j++) {
    // as firmware: a login refused for now (CONNACK 3 under the broker's admission) is retried
    const client = mqtt.connect(urls[Math.min(urls.length - 1, Math.floor((j - 1) / perUrl))]!, {
      protocolVersion: 4,
      clientId: `${prefix}${j}`,
      username: `${prefix}${j}`,
      password: secret,
      reconnectPeriod: 1000 + Math.floor(Math.random() * 1000),
      reconnectOnConnackError: true,
      connectTimeout: 30_000,
      keepalive: 600,
    });
    client.on('error', () => {});
    clients.push(client);
    batch.push(new Promise((resolve) => client.once('connect', () => resolve())));
  }
  await Promise.all(batch);
}
say({ type: 'connected', devices: clients.length, ms: performance.now() - started, startAt, endAt: wallNow() });

const timers: NodeJS.Timeout[] = [];
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const command = JSON.parse(line) as { type: 'go'; heartbeatS: number; presses: number[]; pressEveryMs: number };
  void profilePresses();
  // heartbeats: every device once per heartbeatS, spread over ticks of 100 ms
  let seq = 0;
  const perTick = Math.max(1, Math.round(clients.length / (command.heartbeatS * 10)));
  timers.push(
    setInterval(() => {
      for (let k = 0; k < perTick; k++) {
        const c = clients[seq++ % clients.length]!;
        const id = c.options.clientId as string;
        const hb = { v: 1, id: `hb-${seq}-${Date.now()}`, ts: Date.now(), intervalS: command.heartbeatS, battery: 90 };
        c.publish(deviceTopic(id, 'heartbeat'), JSON.stringify(hb), { qos: 0 });
      }
    }, 100),
  );
  command.presses.forEach((index, n) => {
    timers.push(
      setTimeout(() => {
        const c = clients[index - from]!;
        const id = c.options.clientId as string;
        const at = wallNow();
        const sent = performance.now();
        const press = { v: 1, id: `press-${id}-${n}`, ts: Date.now(), type: 'alarm.manual' };
        say({ type: 'sent', deviceId: id, at });
        c.publish(deviceTopic(id, 'event'), JSON.stringify(press), { qos: 1 }, (err) => {
          if (!err) say({ type: 'acked', deviceId: id, ms: performance.now() - sent });
        });
      }, n * command.pressEveryMs),
    );
  });
});
/** SCALE_PROFILE_S (with SCALE_TRACE_DIR): this process's CPU profile of its first seconds of presses. */
async function profilePresses(): Promise<void> {
  const seconds = Number(process.env.SCALE_PROFILE_S ?? 0);
  const dir = process.env.SCALE_TRACE_DIR;
  if (!(seconds > 0) || !dir) return;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const { profile } = await session.post('Profiler.stop');
  await writeFile(join(dir, `devices-${from}.cpuprofile`), JSON.stringify(profile));
  session.disconnect();
}

input.on('close', () => {
  for (const t of timers) clearTimeout(t);
  process.exit(0);
});
process.on('SIGTERM', () => process.exit(0));
