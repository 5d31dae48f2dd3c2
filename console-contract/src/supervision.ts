// The supervision part of the console contract: request and reply schemas for plans, consents, the
// night round, look-ins, the frame access log and savings. The console imports the inferred types.

import { anonymizedFrameSchema } from '@trygg/firmware-protocol';
import { z } from 'zod';
import { CONSENT_PARTIES, CONSENT_SCOPES, VISIT_MODES, VISIT_STATUSES } from './vocabulary.ts';

const timeOfNight = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time of night is HH:MM');
const iso = z.string();
const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'id is a positive integer');

export const visitModeSchema = z.enum(VISIT_MODES);
export const visitStatusSchema = z.enum(VISIT_STATUSES);

export const residentParams = z.object({ residentId: z.string().min(1).max(64) });
export const supervisionIdParams = z.object({ id });

export const savingSchema = z.object({ replacedVisits: z.int(), minutesSaved: z.int(), krSaved: z.int() });

export const planBodySchema = z.strictObject({
  nightTeam: z.string().min(1).max(100),
  timeZone: z.string().min(1).max(64).default('Europe/Stockholm'),
  cohabitantName: z.string().min(1).max(200).nullable().default(null),
  residentCanConsent: z.boolean().default(true),
  visits: z
    .array(z.strictObject({ time: timeOfNight, mode: visitModeSchema }))
    .max(24)
    .refine((vs) => new Set(vs.map((v) => v.time)).size === vs.length, 'one visit per time of night'),
});

export const planSchema = z.object({
  residentId: z.string(),
  residentName: z.string(),
  nightTeam: z.string(),
  timeZone: z.string(),
  cohabitantName: z.string().nullable(),
  residentCanConsent: z.boolean(),
  /** The resident has a camera in service; without one a visit cannot be a camera look-in. */
  hasCamera: z.boolean(),
  visits: z.array(z.object({ id: z.string(), time: z.string(), mode: visitModeSchema })),
  saving: z.object({ perNight: savingSchema, perMonth: savingSchema }),
});
export type SupervisionPlan = z.infer<typeof planSchema>;

export const modeBodySchema = z.strictObject({ mode: visitModeSchema });

export const consentBodySchema = z.strictObject({
  party: z.enum(CONSENT_PARTIES),
  partyName: z.string().min(1).max(200).nullable().default(null),
  scope: z.enum(CONSENT_SCOPES),
});

export const consentSchema = z.object({
  id: z.string(),
  residentId: z.string(),
  party: z.enum(CONSENT_PARTIES),
  partyName: z.string().nullable(),
  scope: z.enum(CONSENT_SCOPES),
  recordedBy: z.string(),
  recordedAt: iso,
  withdrawnAt: iso.nullable(),
  withdrawnBy: z.string().nullable(),
});
export type SupervisionConsent = z.infer<typeof consentSchema>;

export const visitSchema = z.object({
  id: z.string(),
  residentId: z.string(),
  residentName: z.string(),
  /** Where a physical visit goes and how to get in; the door code is read apart (doorCodeReplySchema). */
  address: z.string(),
  access: z.string(),
  hasCamera: z.boolean(),
  nightTeam: z.string().nullable(),
  night: z.string(),
  time: z.string(),
  dueAt: iso,
  mode: visitModeSchema,
  status: visitStatusSchema,
  /** Why the mode changed without the night team choosing it: consent_withdrawn, camera_unavailable. */
  modeChangedReason: z.string().nullable(),
  closedBy: z.string().nullable(),
  closedAt: iso.nullable(),
  note: z.string().nullable(),
  alarmId: z.string().nullable(),
});
export type SupervisionVisit = z.infer<typeof visitSchema>;

export const roundQuerySchema = z.object({
  night: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  team: z.string().min(1).max(100).optional(),
});

export const roundReplySchema = z.object({
  night: z.string(),
  /** Every night team with a plan, to filter the round by. */
  teams: z.array(z.string()),
  visits: z.array(visitSchema),
});

/** A resident's door code for one visit of the round: read by the night team, audit-logged. */
export const doorCodeReplySchema = z.object({ doorCode: z.string().nullable() });

export const lookInBodySchema = z
  .strictObject({ residentId: z.string().min(1).max(64), visitId: id.optional(), alarmId: id.optional() })
  .refine((b) => !(b.visitId && b.alarmId), 'give a visit or an alarm, not both');

export const lookInReplySchema = z.object({
  accessLogId: z.string(),
  frame: anonymizedFrameSchema.nullable(),
  cameraUnavailable: z.boolean(),
  visit: visitSchema.nullable(),
});
export type LookInReply = z.infer<typeof lookInReplySchema>;

export const closeVisitBodySchema = z.strictObject({
  outcome: z.enum(['all_well', 'escalate_physical', 'escalate_alarm']),
  note: z.string().min(1).max(1000).optional(),
});
export type CloseVisitOutcome = z.infer<typeof closeVisitBodySchema>['outcome'];

export const accessLogQuerySchema = z.object({
  residentId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const accessLogEntrySchema = z.object({
  id: z.string(),
  at: iso,
  actor: z.string(),
  actorRole: z.string(),
  residentId: z.string(),
  residentName: z.string().nullable(),
  visitId: z.string().nullable(),
  alarmId: z.string().nullable(),
  allowed: z.boolean(),
  reason: z.string().nullable(),
});
export type FrameAccessLogEntry = z.infer<typeof accessLogEntrySchema>;

export const savingsQuerySchema = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional(),
});

export const savingsSchema = z.object({
  month: z.string(),
  planned: z.object({ perNight: savingSchema, perMonth: savingSchema }),
  realised: z.object({
    perNight: z.array(z.object({ night: z.string(), saving: savingSchema })),
    total: savingSchema,
  }),
});
export type SupervisionSavings = z.infer<typeof savingsSchema>;
