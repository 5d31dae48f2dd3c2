// Prometheus metrics (prom-client) for the alarm center: what arrived, what was refused and why,
// alarms by kind and state, time to acknowledge, connected consoles and queue depths.

import client from 'prom-client';

export function createMetrics() {
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
      help: 'Open alarms by status (sampled)',
      labelNames: ['status'],
      registers: [registry],
    }),
    timeToAcknowledge: new client.Histogram({
      name: 'alarm_time_to_acknowledge_seconds',
      help: 'Time from an alarm opening to its acknowledgement',
      buckets: [5, 15, 30, 60, 120, 180, 300, 600, 1800],
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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
