import { describe, expect, it } from 'vitest';
import {
  addDuration,
  cnCalendar,
  compileCalendar,
  countWorkdaysBetween,
  offsetFromDue,
  parseDuration,
  subtractForReminder,
} from '../../../../engine/core/calendar/index.js';
import { catchCalendarError, shanghai } from './calendar-test-helpers.js';

const cn = compileCalendar(cnCalendar);

describe('addDuration: the worked examples of DOMAIN §10.4', () => {
  it.each([
    ['2026-02-10', '5 workdays', false, '2026-02-24', '2026-02-24T16:00:00.000Z'],
    ['2026-02-12', '10 workdays', false, '2026-03-04', '2026-03-04T16:00:00.000Z'],
    ['2025-09-26', '5 workdays', false, '2025-10-10', '2025-10-10T16:00:00.000Z'],
    ['2026-09-18', '15 workdays', false, '2026-10-15', '2026-10-15T16:00:00.000Z'],
    ['2026-09-16', 'P15D', true, '2026-10-08', '2026-10-08T16:00:00.000Z'],
  ])('%s + %s (rollover %s) ends on %s, at next Shanghai midnight %s', (start, duration, rollover, dueDate, dueAt) => {
    // Any time on the start day gives the same deadline: the start day is not counted.
    for (const time of ['00:00', '10:00', '23:59']) {
      const result = addDuration(cn, shanghai(start, time), duration, { rollover });
      expect(result.dueDate).toBe(dueDate);
      expect(result.dueAt.toISOString()).toBe(dueAt);
      expect(result).toMatchObject({ calendarId: 'cn', calendarVersion: 1 });
    }
  });

  it('ends a 15-day deadline on the holiday itself without rollover, and records the roll with it', () => {
    const plain = addDuration(cn, shanghai('2026-09-16'), 'P15D');
    expect(plain).toEqual({ dueAt: new Date('2026-10-01T16:00:00.000Z'), dueDate: '2026-10-01', calendarId: 'cn', calendarVersion: 1 });
    expect(addDuration(cn, shanghai('2026-09-16'), 'P15D', { rollover: true }).rolledOverFrom).toBe('2026-10-01');
  });
});

describe('addDuration: rules', () => {
  it('runs hour, minute and second durations on the wall clock, outside any loaded year too', () => {
    const start = new Date('2030-02-03T04:05:06.789Z');
    expect(addDuration(cn, start, 'PT1H')).toEqual({ dueAt: new Date(start.getTime() + 3_600_000), calendarId: 'cn', calendarVersion: 1 });
    expect(addDuration(cn, start, 'PT2H30M15S').dueAt.getTime()).toBe(start.getTime() + 9_015_000);
    expect(addDuration(cn, shanghai('2026-02-16', '23:30'), 'PT1H').dueAt.toISOString()).toBe('2026-02-16T16:30:00.000Z'); // a holiday night
  });

  it('counts weeks, months and years on local dates, clamping to the month end', () => {
    expect(addDuration(cn, shanghai('2025-03-10'), 'P2W').dueDate).toBe('2025-03-24');
    expect(addDuration(cn, shanghai('2025-01-31'), 'P1M').dueDate).toBe('2025-02-28');
    expect(addDuration(cn, shanghai('2025-03-15'), 'P1Y').dueDate).toBe('2026-03-15');
    expect(addDuration(cn, shanghai('2025-03-15'), 'P60D').dueDate).toBe('2025-05-14');
  });

  it('rolls a weekend end to the next working day, which may be a make-up Sunday', () => {
    expect(addDuration(cn, shanghai('2025-03-10'), 'P5D', { rollover: true }).dueDate).toBe('2025-03-17');
    expect(addDuration(cn, shanghai('2025-01-20'), 'P5D', { rollover: true }).dueDate).toBe('2025-01-26');
    expect(addDuration(cn, shanghai('2025-03-10'), 'P4D', { rollover: true })).not.toHaveProperty('rolledOverFrom');
  });

  it('adds the time part of a mixed duration to the 24:00 end of its date part', () => {
    const result = addDuration(cn, shanghai('2025-03-10', '15:00'), 'P1DT2H'); // Monday 15:00
    expect(result.dueAt.toISOString()).toBe('2025-03-11T18:00:00.000Z'); // Wednesday 02:00 Shanghai
    expect(result.dueDate).toBeUndefined();
    expect(addDuration(cn, shanghai('2025-03-14'), 'P1DT1H', { rollover: true }).dueAt.toISOString()).toBe('2025-03-17T17:00:00.000Z'); // Sat → Mon, 01:00 Tue
  });

  it('accepts a parsed duration', () => {
    expect(addDuration(cn, shanghai('2026-02-10'), parseDuration('5 workdays')).dueDate).toBe('2026-02-24');
  });

  it('rejects negative durations and garbage with invalid_duration', () => {
    expect(catchCalendarError(() => addDuration(cn, shanghai('2025-03-10'), '-P1D')).code).toBe('invalid_duration');
    expect(catchCalendarError(() => addDuration(cn, shanghai('2025-03-10'), '5 days please')).code).toBe('invalid_duration');
    expect(() => addDuration(cn, new Date(Number.NaN), 'P1D')).toThrow(RangeError);
  });

  it('may end on the last loaded day, with dueAt at the first instant of the next year', () => {
    const result = addDuration(cn, shanghai('2026-12-30'), '1 workday');
    expect(result.dueDate).toBe('2026-12-31');
    expect(result.dueAt.toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('throws calendar_out_of_range when rollover would leave the loaded years', () => {
    const yearEndOff = compileCalendar({ id: 'year-end', version: 1, years: [2025], days: [{ date: '2025-12-31', kind: 'holiday' }] });
    expect(addDuration(yearEndOff, shanghai('2025-12-30'), 'P1D').dueDate).toBe('2025-12-31');
    const error = catchCalendarError(() => addDuration(yearEndOff, shanghai('2025-12-30'), 'P1D', { rollover: true }));
    expect(error.code).toBe('calendar_out_of_range');
    expect(error.message).toContain('2026-01-01');
  });

  it.each([
    ['a workday count that runs past the last provisional year', '2029-12-20', '15 workdays', {}, '2030-01-01'],
    ['a calendar-day deadline with rollover ending in 2030', '2029-12-15', 'P30D', { rollover: true }, '2030-01-14'],
    ['a start date before 2025', '2024-12-31', '1 workday', {}, '2024-12-31'],
  ])('throws calendar_out_of_range for %s', (_name, start, duration, opts, date) => {
    const error = catchCalendarError(() => addDuration(cn, shanghai(start), duration, opts));
    expect(error.code).toBe('calendar_out_of_range');
    expect(error.message).toContain(date);
  });

  it('counts calendar days past the loaded years without rollover: no rest day is consulted, so nothing is guessed', () => {
    // The post-closure evaluation is due one year after approval (Safety Law Art. 86).
    expect(addDuration(cn, shanghai('2026-06-30'), 'P1Y')).toMatchObject({ dueDate: '2027-06-30', dueAt: new Date('2027-06-30T16:00:00.000Z') });
  });
});

describe('subtractForReminder', () => {
  const fridayEnd = new Date('2025-03-14T16:00:00.000Z'); // 24:00 Friday 2025-03-14, Shanghai

  it('fires workday reminders at 00:00 of the N-th working day before the due day', () => {
    expect(subtractForReminder(cn, fridayEnd, '-1 workday').toISOString()).toBe('2025-03-12T16:00:00.000Z'); // Thursday 00:00
    expect(subtractForReminder(cn, fridayEnd, '-2 workdays').toISOString()).toBe('2025-03-11T16:00:00.000Z'); // Wednesday 00:00
    expect(subtractForReminder(cn, fridayEnd, '2 workdays').toISOString()).toBe('2025-03-11T16:00:00.000Z'); // sign ignored
  });

  it('skips holidays and counts make-up days when stepping back', () => {
    const due = addDuration(cn, shanghai('2026-02-10'), '5 workdays').dueAt; // 24:00 2026-02-24
    expect(subtractForReminder(cn, due, '-1 workday').toISOString()).toBe('2026-02-13T16:00:00.000Z'); // Sat 02-14, a make-up day
    expect(subtractForReminder(cn, due, '-2 workdays').toISOString()).toBe('2026-02-12T16:00:00.000Z'); // Fri 02-13
    expect(subtractForReminder(cn, due, '-5 workdays').toISOString()).toBe('2026-02-09T16:00:00.000Z'); // 02-10, the start day
  });

  it('uses the wall clock for time offsets and 00:00 of the shifted day for date offsets', () => {
    expect(subtractForReminder(cn, fridayEnd, '-PT1H').toISOString()).toBe('2025-03-14T15:00:00.000Z');
    expect(subtractForReminder(cn, fridayEnd, '-P1D').toISOString()).toBe('2025-03-12T16:00:00.000Z');
    expect(subtractForReminder(cn, fridayEnd, '-P1W').toISOString()).toBe('2025-03-06T16:00:00.000Z');
    const mixedDue = addDuration(cn, shanghai('2025-03-10', '15:00'), 'P1DT2H').dueAt;
    expect(subtractForReminder(cn, mixedDue, '-P1DT2H').toISOString()).toBe('2025-03-09T16:00:00.000Z'); // back to Monday 00:00
  });

  it('treats a wall-clock deadline as falling on its own local date', () => {
    const friday15 = shanghai('2025-03-14', '15:00');
    expect(subtractForReminder(cn, friday15, '-1 workday').toISOString()).toBe('2025-03-12T16:00:00.000Z');
  });

  it('throws calendar_out_of_range when stepping back before 2025', () => {
    const due = addDuration(cn, shanghai('2025-01-01'), '1 workday').dueAt; // 24:00 2025-01-02
    const error = catchCalendarError(() => subtractForReminder(cn, due, '-2 workdays'));
    expect(error.code).toBe('calendar_out_of_range');
    expect(error.message).toContain('2024-12-31');
  });
});

describe('offsetFromDue', () => {
  const thursdayEnd = new Date('2025-03-13T16:00:00.000Z'); // 24:00 Thursday 2025-03-13

  it('counts positive offsets from the due day', () => {
    expect(offsetFromDue(cn, thursdayEnd, '2 workdays').toISOString()).toBe('2025-03-17T16:00:00.000Z'); // 24:00 Monday
    expect(offsetFromDue(cn, thursdayEnd, 'P3D', { rollover: true }).toISOString()).toBe('2025-03-17T16:00:00.000Z');
    expect(offsetFromDue(cn, thursdayEnd, 'PT1H').toISOString()).toBe('2025-03-13T17:00:00.000Z');
  });

  it('treats negative offsets as reminders', () => {
    expect(offsetFromDue(cn, thursdayEnd, '-1 workday')).toEqual(subtractForReminder(cn, thursdayEnd, '-1 workday'));
  });
});

describe('countWorkdaysBetween', () => {
  const fridayEnd = new Date('2025-03-14T16:00:00.000Z');

  it('counts working days after today up to and including the due day', () => {
    expect(countWorkdaysBetween(cn, shanghai('2025-03-11', '10:00'), fridayEnd)).toBe(3); // Wed, Thu, Fri
    expect(countWorkdaysBetween(cn, shanghai('2025-03-11', '00:00'), fridayEnd)).toBe(3);
    expect(countWorkdaysBetween(cn, shanghai('2025-03-11', '10:00'), shanghai('2025-03-14', '15:00'))).toBe(3);
    expect(countWorkdaysBetween(cn, shanghai('2026-02-10'), new Date('2026-02-24T16:00:00.000Z'))).toBe(5);
  });

  it('returns 0 when the deadline falls today or has passed', () => {
    expect(countWorkdaysBetween(cn, shanghai('2025-03-14', '09:00'), fridayEnd)).toBe(0);
    expect(countWorkdaysBetween(cn, fridayEnd, fridayEnd)).toBe(0);
    expect(countWorkdaysBetween(cn, shanghai('2025-03-20'), fridayEnd)).toBe(0);
    expect(countWorkdaysBetween(cn, new Date('2030-01-01T00:00:00Z'), fridayEnd)).toBe(0);
  });

  it('throws calendar_out_of_range for a due day past the loaded years', () => {
    expect(catchCalendarError(() => countWorkdaysBetween(cn, shanghai('2029-12-01'), shanghai('2030-01-05'))).code).toBe('calendar_out_of_range');
  });
});
