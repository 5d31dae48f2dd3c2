// Several alarm-center nodes (real processes) on one PostgreSQL behind a real HAProxy, as in
// docker-compose.yml: the set-up shared by the cluster tests and the scale script. Devices share
// one secret (hashed once) so that provisioning thousands of them is one INSERT.

import { freePort } from '@trygg/alarm-center/testing';
import { hashDeviceSecret, hashSecret } from '@trygg/broker';
import pg from 'pg';
import WebSocket from 'ws';
import { type AlarmCenterProcess, startAlarmCenterProcess } from './alarm-center-process.ts';
import { type Haproxy, startHaproxy } from './haproxy.ts';

/** As long as the secrets provisioning issues, so it is stored (and checked at login) the same fast way. */
export const CLUSTER_SECRET = 'cluster-device-secret-issued-0001';
export const CLUSTER_OPERATOR = { username: 'cluster-op', password: 'cluster-pw' };

export interface ClusterNode {
  name: string;
  env: Record<string, string>;
  httpPort: number;
  mqttPort: number;
  metricsPort: number;
  process: AlarmCenterProcess;
  /** Devices connected to this node's embedded broker (its mqtt_connected_clients gauge). */
  connectedDevices(): Promise<number>;
  alive(): boolean;
}

export interface Cluster {
  nodes: ClusterNode[];
  haproxy: Haproxy;
  /** Where devices connect: HAProxy's MQTT frontend. */
  mqttUrl: string;
  pool: pg.Pool;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  databaseUrl: string;
  nodes: number;
  /** Provisions the devices (and anything else) once the first node has migrated the database. */
  provision(pool: pg.Pool): Promise<void>;
  env?: Record<string, string>;
  maxconn?: number;
  /** How long a node may take to answer /health (loading 100,000 devices on a busy machine takes a while); 60 s by default. */
  healthyWithinMs?: number;
}

/** Devices `${prefix}1..count` of one type, all with CLUSTER_SECRET. */
export async function provisionDevices(
  pool: pg.Pool,
  prefix: string,
  count: number,
  deviceType = 'pendant',
  residentId: string | null = null,
): Promise<void> {
  const hash = await hashDeviceSecret(CLUSTER_SECRET);
  await pool.query(
    `INSERT INTO devices (id, device_type, serial, district, status, resident_id, heartbeat_interval_s)
     SELECT $2 || i, $3, 'SN-' || $2 || i, 'district-' || (i % 40), 'installed', $4, 3600
     FROM generate_series(1, $1) i`,
    [count, prefix, deviceType, residentId],
  );
  await pool.query(
    `INSERT INTO device_credentials (device_id, secret_hash) SELECT $3 || i, $2 FROM generate_series(1, $1) i`,
    [count, hash, prefix],
  );
}

async function gauge(metricsPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  // The test's own reads survive a primary that is killed on purpose (the failover test): an idle
  // client's 'Connection terminated' must not become the test process's uncaught exception.
  pool.on('error', () => {});
  const configs = await Promise.all(
    Array.from({ length: options.nodes }, async (_, i) => {
      const name = `node-${String.fromCharCode(97 + i)}`;
      const [httpPort, mqttPort, metricsPort, wsPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      const env: Record<string, string> = {
        DATABASE_URL: options.databaseUrl,
        PII_KEY: '22'.repeat(32),
        INSTANCE_ID: name,
        MQTT_PORT: String(mqttPort),
        MQTT_WS_PORT: String(wsPort),
        METRICS_PORT: String(metricsPort),
        HTTP_HOST: '127.0.0.1',
        MQTT_HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        ESCALATE_AFTER_S: '3600',
        ...options.env,
      };
      return { name, env, httpPort, mqttPort, metricsPort };
    }),
  );
  // On a busy machine a port found free can be taken (by another process's outgoing connection)
  // before the node binds it: such a node gets new ports and starts again, at most three times.
  const startNode = async (c: (typeof configs)[number]): Promise<AlarmCenterProcess> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startAlarmCenterProcess(c.env, c.httpPort, { healthyWithinMs: options.healthyWithinMs ?? 60_000 });
      } catch (err) {
        if (attempt >= 3 || !/already in use/.test((err as Error).message)) throw err;
        [c.httpPort, c.mqttPort, c.metricsPort] = [await freePort(), await freePort(), await freePort()];
        Object.assign(c.env, {
          MQTT_PORT: String(c.mqttPort),
          METRICS_PORT: String(c.metricsPort),
          MQTT_WS_PORT: String(await freePort()),
        });
      }
    }
  };
  const nodes: ClusterNode[] = [];
  let haproxy: Haproxy | null = null;
  const stop = async () => {
    await haproxy?.stop();
    await Promise.all(nodes.map((n) => n.process.kill('SIGKILL')));
    await pool.end();
  };
  try {
    const first = configs[0]!;
    const migrating = await startNode(first); // migrates the empty database
    await options.provision(pool);
    await pool.query(
      `INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, 'Cluster operator', 'operator', $2)
       ON CONFLICT DO NOTHING`,
      [CLUSTER_OPERATOR.username, await hashSecret(CLUSTER_OPERATOR.password)],
    );
    await migrating.kill('SIGTERM'); // the registry loads the devices at start
    const started = await Promise.allSettled(configs.map((c) => startNode(c)));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      // none is left running: the ones that did start are stopped with the rest
      await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.kill('SIGKILL') : undefined)));
      throw failed.reason;
    }
    const processes = started.map((r) => (r as PromiseFulfilledResult<AlarmCenterProcess>).value);
    configs.forEach((c, i) => {
      const process = processes[i]!;
      nodes.push({
        ...c,
        process,
        connectedDevices: () => gauge(c.metricsPort, 'mqtt_connected_clients'),
        alive: () => process.child.exitCode === null && process.child.signalCode === null,
      });
    });
    haproxy = await startHaproxy(
      [{ name: 'mqtt', servers: configs.map((c) => ({ name: c.name, port: c.mqttPort, healthPort: c.httpPort })) }],
      options.maxconn === undefined ? {} : { maxconn: options.maxconn },
    );
    return { nodes, haproxy, mqttUrl: `mqtt://127.0.0.1:${haproxy.port('mqtt')}`, pool, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface ConsoleFeed {
  socket: WebSocket;
  cookie: string;
  /** Every alarm message received, in order. */
  alarms: { id: string; deviceId: string; status: string }[];
}

/** An operator signed in on one node, with the live alarm stream open. */
export async function openConsole(httpPort: number): Promise<ConsoleFeed> {
  const login = await fetch(`http://127.0.0.1:${httpPort}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(CLUSTER_OPERATOR),
  });
  if (login.status !== 200) throw new Error(`login on ${httpPort}: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const socket = new WebSocket(`ws://127.0.0.1:${httpPort}/api/stream`, { headers: { cookie } });
  const feed: ConsoleFeed = { socket, cookie, alarms: [] };
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'hello') resolve();
      if (m.type === 'alarm') feed.alarms.push({ id: m.alarm.id, deviceId: m.alarm.deviceId, status: m.alarm.status });
    });
    socket.once('error', reject);
  });
  return feed;
}
