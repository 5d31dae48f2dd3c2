// Only a controller that proves its secret speaks for it: SIPp and baresip (SIP stacks nobody here
// wrote) answer the gateway's digest challenge with the controller's password; a forger who only
// knows the controller id gets 401/403 and nothing reaches the broker. Counted by reason.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createControllerAuth, parseDigestHeader } from '../src/auth.ts';
import { controllerCredentialsSchema, loadConfig } from '../src/config.ts';
import { connectPublisher, type Gateway, type Publisher, startGateway } from '../src/index.ts';
import { createGatewayMetrics } from '../src/metrics.ts';
import {
  alarmFields,
  eventually,
  fixture,
  MQTT_URL,
  mrq,
  type Received,
  runBaresip,
  runSipp,
  silentLogger,
  subscribeDevices,
  testPki,
  uniqueCid,
} from './helpers.ts';

function sipMessage(body: string, authorization?: string): Buffer {
  const id = Math.random().toString(16).slice(2);
  return Buffer.from(
    [
      'MESSAGE sip:scaip@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-a${id}`,
      'From: <sip:controller@127.0.0.1>;tag=c1',
      'To: <sip:scaip@127.0.0.1>',
      `Call-ID: auth-${id}`,
      'CSeq: 1 MESSAGE',
      ...(authorization ? [`Authorization: ${authorization}`] : []),
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

const status = (response: string) => Number(/^SIP\/2\.0 (\d{3})/.exec(response)?.[1]);

describe('controller authentication', () => {
  let publisher: Publisher;
  let gateway: Gateway;
  let subscriber: Awaited<ReturnType<typeof subscribeDevices>>;
  const metrics = createGatewayMetrics();
  const cid = uniqueCid();
  const fenced = uniqueCid();
  const modern = uniqueCid();
  const secret = 'controller-secret-4600123';
  const controllers = new Set([cid, fenced, modern]);

  beforeAll(async () => {
    subscriber = await subscribeDevices();
    publisher = await connectPublisher({ url: MQTT_URL });
    gateway = await startGateway({
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      controllers: { isKnown: (c) => controllers.has(c) },
      publish: publisher.publish,
      logger: silentLogger,
      metrics,
      auth: createControllerAuth({
        credentials: new Map([
          [cid, { secret }],
          [modern, { secret, algorithms: ['SHA-256', 'MD5'] }],
          [fenced, { secret, sources: ['192.0.2.0/24'] }],
        ]),
      }),
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await publisher?.close();
    await subscriber?.close();
  });

  const from = (c: string): Received[] =>
    subscriber.received.filter((m) => m.topic.startsWith(`v1/devices/scaip-${c}-`));

  test('SIPp answering the digest challenge with the controller secret gets snu 0 and the alarm is published', async () => {
    const run = await runSipp('scaip-digest.xml', gateway.udpPort, {
      keys: { body: mrq(alarmFields(cid, 'D0001')), cid },
      sets: { expected: '0' },
      auth: { username: cid, password: secret },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(await eventually(() => from(cid).length === 1));
  });

  test('baresip with the controller password gets snu 0 over TCP', async () => {
    const run = await runBaresip(gateway.tcpPort, fixture('essence-pendant-press.xml', cid), 'tcp', {
      username: cid,
      password: secret,
    });
    assert.deepEqual(run.statuses, [401, 200], run.trace);
    assert.deepEqual(run.snus, [0], run.trace);
  });

  test('a forged reset without credentials is challenged 401 and publishes nothing', async () => {
    const before = from(cid).length;
    const reset = mrq({ ...alarmFields(cid, 'F0001'), mty: 'RE', stc: '0094' });
    const response = await udpExchange(gateway.udpPort, sipMessage(reset));
    assert.equal(status(response), 401);
    assert.match(response, /WWW-Authenticate: Digest realm="trygg-scaip", nonce="[^"]+", qop="auth", algorithm=MD5/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(from(cid).length, before);
  });

  test('a controller configured for SHA-256 (RFC 7616) is challenged SHA-256 first, then MD5', async () => {
    const response = await udpExchange(gateway.udpPort, sipMessage(mrq(alarmFields(modern, 'H0001'))));
    assert.match(response, /algorithm=SHA-256\r\nWWW-Authenticate: Digest .*algorithm=MD5/);
  });

  test('a wrong secret is 401 again, and counted as an authentication failure', async () => {
    const body = mrq(alarmFields(cid, 'F0002'));
    const challenge = await udpExchange(gateway.udpPort, sipMessage(body));
    const p = parseDigestHeader(/WWW-Authenticate: (.*algorithm=MD5)/.exec(challenge)?.[1] ?? '');
    assert.ok(p);
    const md5 = (t: string) => createHash('md5').update(t).digest('hex');
    const ha1 = md5(`${cid}:${p.realm}:wrong-guess`);
    const response = md5(`${ha1}:${p.nonce}:00000001:abc:auth:${md5('MESSAGE:sip:scaip@127.0.0.1')}`);
    const authorization = `Digest username="${cid}", realm="${p.realm}", nonce="${p.nonce}", uri="sip:scaip@127.0.0.1", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc"`;
    assert.equal(status(await udpExchange(gateway.udpPort, sipMessage(body, authorization))), 401);
    assert.match(await metrics.registry.metrics(), /^scaip_auth_failures_total\{reason="AUTH_FAILED"\} 1$/m);
  });

  test("another controller's valid credentials cannot speak for this one (403)", async () => {
    const other = uniqueCid();
    controllers.add(other);
    const run = await runSipp('scaip-digest.xml', gateway.udpPort, {
      keys: { body: mrq(alarmFields(other, 'X0001')), cid },
      sets: { expected: '0' },
      auth: { username: cid, password: secret },
    });
    assert.notEqual(run.code, 0, 'the authenticated MESSAGE for another cid was not answered 200');
    assert.equal(from(other).length, 0);
  });

  test('a controller outside its allowed source addresses is 403 even with its secret', async () => {
    const run = await runSipp('scaip-digest.xml', gateway.udpPort, {
      keys: { body: mrq(alarmFields(fenced, 'S0001')), cid: fenced },
      sets: { expected: '0' },
      auth: { username: fenced, password: secret },
    });
    assert.notEqual(run.code, 0);
    assert.match(await metrics.registry.metrics(), /^scaip_auth_failures_total\{reason="SOURCE_NOT_ALLOWED"\} 1$/m);
    assert.equal(from(fenced).length, 0);
  });

  test('a controller without configured credentials is refused 403', async () => {
    const stranger = uniqueCid();
    controllers.add(stranger);
    assert.equal(status(await udpExchange(gateway.udpPort, sipMessage(mrq(alarmFields(stranger, 'N0001'))))), 403);
  });

  test('authentication is on by default; the credentials file is validated at start-up', () => {
    assert.equal(loadConfig({}).GATEWAY_AUTH, 'digest');
    assert.ok(controllerCredentialsSchema.safeParse({ '4600123': { secret: 'long-enough-secret' } }).success);
    assert.ok(!controllerCredentialsSchema.safeParse({ '4600123': { secret: 'short' } }).success);
    assert.ok(!controllerCredentialsSchema.safeParse({ 'bad cid': { secret: 'long-enough-secret' } }).success);
  });
});

describe('controller authentication by TLS client certificate', () => {
  let publisher: Publisher;
  let gateway: Gateway;
  const cid = uniqueCid();
  const other = uniqueCid();
  const pki = testPki([cid]);

  beforeAll(async () => {
    publisher = await connectPublisher({ url: MQTT_URL });
    gateway = await startGateway({
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      tls: { port: 0, ...pki.server, ca: pki.ca },
      controllers: { isKnown: (c) => c === cid || c === other },
      publish: publisher.publish,
      logger: silentLogger,
      auth: createControllerAuth({ credentials: new Map() }),
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await publisher?.close();
    pki.remove();
  });

  /** One request over TLS with the given client certificate (or none); what came back, '' if refused. */
  function overTls(body: string, client?: { key: Buffer; cert: Buffer }): Promise<string> {
    return new Promise((resolve) => {
      // the throwaway server certificate names 127.0.0.1 in its CN only; the CA is what is trusted
      const socket = tls.connect({
        host: '127.0.0.1',
        port: gateway.tlsPort ?? 0,
        ca: pki.ca,
        checkServerIdentity: () => undefined,
        ...client,
      });
      let received = '';
      socket.on('data', (c: Buffer) => {
        received += c.toString();
        if (/\r\n\r\n/.test(received) && (received.includes('</mrs>') || /Content-Length: 0\r\n/.test(received)))
          socket.end();
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(received));
      socket.once('secureConnect', () => socket.write(sipMessage(body)));
    });
  }

  test('a controller presenting its certificate (CN = its cid) gets snu 0 without a digest', async () => {
    assert.match(await overTls(mrq(alarmFields(cid, 'C0001')), pki.clients[cid]), /<snu>0<\/snu>/);
  });

  test('its certificate cannot speak for another controller (403)', async () => {
    assert.equal(status(await overTls(mrq(alarmFields(other, 'C0002')), pki.clients[cid])), 403);
  });

  test('without a client certificate the TLS handshake is refused and counted', async () => {
    const before = gateway.stats().tlsHandshakesFailed;
    assert.equal(await overTls(mrq(alarmFields(cid, 'C0003'))), '');
    assert.ok(await eventually(() => gateway.stats().tlsHandshakesFailed === before + 1));
  });
});
