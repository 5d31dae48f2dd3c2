// The supervision errors (area 'supervision'): a stable code, a message and an HTTP status each.
// Indexed in error-catalogue.ts, which the HTTP error handler recognises.

import { catalogueError } from '../errors.ts';

export const SUPERVISION_ERRORS = {
  PLAN_NOT_FOUND: { status: 404, message: 'The resident has no supervision plan' },
  PLAN_VISIT_NOT_FOUND: { status: 404, message: 'No such planned visit' },
  VISIT_NOT_FOUND: { status: 404, message: 'No such visit' },
  VISIT_CLOSED: { status: 409, message: 'The visit is already closed' },
  VISIT_NOT_DUE: { status: 409, message: 'The visit is not due yet' },
  CONSENT_NOT_FOUND: { status: 404, message: 'No such consent' },
  CONSENT_WITHDRAWN: { status: 409, message: 'The consent is already withdrawn' },
  CONSENT_REQUIRED: { status: 409, message: 'The visit cannot be digital without valid consent' },
  FRAME_REFUSED: { status: 403, message: 'You may not see this camera now' },
  NO_CAMERA: { status: 409, message: 'The resident has no camera' },
  NO_DEVICE_FOR_ALARM: { status: 409, message: 'The resident has no device an alarm can be raised on' },
} as const;

export type SupervisionErrorCode = keyof typeof SUPERVISION_ERRORS;

export class SupervisionError extends catalogueError('supervision', 'SupervisionError', SUPERVISION_ERRORS) {}
