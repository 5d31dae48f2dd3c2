// The voice errors (area 'voice'): joining an alarm's call from the console.
// Indexed in error-catalogue.ts, which the HTTP error handler recognises.

import { catalogueError } from '../errors.ts';

export const VOICE_ERRORS = {
  VOICE_NOT_HOLDER: { status: 403, message: 'Only the operator who has taken the alarm may join its call' },
  CALL_NOT_FOUND: { status: 404, message: 'The alarm has no such call' },
  CALL_NOT_RINGING: { status: 409, message: 'The call is not waiting to be answered' },
  VOICE_BRIDGE_UNAVAILABLE: { status: 503, message: 'The voice bridge could not be reached' },
} as const;

export class VoiceError extends catalogueError('voice', 'VoiceError', VOICE_ERRORS) {}
