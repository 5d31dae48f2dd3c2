// Mass-outage incidents (issue 18): many units of one district, gateway or carrier silent or
// without mains power at once, shown as one incident with its units and a welfare-check list.

import { deviceTypeSchema } from '@trygg/firmware-protocol';
import { z } from 'zod';

export const INCIDENT_GROUP_TYPES = ['district', 'gateway', 'carrier'] as const;

export const incidentSummarySchema = z.object({
  id: z.string(),
  groupType: z.enum(INCIDENT_GROUP_TYPES),
  groupKey: z.string(),
  /** Units of the group when the incident opened. */
  groupSize: z.int(),
  /** The first loss counted. */
  startedAt: z.string(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  units: z.int(),
  stillOut: z.int(),
  /** At close: units that came back, and units that did not. */
  returned: z.int(),
  notReturned: z.int(),
});
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

export const incidentUnitSchema = z.object({
  deviceId: z.string(),
  deviceType: deviceTypeSchema,
  lostAt: z.string(),
  returnedAt: z.string().nullable(),
});

/** A resident to check on, most at risk first. Personal data: the view is audit-logged. */
export const welfareCheckSchema = z.object({
  residentId: z.string(),
  name: z.string(),
  address: z.string(),
  deviceId: z.string(),
  livesAlone: z.boolean(),
  recentFalls: z.int(),
  recentAlarms: z.int(),
  /** The resident's latest alarm ended with no voice contact: first among equal risks. */
  noVoiceContact: z.boolean(),
  /** Higher first: living alone, falls and alarms in the last 30 days. */
  risk: z.number(),
});
export type WelfareCheck = z.infer<typeof welfareCheckSchema>;

export const incidentDetailSchema = z.object({
  incident: incidentSummarySchema,
  units: z.array(incidentUnitSchema),
  /** Residents whose unit is still out, most at risk first; empty for technicians. */
  welfareChecks: z.array(welfareCheckSchema),
});
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;

export const incidentListQuerySchema = z.object({
  status: z.enum(['open', 'closed', 'all']).default('open'),
});
