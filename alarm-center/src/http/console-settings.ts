// The console's settings from configuration (the map's tile source, the "open in map" link), for
// any signed-in user: the console reads them once after login.

import { type ConsoleSettings, consoleSettingsSchema } from '@trygg/console-contract';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireRole } from '../session/auth.ts';

export type { ConsoleSettings };

/** What the console gets when the platform is built without settings (tests of single routes). */
export const DEFAULT_CONSOLE_SETTINGS: ConsoleSettings = {
  map: {
    tileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    attribution: '© OpenStreetMap contributors',
    linkUrl: 'https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}',
  },
};

const staff = requireRole('operator', 'technician', 'supervisor', 'caseworker', 'nightteam', 'responder');

export const consoleSettingsPlugin: FastifyPluginAsync<{ settings: ConsoleSettings }> = async (app, { settings }) => {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/api/console-settings',
      { preHandler: staff, schema: { tags: ['console'], response: { 200: consoleSettingsSchema } } },
      async () => settings,
    );
};
