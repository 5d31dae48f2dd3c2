// The technicians' and supervisors' part of the console contract: the device list with health at
// a glance, registering a device (its credentials are shown once), telemetry, and the overview.

import { deviceTypeSchema, isDeviceId } from '@trygg/firmware-protocol';
import { z } from 'zod';

export const deviceBodySchema = z.strictObject({
  deviceId: z.string().refine(isDeviceId, 'device id: 2-64 of [A-Za-z0-9_-], starting with a letter or digit'),
  deviceType: deviceTypeSchema,
  serial: z.string().trim().min(1).max(64),
  residentId: z.string().max(64).nullable(),
  district: z.string().trim().min(1).max(64),
  heartbeatIntervalS: z.int().min(5).max(86_400).default(60),
});

export const deviceListItemSchema = z.object({
  deviceId: z.string(),
  deviceType: deviceTypeSchema,
  serial: z.string(),
  resident: z.object({ id: z.string(), name: z.string() }).nullable(),
  district: z.string(),
  status: z.string(),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  battery: z.number().nullable(),
  signalDbm: z.number().nullable(),
  firmware: z.string().nullable(),
  openTechnicalAlarms: z.int(),
});
export type DeviceListItem = z.infer<typeof deviceListItemSchema>;

/** The reply to registering a device; the secret is shown once, only its hash is stored. */
export const deviceRegisteredSchema = z.object({ deviceId: z.string(), secret: z.string(), mqttUsername: z.string() });
export type DeviceRegistered = z.infer<typeof deviceRegisteredSchema>;

export const deviceIdParams = z.object({ id: z.string().refine(isDeviceId, 'not a device id') });

export const telemetryQuerySchema = z.object({
  hours: z.coerce
    .number()
    .min(1)
    .max(24 * 31)
    .default(24),
});

export const telemetryPointSchema = z.object({
  at: z.string(),
  battery: z.number().nullable(),
  signalDbm: z.number().nullable(),
});
export type TelemetryPoint = z.infer<typeof telemetryPointSchema>;

export const deviceStatusReplySchema = z.object({ status: z.string() });

export const overviewSchema = z.object({
  openByKind: z.record(z.string(), z.int()),
  openByDistrict: z.record(z.string(), z.int()),
  ackP50Ms: z.number().nullable(),
  ackP90Ms: z.number().nullable(),
  escalationsToday: z.int(),
  falseAlarmShareByDistrict: z.record(z.string(), z.number()),
  devicesOffline: z.int(),
});
export type Overview = z.infer<typeof overviewSchema>;

/** A command the technician sends from the device page: the firmware protocol's commands. */
export const deviceCommandBodySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ping') }),
  z.strictObject({ type: z.literal('set_heartbeat_interval'), intervalS: z.int().min(5).max(86_400) }),
  z.strictObject({ type: z.literal('request_snapshot') }),
]);
export type DeviceCommandBody = z.infer<typeof deviceCommandBodySchema>;

export const deviceCommandReplySchema = z.object({
  commandId: z.string(),
  type: z.enum(['ping', 'set_heartbeat_interval', 'request_snapshot']),
  /** answered: acknowledged (a snapshot: the camera sent a frame, not shown here); refused: the device said no. */
  result: z.enum(['answered', 'refused', 'timeout']),
  error: z.string().nullable(),
  sentAt: z.string(),
  answeredAt: z.string().nullable(),
});
export type DeviceCommandReply = z.infer<typeof deviceCommandReplySchema>;
