// The responders errors (area 'responders'): dispatch, the responder's steps, the job sheet and
// the key register. Indexed in error-catalogue.ts, which the HTTP error handler recognises.

import { catalogueError } from '../errors.ts';

export const RESPONDER_ERRORS = {
  RESPONDER_NOT_FOUND: { status: 404, message: 'No such responder' },
  RESPONDER_NOT_AVAILABLE: { status: 409, message: 'The responder is not on duty; choose someone available' },
  RESPONDER_LOGIN_UNKNOWN: { status: 409, message: 'Your login is not linked to a responder yet' },
  RESPONDER_EXISTS: { status: 409, message: 'A responder with this id already exists' },
  RESPONDER_USER_UNKNOWN: { status: 409, message: 'No user with this login; create the login first' },
  RESPONDER_USER_TAKEN: { status: 409, message: 'This login is already linked to another responder' },
  DISPATCH_NOT_FOUND: { status: 404, message: 'No such dispatch' },
  DISPATCH_NOT_YOURS: { status: 403, message: 'This dispatch was sent to another responder' },
  DISPATCH_NOT_ACTIVE: { status: 409, message: 'The dispatch has ended' },
  DISPATCH_STEP_REFUSED: { status: 409, message: 'This step does not follow the dispatch’s current state' },
  ALARM_NOT_TAKEN: { status: 409, message: 'Take (acknowledge) the alarm before dispatching' },
  KEY_NOT_FOUND: { status: 404, message: 'No such key' },
  KEY_EXISTS: { status: 409, message: 'A key with this id already exists' },
  KEY_RESIDENT_UNKNOWN: { status: 404, message: 'No such resident' },
  KEY_LOCK_UNKNOWN: { status: 409, message: 'No device with this id to be the digital lock' },
  KEY_LOCK_MISMATCH: { status: 400, message: 'A digital lock names its lock device; other keys name none' },
  KEY_ALREADY_OUT: { status: 409, message: 'The key is already signed out' },
  KEY_NOT_OUT: { status: 409, message: 'The key is not signed out' },
  KEY_NOT_RESIDENTS: { status: 409, message: 'The key does not belong to this alarm’s resident' },
  LOCK_NOT_ALLOWED: { status: 403, message: 'A digital lock opens only during an active dispatch or visit' },
  LOCK_NO_ANSWER: { status: 504, message: 'The digital lock did not answer' },
  LOCK_REFUSED: { status: 502, message: 'The digital lock refused to open' },
} as const;

export type ResponderErrorCode = keyof typeof RESPONDER_ERRORS;

export class ResponderError extends catalogueError('responders', 'ResponderError', RESPONDER_ERRORS) {}
