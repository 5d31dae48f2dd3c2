// Runtime lists of the contract's enums for menus. The alarm kinds and outcomes come from the
// contract's vocabulary (plain lists, no zod in the bundle). Device types are the firmware
// protocol's, whose module pulls zod, so that list is repeated here and the type checker proves it
// is exactly the protocol's union: adding a device type there breaks the build.

import { ALARM_KINDS, OUTCOMES } from '@trygg/console-contract/vocabulary';
import type { DeviceType } from '@trygg/firmware-protocol';

/** Compile-time: `true` only when the tuple lists every member of the union (and nothing else). */
type Exhaustive<Union, List extends readonly Union[]> = [Exclude<Union, List[number]>] extends [never] ? true : false;
const proven = <T extends true>(): T => true as T;

export const KINDS = ALARM_KINDS;
export const OUTCOME_LIST = OUTCOMES;

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
