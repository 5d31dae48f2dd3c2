// Technicians' device routes: the device list with health at a glance, and provisioning (register
// a device to a resident and district, issue its credentials once).

import {
  deviceBodySchema,
  deviceCommandBodySchema,
  deviceCommandReplySchema,
  deviceIdParams,
  deviceListItemSchema,
  deviceRegisteredSchema,
  deviceStatusReplySchema,
  telemetryPointSchema,
  telemetryQuerySchema,
} from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { requireRole } from '../session/auth.ts';
import type { TechnicianCommands } from './commands.ts';
import type { Provisioning } from './provisioning.ts';
import type { TelemetrySink } from './telemetry.ts';

export interface DevicesPluginOptions {
  devices: Provisioning;
  telemetry: TelemetrySink;
  clock: Clock;
  /** The technicians' commands; absent, the route answers 503 (an app built without a broker). */
  commands?: TechnicianCommands | undefined;
}

export const devicesPlugin: FastifyPluginAsync<DevicesPluginOptions> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['devices'];
  const technicians = requireRole('technician', 'supervisor');

  r.get(
    '/api/devices',
    {
      preHandler: technicians,
      schema: { tags, response: { 200: z.object({ devices: z.array(deviceListItemSchema) }) } },
    },
    async () => ({ devices: await deps.devices.list() }),
  );

  r.post(
    '/api/devices',
    {
      preHandler: technicians,
      schema: {
        tags,
        body: deviceBodySchema,
        response: { 201: deviceRegisteredSchema },
      },
    },
    async (request, reply) => {
      const secret = await deps.devices.register({ ...request.body, rules: {} });
      return reply.status(201).send({ deviceId: request.body.deviceId, secret, mqttUsername: request.body.deviceId });
    },
  );

  r.get(
    '/api/devices/:id/telemetry',
    {
      preHandler: technicians,
      schema: {
        tags,
        params: deviceIdParams,
        querystring: telemetryQuerySchema,
        response: { 200: z.object({ points: z.array(telemetryPointSchema) }) },
      },
    },
    async (request) => {
      const since = deps.clock.now() - request.query.hours * 3_600_000;
      const points = await deps.telemetry.query(request.params.id, since);
      return { points: points.map((p) => ({ ...p, at: new Date(p.at).toISOString() })) };
    },
  );

  r.post(
    '/api/devices/:id/commands',
    {
      preHandler: technicians,
      schema: {
        tags,
        params: deviceIdParams,
        body: deviceCommandBodySchema,
        response: { 200: deviceCommandReplySchema },
      },
    },
    async (request) => {
      if (!(await deps.devices.exists(request.params.id))) throw new AppError('DEVICE_NOT_FOUND');
      if (!deps.commands) throw new AppError('COMMANDS_UNAVAILABLE');
      const out = await deps.commands.send(request.user!.username, request.params.id, request.body);
      return {
        ...out,
        sentAt: new Date(out.sentAt).toISOString(),
        answeredAt: out.answeredAt === null ? null : new Date(out.answeredAt).toISOString(),
      };
    },
  );

  r.post(
    '/api/devices/:id/installed',
    {
      preHandler: technicians,
      schema: { tags, params: deviceIdParams, response: { 200: deviceStatusReplySchema } },
    },
    async (request) => ({ status: await deps.devices.markInstalled(request.params.id) }),
  );
};
