// The alarm-routing core: pure rules from device messages and time to alarm decisions.

export { connectionDeadline, HEARTBEAT_TOLERANCE, isOnline } from './connection.ts';
export { type Deadline, DeadlineHeap } from './deadlines.ts';
export { inDailyWindow, localDate, localToUtc, secondOfDay, startOfLocalDay } from './local-time.ts';
export { ALARM_POLICY, ESCALATION_LADDER, escalateAfterMs } from './policy.ts';
export {
  DEFAULT_REPEAT_SETTINGS,
  followsClosedCase,
  type RepeatSettings,
  type RepeatState,
  repeatEscalation,
} from './repeats.ts';
export { type CoreStats, RoutingCore, type RoutingCoreOptions } from './routing-core.ts';
export * from './types.ts';
