// Which night an instant belongs to and when a visit "at 02:00" falls, read in the plan's time
// zone. A night is named after the evening it starts on and runs from noon to noon, so 23:00 and
// 02:00 visits belong to the same night. Pure: no clock, no I/O.

const NOON_S = 12 * 3600;

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

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(at: number, timeZone: string): LocalParts {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return {
    year: p.year ?? 0,
    month: p.month ?? 0,
    day: p.day ?? 0,
    hour: p.hour ?? 0,
    minute: p.minute ?? 0,
    second: p.second ?? 0,
  };
}

/** Local wall time minus UTC at `at`, in milliseconds (e.g. +2 h in Swedish summer). */
function offsetMs(at: number, timeZone: string): number {
  const l = localParts(at, timeZone);
  const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** Parses "HH:MM" into seconds after midnight; throws on anything else. */
export function parseTimeOfNight(hhmm: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!match) throw new RangeError(`not a time of day (HH:MM): ${hhmm}`);
  return Number(match[1]) * 3600 + Number(match[2]) * 60;
}

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

/** The UTC instant of a local wall time. A time skipped by a DST change falls an hour later. */
export function localToUtc(date: string, hhmm: string, timeZone: string): number {
  const { year, month, day } = parseDate(date);
  const s = parseTimeOfNight(hhmm);
  const wall = Date.UTC(year, month - 1, day, Math.floor(s / 3600), (s % 3600) / 60);
  // Two passes settle the offset on either side of a DST change.
  let at = wall - offsetMs(wall, timeZone);
  at = wall - offsetMs(at, timeZone);
  return at;
}

/** When a visit at `hhmm` falls in `night`: evening times on the night's date, morning times the next day. */
export function visitDueAt(night: string, hhmm: string, timeZone: string): number {
  const { year, month, day } = parseDate(night);
  const date = parseTimeOfNight(hhmm) >= NOON_S ? night : isoDate(year, month, day + 1);
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
