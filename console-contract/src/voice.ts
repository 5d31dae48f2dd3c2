// The alarm's voice call as the console sees it: state, who answered, how it ended. Reasons and
// media are the wire's (firmware-protocol's call events), repeated here as plain strings so the
// console does not depend on the device protocol.

import { z } from 'zod';

export const VOICE_CALL_STATES = ['offered', 'ringing', 'answered', 'ended'] as const;

export const voiceCallSchema = z.object({
  callId: z.string(),
  alarmId: z.string().nullable(),
  deviceId: z.string(),
  direction: z.enum(['unit-calls', 'receiver-calls-back']),
  media: z.string(),
  state: z.enum(VOICE_CALL_STATES),
  offeredAt: z.string(),
  deadlineAt: z.string(),
  ringingAt: z.string().nullable(),
  codec: z.string().nullable(),
  answeredBy: z.string().nullable(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** unit-hung-up, operator-hung-up, no-voice-contact, withdrawn, failed */
  endReason: z.string().nullable(),
  durationS: z.number().nullable(),
  /** Only with the municipality's recording policy on: being recorded, or the recording is stored. */
  recording: z.enum(['recording', 'stored']).optional(),
});
export type VoiceCall = z.infer<typeof voiceCallSchema>;

export const alarmCallsSchema = z.object({ calls: z.array(voiceCallSchema) });
export type AlarmCalls = z.infer<typeof alarmCallsSchema>;
