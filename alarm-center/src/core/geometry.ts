// Geometry the rules need: whether the camera's person rectangle lies in the floor zone, and how
// far a mobile alarm is from the centre of its geofence.

import type { Person, Position, Rect, RoomLayout } from '@trygg/firmware-protocol';
import type { Geofence } from './types.ts';

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Lying, with most of the body over the floor zone and not over the bed. */
export function lyingOnFloor(layout: RoomLayout | null, person: Person | null): boolean {
  if (!layout || !person || person.posture !== 'lying') return false;
  const area = person.box.w * person.box.h;
  if (area <= 0) return false;
  let floor = 0;
  let bed = 0;
  for (const zone of layout.zones) {
    if (zone.kind === 'floor') floor += overlap(zone.rect, person.box);
    else if (zone.kind === 'bed') bed += overlap(zone.rect, person.box);
  }
  return floor / area > 0.5 && bed / area < 0.5;
}

const EARTH_RADIUS_M = 6_371_000;

export function distanceM(fence: Geofence, p: Position): number {
  const rad = Math.PI / 180;
  const dLat = (p.lat - fence.lat) * rad;
  const dLon = (p.lon - fence.lon) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(fence.lat * rad) * Math.cos(p.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}
