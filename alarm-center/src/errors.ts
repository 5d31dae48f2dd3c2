// The alarm center's platform error catalogue and the machinery every area's catalogue is made
// with: a stable code, a message and an HTTP status for each error a client or an operator can
// meet, so logs and consoles match on the code. error-catalogue.ts indexes all areas.

export const ERRORS = {
  AUTH_REQUIRED: { status: 401, message: 'Log in first' },
  AUTH_INVALID: { status: 401, message: 'Wrong username or password' },
  AUTH_DELAYED: { status: 429, message: 'Too many failed logins; wait before trying again (see Retry-After)' },
  FORBIDDEN_ROLE: { status: 403, message: 'Your role may not do this' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  ALARM_NOT_FOUND: { status: 404, message: 'No such alarm' },
  ALARM_CLOSED: { status: 409, message: 'The alarm is already closed' },
  ALARM_ALREADY_ACKNOWLEDGED: { status: 409, message: 'The alarm is already acknowledged' },
  ALARM_NOT_ACKNOWLEDGED: { status: 409, message: 'Acknowledge the alarm first' },
  DEVICE_EXISTS: { status: 409, message: 'A device with this id already exists' },
  DEVICE_NOT_FOUND: { status: 404, message: 'No such device' },
  RESIDENT_NOT_FOUND: { status: 404, message: 'No such resident' },
  VALIDATION: { status: 400, message: 'The request is not valid' },
  REFERENCE_UNKNOWN: { status: 409, message: 'The request names something that does not exist (any more)' },
  COMMANDS_UNAVAILABLE: { status: 503, message: 'Commands cannot be sent to devices right now' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; alarms are held until it returns' },
  PORT_IN_USE: { status: 500, message: 'A port is already in use' },
  EMBEDDED_DB_UNSUPPORTED: { status: 500, message: 'No embedded PostgreSQL for this platform; set DATABASE_URL' },
  EMBEDDED_DB_FAILED: { status: 500, message: 'The embedded PostgreSQL could not be started' },
  NESTED_POOL_USE: {
    status: 500,
    message: 'The pool was used while this operation holds an open transaction; pass the transaction down',
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export type Catalogue = Record<string, { status: number; message: string }>;

/** An error of one of the catalogues: its area (the catalogue's prefix), stable code and HTTP status. */
export abstract class CatalogueError extends Error {
  abstract readonly area: string;
  abstract readonly code: string;
  abstract readonly statusCode: number;
}

/**
 * The Error class of one catalogue: `new X(code)` carries the stable code, the catalogue's message
 * (or a more specific one) and the HTTP status; the HTTP error handler sends code and message.
 */
export function catalogueError<C extends Catalogue>(area: string, name: string, catalogue: C) {
  return class extends CatalogueError {
    readonly area = area;
    readonly code: keyof C & string;
    readonly statusCode: number;
    constructor(code: keyof C & string, message: string = (catalogue[code] as C[keyof C]).message) {
      super(message);
      this.name = name;
      this.code = code;
      this.statusCode = (catalogue[code] as C[keyof C]).status;
    }
  };
}

export class AppError extends catalogueError('platform', 'AppError', ERRORS) {}
