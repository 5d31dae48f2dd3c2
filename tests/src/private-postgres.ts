// A PostgreSQL server of our own (Debian's PostgreSQL 15 binaries, a fresh cluster in a temp dir,
// a free port), so fault tests can stop and start it without touching the machine's shared
// instance. PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` user.

import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@trygg/alarm-center/testing';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The postmaster's process id (fault tests freeze it). */
  pid(): Promise<number>;
  destroy(): Promise<void>;
  /** The cluster's data directory. */
  dataDir: string;
  /** Runs a query as the superuser on this server (psql, so no pool is left behind). */
  sql(query: string): Promise<string>;
}

export interface StreamingStandby extends PrivatePostgres {
  /** Ends recovery: the standby becomes a primary that takes writes. */
  promote(): Promise<void>;
}

async function asPostgres(command: string, args: string[]) {
  const user = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const [file, ...rest] = [...user, `${BIN}/${command}`, ...args] as [string, ...string[]];
  return run(file, rest, { timeout: 60_000 });
}

export async function startPrivatePostgres(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'trygg-pg-'));
  await chmod(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  return runCluster(dir, data, port, settings);
}

/**
 * A hot standby of `primary` on a free port: a base backup (pg_basebackup -R, WAL streamed) that
 * follows the primary by streaming replication under `name` (for synchronous_standby_names).
 */
export async function startStreamingStandby(primary: PrivatePostgres, name = 'standby1'): Promise<StreamingStandby> {
  const dir = await mkdtemp(join(tmpdir(), 'trygg-pg-standby-'));
  await chmod(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  await asPostgres('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    data,
    '-R',
    '-X',
    'stream',
    '--no-sync',
  ]);
  const server = await runCluster(dir, data, port, {
    primary_conninfo: `'host=127.0.0.1 port=${primary.port} user=postgres application_name=${name}'`,
    hot_standby: 'on',
  });
  return {
    ...server,
    async promote() {
      await asPostgres('pg_ctl', ['-D', data, '-w', '-t', '30', 'promote']);
    },
  };
}

async function runCluster(
  dir: string,
  data: string,
  port: number,
  settings: Record<string, string>,
): Promise<PrivatePostgres> {
  const extra = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=32MB ${extra}`;
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir: data,
    async sql(query) {
      const args = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-At', '-c', query];
      return (await run(`${BIN}/psql`, args, { timeout: 30_000 })).stdout.trim();
    },
    start,
    pid: async () => Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]),
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    async destroy() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
