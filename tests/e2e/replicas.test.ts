// Two alarm-center replicas on one PostgreSQL, each with its own embedded broker: a console on
// either replica sees every alarm, and when one replica is killed with SIGKILL in the middle of a
// burst, its devices fail over to the other and resend; no alarm is lost or stored twice.

import assert from 'node:assert/strict';
import { createTestDatabase, eventually, freePort, type TestDatabase } from '@trygg/alarm-center/testing';
import { hashSecret } from '@trygg/broker';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import WebSocket from 'ws';
import { type AlarmCenterProcess, startAlarmCenterProcess } from '../src/alarm-center-process.ts';

const PER_REPLICA = 300;
const SECRET = 'replica-test-secret-01';

interface Replica {
  env: Record<string, string>;
  httpPort: number;
  mqttPort: number;
  process: AlarmCenterProcess;
}

interface ConsoleFeed {
  socket: WebSocket;
  /** Every alarm message received, in order. */
  alarms: { id: string; deviceId: string; status: string; escalated: boolean }[];
}

async function openConsole(httpPort: number): Promise<ConsoleFeed> {
  const login = await fetch(`http://127.0.0.1:${httpPort}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'rep-op', password: 'rep-pw' }),
  });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const socket = new WebSocket(`ws://127.0.0.1:${httpPort}/api/stream`, { headers: { cookie } });
  const feed: ConsoleFeed = { socket, alarms: [] };
  const hello = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'hello') resolve();
      if (m.type === 'alarm') {
        const { id, deviceId, status, escalated } = m.alarm;
        feed.alarms.push({ id, deviceId, status, escalated });
      }
    });
    socket.once('error', reject);
  });
  await hello;
  return feed;
}

describe('two alarm-center replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let a: Replica;
  let b: Replica;
  const devices: mqtt.MqttClient[] = [];
  const consoles: ConsoleFeed[] = [];
  let burst: { consoleB: ConsoleFeed; committedByA: string[] } | null = null;

  async function replicaEnv(name: string) {
    const mqttPort = await freePort();
    const env = {
      DATABASE_URL: db.url,
      PII_KEY: '22'.repeat(32),
      INSTANCE_ID: name,
      MQTT_PORT: String(mqttPort),
      MQTT_WS_PORT: String(await freePort()),
      HTTP_HOST: '127.0.0.1',
      MQTT_HOST: '127.0.0.1',
      ESCALATE_AFTER_S: '5', // the minimum: the last test waits for escalations
    };
    return { env, mqttPort, httpPort: await freePort() };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => {}); // a client still closing when the database is dropped
    const aConf = await replicaEnv('replica-a');
    const bConf = await replicaEnv('replica-b');
    const first = await startAlarmCenterProcess(aConf.env, aConf.httpPort); // migrates the empty database
    const hash = await hashSecret(SECRET);
    await pool.query(
      `INSERT INTO devices (id, device_type, serial, district)
       SELECT 'rep-' || i, 'pendant', 'SN' || i, 'Centrum' FROM generate_series(0, $1) i`,
      [2 * PER_REPLICA],
    );
    await pool.query(
      `INSERT INTO device_credentials (device_id, secret_hash) SELECT 'rep-' || i, $2 FROM generate_series(0, $1) i`,
      [2 * PER_REPLICA, hash],
    );
    await pool.query(
      `INSERT INTO users (username, display_name, role, password_hash) VALUES ('rep-op', 'Replica Operator', 'operator', $1)`,
      [await hashSecret('rep-pw')],
    );
    // Restart so the registry loads the devices inserted behind its back; start B beside it.
    await first.kill('SIGTERM');
    const [pa, pb] = await Promise.all([
      startAlarmCenterProcess(aConf.env, aConf.httpPort),
      startAlarmCenterProcess(bConf.env, bConf.httpPort),
    ]);
    a = { ...aConf, process: pa };
    b = { ...bConf, process: pb };
  });

  afterAll(async () => {
    for (const d of devices) d.end(true);
    for (const c of consoles) c.socket.close();
    await a?.process.kill('SIGKILL');
    await b?.process.kill('SIGKILL');
    await pool?.end();
    await db?.drop();
  });

  it('an alarm raised through replica A shows on the console of replica B, and B’s acknowledgement on A’s', async () => {
    const [consoleA, consoleB] = [await openConsole(a.httpPort), await openConsole(b.httpPort)];
    consoles.push(consoleA, consoleB);
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${a.mqttPort}`, {
      protocolVersion: 4,
      clientId: 'rep-0',
      username: 'rep-0',
      password: SECRET,
      reconnectPeriod: 0,
    });
    devices.push(device);
    const message = JSON.stringify({ v: 1, id: 'solo-alarm-0001', ts: Date.now(), type: 'alarm.manual' });
    await device.publishAsync(deviceTopic('rep-0', 'event'), message, { qos: 1 });

    const seen = await eventually(async () => consoleB.alarms.find((x) => x.deviceId === 'rep-0'), 5000);
    assert.equal(seen.status, 'new');
    // (How fast is the e2e benchmark's business; B has no poll, so only the NOTIFY fan-out brings it.)

    // The operator on B takes it; the console on A shows it taken.
    const login = await fetch(`http://127.0.0.1:${b.httpPort}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'rep-op', password: 'rep-pw' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const ack = await fetch(`http://127.0.0.1:${b.httpPort}/api/alarms/${seen.id}/acknowledge`, {
      method: 'POST',
      headers: { cookie },
    });
    assert.equal(ack.status, 200, await ack.text());
    await eventually(async () => consoleA.alarms.some((x) => x.id === seen.id && x.status === 'acknowledged'), 5000);
    // Each change reaches each console once: no echo of a replica's own change.
    assert.equal(consoleB.alarms.filter((x) => x.id === seen.id).length, 2);
    assert.equal(consoleA.alarms.filter((x) => x.id === seen.id).length, 2);
  });

  it('a replica whose change-feed connection is cut reconnects and still shows the other replica’s changes', async () => {
    const consoleB = consoles[1]!;
    const before = consoleB.alarms.filter((x) => x.deviceId === 'rep-0').length;
    const cut = await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'replica-b-%-listen'`,
    );
    assert.equal(cut.rowCount, 1, 'B listens on one dedicated connection');
    const message = JSON.stringify({ v: 1, id: 'solo-alarm-0002', ts: Date.now(), type: 'alarm.manual' });
    await devices[0]!.publishAsync(deviceTopic('rep-0', 'event'), message, { qos: 1 }); // a repeat, through A
    await eventually(async () => consoleB.alarms.filter((x) => x.deviceId === 'rep-0').length > before, 10_000);
  });

  it('after replica A is killed mid-burst, its devices fail over to B: every alarm stored once, all on console B', async () => {
    const consoleB = await openConsole(b.httpPort);
    consoles.push(consoleB);
    const acked = new Set<string>();
    const ackedBeforeKill = new Set<string>();
    let killed = false;
    const ids: string[] = [];
    for (let i = 1; i <= 2 * PER_REPLICA; i++) {
      const id = `rep-${i}`;
      ids.push(id);
      const onA = i <= PER_REPLICA;
      // A's devices know both replicas (as a real device knows both addresses) and rotate on reconnect.
      const servers = onA
        ? [
            { host: '127.0.0.1', port: a.mqttPort },
            { host: '127.0.0.1', port: b.mqttPort },
          ]
        : [{ host: '127.0.0.1', port: b.mqttPort }];
      const client = mqtt.connect({
        servers,
        protocolVersion: 4,
        clientId: id,
        username: id,
        password: SECRET,
        clean: false,
        reconnectPeriod: 200,
        connectTimeout: 5000,
      });
      devices.push(client);
    }
    await eventually(async () => devices.slice(1).every((d) => d.connected), 30_000);

    // The burst: one alarm per device, A's and B's interleaved over about 1.5 s.
    ids.forEach((id, k) => {
      const client = devices[k + 1]!;
      setTimeout(
        () => {
          const message = JSON.stringify({ v: 1, id: `burst-${id}`, ts: Date.now(), type: 'alarm.manual' });
          client.publish(deviceTopic(id, 'event'), message, { qos: 1 }, (err) => {
            if (err) return;
            acked.add(id);
            if (!killed) ackedBeforeKill.add(id);
          });
        },
        Math.floor(k / 2) * 5,
      );
    });
    const onA = (id: string) => Number(id.slice(4)) <= PER_REPLICA;
    await eventually(async () => [...acked].filter(onA).length >= 60, 30_000);
    await a.process.kill('SIGKILL');
    killed = true;
    const committedByA = [...ackedBeforeKill].filter(onA);
    burst = { consoleB, committedByA };

    await eventually(async () => acked.size === ids.length, 60_000);
    const { rows } = await pool.query<{ alarms: number; devices: number; repeats: number }>(
      `SELECT count(*)::int AS alarms, count(DISTINCT device_id)::int AS devices,
              coalesce(sum(repeat_count), 0)::int AS repeats
       FROM alarms WHERE device_id <> 'rep-0'`,
    );
    assert.ok(committedByA.length < PER_REPLICA, 'A was killed during the burst');
    assert.equal(rows[0]!.alarms, ids.length, 'one alarm per device');
    assert.equal(rows[0]!.devices, ids.length);
    assert.equal(rows[0]!.repeats, 0, 'a resent alarm is not counted as a repeat');

    const shown = await eventually(async () => {
      const devicesShown = new Set(consoleB.alarms.map((x) => x.deviceId));
      return ids.every((id) => devicesShown.has(id)) && devicesShown;
    }, 10_000).catch(() => new Set(consoleB.alarms.map((x) => x.deviceId)));
    const missing = ids.filter((id) => !shown.has(id));
    assert.deepEqual(missing, [], 'console B saw every alarm, including those A committed before it died');
    for (const id of committedByA) assert.ok(shown.has(id));
    const alarmIds = new Set(consoleB.alarms.filter((x) => x.deviceId !== 'rep-0').map((x) => x.id));
    assert.equal(alarmIds.size, ids.length, 'console B never saw a second alarm for a device');
  });

  it('every unacknowledged alarm escalates exactly once, also those the killed replica raised', async () => {
    assert.ok(burst, 'runs after the failover test');
    const devicesInBurst = 2 * PER_REPLICA;
    await eventually(async () => {
      const { rows } = await pool.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM alarms WHERE device_id <> 'rep-0' AND escalated_at IS NULL`,
      );
      return rows[0]!.waiting === 0;
    }, 30_000);
    const { rows } = await pool.query<{ device_id: string; escalations: number }>(
      `SELECT a.device_id, count(e.id)::int AS escalations
       FROM alarms a LEFT JOIN alarm_events e ON e.alarm_id = a.id AND e.type = 'escalated'
       WHERE a.device_id <> 'rep-0' GROUP BY a.device_id`,
    );
    assert.equal(rows.length, devicesInBurst);
    assert.deepEqual(
      rows.filter((r) => r.escalations !== 1),
      [],
      'each alarm escalated once',
    );
    const { consoleB, committedByA } = burst;
    await eventually(async () => {
      const escalatedOnB = new Set(consoleB.alarms.filter((x) => x.escalated).map((x) => x.deviceId));
      return committedByA.every((id) => escalatedOnB.has(id));
    }, 5000);
  });
});
