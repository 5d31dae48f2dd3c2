// Technicians' device routes: the device list with health at a glance, and provisioning (register
// a device to a resident and district, issue its credentials once).

import { deviceTypeSchema, isDeviceId } from '@trygg/firmware-protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { requireRole } from '../session/auth.ts';
import type { Provisioning } from './provisioning.ts';
import type { TelemetrySink } from './telemetry.ts';

const deviceBody = z.strictObject({
  deviceId: z.string().refine(isDeviceId, 'device id: 2-64 of [A-Za-z0-9_-], starting with a letter or digit'),
  deviceType: deviceTypeSchema,
  serial: z.string().trim().min(1).max(64),
  residentId: z.string().max(64).nullable(),
  district: z.string().trim().min(1).max(64),
  heartbeatIntervalS: z.int().min(5).max(86_400).default(60),
});

const deviceListItem = z.object({
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

export interface DevicesPluginOptions {
  devices: Provisioning;
  telemetry: TelemetrySink;
  clock: Clock;
}

export const devicesPlugin: FastifyPluginAsync<DevicesPluginOptions> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['devices'];
  const technicians = requireRole('technician', 'supervisor');

  r.get(
    '/api/devices',
    { preHandler: technicians, schema: { tags, response: { 200: z.object({ devices: z.array(deviceListItem) }) } } },
    async () => ({ devices: await deps.devices.list() }),
  );

  r.post(
    '/api/devices',
    {
      preHandler: technicians,
      schema: {
        tags,
        body: deviceBody,
        response: { 201: z.object({ deviceId: z.string(), secret: z.string(), mqttUsername: z.string() }) },
      },
    },
    async (request, reply) => {
      const secret = await deps.devices.register({ ...request.body, rules: {} });
      return reply.status(201).send({ deviceId: request.body.deviceId, secret, mqttUsername: request.body.deviceId });
    },
  );

  const idParams = z.object({ id: z.string().refine(isDeviceId, 'not a device id') });

  r.get(
    '/api/devices/:id/telemetry',
    {
      preHandler: technicians,
      schema: {
        tags,
        params: idParams,
        querystring: z.object({
          hours: z.coerce
            .number()
            .min(1)
            .max(24 * 31)
            .default(24),
        }),
        response: {
          200: z.object({
            points: z.array(
              z.object({ at: z.string(), battery: z.number().nullable(), signalDbm: z.number().nullable() }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const since = deps.clock.now() - request.query.hours * 3_600_000;
      const points = await deps.telemetry.query(request.params.id, since);
      return { points: points.map((p) => ({ ...p, at: new Date(p.at).toISOString() })) };
    },
  );

  r.post(
    '/api/devices/:id/installed',
    {
      preHandler: technicians,
      schema: { tags, params: idParams, response: { 200: z.object({ status: z.string() }) } },
    },
    async (request) => ({ status: await deps.devices.markInstalled(request.params.id) }),
  );
};
