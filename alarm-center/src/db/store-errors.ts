// Whether a failed write is worth trying again. The ingest acts on the answer: a transient failure
// is not acknowledged (the device resends, the platform reports itself degraded); a permanent one is
// acknowledged with a counted refusal, because resending the same message would mute the device.

export type StoreFailure = 'transient' | 'permanent';

/** Serialisation failure and deadlock: the transaction itself is sound and succeeds when retried. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

/**
 * SQLSTATE classes that say the database cannot be used right now: 08 connection exception,
 * 53 insufficient resources (disk full, out of memory, too many connections), 57 operator
 * intervention (shutdown, statement timeout), 58 system (I/O) error, XX internal error.
 */
const TRANSIENT_SQLSTATE = /^(08|53|57|58|XX)/;

/**
 * Classes about the values of this very message: 22 data exception (a NUL in text, a number out of
 * range), 23 integrity constraint violation, 54 program limit exceeded (a value too large).
 */
const PERMANENT_SQLSTATE = /^(22|23|54)/;

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** What node-postgres says, without a code, when a connection breaks or the pool cannot lend one. */
const TRANSIENT_MESSAGES =
  /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|not queryable|Query read timeout/i;

/** Errors our own code throws for some input: the same message takes the same path again. */
const PROGRAM_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
}

/** The SQLSTATE of a PostgreSQL error, or null for anything else. */
export function sqlstate(err: unknown): string | null {
  const code = (err as ErrorLike | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

export function isRetryable(err: unknown): boolean {
  const state = sqlstate(err);
  return state !== null && RETRYABLE_SQLSTATES.has(state);
}

/**
 * A permanent verdict needs evidence that the failure is about this message: a data or integrity
 * error, or our own code failing on its content. Anything else (a lost connection, a revoked
 * privilege, an unknown error) is transient, because acknowledging a message that was not stored
 * would hide the failure from the device; an unacknowledged device keeps trying and the platform
 * shows itself degraded, which an operator sees.
 */
export function classifyStoreFailure(err: unknown): StoreFailure {
  const state = sqlstate(err);
  if (state !== null) {
    if (RETRYABLE_SQLSTATES.has(state) || TRANSIENT_SQLSTATE.test(state)) return 'transient';
    return PERMANENT_SQLSTATE.test(state) ? 'permanent' : 'transient';
  }
  if (isConnectionFailure(err as ErrorLike | null)) return 'transient';
  return PROGRAM_ERRORS.some((kind) => err instanceof kind) ? 'permanent' : 'transient';
}

function isConnectionFailure(e: ErrorLike | null): boolean {
  return (
    (typeof e?.code === 'string' && TRANSIENT_NODE_CODES.has(e.code)) ||
    (typeof e?.message === 'string' && TRANSIENT_MESSAGES.test(e.message))
  );
}

/**
 * What may be logged of a store error: codes and schema names, never the message or detail, which
 * for data errors quote the refused value (a device's free text, a resident's data).
 */
export function storeErrorSummary(err: unknown): Record<string, string> {
  const e = (err ?? {}) as Record<string, unknown>;
  const summary: Record<string, string> = { failure: classifyStoreFailure(err) };
  const state = sqlstate(err);
  if (state) summary.sqlstate = state;
  else if (typeof e.code === 'string') summary.code = e.code;
  for (const key of ['table', 'column', 'constraint'] as const) {
    if (typeof e[key] === 'string') summary[key] = e[key];
  }
  if (err instanceof Error) summary.name = err.name;
  // A known connection failure's message carries no data and is what an operator needs to see;
  // any other message might quote a value, so it stays out of the log.
  if (state === null && typeof e.message === 'string' && isConnectionFailure(e)) {
    summary.message = e.message.slice(0, 200);
  }
  return summary;
}
