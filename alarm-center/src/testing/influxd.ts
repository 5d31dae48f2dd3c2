// Starts a real InfluxDB 1.x (Debian's influxd) for tests: data, meta and WAL in a temp dir,
// HTTP and RPC bound to free loopback ports, reporting off. Stopped and removed afterwards.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A TCP port free on 127.0.0.1 now, for a server started later whose port must be known first (a
 * URL handed to another process). Chosen below the kernel's ephemeral range, so a listener on port
 * 0 started meanwhile, in this process or a test file running beside it, is never handed the same
 * port (one was: EADDRINUSE, and a voice test's setup waited out its 10-minute hook timeout).
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await canListen(port)) return port;
  }
  return listenOnce(0);
}

/** The first port of the kernel's ephemeral range (32768 by default). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

const canListen = (port: number) =>
  listenOnce(port).then(
    () => true,
    () => false,
  );

export interface RunningInflux {
  url: string;
  httpPort: number;
  stop(): Promise<void>;
}

export async function startInfluxd(): Promise<RunningInflux> {
  const dir = mkdtempSync(join(tmpdir(), 'trygg-influx-'));
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[logging]
  level = "error"
`,
  );
  const child: ChildProcess = spawn('influxd', ['-config', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/ping`);
      if (res.status === 204) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('influxd did not start within 20 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    httpPort,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
