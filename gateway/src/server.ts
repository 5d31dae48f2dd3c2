// The SIP transports of the SCAIP gateway: UDP datagrams, TCP streams framed by Content-Length, and
// TLS when a certificate is configured. Each hands complete requests to the SCAIP handler and
// sends back what it answers. Bad input is answered or dropped, never allowed to crash the process.

import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { type CallEvent, parseScaipDeviceId, type UnitAddress } from '@trygg/firmware-protocol';
import { connectionCapacity, openFileLimit } from '@trygg/observability/limits';
import { type Bridge, type BridgeMode, openBridge } from './bridge.ts';
import { type BridgeHost, startBridgeHost } from './bridge-host.ts';
import { CallBook, type CallNotice } from './calls.ts';
import { createScaipHandler, type GatewayStats, type HandlerOptions, type Peer } from './handler.ts';
import { Recordings } from './recorder.ts';
import { SipStreamFramer } from './sip.ts';
import type { VoiceDialogs } from './voice.ts';

/** What a TCP/TLS connection may hold, so that connections can never starve the process. */
export interface StreamLimits {
  /** A connection silent this long is closed (half-open ones too); controllers reconnect. */
  idleTimeoutMs: number;
  /** Connections from one address; more are closed at once. */
  maxPerPeer: number;
  /** Connections in all; more are closed at once. Lowered to fit the descriptor budget. */
  maxTotal: number;
  /** Descriptors kept free for everything else: database pool, broker, UDP, logs. */
  reserveDescriptors: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  idleTimeoutMs: 2 * 60_000,
  maxPerPeer: 32,
  maxTotal: 4096,
  reserveDescriptors: 512,
};

export { openFileLimit };

/** Stream connections allowed: the configured cap, never more than the descriptors left over. */
export function streamCapacity(limits: StreamLimits, fileLimit: number | null): number {
  return connectionCapacity(limits.maxTotal, limits.reserveDescriptors, fileLimit);
}

/**
 * The receive buffer asked for the SIP UDP socket: 2,000 controllers' alarms arriving in one pause
 * of the event loop (a datagram costs ~2 KiB of buffer with the kernel's overhead) fit, where
 * Linux's default (208 KiB) holds about a hundred and drops the rest unseen.
 */
export const DEFAULT_UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Datagrams the kernel dropped for the UDP sockets on local `port` because their receive buffer was
 * full (the `drops` column of /proc/net/udp and udp6); 0 where the tables cannot be read.
 */
export function udpReceiveDrops(port: number, table?: string): number {
  const text = table ?? readUdpTables();
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let drops = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 13 || !fields[1]?.endsWith(suffix)) continue;
    const value = Number(fields[fields.length - 1]);
    if (Number.isSafeInteger(value)) drops += value;
  }
  return drops;
}

function readUdpTables(): string {
  let text = '';
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    try {
      text += readFileSync(file, 'utf8');
    } catch {
      // no /proc (not Linux): no drop count
    }
  }
  return text;
}

/** How often the gateway looks at the kernel's drop count to log a new overflow. */
const UDP_DROP_CHECK_MS = 5_000;

export interface StreamStats {
  open: number;
  capacity: number;
  /** Connections closed on arrival, by cap. */
  refused: { peer: number; total: number };
  idleClosed: number;
}

export interface GatewayOptions extends HandlerOptions {
  host: string;
  /** 0 picks an ephemeral port. */
  udpPort: number;
  tcpPort: number;
  /**
   * SIP over TLS (port 5061 by convention), only when a certificate is configured. With `ca`,
   * every controller must present a client certificate issued by it; its subject CN is the
   * controller id it may speak for (in place of digest authentication).
   */
  tls?: { port: number; key: string | Buffer; cert: string | Buffer; ca?: string | Buffer };
  streams?: Partial<StreamLimits>;
  /**
   * The SIP UDP socket's receive buffer (SO_RCVBUF) asked of the kernel, which grants at most twice
   * net.core.rmem_max: what arrives while the event loop is busy waits there; default 4 MiB.
   */
  udpReceiveBufferBytes?: number;
  /** The alarm's voice call (SCAIP call negotiation, the unit's INVITE, RTP); off without it. */
  voice?: VoiceOptions;
}

export interface VoiceOptions {
  /**
   * `tnu`, the SIP URI units call; default `sip:voice@<host>:<udp port>`, or with `instanceId`
   * `sip:voice-<instanceId>@<host>:<udp port>`: this instance's own address, since the call lives here.
   */
  receiverUri?: string;
  /** This gateway instance (GATEWAY_INSTANCE_ID): INVITEs naming another instance's tnu are refused 480. */
  instanceId?: string;
  /** Publishes one call event (QoS 1) on the device's call topic. */
  publishCall(deviceId: string, event: CallEvent): Promise<void>;
  /** How long a unit may take to call after its alarm; default 60 s. */
  windowMs?: number;
  /** How often pending calls are swept for their deadline; default 1 s. */
  sweepIntervalMs?: number;
  /** Address the calls' RTP sockets bind and announce in SDP; default the SIP host. */
  rtpHost?: string;
  /**
   * The browser bridges (werift: ICE, DTLS-SRTP, SRTP per packet) run in a worker thread, so the
   * media never queues SIP and SCAIP behind it (default); false runs them on the main thread.
   */
  bridgeWorker?: boolean;
}

export interface GatewayVoice {
  /**
   * The operator joins a connected call from the browser: the bridge answers the browser's SDP
   * offer, and "answered by" is published. Who may join is the alarm center's decision.
   */
  join(
    callId: string,
    offerSdp: string,
    by: string,
    /** The municipality's recording policy is on (the alarm center's setting): record both directions. */
    record?: boolean,
  ): Promise<{ answer: string; recording: boolean } | null>;
  /** An ended call's recording (WAV), handed over once; null while the call is up or when none was made. */
  takeRecording(callId: string): Buffer | null;
  /** Recordings this gateway holds (live or not yet collected): 0 whenever the policy is off. */
  recordingsHeld(): number;
  /** Duplex, listen-in or speaker only: DTMF 4/7/8 to the unit and the bridge's direction. */
  setMode(callId: string, mode: BridgeMode): Promise<boolean>;
  /** The operator hangs up: DTMF 0, BYE, the bridge closed. */
  hangUp(callId: string): Promise<boolean>;
  /** The operator's "Ring upp": call the unit of this SCAIP device back at its last sip: crd. */
  ringUp(
    deviceId: string,
    alarmMessageId: string,
    /** The unit's address as the alarm center kept it: used when this process does not know the unit. */
    unit?: UnitAddress,
  ): Promise<{ ok: true; callId: string } | { ok: false; code: 'UNIT_NOT_CALLABLE' | 'CALL_BUSY' }>;
  book: CallBook;
  /** The bridge worker thread, when bridges run in one (tests kill it). */
  bridgeWorker(): import('node:worker_threads').Worker | null;
  /** The calls' dialogs and media: DTMF control, hang-up, RTP figures. */
  dialogs: VoiceDialogs;
  /** Ends the calls whose window has passed now (the sweep timer does this every second). */
  sweep(): void;
  /**
   * Our own MQTT unit's stored alarm offered a call: opens it (call.offered is published) and
   * returns the address the unit is to call, or null when the unit's call is already up (busy).
   */
  offerUnit(deviceId: string, alarmMessageId: string): { callId: string; uri: string; deadlineTs: number } | null;
}

export interface Gateway {
  udpPort: number;
  tcpPort: number;
  tlsPort: number | null;
  stats(): GatewayStats & {
    streams: StreamStats;
    tlsHandshakesFailed: number;
    /** The SIP UDP socket: its receive buffer as granted, datagrams the kernel dropped for it. */
    udp: { receiveBufferBytes: number; dropped: number };
  };
  /** Present when `voice` was configured. */
  voice: GatewayVoice | null;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const now = options.now ?? Date.now;
  let udpPort = 0;
  const voice = options.voice;
  const book = voice
    ? new CallBook({
        receiverUri: () =>
          voice.receiverUri ??
          `sip:${voice.instanceId ? `voice-${voice.instanceId}` : 'voice'}@${options.host}:${udpPort}`,
        newId: () => `call-${randomUUID()}`,
        ...(voice.windowMs === undefined ? {} : { windowMs: voice.windowMs }),
      })
    : null;
  // One call's events are published one after another, each after the previous PUBACK (which
  // follows the alarm center's commit), so "ringing" never overtakes "offered" on the way.
  const callChains = new Map<string, Promise<void>>();
  const callEvent = ({ deviceId, event: told }: CallNotice) => {
    logger.info({ callId: told.callId, deviceId, type: told.type }, 'voice call event');
    if (!voice) return;
    // the alarm center sends the call's join and hang-up to the instance that holds it
    const event: CallEvent = voice.instanceId ? { ...told, instance: voice.instanceId } : told;
    const previous = callChains.get(event.callId) ?? Promise.resolve();
    const next = previous
      .then(() => voice.publishCall(deviceId, event))
      .catch((err: unknown) => {
        logger.error({ err, deviceId, callId: event.callId, type: event.type }, 'voice call event not published');
      });
    callChains.set(event.callId, next);
    if (event.type === 'call.ended') void next.then(() => callChains.delete(event.callId));
  };
  let tcpPort = 0;
  const local = () => ({ host: options.host, udpPort, tcpPort });
  const rtpHost = voice?.rtpHost ?? options.host;
  const sendUdp = (data: Buffer, port: number, address: string) => {
    if (closing) return;
    udp.send(data, port, address, (err) => {
      if (err) logger.warn({ err, address, port }, 'SIP UDP send failed');
    });
  };
  const handler = createScaipHandler({
    ...options,
    ...(book
      ? {
          calls: {
            book,
            callEvent,
            rtpHost,
            local,
            sendUdp,
            ...(voice?.instanceId ? { instanceId: voice.instanceId } : {}),
          },
        }
      : {}),
  });
  const sweep = () => {
    if (!book) return;
    for (const notice of book.expire(now())) {
      // a call-back still ringing at the unit is cancelled
      handler.voice?.abandon(notice.event.callId);
      callEvent(notice);
    }
  };
  const bridges = new Map<string, Bridge>();
  const bridgeHost: BridgeHost | null =
    book && voice?.bridgeWorker !== false
      ? startBridgeHost({
          logger,
          onCrash(callIds, detail) {
            options.metrics?.bridgeWorkerCrashes.inc();
            for (const callId of callIds) {
              bridges.delete(callId);
              if (handler.voice?.fail(callId, `BRIDGE_WORKER_CRASHED: ${detail}`))
                options.metrics?.bridgeCallsLost.inc();
            }
          },
        })
      : null;
  const recordings = new Recordings({ isLive: (callId) => handler.voice?.call(callId) !== undefined });
  const sweeper = book
    ? setInterval(() => {
        sweep();
        // a call the unit hung up takes its bridge with it
        for (const [callId, bridge] of bridges) {
          if (handler.voice?.call(callId)) continue;
          bridges.delete(callId);
          void bridge.close();
        }
      }, voice?.sweepIntervalMs ?? 1000)
    : null;
  const MODE_DIGITS = { duplex: '4', listen: '7', speak: '8' } as const;
  const voiceControl = (calls: CallBook, dialogs: VoiceDialogs): GatewayVoice => ({
    book: calls,
    sweep,
    bridgeWorker: () => bridgeHost?.worker ?? null,
    dialogs,
    async join(callId, offerSdp, by, record = false) {
      const call = dialogs.call(callId);
      const state = calls.get(callId);
      const codec = call?.rtp.media?.codec;
      if (!call || !state || !codec || bridges.has(callId)) return null;
      const bridge = bridgeHost ? await bridgeHost.open(call, offerSdp) : await openBridge(call, offerSdp);
      bridges.set(callId, bridge);
      const recorder = record ? recordings.start(callId, codec) : null;
      if (recorder) call.rtp.tap = recorder;
      callEvent({
        deviceId: state.deviceId,
        event: { v: 1, id: `${callId}.answered`, ts: now(), callId, type: 'call.answered', by },
      });
      return { answer: bridge.answer, recording: recorder !== null };
    },
    recordingsHeld: () => recordings.size,
    takeRecording: (callId) => (dialogs.call(callId) ? null : recordings.take(callId)),
    offerUnit(deviceId, alarmMessageId) {
      const offered = calls.offerUnit(deviceId, alarmMessageId, now());
      if (!offered) return null;
      callEvent(offered.notice);
      const { callId, deadline } = offered.call;
      return { callId, uri: `sip:${callId}@${rtpHost}:${udpPort}`, deadlineTs: deadline };
    },
    async setMode(callId, mode) {
      const bridge = bridges.get(callId);
      if (!bridge) return false;
      bridge.setMode(mode);
      return dialogs.control(callId, MODE_DIGITS[mode]);
    },
    async ringUp(deviceId, alarmMessageId, address) {
      const unit = parseScaipDeviceId(deviceId);
      if (!unit) return { ok: false, code: 'UNIT_NOT_CALLABLE' };
      return dialogs.ringUp(unit.cid, deviceId, alarmMessageId, address);
    },
    async hangUp(callId) {
      const done = await dialogs.hangUp(callId);
      await bridges.get(callId)?.close();
      bridges.delete(callId);
      return done;
    },
  });
  sweeper?.unref();
  let closing = false;

  async function answer(data: Buffer, peer: Peer, send: (response: Buffer) => void): Promise<void> {
    try {
      const response = await handler.handle(data, peer, (later) => {
        if (!closing) send(later);
      });
      if (response && !closing) send(response);
    } catch (err) {
      logger.error({ err, peer: `${peer.transport}:${peer.address}:${peer.port}` }, 'SIP request handling failed');
    }
  }

  const udp = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  udp.on('error', (err) => logger.error({ err }, 'SIP UDP socket error'));
  udp.on('message', (data, rinfo) => {
    const peer: Peer = { transport: 'udp', address: rinfo.address, port: rinfo.port };
    // answer the source address: controllers sit behind NAT far more often than not (cf. rport)
    void answer(data, peer, (response) =>
      udp.send(response, rinfo.port, rinfo.address, (err) => {
        if (err) logger.warn({ err }, 'SIP UDP send failed');
      }),
    );
  });

  const limits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.streams };
  const capacity = streamCapacity(limits, openFileLimit());
  const streams: StreamStats = { open: 0, capacity, refused: { peer: 0, total: 0 }, idleClosed: 0 };
  let tlsHandshakesFailed = 0;
  const sockets = new Set<net.Socket>();
  const perPeer = new Map<string, number>();

  /** Admits a connection within the caps, or says which cap it hits (TCP and TLS share the total). */
  function admit(address: string): 'peer' | 'total' | null {
    if (sockets.size >= capacity) return 'total';
    if ((perPeer.get(address) ?? 0) >= limits.maxPerPeer) return 'peer';
    return null;
  }

  function onConnection(transport: 'tcp' | 'tls') {
    return (socket: net.Socket) => {
      const address = socket.remoteAddress ?? '?';
      const refused = admit(address);
      if (refused) {
        streams.refused[refused]++;
        options.metrics?.streamsRefused.inc({ cap: refused });
        logger.warn({ transport, peer: address, cap: refused }, 'SIP stream connection refused: connection cap');
        socket.destroy();
        return;
      }
      sockets.add(socket);
      options.metrics?.streamsOpen.set(sockets.size);
      perPeer.set(address, (perPeer.get(address) ?? 0) + 1);
      const peer: Peer = { transport, address, port: socket.remotePort ?? 0 };
      const certificateCid =
        transport === 'tls' && options.tls?.ca ? clientCertificateCid(socket as tls.TLSSocket) : undefined;
      if (certificateCid !== undefined) peer.certificateCid = certificateCid;
      const framer = new SipStreamFramer();
      const send = (response: Buffer) => {
        if (!socket.destroyed && socket.writable) socket.write(response);
      };
      socket.setTimeout(limits.idleTimeoutMs, () => {
        streams.idleClosed++;
        socket.destroy();
      });
      socket.on('error', (err) => logger.debug({ err, transport }, 'SIP stream error'));
      socket.on('close', () => {
        sockets.delete(socket);
        options.metrics?.streamsOpen.set(sockets.size);
        const left = (perPeer.get(address) ?? 1) - 1;
        if (left > 0) perPeer.set(address, left);
        else perPeer.delete(address);
      });
      socket.on('data', (chunk: Buffer) => {
        for (const framed of framer.push(chunk)) {
          if (framed.ok) {
            void answer(framed.message, peer, send);
            continue;
          }
          const response = framed.tooLarge
            ? handler.handleOversized(framed.head, peer, framed.detail, framed.truncated)
            : null;
          if (!framed.tooLarge) logger.warn({ detail: framed.detail, transport }, 'SIP stream unframeable');
          if (response) socket.end(response);
          else socket.destroy();
        }
      });
    };
  }

  const tcp = net.createServer(onConnection('tcp'));
  // The total cap is the servers' own maxConnections: the kernel's socket is closed before it
  // reaches us, and a TLS socket counts from accept, while its handshake is still pending.
  const refuseTotal = (transport: 'tcp' | 'tls') => (drop?: { remoteAddress?: string }) => {
    streams.refused.total++;
    options.metrics?.streamsRefused.inc({ cap: 'total' });
    logger.warn(
      { transport, peer: drop?.remoteAddress, cap: 'total' },
      'SIP stream connection refused: connection cap',
    );
  };
  tcp.maxConnections = capacity;
  tcp.on('drop', refuseTotal('tcp'));
  tcp.on('error', (err) => logger.error({ err }, 'SIP TCP server error'));
  const secure = options.tls
    ? tls.createServer({
        key: options.tls.key,
        cert: options.tls.cert,
        handshakeTimeout: 10_000,
        ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
      })
    : null;
  if (secure) {
    secure.maxConnections = capacity;
    secure.on('drop', refuseTotal('tls'));
  }
  secure?.on('secureConnection', onConnection('tls'));
  secure?.on('tlsClientError', (err, socket) => {
    // with a CA configured this is also a controller without a valid client certificate
    if (options.tls?.ca) options.metrics?.authFailures.inc({ reason: 'TLS_CLIENT_CERTIFICATE' });
    tlsHandshakesFailed++;
    logger.warn({ err: err.message, peer: socket.remoteAddress }, 'SIP TLS handshake failed');
  });

  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(options.udpPort, options.host, () => {
      udp.off('error', reject);
      udpPort = udp.address().port;
      resolve();
    });
  });
  const receiveBuffer = sizeReceiveBuffer(udp, options.udpReceiveBufferBytes ?? DEFAULT_UDP_RECEIVE_BUFFER_BYTES);
  if (receiveBuffer.granted < receiveBuffer.asked) {
    logger.warn(
      { asked: receiveBuffer.asked, granted: receiveBuffer.granted },
      'SIP UDP receive buffer smaller than asked: raise net.core.rmem_max (sysctl) to at least the asked size, or a burst of alarms is dropped and resent late',
    );
  }
  options.metrics?.udpReceiveBuffer.set(receiveBuffer.granted);
  const dropsOf = () => udpReceiveDrops(udpPort);
  options.metrics?.watchUdpDrops(dropsOf);
  let dropsSeen = dropsOf();
  const dropWatch = setInterval(() => {
    const drops = dropsOf();
    if (drops > dropsSeen) {
      logger.warn(
        { dropped: drops - dropsSeen, total: drops, receiveBuffer: receiveBuffer.granted },
        'SIP UDP receive buffer overflowed: the kernel dropped datagrams, their controllers resend after their SIP timer',
      );
    }
    dropsSeen = drops;
  }, UDP_DROP_CHECK_MS);
  dropWatch.unref();
  try {
    await listen(tcp, options.tcpPort, options.host);
    tcpPort = (tcp.address() as AddressInfo).port;
    if (secure && options.tls) await listen(secure, options.tls.port, options.host);
  } catch (err) {
    // a port in use: release what was already bound before reporting
    if (sweeper) clearInterval(sweeper);
    clearInterval(dropWatch);
    udp.close();
    if (tcp.listening) tcp.close();
    throw err;
  }

  const gateway: Gateway = {
    udpPort: udp.address().port,
    tcpPort: (tcp.address() as AddressInfo).port,
    tlsPort: secure ? (secure.address() as AddressInfo).port : null,
    stats: () => ({
      ...handler.stats(),
      streams: { ...streams, open: sockets.size, refused: { ...streams.refused } },
      tlsHandshakesFailed,
      udp: { receiveBufferBytes: receiveBuffer.granted, dropped: dropsOf() },
    }),
    voice: book && handler.voice ? voiceControl(book, handler.voice) : null,
    async close() {
      if (closing) return;
      closing = true;
      if (sweeper) clearInterval(sweeper);
      clearInterval(dropWatch);
      handler.voice?.close();
      for (const bridge of bridges.values()) await bridge.close();
      await bridgeHost?.close();
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
        secure ? new Promise<void>((resolve) => secure.close(() => resolve())) : undefined,
      ]);
    },
  };
  logger.info(
    { host: options.host, udpPort: gateway.udpPort, tcpPort: gateway.tcpPort, tlsPort: gateway.tlsPort },
    'SCAIP gateway listening',
  );
  return gateway;
}

/** Asks the kernel for `asked` bytes of receive buffer and reports what it granted. */
function sizeReceiveBuffer(socket: dgram.Socket, asked: number): { asked: number; granted: number } {
  try {
    socket.setRecvBufferSize(asked);
  } catch {
    // refused outright (not Linux, a sandbox): what the socket has is what it keeps
  }
  try {
    // Linux reports twice what it grants (the kernel's bookkeeping share included)
    return { asked, granted: socket.getRecvBufferSize() };
  } catch {
    return { asked, granted: 0 };
  }
}

/** The controller id a verified client certificate stands for: its subject CN, when it is one. */
function clientCertificateCid(socket: tls.TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  const value = Array.isArray(cn) ? cn[0] : cn;
  return typeof value === 'string' && /^[A-Za-z0-9]{1,24}$/.test(value) ? value : undefined;
}

/**
 * Handshakes the kernel holds while the gateway is busy: controllers reconnecting over TCP or TLS
 * at once (after a network outage) wait there instead of for TCP's retransmission; Linux caps it at
 * net.core.somaxconn (4096 by default). Node's own default is 511.
 */
const STREAM_LISTEN_BACKLOG = 4096;

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: STREAM_LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
