// The SIP transports of the SCAIP gateway: UDP datagrams, TCP streams framed by Content-Length, and
// TLS when a certificate is configured. Each hands complete requests to the SCAIP handler and
// sends back what it answers. Bad input is answered or dropped, never allowed to crash the process.

import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { createScaipHandler, type GatewayStats, type HandlerOptions, type Peer } from './handler.ts';
import { SipStreamFramer } from './sip.ts';

/** A TCP/TLS connection idle this long is closed; controllers reconnect for their next request. */
const STREAM_IDLE_TIMEOUT_MS = 15 * 60_000;

export interface GatewayOptions extends HandlerOptions {
  host: string;
  /** 0 picks an ephemeral port. */
  udpPort: number;
  tcpPort: number;
  /** SIP over TLS (port 5061 by convention), only when a certificate is configured. */
  tls?: { port: number; key: string | Buffer; cert: string | Buffer };
}

export interface Gateway {
  udpPort: number;
  tcpPort: number;
  tlsPort: number | null;
  stats(): GatewayStats;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const handler = createScaipHandler(options);
  let closing = false;

  async function answer(data: Buffer, peer: Peer, send: (response: Buffer) => void): Promise<void> {
    try {
      const response = await handler.handle(data, peer);
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

  const sockets = new Set<net.Socket>();
  function onConnection(transport: 'tcp' | 'tls') {
    return (socket: net.Socket) => {
      sockets.add(socket);
      const peer: Peer = { transport, address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 };
      const framer = new SipStreamFramer();
      const send = (response: Buffer) => {
        if (!socket.destroyed && socket.writable) socket.write(response);
      };
      socket.setTimeout(STREAM_IDLE_TIMEOUT_MS, () => socket.destroy());
      socket.on('error', (err) => logger.debug({ err, transport }, 'SIP stream error'));
      socket.on('close', () => sockets.delete(socket));
      socket.on('data', (chunk: Buffer) => {
        for (const framed of framer.push(chunk)) {
          if (framed.ok) {
            void answer(framed.message, peer, send);
            continue;
          }
          const response = framed.tooLarge ? handler.handleOversized(framed.head, peer, framed.detail) : null;
          if (!framed.tooLarge) logger.warn({ detail: framed.detail, transport }, 'SIP stream unframeable');
          if (response) socket.end(response);
          else socket.destroy();
        }
      });
    };
  }

  const tcp = net.createServer(onConnection('tcp'));
  tcp.on('error', (err) => logger.error({ err }, 'SIP TCP server error'));
  const secure = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }) : null;
  secure?.on('secureConnection', onConnection('tls'));
  secure?.on('tlsClientError', (err) => logger.debug({ err }, 'SIP TLS handshake failed'));

  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(options.udpPort, options.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  try {
    await listen(tcp, options.tcpPort, options.host);
    if (secure && options.tls) await listen(secure, options.tls.port, options.host);
  } catch (err) {
    // a port in use: release what was already bound before reporting
    udp.close();
    if (tcp.listening) tcp.close();
    throw err;
  }

  const gateway: Gateway = {
    udpPort: udp.address().port,
    tcpPort: (tcp.address() as AddressInfo).port,
    tlsPort: secure ? (secure.address() as AddressInfo).port : null,
    stats: handler.stats,
    async close() {
      if (closing) return;
      closing = true;
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

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
