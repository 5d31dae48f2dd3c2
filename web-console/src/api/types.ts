// Shapes of the technician and supervisor routes. The alarm center does not export schemas for
// these yet, so they are written here from the agreed contract; move to schemas.ts when it does.

import type { DeviceType } from '@trygg/firmware-protocol';

export interface DeviceListItem {
  deviceId: string;
  deviceType: DeviceType;
  serial: string;
  resident: { id: string; name: string } | null;
  district: string;
  status?: string;
  online: boolean;
  lastSeenAt: string | null;
  battery: number | null;
  signalDbm: number | null;
  firmware: string | null;
  openTechnicalAlarms: number;
}

export interface TelemetryPoint {
  at: string;
  battery: number | null;
  signalDbm: number | null;
}

/** The contract says `{device, secret}`; the first server version answers `{deviceId, secret}`. */
export interface ProvisionReply {
  secret: string;
  deviceId?: string;
  mqttUsername?: string;
  device?: { deviceId: string };
}

export interface Overview {
  openByKind: Record<string, number>;
  openByDistrict: Record<string, number>;
  ackP50Ms: number | null;
  ackP90Ms: number | null;
  escalationsToday: number;
  falseAlarmShareByDistrict: Record<string, number>;
  devicesOffline: number;
}
