/**
 * Provisional years: what a calendar counts past its last official year until
 * the State Council's notice for that year arrives (DESIGN §5, issue 9 §1).
 *
 * The rule `cn-statutory-2024` is 《全国年节及纪念日放假办法》 as amended in
 * 2024, Art. 2: 元旦 1 day (1 January); 春节 4 days (除夕, the last day of the
 * 12th lunar month, and 正月初一–初三); 清明节 1 day (the day of the 清明
 * solar term); 劳动节 2 days (1–2 May); 端午节 1 day (五月初五); 中秋节 1 day
 * (八月十五); 国庆节 3 days (1–3 October). Art. 6: a holiday day that falls on a
 * Saturday or Sunday is made good (补假) on a working day — here the next
 * working day after the run of holidays it belongs to. Nothing else: no
 * bridging days and no make-up working days, which only the yearly notice sets.
 *
 * Lunar dates and the solar term come from `lunar-typescript` (a pure
 * library: no I/O, no clock). Pure.
 *
 * @module
 */
import { Lunar, Solar } from 'lunar-typescript';
import type { CalendarDay } from './calendar.js';
import { addDays, dayOfWeek } from './local-date.js';

/** The provisional rules a calendar can name. */
export const PROVISIONAL_RULES = ['cn-statutory-2024'] as const;
export type ProvisionalRule = (typeof PROVISIONAL_RULES)[number];

function iso(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function solarIso(s: Solar): string {
  return iso(s.getYear(), s.getMonth(), s.getDay());
}

/** The day of the 清明 solar term in `year` (4, 5 or 6 April). */
export function qingmingOf(year: number): string {
  for (let d = 3; d <= 7; d++) if (Solar.fromYmd(year, 4, d).getLunar().getJieQi() === '清明') return iso(year, 4, d);
  throw new RangeError(`no 清明 found in April ${year}`);
}

/** The Gregorian date of a lunar date of the lunar year that starts in `year`. */
export function lunarToSolar(year: number, month: number, day: number): string {
  return solarIso(Lunar.fromYmd(year, month, day).getSolar());
}

/** The statutory holidays of the 2024 rule falling in Gregorian `year`, before in-lieu days. */
export function statutoryHolidays(year: number): CalendarDay[] {
  const out: CalendarDay[] = [];
  const add = (date: string, name: string) => {
    if (Number(date.slice(0, 4)) !== year) return;
    const existing = out.find((d) => d.date === date);
    // Two festivals on one day (中秋 on 1–3 October) stay one day off: Art. 2 gives no extra day for that.
    if (existing) existing.name = `${existing.name}、${name}`;
    else out.push({ date, kind: 'holiday', name });
  };
  add(iso(year, 1, 1), '元旦');
  // 除夕 is the day before 正月初一, whether the 12th month has 29 or 30 days.
  const chuyi = lunarToSolar(year, 1, 1);
  add(addDays(chuyi, -1), '春节');
  for (let i = 0; i < 3; i++) add(addDays(chuyi, i), '春节');
  add(qingmingOf(year), '清明节');
  add(iso(year, 5, 1), '劳动节');
  add(iso(year, 5, 2), '劳动节');
  add(lunarToSolar(year, 5, 5), '端午节');
  add(lunarToSolar(year, 8, 15), '中秋节');
  for (let d = 1; d <= 3; d++) add(iso(year, 10, d), '国庆节');
  return out.sort((a, b) => (a.date < b.date ? -1 : 1));
}

function isWeekend(date: string): boolean {
  const dow = dayOfWeek(date);
  return dow === 0 || dow === 6;
}

/**
 * The days off of a provisional `year` under `rule`: the statutory holidays
 * plus one in-lieu day (补假) for each of them on a Saturday or Sunday, on the
 * next weekday after its run of holidays that is not already off. Pure.
 *
 * @example
 * provisionalDays('cn-statutory-2024', 2027).filter((d) => d.name?.startsWith('国庆')).map((d) => d.date);
 * // ['2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05'] — the 2nd and 3rd are a weekend
 */
export function provisionalDays(rule: ProvisionalRule, year: number): CalendarDay[] {
  // The lunar arithmetic costs milliseconds; its result never changes, so it is computed once per year.
  const key = `${rule}:${year}`;
  let days = computed.get(key);
  if (!days) computed.set(key, (days = Object.freeze(computeDays(rule, year))));
  return days.map((d) => ({ ...d }));
}

const computed = new Map<string, readonly CalendarDay[]>();

function computeDays(rule: ProvisionalRule, year: number): CalendarDay[] {
  switch (rule) {
    case 'cn-statutory-2024': {
      const holidays = statutoryHolidays(year);
      const statutory = new Set(holidays.map((d) => d.date));
      const off = new Set(statutory);
      const inLieu: CalendarDay[] = [];
      for (const h of holidays) {
        if (!isWeekend(h.date)) continue;
        let end = h.date;
        while (statutory.has(addDays(end, 1))) end = addDays(end, 1);
        let d = addDays(end, 1);
        while (isWeekend(d) || off.has(d)) d = addDays(d, 1);
        off.add(d);
        if (Number(d.slice(0, 4)) === year) inLieu.push({ date: d, kind: 'holiday', name: `${h.name ?? ''}补假` });
      }
      return [...holidays, ...inLieu].sort((a, b) => (a.date < b.date ? -1 : 1));
    }
  }
}
