// A local flat projection for the position map: metres east/north of a centre point. Accurate to
// well under 1% within a few kilometres, which is all an alarm position needs; no tile server.

const METRES_PER_DEG_LAT = 110_574;
const METRES_PER_DEG_LON_EQUATOR = 111_320;

export interface LatLon {
  lat: number;
  lon: number;
}

/** Metres east (x) and north (y) of `centre`. */
export function toLocalMetres(centre: LatLon, p: LatLon): { x: number; y: number } {
  const x = (p.lon - centre.lon) * METRES_PER_DEG_LON_EQUATOR * Math.cos((centre.lat * Math.PI) / 180);
  const y = (p.lat - centre.lat) * METRES_PER_DEG_LAT;
  return { x, y };
}

/** The largest 1-2-5 step (1, 2, 5, 10, 20, 50 … metres) not longer than `maxMetres`. */
export function niceScaleMetres(maxMetres: number): number {
  if (!(maxMetres > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(maxMetres));
  for (const m of [5, 2, 1]) if (m * exp <= maxMetres) return m * exp;
  return exp;
}

/** Metres shown across the map: room for the accuracy circle twice over, at least 200 m. */
export function mapSpanMetres(accuracyM: number): number {
  return Math.max(200, accuracyM * 4);
}
