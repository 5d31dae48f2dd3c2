// Which alarms matter most and whose queue they land in. Life first (fall, person on the floor,
// a pressed button), then wandering, then medication, then the technicians' alarms.

import type { AlarmKind, Audience, Priority } from './types.ts';

export const ALARM_POLICY: Record<AlarmKind, { priority: Priority; audience: Audience }> = {
  manual: { priority: 1, audience: 'operator' },
  fall: { priority: 1, audience: 'operator' },
  person_on_floor: { priority: 1, audience: 'operator' },
  door_exit: { priority: 2, audience: 'operator' },
  geofence_exit: { priority: 2, audience: 'operator' },
  bed_out: { priority: 2, audience: 'operator' },
  supervision: { priority: 2, audience: 'operator' }, // a digital night visit missed or escalated
  dose_missed: { priority: 3, audience: 'operator' },
  // A responder at the door could not get in: someone may be lying inside. Never the end.
  could_not_enter: { priority: 1, audience: 'operator' },
  connection_lost: { priority: 4, audience: 'technician' },
  battery_low: { priority: 4, audience: 'technician' },
  device_fault: { priority: 4, audience: 'technician' },
  power_lost: { priority: 4, audience: 'technician' },
};

/**
 * How long an unacknowledged alarm waits before it escalates, in multiples of the municipality's
 * ESCALATE_AFTER_S: a life-threatening alarm escalates first, a technician's much later.
 */
export const ESCALATION_LADDER: Record<Priority, number> = { 1: 1, 2: 2, 3: 5, 4: 15 };

/** The escalation deadlines per priority, in milliseconds, for ESCALATE_AFTER_S = `escalateAfterS`. */
export function escalateAfterMs(escalateAfterS: number): Record<Priority, number> {
  return {
    1: escalateAfterS * ESCALATION_LADDER[1] * 1000,
    2: escalateAfterS * ESCALATION_LADDER[2] * 1000,
    3: escalateAfterS * ESCALATION_LADDER[3] * 1000,
    4: escalateAfterS * ESCALATION_LADDER[4] * 1000,
  };
}
