// The gateway's /metrics (served by @trygg/observability, behind a token): accepted requests,
// every refusal by reason with its SIP status and snu, and stream connections refused by cap.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { type MetricsEndpoint, serveMetrics } from '@trygg/observability';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { connectPublisher, type Publisher, startGateway } from '../src/index.ts';
import { createGatewayMetrics } from '../src/metrics.ts';
import type { Gateway } from '../src/server.ts';
import { alarmFields, eventually, MQTT_URL, mrq, silentLogger, uniqueCid } from './helpers.ts';

const TOKEN = 'metrics-token-0123456789';

function sipMessage(body: string): Buffer {
  const id = Math.random().toString(16).slice(2);
  return Buffer.from(
    [
      'MESSAGE sip:scaip@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-m${id}`,
      'From: <sip:controller@127.0.0.1>;tag=c1',
      'To: <sip:scaip@127.0.0.1>',
      `Call-ID: metrics-${id}`,
      'CSeq: 1 MESSAGE',
      'Content-Type: application/scaip+xml',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

function udpExchange(port: number, data: Buffer): Promise<string> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('message', (msg) => {
      socket.close();
      resolve(msg.toString());
    });
    socket.send(data, port, '127.0.0.1');
  });
}

describe('gateway metrics', () => {
  let publisher: Publisher;
  let gateway: Gateway;
  let endpoint: MetricsEndpoint;
  const cid = uniqueCid();

  beforeAll(async () => {
    const metrics = createGatewayMetrics();
    publisher = await connectPublisher({ url: MQTT_URL });
    gateway = await startGateway({
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      controllers: { isKnown: (c) => c === cid },
      publish: publisher.publish,
      logger: silentLogger,
      metrics,
      streams: { maxPerPeer: 1 },
    });
    endpoint = await serveMetrics({ registry: metrics.registry, port: 0, token: TOKEN });
  });
  afterAll(async () => {
    await endpoint?.close();
    await gateway?.close();
    await publisher?.close();
  });

  async function scrape(): Promise<string> {
    const response = await fetch(endpoint.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    return response.text();
  }

  test('accepted requests, refusals by reason/SIP status/snu and refused connections are exported', async () => {
    assert.match(await udpExchange(gateway.udpPort, sipMessage(mrq(alarmFields(cid, 'M0001')))), /<snu>0<\/snu>/);
    await udpExchange(gateway.udpPort, sipMessage(mrq({ ...alarmFields(cid, 'M0002'), dty: undefined })));
    await udpExchange(gateway.udpPort, sipMessage(mrq(alarmFields(uniqueCid(), 'M0003'))));
    const first = net.connect(gateway.tcpPort, '127.0.0.1');
    await new Promise((resolve) => first.once('connect', resolve));
    const second = net.connect(gateway.tcpPort, '127.0.0.1');
    second.on('error', () => {});
    await new Promise((resolve) => second.once('close', resolve));
    first.destroy();
    assert.ok(await eventually(() => gateway.stats().streams.refused.peer === 1));

    const text = await scrape();
    assert.match(text, /^scaip_requests_accepted_total\{channel="event"\} 1$/m);
    assert.match(text, /^scaip_requests_refused_total\{reason="MANDATORY_TAG_MISSING",sip="200",snu="7"\} 1$/m);
    assert.match(text, /^scaip_requests_refused_total\{reason="UNKNOWN_CONTROLLER",sip="403",snu="none"\} 1$/m);
    assert.match(text, /^sip_stream_connections_refused_total\{cap="peer"\} 1$/m);
    assert.match(text, /^# TYPE scaip_auth_failures_total counter$/m);
  });

  test('without the token /metrics is refused', async () => {
    assert.equal((await fetch(endpoint.url)).status, 401);
  });

  test('METRICS_HOST, METRICS_PORT and METRICS_TOKEN are parsed once in the configuration', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.METRICS_HOST, '127.0.0.1');
    assert.equal(defaults.METRICS_PORT, 9465);
    assert.equal(defaults.METRICS_TOKEN, undefined);
    const set = loadConfig({ METRICS_HOST: '0.0.0.0', METRICS_PORT: '9999', METRICS_TOKEN: TOKEN });
    assert.deepEqual([set.METRICS_HOST, set.METRICS_PORT, set.METRICS_TOKEN], ['0.0.0.0', 9999, TOKEN]);
    assert.throws(() => loadConfig({ METRICS_TOKEN: 'short' }));
  });
});
