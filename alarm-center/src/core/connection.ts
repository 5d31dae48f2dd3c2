// "Online" and "connection lost", defined once: a device is online while it has been heard from
// within `heartbeatTolerance` heartbeat intervals; at that deadline "connection lost" is due.
// The routing core, the device list, the overview and replication's sweep all use this rule
// (SQL queries through devices/repository.ts's toleranceSecondsSql, which mirrors it).

import { DEFAULT_RULES } from './types.ts';

/** Heartbeats a device may miss before its connection counts as lost, unless its rules say otherwise. */
export const HEARTBEAT_TOLERANCE = DEFAULT_RULES.heartbeatTolerance;

/** When a device last heard at `lastSeenAt` counts as lost. */
export function connectionDeadline(lastSeenAt: number, heartbeatIntervalS: number, tolerance = HEARTBEAT_TOLERANCE) {
  return lastSeenAt + heartbeatIntervalS * tolerance * 1000;
}

/** Heard from within its tolerance; a device never heard from is not online. */
export function isOnline(
  lastSeenAt: number | null,
  heartbeatIntervalS: number,
  now: number,
  tolerance = HEARTBEAT_TOLERANCE,
): boolean {
  return lastSeenAt !== null && now < connectionDeadline(lastSeenAt, heartbeatIntervalS, tolerance);
}
