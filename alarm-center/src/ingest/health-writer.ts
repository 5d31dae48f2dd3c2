// Device health (last seen, battery, signal, firmware) is written behind in batches: a heartbeat
// from each of 100,000 devices must not cost a database write each.

import type { Heartbeat } from '@trygg/firmware-protocol';
import type pg from 'pg';
import type { Logger } from 'pino';
import * as devices from '../devices/repository.ts';

export class HealthWriter {
  #pending = new Map<string, devices.HealthUpdate>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    private readonly flushEveryMs = 5000,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.flushEveryMs);
    this.#timer.unref();
  }

  /** `gateway`: the relaying gateway the ingest accepted from the heartbeat (SCAIP units only). */
  seen(deviceId: string, at: number, hb?: Heartbeat, gateway?: string): void {
    const prev = this.#pending.get(deviceId);
    this.#pending.set(deviceId, {
      deviceId,
      lastSeenAt: at,
      firmware: hb?.firmware ?? prev?.firmware,
      battery: hb?.battery ?? prev?.battery,
      signalDbm: hb?.signalDbm ?? prev?.signalDbm,
      carrier: hb?.carrier ?? prev?.carrier,
      gateway: gateway ?? prev?.gateway,
    });
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    try {
      await devices.updateHealth(this.pool, batch);
    } catch (err) {
      // Health is advisory; keep the newest value of each device for the next flush.
      for (const u of batch) if (!this.#pending.has(u.deviceId)) this.#pending.set(u.deviceId, u);
      this.logger.warn({ err, devices: batch.length }, 'device health not written; retrying');
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.flush();
  }
}
