// The applicant sign-in's error catalogue (area 'applicants'): stable codes with a message and HTTP
// status. Indexed in error-catalogue.ts; the e-service translates each code.

import { catalogueError } from '../errors.ts';

export const APPLICANT_ERRORS = {
  APPLICANT_SIGN_IN_REQUIRED: { status: 401, message: 'Sign in with e-legitimation before applying' },
  SIGN_IN_NOT_CONFIGURED: { status: 503, message: 'No identity provider is configured (OIDC_ISSUER)' },
  SIGN_IN_UNAVAILABLE: { status: 503, message: 'The identity provider does not answer; try again soon' },
  SIGN_IN_STATE_INVALID: {
    status: 400,
    message: 'The sign-in is unknown, expired or already used, or began in another browser; sign in again',
  },
  SIGN_IN_REFUSED: { status: 401, message: 'The sign-in was cancelled or refused at the identity provider' },
  SIGN_IN_TOKEN_INVALID: {
    status: 401,
    message: 'The identity provider’s ID token was not accepted (signature, issuer, audience, expiry or nonce)',
  },
  SIGN_IN_TOO_MANY: { status: 429, message: 'Too many sign-ins started from this address; wait a minute' },
  SIGN_IN_IDENTITY_MISSING: { status: 401, message: 'The ID token carries no valid Swedish identity number' },
} as const;

export type ApplicantErrorCode = keyof typeof APPLICANT_ERRORS;

export class ApplicantError extends catalogueError('applicants', 'ApplicantError', APPLICANT_ERRORS) {}
