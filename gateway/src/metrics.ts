// The gateway's Prometheus metrics: what was accepted, every refusal by reason with the SIP status
// and snu it was answered with, authentication failures and stream connections refused by cap.
// Served by @trygg/observability's endpoint (main.ts), never on a SIP port.

import client from 'prom-client';
import { GATEWAY_REJECTIONS, type GatewayRejection } from './errors.ts';

export function createGatewayMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  let udpDrops: () => number = () => 0;
  let udpDropsCounted = 0;
  const metrics = {
    registry,
    accepted: new client.Counter({
      name: 'scaip_requests_accepted_total',
      help: 'SCAIP requests answered snu 0 after the alarm center acknowledged, by channel',
      labelNames: ['channel'],
      registers: [registry],
    }),
    refused: new client.Counter({
      name: 'scaip_requests_refused_total',
      help: 'SCAIP/SIP requests refused, by reason code, with the SIP status and snu answered',
      labelNames: ['reason', 'sip', 'snu'],
      registers: [registry],
    }),
    duplicates: new client.Counter({
      name: 'scaip_retransmissions_total',
      help: 'Retransmissions answered again without publishing',
      registers: [registry],
    }),
    unknownUnits: new client.Counter({
      name: 'scaip_unknown_unit_events_total',
      help: 'Events of unregistered units of known controllers, raised by the alarm center as unknown-unit alarms',
      registers: [registry],
    }),
    unregisteredHeartbeats: new client.Counter({
      name: 'scaip_unregistered_heartbeats_total',
      help: 'Heartbeats of unregistered units, answered and not published',
      registers: [registry],
    }),
    authFailures: new client.Counter({
      name: 'scaip_auth_failures_total',
      help: 'Requests refused by authentication or source-address policy, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    streamsRefused: new client.Counter({
      name: 'sip_stream_connections_refused_total',
      help: 'TCP/TLS connections closed on arrival by a connection cap (peer or total)',
      labelNames: ['cap'],
      registers: [registry],
    }),
    callsBusy: new client.Counter({
      name: 'scaip_alarms_answered_busy_total',
      help: 'Alarms stored and answered snu 6 (busy) because the controller already had a pending or active call',
      registers: [registry],
    }),
    rtpWrongSource: new client.Counter({
      name: 'voice_rtp_wrong_source_total',
      help: "Datagrams on a call's RTP port from an address other than the negotiated peer, dropped",
      registers: [registry],
    }),
    bridgeWorkerCrashes: new client.Counter({
      name: 'voice_bridge_worker_crashes_total',
      help: 'Times the voice bridge worker thread died (its calls ended as failed) and was started again',
      registers: [registry],
    }),
    bridgeCallsLost: new client.Counter({
      name: 'voice_bridge_calls_lost_total',
      help: 'Bridged calls ended as failed because the voice bridge worker died under them',
      registers: [registry],
    }),
    udpDropped: new client.Counter({
      name: 'scaip_udp_datagrams_dropped_total',
      help: 'Datagrams to the SIP UDP socket the kernel dropped because its receive buffer was full (their controllers resend after their SIP timer)',
      registers: [registry],
      collect() {
        const now = udpDrops();
        // the kernel's count is per socket: a socket opened again starts from 0
        if (now > udpDropsCounted) this.inc(now - udpDropsCounted);
        udpDropsCounted = now;
      },
    }),
    udpReceiveBuffer: new client.Gauge({
      name: 'scaip_udp_receive_buffer_bytes',
      help: "The SIP UDP socket's receive buffer as the kernel granted it (twice net.core.rmem_max at most)",
      registers: [registry],
    }),
    /** Where the drop count is read when /metrics is scraped (the gateway's SIP UDP socket). */
    watchUdpDrops(drops: () => number): void {
      udpDrops = drops;
      udpDropsCounted = Math.min(udpDropsCounted, drops());
    },
    streamsOpen: new client.Gauge({
      name: 'sip_stream_connections_open',
      help: 'Open SIP TCP/TLS connections',
      registers: [registry],
    }),
    /** Counts one refusal under its catalogue entry. */
    refusal(reason: GatewayRejection): void {
      const { sip, snu } = GATEWAY_REJECTIONS[reason];
      metrics.refused.inc({
        reason,
        sip: sip === null ? 'none' : String(sip),
        snu: snu === null ? 'none' : String(snu),
      });
    },
  };
  return metrics;
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
