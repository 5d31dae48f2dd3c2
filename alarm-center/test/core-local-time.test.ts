import assert from 'node:assert/strict';
import fc from 'fast-check';
import { test } from 'vitest';
import { secondOfDay } from '../src/core/index.ts';

function viaIntl(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return get('hour') * 3600 + get('minute') * 60 + get('second') + (at % 1000) / 1000;
}

test('local time of day agrees with the time-zone database in every zone we may serve, DST included', () => {
  const zones = [
    'Europe/Stockholm',
    'Europe/Helsinki',
    'UTC',
    'America/New_York',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }),
      fc.constantFrom(...zones),
      (at, zone) => {
        // Compared in whole milliseconds: 11 + 0.476 and 11476 / 1000 may differ in the last bit.
        assert.equal(Math.round(secondOfDay(at, zone) * 1000), Math.round(viaIntl(at, zone) * 1000));
      },
    ),
    { numRuns: 5000 },
  );
});

test('Lord Howe Island, whose clocks change by 30 minutes at :30 UTC, reads correctly across the change', () => {
  const change = Date.UTC(2024, 9, 5, 15, 30); // 02:00 LHST (+10:30) becomes 02:30 LHDT (+11:00)
  assert.equal(secondOfDay(change - 1000, 'Australia/Lord_Howe'), 2 * 3600 - 1);
  assert.equal(secondOfDay(change, 'Australia/Lord_Howe'), 2.5 * 3600);
});

test('the hour around the spring-forward change in Stockholm reads correctly', () => {
  // 29 March 2026: 01:00 UTC is 03:00 CEST (02:00-03:00 local does not exist).
  assert.equal(secondOfDay(Date.UTC(2026, 2, 29, 0, 59, 59), 'Europe/Stockholm'), 1 * 3600 + 59 * 60 + 59);
  assert.equal(secondOfDay(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Stockholm'), 3 * 3600);
});
