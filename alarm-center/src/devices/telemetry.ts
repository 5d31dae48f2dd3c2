// Device telemetry (heartbeats: battery, signal; sensor events) for the technicians' device-health
// views. Two stores behind one interface: InfluxDB when INFLUX_URL is set, otherwise a small
// embedded store (a bounded ring of points per device, in memory). Telemetry never blocks alarms:
// writes are buffered within a bound and dropped with a counter when the store is unavailable.

import type { DeviceEvent, DeviceType, Heartbeat } from '@trygg/firmware-protocol';
import { InfluxDB, type IPoint } from 'influx';
import type { Logger } from 'pino';

export interface TelemetryPoint {
  at: number;
  battery: number | null;
  signalDbm: number | null;
}

export interface TelemetrySink {
  heartbeat(deviceId: string, deviceType: DeviceType, hb: Heartbeat, at: number): void;
  event(deviceId: string, deviceType: DeviceType, event: DeviceEvent, at: number): void;
  query(deviceId: string, sinceMs: number): Promise<TelemetryPoint[]>;
  stats(): { buffered: number; written: number; dropped: number };
  close(): Promise<void>;
}

/** Embedded store: the last `perDevice` heartbeats of each device, in memory. */
export class EmbeddedTelemetry implements TelemetrySink {
  readonly #rings = new Map<string, TelemetryPoint[]>();
  #written = 0;
  constructor(private readonly perDevice = 1440) {}

  heartbeat(deviceId: string, _type: DeviceType, hb: Heartbeat, at: number): void {
    let ring = this.#rings.get(deviceId);
    if (!ring) {
      ring = [];
      this.#rings.set(deviceId, ring);
    }
    ring.push({ at, battery: hb.battery ?? null, signalDbm: hb.signalDbm ?? null });
    if (ring.length > this.perDevice) ring.splice(0, ring.length - this.perDevice);
    this.#written++;
  }

  event(): void {}

  async query(deviceId: string, sinceMs: number): Promise<TelemetryPoint[]> {
    return (this.#rings.get(deviceId) ?? []).filter((p) => p.at >= sinceMs);
  }

  stats() {
    return { buffered: 0, written: this.#written, dropped: 0 };
  }

  async close(): Promise<void> {}
}

export interface InfluxOptions {
  /** e.g. http://127.0.0.1:8086/telemetry — the path names the database. */
  url: string;
  batchSize?: number;
  flushEveryMs?: number;
  /** Points held while InfluxDB is unavailable; beyond this the oldest are dropped and counted. */
  maxBuffered?: number;
}

export class InfluxTelemetry implements TelemetrySink {
  readonly #influx: InfluxDB;
  readonly #database: string;
  #buffer: IPoint[] = [];
  #written = 0;
  #dropped = 0;
  #inFlight: Promise<void> | null = null;
  /** Points taken from the buffer for a write that has not finished: still ours, still bounded. */
  #sending = 0;
  readonly #timer: NodeJS.Timeout;
  readonly #batchSize: number;
  readonly #maxBuffered: number;

  constructor(
    options: InfluxOptions,
    private readonly logger: Logger,
  ) {
    const url = new URL(options.url);
    this.#database = url.pathname.replace(/^\//, '') || 'telemetry';
    url.pathname = `/${this.#database}`;
    this.#influx = new InfluxDB(url.toString());
    this.#batchSize = options.batchSize ?? 5000;
    this.#maxBuffered = options.maxBuffered ?? 200_000;
    this.#timer = setInterval(() => void this.flush(), options.flushEveryMs ?? 1000);
    this.#timer.unref();
  }

  /** Creates the database named in the URL's path (idempotent in InfluxDB 1.x). */
  async init(): Promise<void> {
    await this.#influx.createDatabase(this.#database);
  }

  #push(point: IPoint): void {
    this.#buffer.push(point);
    this.#trim();
    if (this.#buffer.length >= this.#batchSize) void this.flush();
  }

  #trim(): void {
    const excess = Math.min(this.#buffer.length, this.#buffer.length + this.#sending - this.#maxBuffered);
    if (excess <= 0) return;
    this.#buffer.splice(0, excess);
    this.#dropped += excess;
  }

  heartbeat(deviceId: string, deviceType: DeviceType, hb: Heartbeat, at: number): void {
    const fields: Record<string, number | string> = { interval_s: hb.intervalS };
    if (hb.battery !== undefined) fields.battery = hb.battery;
    if (hb.signalDbm !== undefined) fields.signal_dbm = hb.signalDbm;
    if (hb.firmware !== undefined) fields.firmware = hb.firmware;
    this.#push({
      measurement: 'heartbeat',
      tags: { device: deviceId, type: deviceType },
      fields,
      timestamp: new Date(at),
    });
  }

  event(deviceId: string, deviceType: DeviceType, event: DeviceEvent, at: number): void {
    this.#push({
      measurement: 'device_event',
      tags: { device: deviceId, type: deviceType, event: event.type },
      fields: { count: 1 },
      timestamp: new Date(at),
    });
  }

  /** Writes everything buffered; concurrent callers share the one write in flight. */
  flush(): Promise<void> {
    this.#inFlight ??= this.#writeAll().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  /** Two batches in flight: the writer serialises the next batch while InfluxDB ingests one. */
  async #writeAll(): Promise<void> {
    await Promise.all([this.#drain(), this.#drain()]);
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#batchSize);
      this.#sending += batch.length;
      try {
        await this.#influx.writePoints(batch, { precision: 'ms' });
        this.#sending -= batch.length;
        this.#written += batch.length;
      } catch (err) {
        this.#sending -= batch.length;
        // Put the batch back in front and keep within the bound: the oldest points go first.
        this.#buffer = batch.concat(this.#buffer);
        this.#trim();
        this.logger.warn(
          { err: (err as Error).message, buffered: this.#buffer.length },
          'telemetry not written; buffering',
        );
        return;
      }
    }
  }

  async query(deviceId: string, sinceMs: number): Promise<TelemetryPoint[]> {
    const rows = await this.#influx.query<{ time: Date; battery: number | null; signal_dbm: number | null }>(
      `SELECT battery, signal_dbm FROM heartbeat WHERE device = ${influxString(deviceId)} AND time >= ${sinceMs}ms ORDER BY time`,
    );
    return rows.map((r) => ({ at: r.time.getTime(), battery: r.battery, signalDbm: r.signal_dbm }));
  }

  stats() {
    return { buffered: this.#buffer.length + this.#sending, written: this.#written, dropped: this.#dropped };
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

/** InfluxQL string literal (device ids are already limited to [A-Za-z0-9_-] by the protocol). */
function influxString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
