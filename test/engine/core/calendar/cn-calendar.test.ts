import { describe, expect, it } from 'vitest';
import { builtinCalendars, cnCalendar, compileCalendar, dayOfWeek } from '../../../../engine/core/calendar/index.js';
import { catchCalendarError } from './calendar-test-helpers.js';

const cn = compileCalendar(cnCalendar);

function span(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = new Date(`${first}T00:00:00Z`); d <= new Date(`${last}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000)) out.push(d.toISOString().slice(0, 10));
  return out;
}

// DOMAIN.md §10.3 and §10.4, transcribed independently of the JSON file.
const HOLIDAY_RANGES: [string, string, string][] = [
  ['2025-01-01', '2025-01-01', '元旦'],
  ['2025-01-28', '2025-02-04', '春节'],
  ['2025-04-04', '2025-04-06', '清明节'],
  ['2025-05-01', '2025-05-05', '劳动节'],
  ['2025-05-31', '2025-06-02', '端午节'],
  ['2025-10-01', '2025-10-08', '国庆节、中秋节'],
  ['2026-01-01', '2026-01-03', '元旦'],
  ['2026-02-15', '2026-02-23', '春节'],
  ['2026-04-04', '2026-04-06', '清明节'],
  ['2026-05-01', '2026-05-05', '劳动节'],
  ['2026-06-19', '2026-06-21', '端午节'],
  ['2026-09-25', '2026-09-27', '中秋节'],
  ['2026-10-01', '2026-10-07', '国庆节'],
];
const MAKEUP_WORKDAYS = [
  '2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11',
  '2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10',
];
const HOLIDAY_DAYS = HOLIDAY_RANGES.flatMap(([a, b]) => span(a, b));
const isWeekend = (date: string): boolean => dayOfWeek(date) === 0 || dayOfWeek(date) === 6;

describe('the built-in cn calendar', () => {
  it('is the only built-in calendar and parses with id cn, version 1, Asia/Shanghai, years 2025-2026', () => {
    expect(builtinCalendars.map((c) => c.id)).toEqual(['cn']);
    expect(cn).toMatchObject({ id: 'cn', version: 1, timeZone: 'Asia/Shanghai', years: [2025, 2026] });
    expect(cnCalendar.source).toContain('国办发明电〔2024〕12号');
    expect(cnCalendar.source).toContain('2026');
  });

  it('lists exactly one entry per day off and per make-up working day of the notices', () => {
    const holidays = cnCalendar.days.filter((d) => d.kind === 'holiday').map((d) => d.date);
    const workdays = cnCalendar.days.filter((d) => d.kind === 'workday').map((d) => d.date);
    expect(holidays).toEqual(HOLIDAY_DAYS);
    expect(workdays).toEqual(MAKEUP_WORKDAYS);
    expect(holidays).toHaveLength(28 + 33);
  });

  it('names every listed day after its holiday', () => {
    for (const [a, b, name] of HOLIDAY_RANGES) for (const d of span(a, b)) expect(cn.dayInfo(d)).toEqual({ date: d, workday: false, reason: 'holiday', name });
    for (const d of MAKEUP_WORKDAYS) expect(cn.dayInfo(d).name).toMatch(/调休上班$/);
  });

  it('treats every make-up Saturday and Sunday as a working day', () => {
    for (const d of MAKEUP_WORKDAYS) {
      expect(isWeekend(d)).toBe(true);
      expect(cn.isWorkday(d)).toBe(true);
      expect(cn.dayInfo(d).reason).toBe('makeup-workday');
    }
  });

  it('skips every holiday that falls on a weekday', () => {
    const weekdayHolidays = HOLIDAY_DAYS.filter((d) => !isWeekend(d));
    expect(weekdayHolidays.filter((d) => d.startsWith('2026'))).toEqual([
      '2026-01-01', '2026-01-02', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-23',
      '2026-04-06', '2026-05-01', '2026-05-04', '2026-05-05', '2026-06-19', '2026-09-25', '2026-10-01', '2026-10-02',
      '2026-10-05', '2026-10-06', '2026-10-07',
    ]);
    expect(weekdayHolidays.filter((d) => d.startsWith('2025'))).toHaveLength(18);
    for (const d of weekdayHolidays) {
      expect(cn.isWorkday(d)).toBe(false);
      expect(cn.isRestDay(d)).toBe(true);
    }
  });

  it('follows the weekday rule on unlisted days', () => {
    expect(cn.dayInfo('2025-03-14')).toEqual({ date: '2025-03-14', workday: true, reason: 'weekday' });
    expect(cn.dayInfo('2025-03-15')).toEqual({ date: '2025-03-15', workday: false, reason: 'weekend' });
    expect(cn.isWorkday('2026-12-31')).toBe(true);
  });

  it('has 248 working days in 2025 and 248 in 2026', () => {
    expect(cn.countWorkdays('2025-01-01', '2025-12-31')).toBe(248);
    expect(cn.countWorkdays('2026-01-01', '2026-12-31')).toBe(248);
  });

  it.each(['2024-12-31', '2030-01-01'])('refuses to guess about %s (calendar_out_of_range)', (date) => {
    const error = catchCalendarError(() => cn.isWorkday(date));
    expect(error.code).toBe('calendar_out_of_range');
    expect(error.message).toContain(date);
    expect(error.details).toMatchObject({ calendarId: 'cn', calendarVersion: 1, date });
  });

  it('throws calendar_out_of_range when stepping past the last provisional day', () => {
    expect(cn.nextWorkday('2026-12-30')).toBe('2026-12-31');
    expect(cn.nextWorkday('2026-12-31')).toBe('2027-01-04');
    expect(catchCalendarError(() => cn.nextWorkday('2029-12-31')).code).toBe('calendar_out_of_range');
    expect(catchCalendarError(() => cn.previousWorkday('2025-01-02')).code).toBe('calendar_out_of_range');
  });
});
