// The alarms part of the console contract: session, alarm queue and detail, the alarm actions and
// the WebSocket stream. Route handlers validate with these schemas and the web console imports
// their inferred types, so server and console cannot drift.

import { anonymizedFrameSchema, deviceTypeSchema, positionSchema } from '@trygg/firmware-protocol';
import { z } from 'zod';
import type { DispatchStreamMessage } from './responders.ts';
import { ALARM_KINDS, ALARM_STATUSES, AUDIENCES, OUTCOMES, ROLES } from './vocabulary.ts';

export const roleSchema = z.enum(ROLES);
export const alarmKindSchema = z.enum(ALARM_KINDS);
export const alarmStatusSchema = z.enum(ALARM_STATUSES);
export const outcomeSchema = z.enum(OUTCOMES);

export const userSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  role: roleSchema,
});
export type User = z.infer<typeof userSchema>;

/** Every staff member's display name, so the console shows "Nina Nattpatrull", not "nina". */
export const staffDirectorySchema = z.object({ staff: z.array(userSchema) });

export const loginBodySchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

export const residentSummarySchema = z.object({ id: z.string(), name: z.string() });

export const alarmSummarySchema = z.object({
  id: z.string(),
  kind: alarmKindSchema,
  /** 1 most urgent .. 4 technical: the range of PRIORITIES. */
  priority: z.int().min(1).max(4),
  audience: z.enum(AUDIENCES),
  status: alarmStatusSchema,
  district: z.string(),
  deviceId: z.string(),
  deviceType: deviceTypeSchema,
  resident: residentSummarySchema.nullable(),
  openedAt: z.string(),
  updatedAt: z.string(),
  repeatCount: z.int(),
  escalated: z.boolean(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  outcome: outcomeSchema.nullable(),
  likelyForgottenPassage: z.boolean(),
  // ---- the night shift (issue 18) ----
  /** When the alarm was closed (received = openedAt, answered = acknowledgedAt). */
  closedAt: z.string().nullable().optional(),
  /** The closed case of the same device and kind this alarm follows (a press soon after a close). */
  followsAlarmId: z.string().nullable().optional(),
  /** The open mass-outage incident this alarm is grouped under; the queue shows the incident. */
  incidentId: z.string().nullable().optional(),
});
export type AlarmSummary = z.infer<typeof alarmSummarySchema>;

export const alarmHistoryEntrySchema = z.object({
  at: z.string(),
  type: z.string(),
  actor: z.string().nullable(),
  note: z.string().nullable(),
});
export type AlarmHistoryEntry = z.infer<typeof alarmHistoryEntrySchema>;

export const contactSchema = z.object({ name: z.string(), relation: z.string(), phone: z.string() });

export const residentCardSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  district: z.string(),
  /** How to get in: key box location, key handling. */
  access: z.string(),
  /** Decrypted only for this card view, which is audit-logged. */
  doorCode: z.string().nullable(),
  contacts: z.array(contactSchema),
  notes: z.string(),
});
export type ResidentCard = z.infer<typeof residentCardSchema>;

export const alarmDetailSchema = z.object({
  alarm: alarmSummarySchema,
  history: z.array(alarmHistoryEntrySchema),
  resident: residentCardSchema.nullable(),
  details: z.object({
    position: positionSchema.optional(),
    frame: anonymizedFrameSchema.optional(),
    fault: z.string().optional(),
    doseId: z.string().optional(),
    batteryLevel: z.number().optional(),
  }),
  recentEvents: z.array(z.object({ at: z.string(), type: z.string() })),
});
export type AlarmDetail = z.infer<typeof alarmDetailSchema>;

export const alarmListQuerySchema = z.object({
  status: z.enum(['open', 'closed', 'all']).default('open'),
  district: z.string().max(64).optional(),
  kind: alarmKindSchema.optional(),
  /** One device's alarms (the device page's technical alarms). */
  deviceId: z.string().max(64).optional(),
});

export const noteBodySchema = z.strictObject({ text: z.string().trim().min(1).max(2000) });
export const dispatchBodySchema = z.strictObject({ responder: z.string().trim().min(1).max(200) });
export const closeBodySchema = z.strictObject({
  outcome: outcomeSchema,
  note: z.string().trim().max(2000).optional(),
});

/** Messages the server pushes on the console WebSocket (`/api/stream`). */
export type StreamMessage =
  | { type: 'hello'; alarms: AlarmSummary[]; degraded: boolean }
  | { type: 'alarm'; alarm: AlarmSummary }
  | { type: 'health'; degraded: boolean; reason: string | null }
  | DispatchStreamMessage;

export const errorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  statusCode: z.int(),
  /** With AUTH_DELAYED: seconds until the next login attempt is heard (also in Retry-After). */
  retryAfterS: z.int().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
