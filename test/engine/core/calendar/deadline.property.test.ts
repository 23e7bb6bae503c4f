import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDuration,
  cnCalendar,
  compileCalendar,
  countWorkdaysBetween,
  subtractForReminder,
} from '../../../../engine/core/calendar/index.js';

const cn = compileCalendar(cnCalendar);

// Any instant from 2025-01-01 00:00 to 2026-10-31 24:00 Shanghai time, so the
// durations below stay inside the loaded years.
const startInLoadedYears = fc
  .integer({ min: Date.parse('2024-12-31T16:00:00Z'), max: Date.parse('2026-10-31T15:59:59.999Z') })
  .map((ms) => new Date(ms));
// Reminders step back before the start day, so start after the first working days of 2025.
const startAfterNewYear = startInLoadedYears.filter((d) => d.getTime() >= Date.parse('2025-01-05T16:00:00Z'));
const params = (seed: number) => ({ seed, numRuns: 400 });

describe('deadline properties (cn calendar, seeded)', () => {
  it('adding N workdays ends at 24:00 of a working day, and counting back gives N', () => {
    fc.assert(
      fc.property(startInLoadedYears, fc.integer({ min: 1, max: 30 }), (start, n) => {
        const { dueAt, dueDate } = addDuration(cn, start, `${n} workdays`);
        expect(dueDate).toBeDefined();
        if (dueDate === undefined) return;
        expect(cn.isWorkday(dueDate)).toBe(true);
        expect(cn.isRestDay(dueDate)).toBe(false);
        expect(dueAt).toEqual(cn.endOfDay(dueDate));
        expect(countWorkdaysBetween(cn, start, dueAt)).toBe(n);
        expect(cn.countWorkdays(cn.localDateOf(start), dueDate) - (cn.isWorkday(cn.localDateOf(start)) ? 1 : 0)).toBe(n);
      }),
      params(1001),
    );
  });

  it('a workday reminder is the inverse of a workday deadline', () => {
    fc.assert(
      fc.property(startAfterNewYear, fc.integer({ min: 1, max: 30 }), (start, n) => {
        const { dueAt } = addDuration(cn, start, `${n} workdays`);
        const remindAt = subtractForReminder(cn, dueAt, `-${n} workdays`);
        const startDate = cn.localDateOf(start);
        // The reminder day is the start day when that is a working day, else the working day before it.
        expect(cn.localDateOf(remindAt)).toBe(cn.isWorkday(startDate) ? startDate : cn.previousWorkday(startDate));
        expect(remindAt).toEqual(cn.startOfDay(cn.localDateOf(remindAt)));
        expect(addDuration(cn, remindAt, `${n} workdays`).dueAt).toEqual(dueAt);
        expect(countWorkdaysBetween(cn, remindAt, dueAt)).toBe(n);
      }),
      params(1002),
    );
  });

  it('rollover never ends a calendar-day deadline on a rest day, and moves only rest days', () => {
    fc.assert(
      fc.property(startInLoadedYears, fc.integer({ min: 0, max: 60 }), fc.constantFrom('D', 'W'), (start, n, unit) => {
        const duration = unit === 'D' ? `P${n}D` : `P${Math.floor(n / 7)}W`;
        const plain = addDuration(cn, start, duration);
        const rolled = addDuration(cn, start, duration, { rollover: true });
        if (rolled.dueDate === undefined || plain.dueDate === undefined) return; // P0D/P0W are wall-clock
        expect(cn.isWorkday(rolled.dueDate)).toBe(true);
        if (cn.isWorkday(plain.dueDate)) expect(rolled).toEqual(plain);
        else {
          expect(rolled.rolledOverFrom).toBe(plain.dueDate);
          expect(rolled.dueDate).toBe(cn.nextWorkday(plain.dueDate));
        }
        expect(rolled.dueAt).toEqual(cn.endOfDay(rolled.dueDate));
      }),
      params(1003),
    );
  });

  it('hour, minute and second durations are exactly start + ms, for any instant', () => {
    const anyInstant = fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2090-01-01T00:00:00Z') }).map((ms) => new Date(ms));
    fc.assert(
      fc.property(anyInstant, fc.nat(500), fc.nat(500), fc.nat(500), (start, h, m, s) => {
        const result = addDuration(cn, start, `PT${h}H${m}M${s}S`);
        expect(result.dueAt.getTime()).toBe(start.getTime() + ((h * 60 + m) * 60 + s) * 1000);
        expect(result.dueDate).toBeUndefined();
      }),
      params(1004),
    );
  });

  it('a longer duration never gives an earlier deadline', () => {
    fc.assert(
      fc.property(startInLoadedYears, fc.integer({ min: 1, max: 45 }), fc.integer({ min: 1, max: 48 }), fc.boolean(), (start, days, hours, rollover) => {
        const dayOnly = addDuration(cn, start, `P${days}D`, { rollover }).dueAt.getTime();
        const mixed = addDuration(cn, start, `P${days}DT${hours}H`, { rollover }).dueAt.getTime();
        const nextDay = addDuration(cn, start, `P${days + 1}D`, { rollover }).dueAt.getTime();
        expect(mixed).toBe(dayOnly + hours * 3_600_000);
        expect(nextDay).toBeGreaterThanOrEqual(dayOnly);
      }),
      params(1005),
    );
  });

  it('remaining working days never increase as time passes', () => {
    fc.assert(
      fc.property(startInLoadedYears, fc.integer({ min: 0, max: 40 * 86_400_000 }), fc.integer({ min: 0, max: 40 * 86_400_000 }), (from, a, b) => {
        const due = new Date(from.getTime() + Math.max(a, b));
        const later = new Date(from.getTime() + Math.min(a, b));
        expect(countWorkdaysBetween(cn, later, due)).toBeLessThanOrEqual(countWorkdaysBetween(cn, from, due));
      }),
      params(1006),
    );
  });
});
