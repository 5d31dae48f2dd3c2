// Registers devices: stores the device and a slow hash of its freshly issued secret, then tells
// the registry and the routing core, so its very first message is understood.

import { generateSecret, hashDeviceSecret } from '@trygg/broker';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import {
  type DeviceProfile,
  type DeviceRules,
  HEARTBEAT_TOLERANCE,
  isOnline,
  type RoutingCore,
} from '../core/index.ts';
import { inTransaction, onCommit } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { DeviceRegistry } from './registry.ts';
import type { DeviceRecord } from './repository.ts';
import * as devices from './repository.ts';

export function profileOf(device: DeviceRecord, timeZone: string): DeviceProfile {
  return {
    deviceId: device.deviceId,
    deviceType: device.deviceType,
    residentId: device.residentId,
    district: device.district,
    heartbeatIntervalS: device.heartbeatIntervalS,
    rules: { timeZone, ...(device.rules as Partial<DeviceRules>) },
    supervised: device.status === 'installed',
  };
}

export class Provisioning {
  constructor(
    private readonly pool: pg.Pool,
    private readonly registry: DeviceRegistry,
    private readonly core: RoutingCore,
    private readonly clock: Clock,
    private readonly timeZone: string,
  ) {}

  /** Returns the device's secret: shown once, only its hash is stored. */
  async register(device: devices.NewDevice, secret: string = generateSecret()): Promise<string> {
    const hash = await hashDeviceSecret(secret);
    await inTransaction(this.pool, (client) => this.registerWith(client, device, hash));
    return secret;
  }

  /**
   * Stores the device in the caller's transaction; the registry and the routing core learn of it
   * when that transaction commits.
   */
  async registerWith(client: pg.PoolClient, device: devices.NewDevice, secretHash: string): Promise<void> {
    await devices.register(client, device, secretHash);
    const record: DeviceRecord = { ...device, status: 'provisioned', carrier: null, gateway: null };
    onCommit(() => this.#know(record));
  }

  /** The technician has tested the device on site: it now counts as an installed, working alarm. */
  async markInstalled(deviceId: string): Promise<'installed'> {
    return inTransaction(this.pool, (client) => this.markInstalledWith(client, deviceId));
  }

  async markInstalledWith(client: pg.PoolClient, deviceId: string): Promise<'installed'> {
    if (!(await devices.markInstalled(client, deviceId))) throw new AppError('DEVICE_NOT_FOUND');
    onCommit(() => {
      const known = this.registry.get(deviceId);
      if (known) this.#know({ ...known, status: 'installed' });
    });
    return 'installed';
  }

  #know(record: DeviceRecord): void {
    this.registry.set(record);
    this.core.upsertDevice(profileOf(record, this.timeZone), this.clock.now());
  }

  /** Whether the device is registered (this replica's registry, else the database). */
  async exists(deviceId: string): Promise<boolean> {
    return (await this.registry.lookup(this.pool, deviceId)) !== undefined;
  }

  /** The device's latest accepted events, newest first (an alarm's context). */
  async recentEvents(deviceId: string) {
    return devices.recentEvents(this.pool, deviceId);
  }

  /** The technicians' device list with health at a glance. */
  async list() {
    const rows = await devices.listWithHealth(this.pool);
    const now = this.clock.now();
    return rows.map((d) => ({
      deviceId: d.id,
      deviceType: d.device_type,
      serial: d.serial,
      resident: d.resident_id ? { id: d.resident_id, name: d.resident_name ?? '' } : null,
      district: d.district,
      status: d.status,
      online: isOnline(
        d.last_seen_at === null ? null : Date.parse(d.last_seen_at),
        d.heartbeat_interval_s,
        now,
        d.heartbeat_tolerance ?? HEARTBEAT_TOLERANCE,
      ),
      lastSeenAt: d.last_seen_at,
      battery: d.battery,
      signalDbm: d.signal_dbm,
      firmware: d.firmware,
      openTechnicalAlarms: d.open_technical,
    }));
  }
}
