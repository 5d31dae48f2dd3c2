// The night shift (issue 18): answer-time targets and their figures, the closed-alarm search and
// the shift handover.

import { z } from 'zod';
import { alarmKindSchema, alarmSummarySchema, outcomeSchema } from './alarms.ts';
import { keySchema } from './responders.ts';

/** "Answered (taken) within `withinS` seconds for `share` of alarms" (TEC Quality: 60 s 97.5 %, 180 s 99 %). */
export const answerTargetSchema = z.object({ withinS: z.int(), share: z.number() });
export type AnswerTarget = z.infer<typeof answerTargetSchema>;

export const answerTargetsSchema = z.object({ targets: z.array(answerTargetSchema) });

const answerFigures = {
  /** Alarms opened in the bucket. */
  alarms: z.int(),
  /** Of those, answered (acknowledged). */
  answered: z.int(),
  p50S: z.number().nullable(),
  p90S: z.number().nullable(),
  p99S: z.number().nullable(),
  /** Per target (same order as `targets`): share answered within it; null with nothing answered. */
  withinTarget: z.array(z.number().nullable()),
};

export const answerTimesSchema = z.object({
  targets: z.array(answerTargetSchema),
  from: z.string(),
  to: z.string(),
  /** The whole period. */
  overall: z.object(answerFigures),
  byHour: z.array(z.object({ hour: z.string(), ...answerFigures })),
  byOperator: z.array(z.object({ operator: z.string(), ...answerFigures })),
});
export type AnswerTimes = z.infer<typeof answerTimesSchema>;

export const answerTimesQuerySchema = z.object({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(24),
});

export const closedSearchQuerySchema = z.object({
  /** Part of the resident's name. */
  resident: z.string().trim().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  kind: alarmKindSchema.optional(),
  outcome: outcomeSchema.optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type ClosedSearchQuery = z.infer<typeof closedSearchQuerySchema>;

export const closedSearchSchema = z.object({
  alarms: z.array(alarmSummarySchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
});
export type ClosedSearch = z.infer<typeof closedSearchSchema>;

export const handoverSchema = z.object({
  at: z.string(),
  /** Open alarms by status, answered ones with who took them. */
  open: z.array(alarmSummarySchema),
  /** Dispatched alarms: who was sent. */
  callOuts: z.array(z.object({ alarm: alarmSummarySchema, responder: z.string().nullable() })),
  /** Staff with a live session now, by role. */
  onDuty: z.array(z.object({ username: z.string(), displayName: z.string(), role: z.string(), since: z.string() })),
  openIncidents: z.int(),
  /** Residents' keys signed out and not yet back: which key, whose, who has it, since when. */
  keysOut: z.array(keySchema),
});
export type Handover = z.infer<typeof handoverSchema>;
