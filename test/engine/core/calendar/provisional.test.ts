/**
 * Provisional years of the built-in `cn` calendar, checked against sources
 * independent of the code under test: published dates (春节 and 清明 as the
 * 紫金山天文台 almanac gives them), Node's ICU Chinese calendar
 * (`Intl.DateTimeFormat` with `ca-chinese`, which shares no code with
 * lunar-typescript), and lunar-typescript's own Solar→Lunar conversion, the
 * opposite direction to the one the calendar uses.
 */
import { Solar } from 'lunar-typescript';
import { describe, expect, it } from 'vitest';
import { addDuration, cnCalendar, compileCalendar, nextYearStillProvisional, provisionalDays, type CompiledCalendar } from '../../../../engine/core/calendar/index.js';
import { catchCalendarError, shanghai } from './calendar-test-helpers.js';

const cn = compileCalendar(cnCalendar);

/** Published dates: 正月初一 and the 清明 solar term. */
const PUBLISHED = {
  2027: { chunjie: '2027-02-06', qingming: '2027-04-05' },
  2028: { chunjie: '2028-01-26', qingming: '2028-04-04' },
  2029: { chunjie: '2029-02-13', qingming: '2029-04-04' },
} as const;

/** The lunar month and day of a Gregorian date by ICU (Beijing's date at noon, so the zone never shifts the day). */
function icuLunar(date: string): { month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-u-ca-chinese', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric' }).formatToParts(new Date(`${date}T12:00:00+08:00`));
  return { month: Number(parts.find((p) => p.type === 'month')?.value), day: Number(parts.find((p) => p.type === 'day')?.value) };
}

/** The lunar month and day by lunar-typescript's Solar→Lunar direction. */
function reverseLunar(date: string): { month: number; day: number } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const lunar = Solar.fromYmd(y, m, d).getLunar();
  return { month: lunar.getMonth(), day: lunar.getDay() };
}

function named(cal: CompiledCalendar, year: number, name: string): string[] {
  const out: string[] = [];
  for (let d = new Date(Date.UTC(year, 0, 1)); d.getUTCFullYear() === year; d.setUTCDate(d.getUTCDate() + 1)) {
    const date = d.toISOString().slice(0, 10);
    const info = cal.dayInfo(date);
    if (info.reason === 'holiday' && info.name?.split('、').some((n) => n === name)) out.push(date);
  }
  return out;
}

describe('provisional years of the cn calendar', () => {
  it('counts the three years after the last official one as provisional, and no further', () => {
    expect(cn.years).toEqual([2025, 2026]);
    expect(cn.provisionalYears).toEqual([2027, 2028, 2029]);
    expect(cn.dayInfo('2027-03-01')).toMatchObject({ workday: true, provisional: true });
    expect(cn.dayInfo('2026-03-02').provisional).toBeUndefined();
    expect(catchCalendarError(() => cn.isWorkday('2030-01-02')).code).toBe('calendar_out_of_range');
  });

  it.each([2027, 2028, 2029] as const)('puts 春节 %i on 除夕 and 正月初一–初三 as published', (year) => {
    const first = PUBLISHED[year].chunjie;
    const spring = named(cn, year, '春节');
    const eve = new Date(Date.parse(`${first}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    expect(spring).toContain(eve);
    expect(spring).toContain(first);
    expect(spring).toHaveLength(4);
    // lunar-typescript read the other way: the eve is the last day of the 12th month (29th or 30th).
    expect(reverseLunar(first)).toEqual({ month: 1, day: 1 });
    expect(reverseLunar(eve).month).toBe(12);
    expect([29, 30]).toContain(reverseLunar(eve).day);
  });

  it('agrees with ICU on 春节 2028 and 2029 (ICU puts 2027 a day late: that new moon falls 4 minutes before Beijing midnight)', () => {
    expect(icuLunar('2028-01-26')).toEqual({ month: 1, day: 1 });
    expect(icuLunar('2029-02-13')).toEqual({ month: 1, day: 1 });
  });

  it.each([2027, 2028, 2029] as const)('puts 清明 %i on the solar term as published', (year) => {
    expect(named(cn, year, '清明节')).toEqual([PUBLISHED[year].qingming]);
  });

  it.each([2027, 2028, 2029])('puts 端午 and 中秋 %i on 五月初五 and 八月十五 by ICU and by the reverse conversion', (year) => {
    const [duanwu] = named(cn, year, '端午节');
    const [zhongqiu] = named(cn, year, '中秋节');
    expect(duanwu && icuLunar(duanwu)).toEqual({ month: 5, day: 5 });
    expect(zhongqiu && icuLunar(zhongqiu)).toEqual({ month: 8, day: 15 });
    expect(duanwu && reverseLunar(duanwu)).toEqual({ month: 5, day: 5 });
    expect(zhongqiu && reverseLunar(zhongqiu)).toEqual({ month: 8, day: 15 });
  });

  it('has exactly the fixed-date holidays of the 2024 rule, and no make-up working days', () => {
    for (const year of [2027, 2028, 2029]) {
      expect(named(cn, year, '元旦')).toEqual([`${year}-01-01`]);
      expect(named(cn, year, '劳动节')).toEqual([`${year}-05-01`, `${year}-05-02`]);
      expect(named(cn, year, '国庆节')).toEqual([`${year}-10-01`, `${year}-10-02`, `${year}-10-03`]);
      expect(provisionalDays('cn-statutory-2024', year).every((d) => d.kind === 'holiday')).toBe(true);
    }
  });

  describe('in-lieu days (Art. 6)', () => {
    it('gives one weekday off after the run for each holiday day on a weekend', () => {
      // 国庆 2027: Fri 1, Sat 2, Sun 3 → Mon 4 and Tue 5 are off, Wed 6 is a working day.
      expect(['2027-10-04', '2027-10-05'].map((d) => cn.dayInfo(d))).toMatchObject([{ workday: false, name: '国庆节补假' }, { workday: false, name: '国庆节补假' }]);
      expect(cn.isWorkday('2027-10-06')).toBe(true);
      // 春节 2027: 除夕 Fri 5, Sat 6, Sun 7, Mon 8 → Tue 9 and Wed 10 off.
      expect(cn.isRestDay('2027-02-09') && cn.isRestDay('2027-02-10')).toBe(true);
      expect(cn.isWorkday('2027-02-11')).toBe(true);
      // 元旦 2028 is a Saturday → Monday 3 January off.
      expect(cn.dayInfo('2028-01-03')).toMatchObject({ workday: false, name: '元旦补假' });
      // 中秋 2029 is a Saturday → Monday 24 September off.
      expect(cn.dayInfo('2029-09-24')).toMatchObject({ workday: false, name: '中秋节补假' });
    });

    it('gives nothing for a holiday on a weekday, and no extra day when 中秋 falls within 国庆', () => {
      // 2029-10-01 is a Monday: 1–3 October off, Thursday the 4th is a working day.
      expect(cn.isWorkday('2029-10-04')).toBe(true);
      // 中秋 2028 is 3 October (a Tuesday): one day off for both, the only in-lieu day is for Sunday 1 October.
      expect(cn.dayInfo('2028-10-03').name).toBe('中秋节、国庆节');
      expect(cn.isRestDay('2028-10-04')).toBe(true);
      expect(cn.isWorkday('2028-10-05')).toBe(true);
    });

    it('never guesses a make-up Saturday', () => {
      expect(cn.isRestDay('2027-02-20')).toBe(true);
      expect(cn.isRestDay('2027-09-25')).toBe(true);
    });
  });

  describe('deadlines on a provisional year', () => {
    it('answers 2026-12-30 + 3 workdays with 2027-01-05, marked provisional for 2027', () => {
      expect(addDuration(cn, cn.startOfDay('2026-12-30'), '3 workdays')).toMatchObject({ dueDate: '2027-01-05', provisional: true, provisionalYears: [2027] });
    });

    it('does not mark a result that consults only official days, nor plain calendar days', () => {
      expect(addDuration(cn, shanghai('2026-12-01'), '3 workdays').provisional).toBeUndefined();
      expect(addDuration(cn, shanghai('2026-12-01'), 'P60D').provisional).toBeUndefined();
      expect(addDuration(cn, shanghai('2026-12-01'), 'P60D', { rollover: true })).toMatchObject({ provisional: true, provisionalYears: [2027] });
    });

    it('stays out of range three years past the last official year', () => {
      expect(catchCalendarError(() => addDuration(cn, shanghai('2029-12-20'), '15 workdays')).code).toBe('calendar_out_of_range');
    });

    it('moves the provisional window when the official year is loaded', () => {
      const next = compileCalendar({ ...cnCalendar, version: 2, years: [2025, 2026, 2027], days: [...cnCalendar.days, { date: '2027-01-01', kind: 'holiday', name: '元旦' }] });
      expect(next.provisionalYears).toEqual([2028, 2029, 2030]);
      expect(addDuration(next, next.startOfDay('2026-12-30'), '3 workdays').provisional).toBeUndefined();
    });
  });

  describe('warning ahead', () => {
    it('names next year from 1 October (Beijing date) while it is provisional, and not before or once it is official', () => {
      expect(nextYearStillProvisional(cn, new Date('2026-09-30T23:59:00+08:00'))).toBeUndefined();
      expect(nextYearStillProvisional(cn, new Date('2026-10-01T00:00:00+08:00'))).toBe(2027);
      expect(nextYearStillProvisional(cn, new Date('2026-12-31T12:00:00+08:00'))).toBe(2027);
      const next = compileCalendar({ ...cnCalendar, version: 2, years: [2025, 2026, 2027] });
      expect(nextYearStillProvisional(next, new Date('2026-10-01T00:00:00+08:00'))).toBeUndefined();
    });
  });
});
