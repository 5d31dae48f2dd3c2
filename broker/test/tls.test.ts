// MQTT over TLS: with a certificate configured the broker also listens on a TLS port; clients that
// trust the CA connect and publish, plaintext and untrusting clients are refused at the handshake.

import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type PublishedMessage, type RunningBroker, startBroker } from '../src/broker.ts';
import { selfSignedCertificate, type TestCertificate } from '../src/testing.ts';

describe('MQTT over TLS', () => {
  let certificate: TestCertificate;
  let ca: Buffer;
  let broker: RunningBroker;
  const published: PublishedMessage[] = [];

  beforeAll(async () => {
    certificate = await selfSignedCertificate();
    ca = certificate.cert;
    broker = await startBroker(
      {
        host: '127.0.0.1',
        mqttPort: 0,
        wsPort: null,
        allowAnonymous: false,
        maxPayloadBytes: 16 * 1024,
        tls: { key: certificate.key, cert: ca, port: 0 },
      },
      {
        authenticator: { authenticate: async (id, secret) => id === 'pendant-1' && secret === 'secret-1' },
        hooks: { onPublished: async (m) => void published.push(m) },
        logger: pino({ level: 'silent' }),
      },
    );
  });

  afterAll(async () => {
    await broker?.close();
    await certificate.remove();
  });

  const device = { protocolVersion: 4, clientId: 'pendant-1', username: 'pendant-1', password: 'secret-1' } as const;

  it('a device trusting the CA connects over mqtts and its QoS 1 alarm is acknowledged', async () => {
    assert.ok(broker.tlsPort && broker.tlsPort !== broker.mqttPort);
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.tlsPort}`, {
      ...device,
      ca,
      reconnectPeriod: 0,
    });
    await client.publishAsync('v1/devices/pendant-1/event', '{"tls":true}', { qos: 1 });
    await client.endAsync();
    assert.equal(published.at(-1)?.payload.toString(), '{"tls":true}');
  });

  it('a client that does not trust the certificate is refused at the handshake', async () => {
    await assert.rejects(
      mqtt.connectAsync(`mqtts://127.0.0.1:${broker.tlsPort}`, { ...device, reconnectPeriod: 0, connectTimeout: 3000 }),
      /self[- ]signed/i,
    );
  });

  it('plaintext MQTT to the TLS port gets no CONNACK', async () => {
    const socket = connectTcp(broker.tlsPort as number, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // A valid MQTT 3.1.1 CONNECT (client id "x", clean session) sent without TLS.
    socket.write(Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 1, 0x78]));
    const reply = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.once('close', () => resolve(Buffer.concat(chunks)));
    });
    assert.notEqual(reply[0], 0x20, 'no CONNACK: the TLS server closed the connection');
  });

  it('plain MQTT on the ordinary port keeps working alongside TLS', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.mqttPort}`, { ...device, reconnectPeriod: 0 });
    await client.publishAsync('v1/devices/pendant-1/event', '{"plain":true}', { qos: 1 });
    await client.endAsync();
    assert.equal(published.at(-1)?.payload.toString(), '{"plain":true}');
  });
});
