// Prometheus metrics (prom-client) for the alarm center: what arrived, what was refused and why,
// alarms by kind and state, time to acknowledge, connected consoles and queue depths.

import client from 'prom-client';

/** Statuses of an alarm that is still open; closed alarms are history, not load. */
export const OPEN_ALARM_STATUSES = ['new', 'acknowledged', 'dispatched'] as const;

/** Longest a scrape waits for the open-alarm count: a slow database must not stall the scrape. */
const OPEN_ALARMS_WAIT_MS = 1000;

export interface MetricsSources {
  /** Open alarms by status, counted in the database at each scrape (what every replica sees). */
  openAlarmsByStatus?: () => Promise<Partial<Record<string, number>>>;
}

async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('open-alarm count timed out')), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export function createMetrics(sources: MetricsSources = {}) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    deviceMessages: new client.Counter({
      name: 'device_messages_total',
      help: 'Device messages accepted, by channel',
      labelNames: ['channel'],
      registers: [registry],
    }),
    rejected: new client.Counter({
      name: 'device_messages_rejected_total',
      help: 'Device messages refused, by reason code',
      labelNames: ['reason'],
      registers: [registry],
    }),
    voiceBridgeRequests: new client.Counter({
      name: 'voice_bridge_requests_total',
      help: "Requests to a gateway instance's voice bridge, by instance (or 'default') and outcome (ok, refused, unreachable)",
      labelNames: ['instance', 'outcome'],
      registers: [registry],
    }),
    duplicates: new client.Counter({
      name: 'device_messages_duplicate_total',
      help: 'Retransmitted device events recognised by message id and not applied twice',
      registers: [registry],
    }),
    alarmsRaised: new client.Counter({
      name: 'alarms_raised_total',
      help: 'Alarms opened, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    alarmRepeats: new client.Counter({
      name: 'alarm_repeats_total',
      help: 'Repeats counted on an already open alarm, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    openAlarms: new client.Gauge({
      name: 'alarms_open',
      help: 'Open alarms by status, counted in the database at each scrape',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        if (!sources.openAlarmsByStatus) return;
        try {
          const counts = await within(sources.openAlarmsByStatus(), OPEN_ALARMS_WAIT_MS);
          for (const status of OPEN_ALARM_STATUSES) this.set({ status }, counts[status] ?? 0);
        } catch {
          // No count is more truthful than an old one; /health reports the database itself.
          this.reset();
        }
      },
    }),
    timeToAcknowledge: new client.Histogram({
      name: 'alarm_time_to_acknowledge_seconds',
      help: 'Time from an alarm opening to its acknowledgement',
      buckets: [5, 15, 30, 60, 120, 180, 300, 600, 1800],
      registers: [registry],
    }),
    httpRefusals: new client.Counter({
      name: 'http_refusals_total',
      help: 'HTTP replies with status 400 or more, by route pattern, status and error code',
      labelNames: ['route', 'status', 'code'],
      registers: [registry],
    }),
    ingestFailures: new client.Counter({
      name: 'ingest_failures_total',
      help: 'Device events not stored (database unavailable); the device was not acknowledged and resends',
      registers: [registry],
    }),
    escalations: new client.Counter({
      name: 'alarm_escalations_total',
      help: 'Alarms escalated to supervisors because nobody acknowledged them in time',
      registers: [registry],
    }),
    coreNotes: new client.Counter({
      name: 'routing_notes_total',
      help: 'Routing outcomes that raise no alarm (passage, entry, exit outside active hours, ...)',
      labelNames: ['entry'],
      registers: [registry],
    }),
    consoles: new client.Gauge({ name: 'console_connections', help: 'Connected consoles', registers: [registry] }),
    // ---- the night shift (issue 18) ----
    repeatEscalations: new client.Counter({
      name: 'alarm_repeat_escalations_total',
      help: 'Open alarms escalated to supervisors because the resident kept pressing, by reason (presses, duration)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    alarmsFollowingClosedCase: new client.Counter({
      name: 'alarms_following_closed_case_total',
      help: 'New alarms linked to the case of the same device and kind closed shortly before, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    incidents: new client.Counter({
      name: 'incidents_total',
      help: 'Mass-outage incidents by event: opened, closed, write_failed, join_refused_closed (units not joined to an incident another replica had closed)',
      labelNames: ['event'],
      registers: [registry],
    }),
    incidentAlarmsGrouped: new client.Counter({
      name: 'incident_alarms_grouped_total',
      help: 'Outage alarms grouped under an incident instead of standing alone in the queue',
      registers: [registry],
    }),
    replicaInUse: new client.Gauge({
      name: 'database_replica_in_use',
      help: 'Whether read-only queries go to the streaming replica (1) or the primary (0)',
      registers: [registry],
    }),
    replicaLag: new client.Gauge({
      name: 'database_replica_lag_seconds',
      help: 'How far the streaming replica is behind the primary, as last probed',
      registers: [registry],
    }),
    commandRelay: new client.Counter({
      name: 'device_commands_relayed_total',
      help: 'Commands for a device on another node, by outcome (relayed, delivered here, refused notices)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    voiceRecordings: new client.Counter({
      name: 'voice_recordings_total',
      help: 'Call recordings (recording policy on), by outcome: stored, missing (owed, not delivered by the gateway), played, deleted (retention)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    voiceCallsLost: new client.Counter({
      name: 'voice_calls_lost_total',
      help: 'Voice calls ended as failed because their gateway instance was lost (its Last Will, or silent past VOICE_GATEWAY_SILENCE_S)',
      labelNames: ['instance'],
      registers: [registry],
    }),
    unitCalls: new client.Counter({
      name: 'unit_voice_calls_total',
      help: "Our own units' voice calls offered after a press, by outcome (told, refused or timeout by the unit; not_offered: busy or no bridge)",
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
