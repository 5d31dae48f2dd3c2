// A real HAProxy (Debian's package) in TCP mode in front of several alarm-center nodes: devices
// connect to one address and HAProxy picks a node whose /health answers 200, moving new
// connections away from a node that stops answering. The configuration is written the same way
// as the committed deploy/haproxy.cfg, with loopback addresses and free ports.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from '@trygg/alarm-center/testing';

export const HAPROXY = process.env.HAPROXY ?? '/usr/sbin/haproxy';

export interface BalancedServer {
  name: string;
  port: number;
  /** Port of the HTTP /health check; without it HAProxy only checks that the port accepts. */
  healthPort?: number;
  /** Taken only when every other server is down (a PostgreSQL standby, say). */
  backup?: boolean;
}

export interface Frontend {
  name: string;
  servers: BalancedServer[];
}

export interface Haproxy {
  /** The frontend's listening port, by frontend name. */
  port(frontend: string): number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** The configuration text; `bind` ports are given, so the caller knows them before the start. */
export function haproxyConfig(frontends: (Frontend & { bindPort: number })[], maxconn = 5000): string {
  const lines = [
    'global',
    `  maxconn ${maxconn}`,
    '',
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    // longer than any MQTT keepalive a device uses, so an idle device is not cut
    '  timeout client 15m',
    '  timeout server 15m',
    '  timeout check 2s',
    // a connection attempt to a dead node goes to another one
    '  retries 2',
    '  option redispatch',
    '',
  ];
  for (const f of frontends) {
    const http = f.servers.some((s) => s.healthPort !== undefined);
    lines.push(`frontend ${f.name}`, `  bind 127.0.0.1:${f.bindPort}`, `  default_backend ${f.name}-nodes`, '');
    lines.push(`backend ${f.name}-nodes`, '  balance leastconn');
    if (http) lines.push('  option httpchk GET /health/live', '  http-check expect status 200');
    // a node marked down has its connections cut, so its devices reconnect to a live one at once
    lines.push('  default-server inter 500ms fall 3 rise 2 on-marked-down shutdown-sessions');
    for (const s of f.servers) {
      const check = s.healthPort === undefined ? 'check' : `check port ${s.healthPort}`;
      lines.push(`  server ${s.name} 127.0.0.1:${s.port} ${check}${s.backup ? ' backup' : ''}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export async function startHaproxy(frontends: Frontend[], options: { maxconn?: number } = {}): Promise<Haproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'trygg-haproxy-'));
  const bound = await Promise.all(frontends.map(async (f) => ({ ...f, bindPort: await freePort() })));
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, haproxyConfig(bound, options.maxconn));
  const child = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const ports = new Map(bound.map((f) => [f.name, f.bindPort]));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // listening once a TCP connection to every frontend is accepted
    const { connect } = await import('node:net');
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
      for (const port of ports.values()) {
        await new Promise<void>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => {
            s.destroy();
            resolve();
          });
          s.once('error', reject);
        });
      }
      return true;
    }, 10_000);
  } catch (err) {
    await stop();
    throw new Error(`haproxy did not start: ${(err as Error).message}\n${output}`);
  }
  return {
    port(name) {
      const port = ports.get(name);
      if (port === undefined) throw new Error(`no frontend ${name}`);
      return port;
    },
    child,
    output: () => output,
    stop,
  };
}
