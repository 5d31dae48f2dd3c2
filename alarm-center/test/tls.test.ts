// The alarm center run with certificates (HTTPS_* and MQTT_TLS_* files): the API answers over HTTPS
// only, and a device using the stock mosquitto client over TLS raises an alarm on port 8883's twin.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { promisify } from 'node:util';
import { deviceTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { configSchema } from '../src/config.ts';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  createTestDatabase,
  envelope,
  eventually,
  selfSignedCertificate,
  startTestPlatform,
  type TestCertificate,
  type TestDatabase,
} from '../src/testing/index.ts';

const run = promisify(execFile);

function httpsGet(port: number, path: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('alarm center with certificates configured (HTTPS and MQTT over TLS)', () => {
  let db: TestDatabase;
  let cert: TestCertificate;
  let platform: Platform;
  let secret: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    cert = await selfSignedCertificate();
    platform = await startTestPlatform({
      databaseUrl: db.url,
      env: {
        HTTPS_KEY_FILE: cert.keyFile,
        HTTPS_CERT_FILE: cert.certFile,
        MQTT_TLS_KEY_FILE: cert.keyFile,
        MQTT_TLS_CERT_FILE: cert.certFile,
        MQTT_TLS_PORT: '0',
      },
    });
    await addResident(platform, 'res-tls');
    secret = await platform.provisioning.register({
      deviceId: 'pendant-tls',
      deviceType: 'pendant',
      serial: 'SN-TLS',
      residentId: 'res-tls',
      district: 'Centrum',
      heartbeatIntervalS: 60,
      rules: {},
    });
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
    await cert?.remove();
  });

  it('/health answers over HTTPS to a client trusting the certificate', async () => {
    const res = await httpsGet(platform.httpPort, '/health', cert.cert);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).status, 'ok');
  });

  it('plain HTTP to the HTTPS port gets no API answer', async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${platform.httpPort}/health`));
  });

  it('an HTTPS client that does not trust the certificate is refused', async () => {
    await assert.rejects(fetch(`https://127.0.0.1:${platform.httpPort}/health`), /fetch failed/);
  });

  it('mosquitto_pub --cafile over TLS raises the pendant alarm', async () => {
    assert.ok(platform.mqttTlsPort, 'the broker listens for MQTT over TLS');
    const payload = JSON.stringify({ ...envelope(), type: 'alarm.manual' });
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(platform.mqttTlsPort),
      '--cafile',
      cert.certFile,
      '-V',
      'mqttv311',
      '-i',
      'pendant-tls',
      '-u',
      'pendant-tls',
      '-P',
      secret,
      '-q',
      '1',
      '-t',
      deviceTopic('pendant-tls', 'event'),
      '-m',
      payload,
    ]);
    // mosquitto_pub exits after the PUBACK, so the alarm is already committed.
    const { rows } = await platform.db.pool.query<{ kind: string }>(
      `SELECT kind FROM alarms WHERE device_id = 'pendant-tls'`,
    );
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['manual'],
    );
  });

  it('mqtt.js over mqtts with the CA connects; plaintext MQTT to the TLS port is refused', async () => {
    const options = { protocolVersion: 4, clientId: 'pendant-tls', username: 'pendant-tls', password: secret } as const;
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${platform.mqttTlsPort}`, {
      ...options,
      ca: cert.cert,
      reconnectPeriod: 0,
    });
    await client.publishAsync(
      deviceTopic('pendant-tls', 'heartbeat'),
      JSON.stringify({ ...envelope(), intervalS: 60, firmware: '2.0.0', battery: 55 }),
      { qos: 1 },
    );
    await client.endAsync();
    await eventually(async () => {
      const { rows } = await platform.db.pool.query(`SELECT battery FROM devices WHERE id = 'pendant-tls'`);
      return rows[0]?.battery === 55 ? true : undefined;
    }, 15_000);
    const plaintext = mqtt.connect(`mqtt://127.0.0.1:${platform.mqttTlsPort}`, {
      ...options,
      reconnectPeriod: 0,
      connectTimeout: 3000,
    });
    const outcome = await new Promise<string>((resolve) => {
      plaintext.once('connect', () => resolve('connected'));
      plaintext.once('error', () => resolve('refused'));
      plaintext.once('close', () => resolve('refused'));
    });
    plaintext.end(true);
    assert.equal(outcome, 'refused');
  });

  it('half a certificate pair is a configuration error, not a silent fallback to plaintext', () => {
    const result = configSchema.safeParse({ HTTPS_KEY_FILE: cert.keyFile });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /HTTPS_CERT_FILE/);
  });
});
