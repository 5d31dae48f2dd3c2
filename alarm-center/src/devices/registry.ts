// The alarm center's in-memory view of provisioned devices, so the hot path never queries the
// database to learn a device's type, resident or district. Loaded at start, updated on
// provisioning; a miss falls back to the database once (another replica may have provisioned it).

import { type Heartbeat, parseScaipDeviceId } from '@trygg/firmware-protocol';
import type pg from 'pg';
import type { DeviceRecord } from './repository.ts';
import * as devices from './repository.ts';

export class DeviceRegistry {
  readonly #byId = new Map<string, DeviceRecord>();

  async load(pool: pg.Pool): Promise<DeviceRecord[]> {
    const all = await devices.all(pool);
    for (const d of all) this.#byId.set(d.deviceId, d);
    return all;
  }

  get(deviceId: string): DeviceRecord | undefined {
    return this.#byId.get(deviceId);
  }

  set(device: DeviceRecord): void {
    this.#byId.set(device.deviceId, device);
  }

  /**
   * The network path a heartbeat shows (the carrier the unit reports; the gateway that relayed
   * it), kept so outages can be grouped by them. The gateway is believed only for SCAIP units,
   * which reach us through one; an MQTT unit naming a gateway is ignored. Returns the gateway taken.
   */
  notePath(device: DeviceRecord, hb: Heartbeat): string | undefined {
    const gateway = hb.gateway !== undefined && parseScaipDeviceId(device.deviceId) ? hb.gateway : undefined;
    const carrier = hb.carrier ?? device.carrier;
    if (carrier !== device.carrier || (gateway !== undefined && gateway !== device.gateway)) {
      this.#byId.set(device.deviceId, { ...device, carrier, gateway: gateway ?? device.gateway });
    }
    return gateway;
  }

  async lookup(pool: pg.Pool, deviceId: string): Promise<DeviceRecord | undefined> {
    const known = this.#byId.get(deviceId);
    if (known) return known;
    const found = await devices.byId(pool, deviceId);
    if (found) this.#byId.set(deviceId, found);
    return found ?? undefined;
  }

  get size(): number {
    return this.#byId.size;
  }

  values(): IterableIterator<DeviceRecord> {
    return this.#byId.values();
  }
}
