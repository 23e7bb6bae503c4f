/**
 * Deadline arithmetic on a compiled calendar (DOMAIN §10.1, DESIGN §5).
 *
 * Rules, in one place:
 *
 * - **Start day not counted.** Day counts start on the local date after the
 *   local date of `start` (in the calendar's time zone).
 * - **Day-based deadlines end at 24:00** local time of their last day, i.e. at
 *   the instant of 00:00 of the following local date. `N workdays` ends on the
 *   N-th working day after the start date; `P15D` on the 15th calendar day after
 *   it (years and months first, clamped to the month's end, then weeks and days).
 * - **Rollover** (Civil Code Art. 203, opt-in): a calendar-day deadline whose
 *   last day is a rest day ends at 24:00 of the next working day instead.
 * - **Wall-clock durations** (only H/M/S, e.g. `PT1H`) are exactly `start + ms`,
 *   24/7, without consulting the calendar.
 * - **Mixed durations** (`P1DT2H`): the date part is counted as a day-based
 *   deadline (start day excluded, rollover applies), then the time part is added
 *   on the wall clock to its 24:00 end: `P1DT2H` from Monday 15:00 is Wednesday
 *   02:00. So a longer duration never gives an earlier deadline (`P1D` ≤ `P1DT1S`).
 * - **Range.** Day-based computations need the start date and every date whose
 *   status they consult (working days counted, a rollover's last day) in a loaded year; otherwise they throw
 *   `calendar_out_of_range` naming the date. Wall-clock durations never throw it.
 *
 * Pure.
 *
 * @module
 */
import type { CompiledCalendar } from './calendar.js';
import { CalendarError } from './calendar-errors.js';
import { addDays, addMonths } from './local-date.js';
import { hasDatePart, parseDuration, timePartMs, withSign, type CalendarDuration, type ParsedDuration } from './duration.js';

/** Options of {@link addDuration}. */
export interface DeadlineOptions {
  /** Move a calendar-day deadline whose last day is a rest day to the end of the next working day. Default `false`. */
  rollover?: boolean;
}

/** A computed deadline, stamped with the calendar version that produced it. */
export interface Deadline {
  /** The instant the deadline falls due (24:00 local of `dueDate` for day-based deadlines). */
  dueAt: Date;
  /** The local last day, for day-based deadlines without a time part. */
  dueDate?: string;
  /** The nominal last day, when rollover moved the deadline off a rest day. */
  rolledOverFrom?: string;
  calendarId: string;
  calendarVersion: number;
  /** Present when a day the result depends on lies in a provisional year: the result may move when that year's notice arrives. */
  provisional?: true;
  /** Those provisional years. */
  provisionalYears?: number[];
}

/** The provisional marker of a result that consulted the days from `first` to `last`; empty when none is provisional. Pure. */
export function provisionalMark(cal: CompiledCalendar, first: string, last: string): { provisional?: true; provisionalYears?: number[] } {
  const years = first <= last ? cal.provisionalYearsIn(first, last) : [];
  return years.length > 0 ? { provisional: true, provisionalYears: years } : {};
}

function instantMs(instant: Date, name: string): number {
  const ms = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid Date`);
  return ms;
}

function toParsed(duration: string | ParsedDuration): ParsedDuration {
  return typeof duration === 'string' ? parseDuration(duration) : duration;
}

/** `date` moved by the date fields of `d` (years and months first, clamped; then weeks and days). */
function shiftDate(date: string, d: CalendarDuration, direction: 1 | -1): string {
  return addDays(addMonths(date, direction * (d.years * 12 + d.months)), direction * (d.weeks * 7 + d.days));
}

/** The `n`-th working day strictly after (`direction` 1) or before (-1) `date`. */
function nthWorkday(cal: CompiledCalendar, date: string, n: number, direction: 1 | -1): string {
  let d = date;
  for (let i = 0; i < n; i += 1) d = direction === 1 ? cal.nextWorkday(d) : cal.previousWorkday(d);
  return d;
}

/** The local date a deadline falls on: the date of its last moment, so 24:00 belongs to the day it ends. */
function dueDayOf(cal: CompiledCalendar, dueAtMs: number): string {
  return cal.localDateOf(new Date(dueAtMs - 1));
}

/**
 * Computes when a deadline of `duration` started at `start` falls due. Pure.
 * Throws `invalid_duration` for bad or negative durations (offsets before a
 * deadline go to {@link subtractForReminder}) and `calendar_out_of_range` when a
 * day-based deadline touches a date outside the loaded years.
 *
 * @example
 * const cn = compileCalendar(cnCalendar);
 * addDuration(cn, new Date('2026-02-10T02:00:00Z'), '5 workdays');
 * // { dueAt: 2026-02-24T16:00:00.000Z, dueDate: '2026-02-24', calendarId: 'cn', calendarVersion: 1 }
 * addDuration(cn, new Date('2026-09-16T02:00:00Z'), 'P15D', { rollover: true }).dueDate; // '2026-10-08'
 */
export function addDuration(cal: CompiledCalendar, start: Date, duration: string | ParsedDuration, opts: DeadlineOptions = {}): Deadline {
  const startMs = instantMs(start, 'start');
  const d = toParsed(duration);
  const stamp = { calendarId: cal.id, calendarVersion: cal.version };
  if (d.negative) {
    throw new CalendarError('invalid_duration', 'a deadline cannot run for a negative duration; use subtractForReminder for offsets before a deadline', { duration: d });
  }
  if (!hasDatePart(d)) return { dueAt: new Date(startMs + timePartMs(d)), ...stamp };

  const startDate = cal.localDateOf(start);
  cal.assertCovers(startDate);
  let lastDay: string;
  let rolledOverFrom: string | undefined;
  // The first day whose status the result depends on (none for plain calendar days).
  let consultedFrom: string | undefined;
  if (d.kind === 'workdays') {
    lastDay = nthWorkday(cal, startDate, d.days, 1);
    consultedFrom = addDays(startDate, 1);
  } else {
    lastDay = shiftDate(startDate, d, 1);
    // Counting calendar days asks nothing of the calendar but its zone; only rollover needs to know rest days.
    if (opts.rollover === true) cal.assertCovers(lastDay);
    if (opts.rollover === true) consultedFrom = lastDay;
    if (opts.rollover === true && cal.isRestDay(lastDay)) {
      rolledOverFrom = lastDay;
      lastDay = cal.nextWorkday(lastDay);
    }
  }
  const endMs = cal.endOfDay(lastDay).getTime();
  const timeMs = timePartMs(d);
  const deadline: Deadline = timeMs === 0 ? { dueAt: new Date(endMs), dueDate: lastDay, ...stamp } : { dueAt: new Date(endMs + timeMs), ...stamp };
  if (rolledOverFrom !== undefined) deadline.rolledOverFrom = rolledOverFrom;
  return consultedFrom === undefined ? deadline : { ...deadline, ...provisionalMark(cal, consultedFrom, lastDay) };
}

/**
 * Computes when a reminder `offset` before a deadline fires. Pure.
 * The offset's sign is ignored: `-2 workdays` and `2 workdays` both mean two
 * working days before. Let the *due day* be the local date of the deadline's
 * last moment (a 24:00 deadline falls on the day it ends):
 *
 * - time-only offsets (`-PT1H`) fire exactly that long before `dueAt` (wall clock);
 * - `-N workdays` fires at 00:00 local of the N-th working day before the due day;
 * - date offsets (`-P1D`, `-P1W`) fire at 00:00 local of the due day minus
 *   those fields; a time part (`-P1DT2H`) is first taken off `dueAt` on the wall clock.
 *
 * So a day-based reminder fires as the day begins, and it is the inverse of
 * {@link addDuration}: a deadline of `N workdays` started at the reminder ends
 * at `dueAt`, and {@link countWorkdaysBetween} from the reminder to `dueAt` is N
 * when the due day is a working day.
 *
 * @example
 * // due 24:00 Friday 2025-03-14 (2025-03-14T16:00Z); two working days before → Wednesday 00:00
 * subtractForReminder(cn, new Date('2025-03-14T16:00:00Z'), '-2 workdays'); // 2025-03-11T16:00:00.000Z
 */
export function subtractForReminder(cal: CompiledCalendar, dueAt: Date, offset: string | ParsedDuration): Date {
  const dueMs = instantMs(dueAt, 'dueAt');
  const d = toParsed(offset);
  const anchorMs = dueMs - timePartMs(d);
  if (!hasDatePart(d)) return new Date(anchorMs);
  const dueDay = dueDayOf(cal, anchorMs);
  if (d.kind !== 'workdays') return cal.startOfDay(shiftDate(dueDay, d, -1)); // calendar days: only the zone is needed
  cal.assertCovers(dueDay);
  const day = nthWorkday(cal, dueDay, d.days, -1);
  cal.assertCovers(day);
  return cal.startOfDay(day);
}

/**
 * Computes an instant relative to a deadline: negative offsets as
 * {@link subtractForReminder}; positive ones (escalation after the deadline)
 * count from the due day like {@link addDuration} counts from a start day, so
 * `2 workdays` after a deadline at 24:00 Thursday ends at 24:00 Monday, and
 * `PT1H` is exactly one hour after `dueAt`. Pure.
 */
export function offsetFromDue(cal: CompiledCalendar, dueAt: Date, offset: string | ParsedDuration, opts: DeadlineOptions = {}): Date {
  const dueMs = instantMs(dueAt, 'dueAt');
  const d = toParsed(offset);
  if (d.negative) return subtractForReminder(cal, dueAt, d);
  if (!hasDatePart(d)) return new Date(dueMs + timePartMs(d));
  // One millisecond before dueAt lies on the due day, which becomes the (uncounted) start day.
  return addDuration(cal, new Date(dueMs - 1), withSign(d, false), opts).dueAt;
}

/**
 * Counts the working days left from `from` (now) until a deadline at `to`, for
 * case views. Pure. Counted: working days after the local date of `from` (the
 * current, partly elapsed day is never counted, like a start day) up to and
 * including the due day (the local date of the deadline's last moment, so a
 * deadline at 24:00 counts its last day, and one at 15:00 counts that day too).
 * Returns 0 when the deadline has passed (`to <= from`) or falls today. So
 * `countWorkdaysBetween(cal, start, addDuration(cal, start, 'N workdays').dueAt)` is N.
 */
export function countWorkdaysBetween(cal: CompiledCalendar, from: Date, to: Date): number {
  const fromMs = instantMs(from, 'from');
  const toMs = instantMs(to, 'to');
  if (toMs <= fromMs) return 0;
  const today = cal.localDateOf(from);
  const dueDay = dueDayOf(cal, toMs);
  cal.assertCovers(today);
  cal.assertCovers(dueDay);
  return cal.countWorkdays(addDays(today, 1), dueDay);
}

/**
 * The coming year when, from 1 October on (local date in the calendar's zone),
 * it is still counted provisionally: its official notice should be imported
 * before deadlines run into it. Undefined before October, or when next year is
 * official. Pure.
 *
 * @example
 * nextYearStillProvisional(cn, new Date('2026-10-01T00:00:00+08:00')); // 2027
 * nextYearStillProvisional(cn, new Date('2026-09-30T12:00:00+08:00')); // undefined
 */
export function nextYearStillProvisional(cal: CompiledCalendar, now: Date): number | undefined {
  const today = cal.localDateOf(now);
  const next = Number(today.slice(0, 4)) + 1;
  if (Number(today.slice(5, 7)) < 10 || cal.years.includes(next)) return undefined;
  return cal.provisionalYears.includes(next) ? next : undefined;
}
