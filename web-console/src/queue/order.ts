// Queue order and filters: the most urgent alarm is always on top (priority 1 first, then the
// most pressed, then the oldest), and `g` jumps to the most urgent alarm nobody has acknowledged yet.

import type { AlarmSummary } from '@trygg/console-contract';

export function byUrgency(a: AlarmSummary, b: AlarmSummary): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  // A resident who keeps pressing moves up within the priority (silent, repeated calls first).
  if (a.repeatCount !== b.repeatCount) return b.repeatCount - a.repeatCount;
  const age = Date.parse(a.openedAt) - Date.parse(b.openedAt);
  if (age !== 0) return age;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface QueueFilter {
  district: string | null;
  kind: AlarmSummary['kind'] | null;
}

export function visibleQueue(alarms: Iterable<AlarmSummary>, filter: QueueFilter): AlarmSummary[] {
  const list: AlarmSummary[] = [];
  for (const a of alarms) {
    if (a.incidentId) continue; // shown once, as its incident (nightshift/IncidentRows.tsx)
    if (filter.district && a.district !== filter.district) continue;
    if (filter.kind && a.kind !== filter.kind) continue;
    list.push(a);
  }
  return list.sort(byUrgency);
}

/** The most urgent unacknowledged alarm in the (already ordered) list, or undefined. */
export function nextUnacknowledged(ordered: readonly AlarmSummary[]): AlarmSummary | undefined {
  return ordered.find((a) => a.status === 'new');
}

export function districtsOf(alarms: Iterable<AlarmSummary>): string[] {
  return [...new Set([...alarms].map((a) => a.district))].sort((a, b) => a.localeCompare(b, 'sv'));
}
