// Shared fixtures for the gateway tests: SCAIP bodies, a real broker subscriber, a gateway started
// on ephemeral ports, and SIPp run as the SCAIP controller.

import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VOICE_CALLS_FILTER, voiceCallTopic } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll } from 'vitest';
import {
  connectPublisher,
  createGatewayMetrics,
  type Gateway,
  type GatewayOptions,
  type Publisher,
  startGateway,
} from '../src/index.ts';
import { silentLogger } from '../src/testing.ts';

// What the end-to-end suite shares with these tests is exported from the package as
// @trygg/gateway/testing; re-exported here so each gateway test keeps one helper module.
export {
  alarmFields,
  freeUdpPort,
  type MrqFields,
  mrq,
  runSipp,
  runSippUnit,
  SCENARIO_DIR,
  SIPP,
  type SippRun,
  silentLogger,
} from '../src/testing.ts';

export const MQTT_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
export const BARESIP = process.env.BARESIP ?? '/usr/bin/baresip';
export const FIXTURE_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * `mrq` bodies shaped like real units' messages (layout, version tag, call-back and vendor
 * elements), with the controller id replaced: what a deployed controller would send.
 */
export const REAL_UNIT_FIXTURES = {
  'essence-pendant-press.xml': { channel: 'event', did: '1', type: 'alarm.manual' },
  'possum-fall-with-voice.xml': { channel: 'event', did: '3', type: 'fall.detected' },
  'telealarm-mobile-press-lge.xml': { channel: 'event', did: '12', type: 'alarm.manual' },
  'doro-reset.xml': { channel: 'event', did: '1', type: 'alarm.cancel' },
  'controller-heartbeat.xml': { channel: 'heartbeat', did: '0', type: undefined },
} as const;
export type RealUnitFixture = keyof typeof REAL_UNIT_FIXTURES;

export function fixture(name: RealUnitFixture, cid: string): string {
  return readFileSync(`${FIXTURE_DIR}${name}`, 'utf8').replaceAll('CID', cid);
}

/** A controller id no other test (or earlier run) uses, so broker messages can be told apart. */
export function uniqueCid(): string {
  return `T${randomBytes(6).toString('hex')}`;
}

/** The classic billion-laughs body. */
export const XML_BOMB = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<mrq><ref>bomb1</ref><cid>C1</cid><mty>ME</mty><dty>0003</dty><did>1</did><stc>0010</stc><lco>&lol5;</lco></mrq>`;

export const XXE = `<?xml version="1.0"?>
<!DOCTYPE mrq [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<mrq><ref>xxe1</ref><cid>C1</cid><mty>ME</mty><dty>0003</dty><did>1</did><stc>0010</stc><lco>&xxe;</lco></mrq>`;

export interface Received {
  topic: string;
  payload: Record<string, unknown>;
}

/** Subscribes to every device's event and heartbeat channel, and the voice call events, on the real broker. */
export async function subscribeDevices(): Promise<{ received: Received[]; close(): Promise<void> }> {
  const client = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 4, clean: true });
  const received: Received[] = [];
  client.on('message', (topic, payload) => {
    received.push({ topic, payload: JSON.parse(payload.toString('utf8')) as Record<string, unknown> });
  });
  await client.subscribeAsync(['v1/devices/+/event', 'v1/devices/+/heartbeat', VOICE_CALLS_FILTER], { qos: 1 });
  return { received, close: () => client.endAsync() };
}

export interface TestGateway {
  gateway: Gateway;
  /** The gateway's Prometheus text (its own registry). */
  metricsText(): Promise<string>;
  publisher: Publisher;
  controllers: Set<string>;
  close(): Promise<void>;
}

export async function startTestGateway(
  controllers: Set<string>,
  heartbeatIntervalS?: number,
  extra: Partial<Pick<GatewayOptions, 'voice' | 'now' | 'auth' | 'udpReceiveBufferBytes'>> & {
    withVoice?: boolean;
    windowMs?: number;
    /** The instance named in the tnu (GATEWAY_INSTANCE_ID). */
    instanceId?: string;
  } = {},
): Promise<TestGateway> {
  const publisher = await connectPublisher({ url: MQTT_URL });
  const { withVoice, windowMs, instanceId, ...rest } = extra;
  const metrics = createGatewayMetrics();
  const gateway = await startGateway({
    metrics,
    host: '127.0.0.1',
    udpPort: 0,
    tcpPort: 0,
    controllers: {
      isKnown: (cid) => controllers.has(cid),
      heartbeatIntervalS: () => heartbeatIntervalS,
    },
    publish: publisher.publish,
    logger: silentLogger,
    ...(withVoice
      ? {
          voice: {
            publishCall: (deviceId, event) =>
              publisher.publish(voiceCallTopic(deviceId), Buffer.from(JSON.stringify(event))),
            ...(windowMs === undefined ? {} : { windowMs, sweepIntervalMs: 200 }),
            ...(instanceId === undefined ? {} : { instanceId }),
          },
        }
      : {}),
    ...rest,
  });
  return {
    gateway,
    metricsText: () => metrics.registry.metrics(),
    publisher,
    controllers,
    async close() {
      await gateway.close();
      await publisher.close();
    },
  };
}

export interface SippGateway {
  /** The running gateway (set once the suite's beforeAll has run). */
  readonly gateway: Gateway;
  metricsText(): Promise<string>;
  /** A fresh controller id the gateway knows. */
  known(): string;
  /** What reached the broker on controller `cid`'s device event and heartbeat channels. */
  events(cid: string): Received[];
  /** What reached the broker on controller `cid`'s voice call channel. */
  calls(cid: string): Received[];
}

/**
 * The suite's gateway for SIPp to drive: a real broker subscriber and a gateway (heartbeat 120 s)
 * that knows the controllers `known()` hands out (with voice calls and a clock if asked), started
 * before the suite's tests and closed after.
 */
export function sippGateway(options: { withVoice?: boolean; now?: () => number; windowMs?: number } = {}): SippGateway {
  const controllers = new Set<string>();
  let gw: TestGateway | undefined;
  let subscriber: Awaited<ReturnType<typeof subscribeDevices>> | undefined;
  beforeAll(async () => {
    subscriber = await subscribeDevices();
    gw = await startTestGateway(controllers, 120, {
      ...(options.withVoice ? { withVoice: true } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
    });
  });
  afterAll(async () => {
    await gw?.close();
    await subscriber?.close();
  });
  const started = () => {
    if (!gw || !subscriber) throw new Error('the SIPp gateway is used before its beforeAll ran');
    return { gw, subscriber };
  };
  const received = (prefix: string) => started().subscriber.received.filter((m) => m.topic.startsWith(prefix));
  return {
    get gateway() {
      return started().gw.gateway;
    },
    metricsText: () => started().gw.metricsText(),
    known() {
      const cid = uniqueCid();
      controllers.add(cid);
      return cid;
    },
    events: (cid) => received(`v1/devices/scaip-${cid}-`),
    calls: (cid) => received(`v1/voice/scaip-${cid}-`),
  };
}

/** Waits until `predicate` holds or `timeoutMs` passes (the broker delivers asynchronously). */
export async function eventually(predicate: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return predicate();
}

export interface BaresipRun {
  /** Final status codes of the responses baresip received, in order. */
  statuses: number[];
  /** The `snu` of each `mrs` baresip received. */
  snus: number[];
  /** The end of baresip's SIP trace, for assertion messages. */
  trace: string;
}

/**
 * Sends one SIP MESSAGE with Debian's baresip, a SIP stack nobody here wrote (re/baresip), on
 * 127.0.0.1 only, and reads the responses from its SIP trace. baresip sends instant messages as
 * text/plain on one line, as generic SIP stacks embedded in controllers do. `-t` is a hang
 * guard: baresip quits after that many seconds whatever happened.
 */
export function runBaresip(
  port: number,
  body: string,
  transport: 'udp' | 'tcp' = 'udp',
  auth?: { username: string; password: string },
): Promise<BaresipRun> {
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      'sip_listen 127.0.0.1:0',
      'sip_transports udp,tcp',
      'module_path /usr/lib/baresip/modules',
      'module account.so',
      'module contact.so',
      'module menu.so',
      '',
    ].join('\n'),
  );
  // baresip 1.0 picks TCP only through an outbound proxy, so TCP goes through one: the gateway
  const outbound = transport === 'tcp' ? `;outbound="sip:127.0.0.1:${port};transport=tcp"` : '';
  // with a password, baresip answers the gateway's digest challenge as the controller (its user)
  const account = auth ? `<sip:${auth.username}@127.0.0.1>;auth_pass=${auth.password}` : '<sip:controller@127.0.0.1>';
  writeFileSync(join(dir, 'accounts'), `${account};regint=0${outbound}\n`);
  writeFileSync(join(dir, 'contacts'), `"gateway" <sip:scaip@127.0.0.1:${port}>\n`);
  const oneLine = body.replace(/>\s+</g, '><').trim();
  return new Promise((resolve) => {
    execFile(
      BARESIP,
      ['-f', dir, '-s', '-e', `/message ${oneLine}`, '-t', '4'],
      { timeout: 15_000, cwd: dir },
      (_error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        // ANSI colours out of the trace, then the responses that came back
        const trace = `${stdout}${stderr}`.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
        const statuses = [...trace.matchAll(/^SIP\/2\.0 ([0-9]{3}) /gm)].map((m) => Number(m[1]));
        const snus = [...trace.matchAll(/<mrs>.*?<snu>([0-9]+)<\/snu>/g)].map((m) => Number(m[1]));
        resolve({ statuses, snus, trace: trace.slice(-1500) });
      },
    );
  });
}

export interface TestPki {
  ca: Buffer;
  server: { key: Buffer; cert: Buffer };
  /** A client certificate per name, subject CN = the name (a controller id), issued by `ca`. */
  clients: Record<string, { key: Buffer; cert: Buffer }>;
  remove(): void;
}

/** A throwaway CA, a server certificate for 127.0.0.1 and client certificates, made with openssl. */
export function testPki(clientNames: string[]): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'scaip-pki-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  const issue = (name: string, subject: string) => {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      file(`${name}.pem`),
    );
    return { key: readFileSync(file(`${name}.key`)), cert: readFileSync(file(`${name}.pem`)) };
  };
  const server = issue('server', '/CN=127.0.0.1');
  const clients = Object.fromEntries(clientNames.map((n) => [n, issue(`client-${n}`, `/CN=${n}`)]));
  return {
    ca: readFileSync(file('ca.pem')),
    server,
    clients,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
