// Which night an instant belongs to and when a visit "at 02:00" falls, read in the plan's time
// zone. A night is named after the evening it starts on and runs from noon to noon, so 23:00 and
// 02:00 visits belong to the same night. Pure: no clock, no I/O.

import { localParts, localToUtc, parseClock } from '../core/local-time.ts';

const NOON_S = 12 * 3600;

const pad = (n: number) => String(n).padStart(2, '0');

function isoDate(year: number, month: number, day: number): string {
  const d = new Date(Date.UTC(year, month - 1, day));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

/** The night `at` belongs to, as the date of its evening: 02:00 on 3 March is the night of 2 March. */
export function nightOf(at: number, timeZone: string): string {
  const l = localParts(at, timeZone);
  const secondOfDay = l.hour * 3600 + l.minute * 60 + l.second;
  return secondOfDay >= NOON_S ? isoDate(l.year, l.month, l.day) : isoDate(l.year, l.month, l.day - 1);
}

/** When a visit at `hhmm` falls in `night`: evening times on the night's date, morning times the next day. */
export function visitDueAt(night: string, hhmm: string, timeZone: string): number {
  const { year, month, day } = parseDate(night);
  const date = parseClock(hhmm) >= NOON_S ? night : isoDate(year, month, day + 1);
  return localToUtc(date, hhmm, timeZone);
}

/** "YYYY-MM" of a night, and the number of nights in that month. */
export function monthOf(night: string): string {
  return night.slice(0, 7);
}

export function nightsInMonth(month: string): number {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) throw new RangeError(`not a month (YYYY-MM): ${month}`);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]), 0)).getUTCDate();
}
