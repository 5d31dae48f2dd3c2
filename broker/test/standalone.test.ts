// The standalone broker (`npm run broker`) as an operator starts it: without DATABASE_URL (anonymous
// and service accounts only), configured from the environment, with its Prometheus metrics on a
// loopback listener of its own behind a token, counting what it refused.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { answered, connect } from './clients.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TOKEN = 'metrics-token-for-the-test';

describe('standalone broker', () => {
  let child: ChildProcess;
  let mqttPort = 0;
  let metricsUrl = '';

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: '0',
      MQTT_ALLOW_ANONYMOUS: 'true',
      SERVICE_ACCOUNTS: 'gateway:gateway-pw',
      METRICS_PORT: '0',
      METRICS_TOKEN: TOKEN,
    };
    child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    await answered(
      new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as { mqttPort?: number; url?: string };
          if (entry.mqttPort) mqttPort = entry.mqttPort;
          if (entry.url) metricsUrl = entry.url;
          if (mqttPort && metricsUrl) resolve();
        });
      }),
      'standalone broker listening',
      30_000,
    );
  });

  afterAll(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  it('starts without DATABASE_URL, serves anonymous clients and refuses devices it cannot check', async () => {
    const anon = await connect(mqttPort, { clientId: 'anon' });
    assert.equal((await anon.subscribeAsync('#', { qos: 0 }))[0]?.qos, 0);
    anon.end(true);
    await assert.rejects(
      connect(mqttPort, { clientId: 'pendant-1', username: 'pendant-1', password: 'x' }),
      /Bad username or password/,
    );
  });

  it('serves refusals as Prometheus metrics behind its token', async () => {
    const gateway = await connect(mqttPort, { clientId: 'gw', username: 'gateway', password: 'gateway-pw' });
    await assert.rejects(gateway.subscribeAsync('$SYS/#', { qos: 0 }), /Subscribe error/);
    gateway.end(true);
    assert.equal((await fetch(metricsUrl)).status, 401);
    const text = await (await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    assert.match(text, /mqtt_logins_refused_total\{reason="UNKNOWN_DEVICE"\} 1/);
    assert.match(text, /mqtt_subscriptions_refused_total\{reason="FILTER_NOT_ALLOWED"\} 1/);
    assert.match(text, /mqtt_connected_clients \d/);
  });
});
