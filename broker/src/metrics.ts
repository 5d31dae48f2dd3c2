// The broker's Prometheus metrics on a prom-client registry: refused logins, subscriptions and
// publishes by reason code (fed by the refusal hooks), and live gauges read from stats() at scrape
// time. The standalone broker serves them; the alarm center can register them on its own registry.

import client from 'prom-client';
import type { RunningBroker } from './broker.ts';
import type { RefusalHooks } from './refusals.ts';

export interface BrokerMetrics {
  /** Pass as (part of) startBroker's hooks. */
  hooks: Required<RefusalHooks>;
  /** Reads the gauges from this broker at every scrape. */
  observe(broker: RunningBroker): void;
}

export function brokerMetrics(registry: client.Registry): BrokerMetrics {
  const counter = (name: string, help: string) =>
    new client.Counter({ name, help, labelNames: ['reason'], registers: [registry] });
  const logins = counter('mqtt_logins_refused_total', 'MQTT CONNECTs refused (non-zero CONNACK), by reason code');
  const subscriptions = counter(
    'mqtt_subscriptions_refused_total',
    'MQTT subscriptions refused (SUBACK 0x80), by reason',
  );
  const publishes = counter(
    'mqtt_publishes_refused_total',
    'MQTT publishes refused or dropped by the broker, by reason',
  );
  let broker: RunningBroker | null = null;
  const gauge = (name: string, help: string, read: (b: RunningBroker) => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (broker) this.set(read(broker));
      },
    });
  gauge('mqtt_connected_clients', 'MQTT clients connected now', (b) => b.stats().connectedClients);
  gauge(
    'mqtt_connection_capacity',
    'Device connections the broker may hold: its cap, or the open-file limit minus the descriptors it keeps back',
    (b) => b.stats().sockets.capacity,
  );
  let refusedCounted = 0;
  new client.Counter({
    name: 'mqtt_connections_refused_total',
    help: 'Connections closed on arrival because the broker held as many as it may (mqtt_connection_capacity)',
    registers: [registry],
    collect() {
      if (!broker) return;
      const refused = broker.stats().sockets.refused;
      if (refused > refusedCounted) this.inc(refused - refusedCounted);
      refusedCounted = refused;
    },
  });
  gauge(
    'mqtt_secret_verifications_running',
    'Device secret verifications (scrypt) running now',
    (b) => b.stats().logins.verifying,
  );
  gauge(
    'mqtt_secret_verifications_queued',
    'Device secret verifications waiting for a slot',
    (b) => b.stats().logins.queued,
  );
  return {
    hooks: {
      onLoginRefused: ({ reason }) => logins.inc({ reason }),
      onSubscribeRefused: ({ reason }) => subscriptions.inc({ reason }),
      onRefused: ({ reason }) => publishes.inc({ reason }),
    },
    observe(running) {
      broker = running;
    },
  };
}
