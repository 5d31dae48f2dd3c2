// Load mode: N devices connect with their own client ids (a fleet sharing one provisioning secret)
// and together send `rate` messages per second in real time: heartbeats, and a share of manual
// alarms from pendants. Reports what a capacity planner needs: connect time, sent, acknowledged,
// failed, and PUBACK latency percentiles.

import { SimDevice } from './device.ts';
import { type LatencySummary, summarise } from './stats.ts';

export interface LoadOptions {
  brokerUrl: string;
  devices: number;
  /** Messages per second across the whole fleet. */
  rate: number;
  durationS: number;
  secret: string;
  prefix?: string;
  /** Share of messages that are manual alarms (0..1); the rest are heartbeats. */
  alarmShare?: number;
  /** Simultaneous connection attempts. */
  connectConcurrency?: number;
  onProgress?(progress: LoadProgress): void;
}

export interface LoadProgress {
  phase: 'connecting' | 'sending' | 'draining';
  connected: number;
  sent: number;
  acked: number;
  failed: number;
}

export interface LoadSummary {
  devices: number;
  connected: number;
  connectFailed: number;
  connectSeconds: number;
  sent: number;
  acked: number;
  failed: number;
  achievedRate: number;
  latencyMs: LatencySummary;
}

export function loadDeviceId(prefix: string, index: number): string {
  return `${prefix}${String(index).padStart(6, '0')}`;
}

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const prefix = options.prefix ?? 'load-';
  const alarmShare = options.alarmShare ?? 0.05;
  const fleet = Array.from(
    { length: options.devices },
    (_, i) =>
      new SimDevice(
        { deviceId: loadDeviceId(prefix, i), deviceType: 'pendant', secret: options.secret },
        { brokerUrl: options.brokerUrl, offlineQueueMax: 1000 },
      ),
  );
  const progress: LoadProgress = { phase: 'connecting', connected: 0, sent: 0, acked: 0, failed: 0 };
  const report = () => options.onProgress?.(progress);
  const ticker = setInterval(report, 250);
  const latencies: number[] = [];
  let connectFailed = 0;
  try {
    const connectStart = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < fleet.length) {
        const device = fleet[next++] as SimDevice;
        try {
          await device.connect();
          progress.connected++;
        } catch {
          connectFailed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.connectConcurrency ?? 200, fleet.length) }, worker));
    const connectSeconds = (performance.now() - connectStart) / 1000;
    const online = fleet.filter((d) => d.connected);

    progress.phase = 'sending';
    const pending: Promise<void>[] = [];
    const sendStart = performance.now();
    const total = Math.round(options.rate * options.durationS);
    for (let i = 0; i < total && online.length > 0; i++) {
      const dueMs = (i / options.rate) * 1000;
      const wait = dueMs - (performance.now() - sendStart);
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const device = online[i % online.length] as SimDevice;
      const sending = Math.random() < alarmShare ? device.send({ type: 'alarm.manual' }) : device.heartbeat();
      progress.sent++;
      pending.push(
        sending.then(
          (delivery) => {
            progress.acked++;
            latencies.push(delivery.latencyMs);
          },
          () => void progress.failed++,
        ),
      );
    }
    const sendSeconds = (performance.now() - sendStart) / 1000;
    progress.phase = 'draining';
    await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 30_000).unref())]);
    report();
    return {
      devices: options.devices,
      connected: online.length,
      connectFailed,
      connectSeconds: Math.round(connectSeconds * 100) / 100,
      sent: progress.sent,
      acked: progress.acked,
      failed: progress.failed + (progress.sent - progress.acked - progress.failed),
      achievedRate: Math.round(progress.sent / Math.max(sendSeconds, 0.001)),
      latencyMs: summarise(latencies),
    };
  } finally {
    clearInterval(ticker);
    await Promise.all(fleet.map((d) => d.stop()));
  }
}
