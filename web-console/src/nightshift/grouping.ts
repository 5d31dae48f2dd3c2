// Outage alarms grouped under an open incident are shown as one queue row per incident, not one
// row each: pure, so the console bench and tests can measure it without a DOM.

import type { AlarmSummary } from '@trygg/console-contract';

export interface IncidentRow {
  incidentId: string;
  units: number;
  districts: string[];
  since: string;
}

/** The incidents the grouped alarms belong to, newest first. */
export function incidentRows(alarms: Iterable<AlarmSummary>): IncidentRow[] {
  const byId = new Map<string, { units: number; districts: Set<string>; since: string }>();
  for (const a of alarms) {
    if (!a.incidentId) continue;
    let row = byId.get(a.incidentId);
    if (!row) {
      row = { units: 0, districts: new Set(), since: a.openedAt };
      byId.set(a.incidentId, row);
    }
    row.units++;
    row.districts.add(a.district);
    if (a.openedAt < row.since) row.since = a.openedAt;
  }
  return [...byId]
    .map(([incidentId, r]) => ({ incidentId, units: r.units, districts: [...r.districts].sort(), since: r.since }))
    .sort((a, b) => (a.since < b.since ? 1 : a.since > b.since ? -1 : 0));
}
