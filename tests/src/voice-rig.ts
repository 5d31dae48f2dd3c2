// The SCAIP rig the gateway and voice end-to-end tests share: the alarm center on its own database
// with the gateway's broker account (and, for the console's calls, the bridge's URL and token), the
// gateway publishing into it as that account, its voice bridge API, SCAIP devices provisioned for a
// resident, and a page on 127.0.0.1 where the operator's browser offers its side of the call.

import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Platform } from '@trygg/alarm-center';
import {
  addResident,
  createTestDatabase,
  freePort,
  startTestPlatform,
  type TestDatabase,
} from '@trygg/alarm-center/testing';

export { freePort };

import { voiceCallTopic } from '@trygg/firmware-protocol';
import {
  type BridgeApi,
  connectPublisher,
  type Gateway,
  type GatewayOptions,
  type Publisher,
  pgControllerRegistry,
  scaipDeviceId,
  startBridgeApi,
  startGateway,
} from '@trygg/gateway';
import { silentLogger } from '@trygg/gateway/testing';
import type { Page } from 'playwright-core';

/** The gateway's service account on the alarm center's broker. */
export const GATEWAY_ACCOUNT = { username: 'scaip-gateway', password: 'gateway-secret-0001' };
/** The token the alarm center presents to the gateway's bridge API. */
export const BRIDGE_TOKEN = 'bridge-token-0123456789';
/** The A-law recording SIPp plays as the unit's voice. */
export const PCAP = '/usr/share/sip-tester/g711a.pcap';
/** SIPp echoes the RTP it receives from the unit's media port. */
export const RTP_ECHO = ['-rtp_echo', '-mi', '127.0.0.1', '-mp', '0'];

/** A TCP port free on 127.0.0.1 now, for a server the alarm center must know before it starts. */
export interface ScaipRigOptions {
  /** The resident the rig's devices are provisioned for. */
  resident: string;
  /** The gateway's MQTT client id. */
  clientId: string;
  /** Voice calls: the gateway publishes call events; with `bridge`, its bridge API is started too. */
  voice?: boolean;
  /** Starts the gateway's bridge API on a port the alarm center is told of (implies voice). */
  bridge?: boolean;
  /**
   * Several gateway instances (GATEWAY_INSTANCE_ID): the alarm center is told each one's bridge
   * (GATEWAY_BRIDGE_URLS); `startInstance` starts (or restarts) one on its port. The first is also
   * GATEWAY_BRIDGE_URL, unless `bridge` makes the rig's own gateway that.
   */
  instances?: string[];
  /** The built console for the alarm center to serve. */
  consoleDist?: string;
  /** The gateway's clock. */
  now?: () => number;
}

export interface ScaipRig {
  db: TestDatabase;
  platform: Platform;
  publisher: Publisher;
  gateway: Gateway;
  bridgeApi?: BridgeApi;
  /** Provisions SCAIP unit `did` of controller `cid` for the rig's resident; returns its device id. */
  provision(cid: string, did: string, deviceType?: 'pendant' | 'fall'): Promise<string>;
  /** Another gateway on the same alarm center and publisher (a restart, another configuration). */
  startGateway(extra?: Partial<GatewayOptions>): Promise<Gateway>;
  /** Gateway instance `id` (one of `instances`) with voice and its bridge API on its port; close() stops both. */
  startInstance(id: string): Promise<{ gateway: Gateway; close(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startScaipRig(options: ScaipRigOptions): Promise<ScaipRig> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const bridgePort = options.bridge ? await freePort() : undefined;
    const instancePorts = new Map<string, number>();
    for (const id of options.instances ?? []) instancePorts.set(id, await freePort());
    const db = await createTestDatabase();
    closers.push(() => db.drop());
    const platform = await startTestPlatform({
      databaseUrl: db.url,
      ...(options.consoleDist ? { consoleDist: options.consoleDist } : {}),
      env: {
        BROKER_SERVICE_USERS: `${GATEWAY_ACCOUNT.username}:${GATEWAY_ACCOUNT.password}`,
        ...(bridgePort
          ? { GATEWAY_BRIDGE_URL: `http://127.0.0.1:${bridgePort}`, GATEWAY_BRIDGE_TOKEN: BRIDGE_TOKEN }
          : {}),
        ...(instancePorts.size > 0
          ? {
              GATEWAY_BRIDGE_URLS: [...instancePorts].map(([id, port]) => `${id}=http://127.0.0.1:${port}`).join(','),
              // the first also as the single bridge of a configuration that predates instances
              ...(bridgePort ? {} : { GATEWAY_BRIDGE_URL: `http://127.0.0.1:${[...instancePorts.values()][0]}` }),
              GATEWAY_BRIDGE_TOKEN: BRIDGE_TOKEN,
            }
          : {}),
      },
    });
    closers.push(() => platform.close());
    await addResident(platform, options.resident);
    const publisher = await connectPublisher({
      url: `mqtt://127.0.0.1:${platform.mqttPort}`,
      ...GATEWAY_ACCOUNT,
      clientId: options.clientId,
    });
    closers.push(() => publisher.close());
    const gatewayOn = (extra: Partial<GatewayOptions> = {}) =>
      startGateway({
        host: '127.0.0.1',
        udpPort: 0,
        tcpPort: 0,
        controllers: pgControllerRegistry({ pool: platform.db.pool }),
        publish: publisher.publish,
        logger: silentLogger,
        ...extra,
      });
    const gateway = await gatewayOn({
      ...(options.now ? { now: options.now } : {}),
      ...(options.voice || options.bridge
        ? {
            voice: {
              publishCall: (deviceId, event) =>
                publisher.publish(voiceCallTopic(deviceId), Buffer.from(JSON.stringify(event))),
            },
          }
        : {}),
    });
    closers.push(() => gateway.close());
    let bridgeApi: BridgeApi | undefined;
    if (bridgePort) {
      assert.ok(gateway.voice);
      const api = await startBridgeApi({
        voice: gateway.voice,
        host: '127.0.0.1',
        port: bridgePort,
        token: BRIDGE_TOKEN,
        logger: silentLogger,
      });
      closers.push(() => api.close());
      bridgeApi = api;
    }
    return {
      db,
      platform,
      publisher,
      gateway,
      ...(bridgeApi ? { bridgeApi } : {}),
      async provision(cid, did, deviceType = 'pendant') {
        const deviceId = scaipDeviceId(cid, did);
        await platform.provisioning.register({
          deviceId,
          deviceType,
          serial: `SCAIP-${cid}-${did}`,
          residentId: options.resident,
          district: 'Centrum',
          heartbeatIntervalS: 120,
          rules: {},
        });
        return deviceId;
      },
      startGateway: gatewayOn,
      async startInstance(id) {
        const port = instancePorts.get(id);
        assert.ok(port, `${id} is one of the rig's instances`);
        const instance = await gatewayOn({
          voice: {
            instanceId: id,
            publishCall: (deviceId, event) =>
              publisher.publish(voiceCallTopic(deviceId), Buffer.from(JSON.stringify(event))),
          },
        });
        assert.ok(instance.voice);
        const api = await startBridgeApi({
          voice: instance.voice,
          host: '127.0.0.1',
          port,
          token: BRIDGE_TOKEN,
          logger: silentLogger,
        });
        let closed = false;
        const stop = async () => {
          if (closed) return;
          closed = true;
          await api.close();
          await instance.close();
        };
        closers.push(stop);
        return { gateway: instance, close: stop };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface TestPage {
  url: string;
  close(): Promise<void>;
}

/** Serves `html` on 127.0.0.1, a secure context, where getUserMedia and WebRTC are allowed. */
export async function servePage(html: string): Promise<TestPage> {
  const server = http.createServer((_req, res) => res.end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The operator's browser side of the call, in `tab` (a page from `servePage` with an `#out` audio
 * element): the microphone goes into an RTCPeerConnection left on `window.pc`, the unit's track into
 * `#out` (played at once with `playOnTrack`, else on the page's own click); resolves with the
 * browser's offer once ICE gathering is complete.
 */
export function browserOffer(tab: Page, options: { playOnTrack: boolean }): Promise<string> {
  return tab.evaluate(async ({ playOnTrack }) => {
    const w = window as unknown as { pc: RTCPeerConnection };
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection();
    w.pc = pc;
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.ontrack = (e) => {
      const out = document.getElementById('out') as HTMLAudioElement;
      if (playOnTrack) {
        // a remote track is decoded (and its level measured) only while something plays it out
        out.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        void out.play();
      } else {
        out.srcObject = new MediaStream([e.track]);
      }
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    return pc.localDescription?.sdp as string;
  }, options);
}

/** Gives the browser's `window.pc` the bridge's SDP answer (after `browserOffer`). */
export async function acceptAnswer(tab: Page, sdp: string): Promise<void> {
  await tab.evaluate(async (answer) => {
    await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp: answer });
  }, sdp);
}

/** The audio level (0..1) of the browser's inbound audio on `window.pc`, 0 before any arrives. */
export function inboundAudioLevel(tab: Page): Promise<number> {
  return tab.evaluate(async () => {
    const report = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
    let value = 0;
    report.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') value = r.audioLevel ?? 0;
    });
    return value;
  });
}
