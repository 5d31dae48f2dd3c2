// Runtime lists of the contract's enums for menus. The server's arrays cannot be imported (that
// would pull zod and server code into the bundle), so they are repeated here and the type checker
// proves each list is exactly the contract's union: adding a value on the server breaks the build.

import type { DeviceType } from '@trygg/firmware-protocol';
import type { AlarmSummary, Role } from '../../../alarm-center/src/api/schemas.ts';

type Kind = AlarmSummary['kind'];
type Outcome = NonNullable<AlarmSummary['outcome']>;

/** Compile-time: `true` only when the tuple lists every member of the union (and nothing else). */
type Exhaustive<Union, List extends readonly Union[]> = [Exclude<Union, List[number]>] extends [never] ? true : false;
const proven = <T extends true>(): T => true as T;

export const KINDS = [
  'manual',
  'fall',
  'person_on_floor',
  'door_exit',
  'geofence_exit',
  'bed_out',
  'dose_missed',
  'connection_lost',
  'battery_low',
  'device_fault',
  'power_lost',
  'supervision',
] as const satisfies readonly Kind[];
proven<Exhaustive<Kind, typeof KINDS>>();

export const OUTCOME_LIST = [
  'helped',
  'false_alarm',
  'forgotten_passage',
  'no_action_needed',
  'cancelled_by_resident',
  'connection_restored',
  'power_restored',
  'technical_fixed',
] as const satisfies readonly Outcome[];
proven<Exhaustive<Outcome, typeof OUTCOME_LIST>>();

export const DEVICE_TYPE_LIST = [
  'pendant',
  'mobile_pendant',
  'door',
  'fall',
  'bed',
  'camera',
  'dispenser',
] as const satisfies readonly DeviceType[];
proven<Exhaustive<DeviceType, typeof DEVICE_TYPE_LIST>>();

export const ROLE_LIST = [
  'operator',
  'technician',
  'supervisor',
  'caseworker',
  'nightteam',
] as const satisfies readonly Role[];
proven<Exhaustive<Role, typeof ROLE_LIST>>();
