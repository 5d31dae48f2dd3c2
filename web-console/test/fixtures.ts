// Alarms as the alarm center sends them, for the console's tests: one factory, a fixed night.

import type { AlarmSummary } from '@trygg/console-contract';

export const T0 = Date.parse('2024-02-01T02:00:00Z');

export function alarm(id: string, over: Partial<AlarmSummary> = {}): AlarmSummary {
  return {
    id,
    kind: 'manual',
    priority: 1,
    audience: 'operator',
    status: 'new',
    district: 'Centrum',
    deviceId: `pendant-${id}`,
    deviceType: 'pendant',
    resident: { id: `res-${id}`, name: `Resident ${id}` },
    openedAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    repeatCount: 0,
    escalated: false,
    acknowledgedBy: null,
    acknowledgedAt: null,
    outcome: null,
    likelyForgottenPassage: false,
    ...over,
  };
}

/** An ISO time `minutes` after T0 (negative: before). */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
