// The grant flow's error catalogue (area 'grants'): stable codes with a message and HTTP status.
// Indexed in error-catalogue.ts, which the HTTP error handler recognises.

import { catalogueError } from '../errors.ts';

export const GRANT_ERRORS = {
  APPLICATION_NOT_FOUND: { status: 404, message: 'No such application' },
  APPLICATION_NOT_IN_MANUAL_QUEUE: { status: 409, message: 'The application is not waiting for a case worker' },
  APPLICATION_ALREADY_OPEN: {
    status: 409,
    message: 'An application for this person is already open; this one is linked to it for the case worker',
  },
  ORDER_NOT_FOUND: { status: 404, message: 'No such installation order' },
  ORDER_WRONG_STATE: { status: 409, message: 'The installation order is not in a state that allows this' },
  ORDER_NOT_YOURS: { status: 409, message: 'Another technician has booked this installation order' },
  ORDER_DEVICE_NOT_TESTED: {
    status: 409,
    message: 'The device has not sent a test alarm since it was provisioned; test it on site first',
  },
} as const;

export type GrantErrorCode = keyof typeof GRANT_ERRORS;

export class GrantError extends catalogueError('grants', 'GrantError', GRANT_ERRORS) {}
