// The responders part of the console contract: responders and their live status, dispatching an
// alarm to one, the responder's own dispatches (door code and key only while active), the job
// sheet, the key register and arrival times against the municipality's target.

import { z } from 'zod';
import {
  ARRIVAL_SOURCES,
  DISPATCH_STATES,
  FOUND_PLACES,
  FOUND_POSITIONS,
  KEY_KINDS,
  LEFT_AS,
  RESPONDER_KINDS,
  RESPONDER_STATUSES,
} from './vocabulary.ts';

const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'id is a positive integer');
const slug = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'id: 1-64 of [A-Za-z0-9_.-]');
const text = (max: number) => z.string().trim().max(max);

export const responderStatusSchema = z.enum(RESPONDER_STATUSES);
export const dispatchStateSchema = z.enum(DISPATCH_STATES);

export const responderIdParams = z.object({ id: slug });
export const dispatchIdParams = z.object({ id });
export const keyIdParams = z.object({ id: slug });

export const responderSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(RESPONDER_KINDS),
  districts: z.array(z.string()),
  /** Local time of the shift, HH:MM to HH:MM (may pass midnight). */
  shiftStart: z.string(),
  shiftEnd: z.string(),
  status: responderStatusSchema,
  statusChangedAt: z.string(),
  /** The login of the responder's phone, if any. */
  username: z.string().nullable(),
  phone: z.string().nullable(),
});
export type Responder = z.infer<typeof responderSchema>;

export const responderStatusBodySchema = z.strictObject({ status: responderStatusSchema });

const shiftTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'time: HH:MM');

/** What a supervisor sets for a responder (a person or a team); PUT replaces all of it. */
export const responderFieldsSchema = z.strictObject({
  name: text(120).min(1),
  kind: z.enum(RESPONDER_KINDS),
  districts: z.array(text(64).min(1)).min(1).max(20),
  shiftStart: shiftTime,
  shiftEnd: shiftTime,
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 ()-]{2,23}$/, 'phone: digits, spaces, ( ) - and a leading +')
    .nullable()
    .default(null),
  /** The login of the responder's phone (a user with the responder role), if any. */
  username: slug.nullable().default(null),
});
export type ResponderFields = z.infer<typeof responderFieldsSchema>;

export const newResponderBodySchema = responderFieldsSchema.extend({
  id: slug,
  status: responderStatusSchema.default('off'),
});
export type NewResponderBody = z.infer<typeof newResponderBodySchema>;

/** A responder offered for an alarm, best first: on duty, in the resident's district, in shift. */
export const suggestionSchema = z.object({
  responder: responderSchema,
  inDistrict: z.boolean(),
  inShift: z.boolean(),
  /** Already let this alarm's accept time pass. */
  timedOutBefore: z.boolean(),
});
export type Suggestion = z.infer<typeof suggestionSchema>;

export const dispatchBodyV2Schema = z.strictObject({
  responderId: slug,
  notes: text(1000).default(''),
  keyId: slug.nullable().default(null),
});

/** A dispatch as the operator sees it (no door code: the operator has the resident card). */
export const dispatchSchema = z.object({
  id: z.string(),
  alarmId: z.string(),
  responderId: z.string(),
  responderName: z.string(),
  state: dispatchStateSchema,
  dispatchedBy: z.string(),
  notes: z.string(),
  keyId: z.string().nullable(),
  dispatchedAt: z.string(),
  acceptBy: z.string(),
  /** The accept time passed without an accept: the operator should re-dispatch. */
  acceptTimedOut: z.boolean(),
  acceptedAt: z.string().nullable(),
  onTheWayAt: z.string().nullable(),
  etaMinutes: z.int().nullable(),
  arrivedAt: z.string().nullable(),
  arrivedVia: z.enum(ARRIVAL_SOURCES).nullable(),
  endedAt: z.string().nullable(),
});
export type Dispatch = z.infer<typeof dispatchSchema>;

/** The times kept on the alarm, received to closed (ISO, null until the step happened). */
export const responseTimesSchema = z.object({
  received: z.string(),
  answered: z.string().nullable(),
  /** An operator first spoke with the resident (the alarm's voice call answered). */
  voiceContact: z.string().nullable(),
  dispatched: z.string().nullable(),
  accepted: z.string().nullable(),
  arrived: z.string().nullable(),
  closed: z.string().nullable(),
});
export type ResponseTimes = z.infer<typeof responseTimesSchema>;

export const alarmDispatchesSchema = z.object({
  dispatches: z.array(dispatchSchema),
  suggestions: z.array(suggestionSchema),
  times: responseTimesSchema,
});
export type AlarmDispatches = z.infer<typeof alarmDispatchesSchema>;

export const keySchema = z.object({
  id: z.string(),
  residentId: z.string(),
  kind: z.enum(KEY_KINDS),
  label: z.string(),
  /** The digital lock's device, for kind digital_lock. */
  lockDeviceId: z.string().nullable(),
  /** Who has the key now (signed out), or null when it is in its place. */
  holder: z.string().nullable(),
  signedOutAt: z.string().nullable(),
});
export type ResidentKey = z.infer<typeof keySchema>;

/** What a responder needs to act; the personal parts are present only while the dispatch is active. */
export const responderDispatchSchema = z.object({
  dispatch: dispatchSchema,
  alarmKind: z.string(),
  residentName: z.string().nullable(),
  access: z
    .object({
      address: z.string(),
      doorCode: z.string().nullable(),
      access: z.string(),
      notes: z.string(),
      key: keySchema.nullable(),
    })
    .nullable(),
});
export type ResponderDispatch = z.infer<typeof responderDispatchSchema>;

export const acceptBodySchema = z.strictObject({});
export const onTheWayBodySchema = z.strictObject({ etaMinutes: z.int().min(1).max(240) });

export const jobSheetSchema = z
  .strictObject({
    foundPlace: z.enum(FOUND_PLACES),
    foundPosition: z.enum(FOUND_POSITIONS),
    leftAs: z.enum(LEFT_AS),
    doorLocked: z.boolean(),
    othersPresent: z.boolean(),
    /** The resident refused the help offered. */
    refused: z.boolean(),
    /** The responder acted against the resident's expressed wishes (then a reason is required). */
    overrodeWishes: z.boolean(),
    overrideReason: text(1000).default(''),
    note: text(2000).default(''),
  })
  .refine((s) => !s.overrodeWishes || s.overrideReason.length > 0, {
    message: 'acting against the resident’s wishes needs a reason',
    path: ['overrideReason'],
  });
export type JobSheet = z.infer<typeof jobSheetSchema>;

export const couldNotEnterBodySchema = z.strictObject({ note: text(1000).default('') });

export const keySignBodySchema = z.strictObject({ dispatchId: id.nullable().default(null) });
export const newKeyBodySchema = z.strictObject({
  id: slug,
  kind: z.enum(KEY_KINDS),
  label: text(200).min(1),
  lockDeviceId: slug.nullable().default(null),
});
export const keyEventSchema = z.object({
  at: z.string(),
  action: z.string(),
  actor: z.string(),
  dispatchId: z.string().nullable(),
});

/** Dispatched -> arrived per hour against the municipality's target (ARRIVAL_TARGET_MIN). */
export const arrivalTimesSchema = z.object({
  targetMinutes: z.int(),
  hours: z.array(
    z.object({
      hour: z.string(),
      arrivals: z.int(),
      medianMinutes: z.number().nullable(),
      p90Minutes: z.number().nullable(),
      withinTarget: z.int(),
    }),
  ),
});
export type ArrivalTimes = z.infer<typeof arrivalTimesSchema>;

/** Pushed on the console stream when a dispatch changes: ids and state only, never personal data. */
export interface DispatchStreamMessage {
  type: 'dispatch';
  dispatchId: string;
  alarmId: string;
  responderId: string;
  state: z.infer<typeof dispatchStateSchema>;
}
