// Daily windows ("22:00" to "07:00") read in the resident's time zone. Only door exits and bed
// transitions ask, so a cached Intl formatter per zone is fast enough and gets DST right.

import type { DailyWindow } from './types.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local calendar date and wall time of an instant in a zone (whole seconds). */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The one reading of the time-zone database the platform does; everything local derives from it. */
export function localParts(at: number, timeZone: string): LocalParts {
  const p: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type in p) p[part.type as keyof LocalParts] = Number(part.value);
  }
  return p;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local calendar date as YYYY-MM-DD. */
export function localDate(at: number, timeZone: string): string {
  const l = localParts(at, timeZone);
  return `${l.year}-${pad(l.month)}-${pad(l.day)}`;
}

/** Local wall time minus UTC at `at`, in milliseconds (e.g. +2 h in Swedish summer). */
function wallOffsetMs(at: number, timeZone: string): number {
  const l = localParts(at, timeZone);
  const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** The UTC instant of a local wall time. A time skipped by a DST change falls an hour later. */
export function localToUtc(date: string, hhmm: string, timeZone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  const s = parseClock(hhmm);
  const wall = Date.UTC(
    Number(match[1]),
    Number(match[2]) - 1,
    Number(match[3]),
    Math.floor(s / 3600),
    (s % 3600) / 60,
  );
  // Two passes settle the offset on either side of a DST change.
  let at = wall - wallOffsetMs(wall, timeZone);
  at = wall - wallOffsetMs(at, timeZone);
  return at;
}

/** When "today" began in the zone: local midnight of the day `at` falls on (the municipality's day). */
export function startOfLocalDay(at: number, timeZone: string): number {
  return localToUtc(localDate(at, timeZone), '00:00', timeZone);
}

/**
 * Offsets change only at quarter-hour UTC instants (most zones switch on the hour; Lord Howe
 * Island switches at :30 UTC), so one offset per zone and quarter hour is exact.
 */
const SLOT_MS = 900_000;
const DAY_MS = 86_400_000;
/** Per zone, the UTC offset of the quarter hour last asked about. */
const offsets = new Map<string, { slot: number; offsetMs: number }>();

/** Seconds since local midnight, with the milliseconds kept as a fraction. */
export function secondOfDay(at: number, timeZone: string): number {
  const slot = Math.floor(at / SLOT_MS);
  let cached = offsets.get(timeZone);
  if (!cached || cached.slot !== slot) {
    const start = slot * SLOT_MS;
    const local = secondOfDaySlow(start, timeZone) * 1000;
    const utc = ((start % DAY_MS) + DAY_MS) % DAY_MS;
    cached = { slot, offsetMs: (((local - utc) % DAY_MS) + DAY_MS) % DAY_MS };
    offsets.set(timeZone, cached);
  }
  return ((((at + cached.offsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / 1000;
}

function secondOfDaySlow(at: number, timeZone: string): number {
  const l = localParts(at, timeZone);
  return l.hour * 3600 + l.minute * 60 + l.second + (((at % 1000) + 1000) % 1000) / 1000;
}

export function parseClock(hhmm: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!match) throw new RangeError(`not a time of day (HH:MM): ${hhmm}`);
  return Number(match[1]) * 3600 + Number(match[2]) * 60;
}

/** True when `at` falls in [start, end) local time; a window whose end is before its start wraps midnight. */
export function inDailyWindow(at: number, window: DailyWindow, timeZone: string): boolean {
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  if (start === end) return true; // "00:00–00:00": always
  const t = secondOfDay(at, timeZone);
  return start < end ? t >= start && t < end : t >= start || t < end;
}
