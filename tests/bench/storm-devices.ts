// One process's share of the reconnect storm (storm.bench.ts runs several: 20,000 connections and
// everything else exceed one process's 20,000 open files). Connects its devices spread over the
// storm's seconds; each, once connected, sends its restoral (power.restored, QoS 1) and a heartbeat
// (QoS 1), as units do when the power returns. Prints one JSON line when every restoral is acknowledged.
// Usage: storm-devices.ts <mqttPort> <prefix> <first> <count> <spreadMs> <secret>

import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';

const [port, prefix, first, count, spreadMs, secret] = process.argv.slice(2);
const firstN = Number(first);
const n = Number(count);
const started = performance.now();
let connected = 0;
let acknowledged = 0;
let refusedForNow = 0;
const clients: mqtt.MqttClient[] = [];
// the parent ends stdin when it is done measuring, whether or not the storm got through: leave then
process.stdin.resume();
process.stdin.on('end', () => {
  for (const c of clients) c.end(true);
  process.exit(0);
});

const done = new Promise<void>((resolve) => {
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${firstN + i}`;
    setTimeout(
      () => {
        const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
          protocolVersion: 4,
          clientId: id,
          username: id,
          password: secret,
          // as firmware does: a login refused for now (CONNACK 3) is retried after a jittered pause
          reconnectPeriod: 500 + Math.floor(Math.random() * 1000),
          reconnectOnConnackError: true,
          keepalive: 300,
        });
        clients.push(client);
        client.on('error', () => refusedForNow++);
        client.once('connect', () => {
          connected++;
          const now = Date.now();
          const restoral = JSON.stringify({ v: 1, id: `restored-${id}-${now}`, ts: now, type: 'power.restored' });
          const heartbeat = JSON.stringify({ v: 1, id: `hb-${id}-${now}`, ts: now, intervalS: 60, battery: 77 });
          client.publish(deviceTopic(id, 'event'), restoral, { qos: 1 }, () => {
            acknowledged++;
            if (acknowledged === n) resolve();
          });
          client.publish(deviceTopic(id, 'heartbeat'), heartbeat, { qos: 1 });
        });
      },
      Math.floor((i / n) * Number(spreadMs)),
    );
  }
});

await done;
process.stdout.write(
  `${JSON.stringify({ connected, acknowledged, refusedForNow, seconds: (performance.now() - started) / 1000 })}\n`,
);
// stays connected until the parent ends stdin (above)
