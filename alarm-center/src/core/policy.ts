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
  connection_lost: { priority: 4, audience: 'technician' },
  battery_low: { priority: 4, audience: 'technician' },
  device_fault: { priority: 4, audience: 'technician' },
  power_lost: { priority: 4, audience: 'technician' },
};
