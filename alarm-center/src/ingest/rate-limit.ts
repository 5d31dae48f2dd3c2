// Per-device token bucket for the ingest. A device that floods the alarm center is held to its
// configured rate; every refused message is counted, and a flood raises one technical alarm for the
// technicians (a misbehaving device is a fault to fix, not noise to drop). Pure: time comes in.

import type { AlarmRequest } from '../core/index.ts';

export interface RateLimitConfig {
  /** Sustained messages per second per device; 0 disables the limit. */
  perSecond: number;
  /** Messages a device may send at once after being quiet. */
  burst: number;
}

/** `flood_started`: the first refusal of a flood (raise the alarm); `limited`: later ones. */
export type RateVerdict = 'allowed' | 'flood_started' | 'limited';

interface Bucket {
  tokens: number;
  at: number;
  flooding: boolean;
}

/** How many takes between sweeps that forget devices whose bucket has refilled. */
const SWEEP_EVERY = 10_000;

export class DeviceRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  #takes = 0;

  constructor(private readonly config: RateLimitConfig) {}

  take(deviceId: string, now: number): RateVerdict {
    const { perSecond, burst } = this.config;
    if (perSecond <= 0) return 'allowed';
    if (++this.#takes % SWEEP_EVERY === 0) this.#sweep(now);
    let bucket = this.#buckets.get(deviceId);
    if (!bucket) {
      bucket = { tokens: burst, at: now, flooding: false };
      this.#buckets.set(deviceId, bucket);
    }
    bucket.tokens = this.#refilled(bucket, now);
    bucket.at = now;
    // Quiet long enough to refill completely: the next flood is a new one and gets its own alarm.
    if (bucket.tokens >= burst) bucket.flooding = false;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 'allowed';
    }
    if (bucket.flooding) return 'limited';
    bucket.flooding = true;
    return 'flood_started';
  }

  /** Devices currently tracked (for tests and metrics). */
  get tracked(): number {
    return this.#buckets.size;
  }

  #refilled(bucket: Bucket, now: number): number {
    const elapsedS = Math.max(0, now - bucket.at) / 1000;
    return Math.min(this.config.burst, bucket.tokens + elapsedS * this.config.perSecond);
  }

  /** A full, calm bucket is the same as none: forgetting it bounds memory to active devices. */
  #sweep(now: number): void {
    for (const [deviceId, bucket] of this.#buckets) {
      if (!bucket.flooding && this.#refilled(bucket, now) >= this.config.burst) this.#buckets.delete(deviceId);
    }
  }
}

export interface FloodingDevice {
  deviceId: string;
  residentId: string | null;
  district: string;
}

/** The technical alarm for a device that exceeded its message rate. */
export function floodAlarm(device: FloodingDevice, now: number): AlarmRequest {
  return {
    deviceId: device.deviceId,
    residentId: device.residentId,
    district: device.district,
    kind: 'device_fault',
    at: now,
    sourceMessageId: null,
    details: { fault: 'message_flood' },
  };
}
