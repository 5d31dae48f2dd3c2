// The standalone broker (`npm run broker`) on the alarm center's PostgreSQL, as docker-compose runs
// it: a device the alarm center provisioned logs in with its issued secret, through the published
// view `directory_device_secrets`; a wrong secret or a retired device is refused.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Platform } from '@trygg/alarm-center';
import { createTestDatabase, startTestPlatform, type TestDatabase } from '@trygg/alarm-center/testing';
import { generateSecret } from '@trygg/broker';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../broker/src/main.ts', import.meta.url));

const login = (port: number, deviceId: string, password: string) =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 4,
    clientId: deviceId,
    username: deviceId,
    password,
    reconnectPeriod: 0,
  });

describe('standalone broker on the alarm center database', () => {
  let db: TestDatabase;
  let platform: Platform;
  let broker: ChildProcess;
  let mqttPort = 0;
  let secret = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url }); // migrates, publishes the views
    const device = {
      serial: 'SN-SB',
      residentId: null,
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
      deviceType: 'pendant' as const,
    };
    secret = await platform.provisioning.register({ ...device, deviceId: 'pendant-standalone' });
    await platform.provisioning.register({ ...device, deviceId: 'pendant-retired', serial: 'SN-SB2' }, secret);
    await platform.db.pool.query(`UPDATE devices SET status = 'retired' WHERE id = 'pendant-retired'`);
    broker = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { PATH: process.env.PATH, DATABASE_URL: db.url, MQTT_HOST: '127.0.0.1', MQTT_PORT: '0', METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: broker.stdout! });
    mqttPort = await new Promise<number>((resolve, reject) => {
      broker.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
      lines.on('line', (line) => {
        const port = (JSON.parse(line) as { mqttPort?: number }).mqttPort;
        if (port) resolve(port);
      });
    });
  });

  afterAll(async () => {
    if (broker && broker.exitCode === null) {
      const exited = new Promise((resolve) => broker.once('exit', resolve));
      broker.kill('SIGTERM');
      await exited;
    }
    await platform?.close();
    await db?.drop();
  });

  it('lets a provisioned device in with its issued secret and refuses a wrong one or a retired device', async () => {
    const client = await login(mqttPort, 'pendant-standalone', secret);
    await client.endAsync();
    await assert.rejects(login(mqttPort, 'pendant-standalone', generateSecret()), /Bad username or password/);
    await assert.rejects(login(mqttPort, 'pendant-retired', secret), /Bad username or password/);
  });
});
