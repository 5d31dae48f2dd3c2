// The one way a process of the platform exposes its Prometheus metrics: a listener of its own
// (never the console's port), loopback by default, optionally behind a bearer token.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import client from 'prom-client';

export interface MetricsEndpointOptions {
  registry: client.Registry;
  /** Default 127.0.0.1: an operator's browser on another machine cannot reach it. */
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string | null;
}

export interface MetricsEndpoint {
  port: number;
  url: string;
  close(): Promise<void>;
}

export class MetricsEndpointError extends Error {
  readonly code = 'METRICS_PORT_IN_USE';
}

function authorised(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function serveMetrics(options: MetricsEndpointOptions): Promise<MetricsEndpoint> {
  const { registry } = options;
  const host = options.host ?? '127.0.0.1';
  const token = options.token || null;
  const unauthorised =
    (registry.getSingleMetric('metrics_unauthorized_total') as client.Counter | undefined) ??
    new client.Counter({
      name: 'metrics_unauthorized_total',
      help: 'Requests to the metrics endpoint refused for a missing or wrong token',
      registers: [registry],
    });
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NOT_FOUND"}');
      return;
    }
    if (token && !authorised(request, token)) {
      unauthorised.inc();
      response
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end('{"code":"METRICS_UNAUTHORIZED"}');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"METRICS_FAILED"}'),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' ? new MetricsEndpointError(`metrics port ${options.port} is already in use`) : err,
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
