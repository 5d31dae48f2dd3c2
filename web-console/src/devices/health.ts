// How much a device needs a technician's attention, for ordering the device list: offline first,
// then open technical alarms, low battery and weak signal.

import type { DeviceListItem } from '@trygg/console-contract';

export const LOW_BATTERY = 20;
export const WEAK_SIGNAL_DBM = -90;

export function deviceAttention(d: DeviceListItem): number {
  let score = 0;
  if (!d.online) score += 100;
  score += Math.min(d.openTechnicalAlarms, 9) * 10;
  if (d.battery !== null && d.battery <= LOW_BATTERY) score += 5;
  if (d.signalDbm !== null && d.signalDbm <= WEAK_SIGNAL_DBM) score += 2;
  return score;
}
