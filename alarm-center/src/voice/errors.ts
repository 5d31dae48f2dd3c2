// The voice errors (area 'voice'): joining an alarm's call from the console.
// Indexed in error-catalogue.ts, which the HTTP error handler recognises.

import { catalogueError } from '../errors.ts';

export const VOICE_ERRORS = {
  VOICE_NOT_HOLDER: { status: 403, message: 'Only the operator who has taken the alarm may join its call' },
  CALL_NOT_FOUND: { status: 404, message: 'The alarm has no such call' },
  CALL_NOT_RINGING: { status: 409, message: 'The call is not waiting to be answered' },
  CALLBACK_NOT_POSSIBLE: {
    status: 409,
    message: 'The unit cannot be called back: not a SCAIP unit, or it has given no SIP address to call',
  },
  CALL_IN_PROGRESS: { status: 409, message: 'The unit already has a call ringing or connected' },
  RECORDING_NOT_FOUND: { status: 404, message: 'The call has no stored recording' },
  VOICE_RECORDING_UNAVAILABLE: {
    status: 503,
    message: 'The recording policy is on but the gateway does not record: the call was not joined',
  },
  VOICE_BRIDGE_UNAVAILABLE: { status: 503, message: 'The voice bridge could not be reached' },
} as const;

export class VoiceError extends catalogueError('voice', 'VoiceError', VOICE_ERRORS) {}
