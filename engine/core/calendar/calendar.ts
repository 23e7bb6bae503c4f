/**
 * Working-day calendars as data: the schema, and `compileCalendar`, which turns
 * validated data into fast day lookups. A day not listed follows the weekday
 * rule (Monday–Friday work, Saturday/Sunday rest); a listed day is either a
 * `holiday` (a day off, even when it falls on a weekday) or a `workday`
 * (a make-up working day, 调休上班, even on a weekend). Only the `years` a
 * calendar declares are known, plus — when it names a `provisional` rule —
 * up to three years after the last of them, counted by that rule and marked
 * provisional (see `provisional.ts`); asking about any other date throws
 * `calendar_out_of_range` rather than guessing.
 *
 * Pure.
 *
 * @module
 */
import { z } from 'zod';
import { CalendarError, type CalendarIssue } from './calendar-errors.js';
import { PROVISIONAL_RULES, provisionalDays } from './provisional.js';
import { addDays, dayOfWeek, endOfLocalDay, isIsoDate, isKnownTimeZone, localDateOf, startOfLocalDay, toDayNumber, yearOf } from './local-date.js';

/** Time zone of a calendar when its data names none. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** A local date `YYYY-MM-DD` that exists in the Gregorian calendar. */
export const IsoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine(isIsoDate, 'not a calendar date');

/** An IANA time-zone name that the runtime's `Intl` knows. */
export const TimeZoneSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/, 'expected an IANA time-zone name such as Asia/Shanghai')
  .refine(isKnownTimeZone, 'unknown time zone');

/** One listed day: a day off (`holiday`) or a make-up working day (`workday`). */
export const CalendarDaySchema = z.object({
  date: IsoDateSchema,
  kind: z.enum(['holiday', 'workday']),
  name: z.string().min(1).optional(),
});
export type CalendarDay = z.infer<typeof CalendarDaySchema>;

/** A working-day calendar: the listed exceptions to the weekday rule for the loaded `years`. */
export const CalendarSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a calendar id is kebab-case letters and digits, e.g. cn or cn-beijing'),
    version: z.number().int().min(1),
    timeZone: TimeZoneSchema.default(DEFAULT_TIME_ZONE),
    source: z.string().min(1).optional(),
    /**
     * The org that owns the calendar: it governs only cases in that org's subtree. Absent: the root
     * (the built-in calendars), governing every case.
     */
    org: z.string().min(1).max(64).optional(),
    /**
     * How years past the last loaded one are counted until their official data arrive: by `rule`
     * (weekends plus the statutory holidays and their in-lieu days), for up to `years` years.
     */
    provisional: z.object({ rule: z.enum(PROVISIONAL_RULES), years: z.number().int().min(1).max(3).default(3) }).strict().optional(),
    years: z.array(z.number().int().min(1900).max(9999)).min(1, 'a calendar loads at least one year'),
    days: z.array(CalendarDaySchema),
  })
  .superRefine((cal, ctx) => {
    const seenYears = new Set<number>();
    cal.years.forEach((year, i) => {
      if (seenYears.has(year)) ctx.addIssue({ code: 'custom', path: ['years', i], message: `year ${year} is listed twice` });
      seenYears.add(year);
    });
    const seenDates = new Map<string, number>();
    cal.days.forEach((day, i) => {
      if (!isIsoDate(day.date)) return; // already reported by IsoDateSchema
      const first = seenDates.get(day.date);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['days', i, 'date'], message: `${day.date} is listed twice (first at days[${first}])` });
      else seenDates.set(day.date, i);
      if (!seenYears.has(yearOf(day.date))) {
        ctx.addIssue({ code: 'custom', path: ['days', i, 'date'], message: `${day.date} is outside the loaded years (${cal.years.join(', ')})` });
      }
    });
  });

/** Calendar data after parsing (defaults applied). */
export type Calendar = z.infer<typeof CalendarSchema>;
/** Calendar data as written (e.g. `timeZone` may be omitted). */
export type CalendarInput = z.input<typeof CalendarSchema>;

/** Why a date is or is not a working day. */
export type DayReason = 'weekday' | 'weekend' | 'holiday' | 'makeup-workday';

/** What a calendar says about one date. */
export interface DayInfo {
  date: string;
  workday: boolean;
  reason: DayReason;
  /** The listed name (e.g. `春节`, `春节调休上班`), for listed days only. */
  name?: string;
  /** True when the date lies in a provisional year (counted by rule, not by an official notice). */
  provisional?: true;
}

/** A validated calendar with day lookups. Pure and immutable; every date argument is `YYYY-MM-DD`. */
export interface CompiledCalendar {
  readonly id: string;
  readonly version: number;
  readonly timeZone: string;
  /** Loaded (official) years, ascending. */
  readonly years: readonly number[];
  /** Years after the last loaded one counted by the provisional rule, ascending (empty without a rule). */
  readonly provisionalYears: readonly number[];
  /** The owning org; undefined for the root (a built-in calendar). */
  readonly org: string | undefined;
  /** The validated data this calendar was compiled from (frozen). */
  readonly definition: Calendar;
  /** True when the date lies in a loaded or a provisional year. */
  covers(date: string): boolean;
  /** The provisional years among those from `first`'s to `last`'s (dates `YYYY-MM-DD`), ascending. */
  provisionalYearsIn(first: string, last: string): number[];
  /** Throws `calendar_out_of_range` (naming the date) when the date lies outside the loaded and provisional years. */
  assertCovers(date: string): void;
  /** What the calendar says about a date. Throws `calendar_out_of_range` outside the loaded years. */
  dayInfo(date: string): DayInfo;
  /** True for weekdays that are not holidays and for make-up working days. Throws `calendar_out_of_range`. */
  isWorkday(date: string): boolean;
  /** The opposite of {@link CompiledCalendar.isWorkday}: weekends not made up, and holidays. */
  isRestDay(date: string): boolean;
  /** The first working day strictly after `date`. Throws `calendar_out_of_range` if it runs past the loaded years. */
  nextWorkday(date: string): string;
  /** The last working day strictly before `date`. Throws `calendar_out_of_range` if it runs before the loaded years. */
  previousWorkday(date: string): string;
  /** The number of working days from `first` to `last`, both included (0 when `last` is before `first`). */
  countWorkdays(first: string, last: string): number;
  /** The local date of an instant in the calendar's time zone. */
  localDateOf(instant: Date): string;
  /** The instant a local date starts (00:00) in the calendar's time zone. */
  startOfDay(date: string): Date;
  /** The instant a local date ends (24:00 = 00:00 of the next date) in the calendar's time zone. */
  endOfDay(date: string): Date;
}

/** Converts zod issues to the engine's `{ code, path, message }` issue shape. */
export function toCalendarIssues(error: z.ZodError): CalendarIssue[] {
  return error.issues.map((i) => ({ code: i.code, path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), message: i.message }));
}

/**
 * Parses calendar data, throwing `invalid_calendar` with every issue and its JSON path.
 *
 * @example
 * parseCalendar({ id: 'cn', version: 1, years: [2025], days: [] }).timeZone; // 'Asia/Shanghai'
 */
export function parseCalendar(input: unknown): Calendar {
  const result = CalendarSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = toCalendarIssues(result.error);
  const id = typeof input === 'object' && input !== null && 'id' in input ? String((input as { id: unknown }).id) : '?';
  const summary = issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new CalendarError('invalid_calendar', `calendar ${id} is invalid: ${summary}`, { calendarId: id }, issues);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Validates calendar data and compiles it into day lookups.
 * Throws `invalid_calendar` (with `issues`) when the data is invalid. Pure.
 *
 * @example
 * const cal = compileCalendar(cnCalendar);
 * cal.isWorkday('2026-02-14'); // true — a make-up Saturday
 * cal.isWorkday('2026-02-16'); // false — Spring Festival
 * cal.isWorkday('2027-01-04'); // throws calendar_out_of_range
 */
export function compileCalendar(input: CalendarInput | Calendar): CompiledCalendar {
  // zod returns fresh objects, so freezing never touches the caller's data.
  const definition = deepFreeze(parseCalendar(input));
  const years = Object.freeze([...definition.years].sort((a, b) => a - b));
  const yearSet = new Set(years);
  const listed = new Map<string, CalendarDay>(definition.days.map((d) => [d.date, d]));
  const { id, version, timeZone } = definition;
  const rule = definition.provisional;
  const lastYear = years[years.length - 1] ?? 0;
  const provisionalYears = Object.freeze(rule ? Array.from({ length: rule.years }, (_, i) => lastYear + 1 + i) : []);
  const provisionalSet = new Set(provisionalYears);
  // Generated on first use (most computations never reach a provisional year); the official `days` are never touched.
  let generatedDays: Map<string, CalendarDay> | undefined;
  const generated = () => (generatedDays ??= new Map<string, CalendarDay>(rule ? provisionalYears.flatMap((y) => provisionalDays(rule.rule, y)).map((d) => [d.date, d]) : []));

  const covers = (date: string): boolean => yearSet.has(yearOf(date)) || provisionalSet.has(yearOf(date));
  const assertCovers = (date: string): void => {
    if (covers(date)) return;
    const provisionalNote = provisionalYears.length > 0 ? `, provisional: ${provisionalYears.join(', ')}` : '';
    throw new CalendarError(
      'calendar_out_of_range',
      `calendar ${id} v${version} has no data for ${date} (loaded years: ${years.join(', ')}${provisionalNote}); load that year before computing with it`,
      { calendarId: id, calendarVersion: version, date, years: [...years], provisionalYears: [...provisionalYears] },
    );
  };
  const dayInfo = (date: string): DayInfo => {
    assertCovers(date);
    const provisional = provisionalSet.has(yearOf(date));
    const entry = provisional ? generated().get(date) : listed.get(date);
    const mark = provisional ? { provisional: true as const } : {};
    if (entry) {
      const info: DayInfo = { date, workday: entry.kind === 'workday', reason: entry.kind === 'workday' ? 'makeup-workday' : 'holiday', ...mark };
      if (entry.name !== undefined) info.name = entry.name;
      return info;
    }
    const dow = dayOfWeek(date);
    return dow === 0 || dow === 6 ? { date, workday: false, reason: 'weekend', ...mark } : { date, workday: true, reason: 'weekday', ...mark };
  };
  const isWorkday = (date: string): boolean => dayInfo(date).workday;
  const step = (date: string, direction: 1 | -1): string => {
    let d = addDays(date, direction);
    while (!isWorkday(d)) d = addDays(d, direction);
    return d;
  };

  const compiled: CompiledCalendar = {
    id,
    version,
    timeZone,
    years,
    provisionalYears,
    org: definition.org,
    definition,
    covers,
    provisionalYearsIn: (first, last) => provisionalYears.filter((y) => y >= yearOf(first) && y <= yearOf(last)),
    assertCovers,
    dayInfo,
    isWorkday,
    isRestDay: (date) => !isWorkday(date),
    nextWorkday: (date) => step(date, 1),
    previousWorkday: (date) => step(date, -1),
    countWorkdays: (first, last) => {
      const lastDay = toDayNumber(last);
      let count = 0;
      for (let d = first; toDayNumber(d) <= lastDay; d = addDays(d, 1)) if (isWorkday(d)) count += 1;
      return count;
    },
    localDateOf: (instant) => localDateOf(instant, timeZone),
    startOfDay: (date) => startOfLocalDay(date, timeZone),
    endOfDay: (date) => endOfLocalDay(date, timeZone),
  };
  return Object.freeze(compiled);
}
