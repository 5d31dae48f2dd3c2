// Settings the alarm center serves to the console: the map's tile source and where "open in
// map" links go. The municipality configures them (MAP_TILE_URL, MAP_TILE_ATTRIBUTION, MAP_LINK_URL).

import { z } from 'zod';

export const consoleSettingsSchema = z.object({
  map: z.object({
    /** A Leaflet URL template with {z}, {x}, {y}. */
    tileUrl: z.string(),
    attribution: z.string(),
    /** A URL template with {lat} and {lon}, for opening the position in a map service. */
    linkUrl: z.string(),
  }),
});
export type ConsoleSettings = z.infer<typeof consoleSettingsSchema>;
