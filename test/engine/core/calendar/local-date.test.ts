import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  dayOfWeek,
  endOfLocalDay,
  instantOfLocal,
  isIsoDate,
  localDateOf,
  localTimeOf,
  offsetMsAt,
  startOfLocalDay,
} from '../../../../engine/core/calendar/index.js';

describe('plain date arithmetic', () => {
  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2000-02-28', 366)).toBe('2001-02-28');
  });

  it('clamps months to the end of the target month', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-03-31', -1)).toBe('2025-02-28');
    expect(addMonths('2025-11-15', 14)).toBe('2027-01-15');
  });

  it('knows the day of the week', () => {
    expect(dayOfWeek('1970-01-01')).toBe(4);
    expect(dayOfWeek('2026-02-14')).toBe(6);
    expect(dayOfWeek('1969-12-28')).toBe(0);
  });

  it('validates dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('1900-02-29')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(isIsoDate('2025-1-01')).toBe(false);
    expect(() => addDays('2025-02-30', 1)).toThrow(RangeError);
  });

  it('agrees with UTC Date arithmetic for any date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -700_000, max: 2_900_000 }), fc.integer({ min: -5000, max: 5000 }), (day, n) => {
        const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
        expect(addDays(iso(day), n)).toBe(iso(day + n));
        expect(dayOfWeek(iso(day))).toBe(new Date(day * 86_400_000).getUTCDay());
      }),
      { seed: 20250101, numRuns: 500 },
    );
  });
});

describe('time zones', () => {
  it('maps instants to Shanghai local dates (UTC+8)', () => {
    expect(localDateOf(new Date('2026-02-10T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-02-10');
    expect(localDateOf(new Date('2026-02-10T16:00:00.000Z'), 'Asia/Shanghai')).toBe('2026-02-11');
    expect(offsetMsAt(Date.UTC(2026, 0, 1), 'Asia/Shanghai')).toBe(8 * 3_600_000);
    expect(startOfLocalDay('2026-02-24', 'Asia/Shanghai').toISOString()).toBe('2026-02-23T16:00:00.000Z');
    expect(endOfLocalDay('2026-02-24', 'Asia/Shanghai').toISOString()).toBe('2026-02-24T16:00:00.000Z');
  });

  it.each([
    ['Asia/Kolkata', '2025-06-01', '2025-05-31T18:30:00.000Z'],
    ['America/St_Johns', '2025-06-01', '2025-06-01T02:30:00.000Z'],
    ['Pacific/Chatham', '2025-06-01', '2025-05-31T11:15:00.000Z'],
    ['Pacific/Kiritimati', '2025-06-01', '2025-05-31T10:00:00.000Z'],
    ['UTC', '2025-06-01', '2025-06-01T00:00:00.000Z'],
  ])('finds local midnight in %s', (zone, date, expected) => {
    expect(startOfLocalDay(date, zone).toISOString()).toBe(expected);
  });

  it('handles DST days of 23 and 25 hours', () => {
    const ny = 'America/New_York';
    expect(endOfLocalDay('2025-03-09', ny).getTime() - startOfLocalDay('2025-03-09', ny).getTime()).toBe(23 * 3_600_000);
    expect(endOfLocalDay('2025-11-02', ny).getTime() - startOfLocalDay('2025-11-02', ny).getTime()).toBe(25 * 3_600_000);
    expect(instantOfLocal('2025-11-02', 90 * 60_000, ny).toISOString()).toBe('2025-11-02T05:30:00.000Z'); // fold → earlier
    expect(instantOfLocal('2025-03-09', 150 * 60_000, ny).toISOString()).toBe('2025-03-09T07:30:00.000Z'); // gap → 03:30
  });

  it('starts a day at 01:00 when midnight falls in a DST gap (Santiago)', () => {
    const start = startOfLocalDay('2025-09-07', 'America/Santiago');
    expect(start.toISOString()).toBe('2025-09-07T04:00:00.000Z');
    expect(localTimeOf(start, 'America/Santiago')).toEqual({ date: '2025-09-07', msOfDay: 3_600_000 });
    expect(localDateOf(new Date(start.getTime() - 1), 'America/Santiago')).toBe('2025-09-06');
  });

  it('round-trips local time for any instant and zone (property)', () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'America/Santiago', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
        const at = new Date(ms);
        const { date, msOfDay } = localTimeOf(at, zone);
        const start = startOfLocalDay(date, zone);
        expect(start.getTime()).toBeLessThanOrEqual(ms);
        expect(endOfLocalDay(date, zone).getTime()).toBeGreaterThan(ms);
        expect(localDateOf(start, zone)).toBe(date);
        // the wall time of the instant maps back to it, or to an earlier instant in a fold
        expect(instantOfLocal(date, msOfDay, zone).getTime()).toBeLessThanOrEqual(ms);
      }),
      { seed: 20260101, numRuns: 500 },
    );
  });
});
