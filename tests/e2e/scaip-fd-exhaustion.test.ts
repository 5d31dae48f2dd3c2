// The descriptor exhaustion of issue 14, reproduced on real parts: the gateway runs as its own
// process (main.ts, as deployed) with a limit of 1,024 open files, in front of the real alarm
// center on PostgreSQL; 2,000 idle TCP connections arrive; then a controller the gateway has
// never seen sends a UDP alarm, which needs a new PostgreSQL connection. Without a cap that keeps
// descriptors in reserve this was a 503 (EMFILE towards PostgreSQL) and the alarm was lost.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Platform } from '@trygg/alarm-center';
import { addResident, createTestDatabase, startTestPlatform, type TestDatabase } from '@trygg/alarm-center/testing';
import { scaipDeviceId } from '@trygg/gateway';
import { alarmFields, mrq, runSipp } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';

const GATEWAY_MAIN = resolve(fileURLToPath(new URL('../../gateway/src/main.ts', import.meta.url)));
const ACCOUNT = { username: 'scaip-gateway', password: 'gateway-secret-fd01' };
const CID = '4600800';
const OPEN_FILES = 1024;
const IDLE_CONNECTIONS = 2000;

interface GatewayProcess {
  child: ChildProcess;
  udpPort: number;
  tcpPort: number;
  output(): string;
}

/** main.ts under `prlimit --nofile`, its ports read from its "listening" log line. */
async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(
    'prlimit',
    [`--nofile=${OPEN_FILES}:${OPEN_FILES}`, process.execPath, '--import', 'tsx', GATEWAY_MAIN],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (d) => (output += d));
  return new Promise((resolveStart, reject) => {
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
    child.stdout?.on('data', (d: Buffer) => {
      output += d;
      const line = output.split('\n').find((l) => l.includes('SCAIP gateway listening'));
      if (!line) return;
      const { udpPort, tcpPort } = JSON.parse(line) as { udpPort: number; tcpPort: number };
      resolveStart({ child, udpPort, tcpPort, output: () => output });
    });
  });
}

describe('SIP over TCP cannot starve the gateway of descriptors (gateway process, 1,024 open files)', () => {
  let db: TestDatabase;
  let platform: Platform;
  let gateway: GatewayProcess;
  const idle: net.Socket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      env: { BROKER_SERVICE_USERS: `${ACCOUNT.username}:${ACCOUNT.password}` },
    });
    await addResident(platform, 'res-fd');
    await platform.provisioning.register({
      deviceId: scaipDeviceId(CID, '1'),
      deviceType: 'pendant',
      serial: 'SCAIP-FD-1',
      residentId: 'res-fd',
      district: 'Centrum',
      heartbeatIntervalS: 300,
      rules: {},
    });
    gateway = await startGatewayProcess({
      DATABASE_URL: db.url,
      MQTT_URL: `mqtt://127.0.0.1:${platform.mqttPort}`,
      MQTT_USERNAME: ACCOUNT.username,
      MQTT_PASSWORD: ACCOUNT.password,
      GATEWAY_MQTT_CONNECTIONS: '1',
      GATEWAY_SIP_HOST: '127.0.0.1',
      GATEWAY_SIP_PORT: '0',
      METRICS_PORT: '0',
      // authentication is another test's subject; the per-peer cap too: here the total and the reserve
      GATEWAY_AUTH: 'off',
      GATEWAY_TCP_MAX_PER_PEER: '100000',
      LOG_LEVEL: 'info',
    });
  });

  afterAll(async () => {
    for (const socket of idle) socket.destroy();
    gateway?.child.kill('SIGKILL');
    await platform?.close();
    await db?.drop();
  });

  it('after 2,000 idle TCP connections a never-seen controller’s UDP alarm is stored and answered snu 0', async () => {
    const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    await Promise.all(
      Array.from(
        { length: IDLE_CONNECTIONS },
        (_, i) =>
          new Promise<void>((done) => {
            const socket = net.connect({
              port: gateway.tcpPort,
              host: '127.0.0.1',
              localAddress: addresses[i % addresses.length],
            });
            socket.on('error', () => done());
            socket.once('connect', () => done());
            socket.once('close', () => done());
            idle.push(socket);
          }),
      ),
    );
    const run = await runSipp('scaip-message.xml', gateway.udpPort, {
      keys: { body: mrq(alarmFields(CID, 'FD0001')) },
      sets: { expected: '0' },
    });
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}\n${gateway.output().slice(-3000)}`);
    const { rows } = await platform.db.pool.query('SELECT kind FROM alarms WHERE device_id = $1', [
      scaipDeviceId(CID, '1'),
    ]);
    assert.deepEqual(rows, [{ kind: 'manual' }]);
    assert.match(gateway.output(), /connection refused: connection cap/);
  });
});
