/**
 * Working-day calendars, durations and deadlines: pure functions of their
 * arguments (time is always a parameter). See `deadline.ts` for the counting
 * rules and DOMAIN.md §10 for the legal background.
 *
 * @example
 * import { addDuration, builtinCalendars, createCalendarRegistry } from './calendar/index.js';
 * const cn = createCalendarRegistry(builtinCalendars).get('cn')!;
 * addDuration(cn, new Date('2026-02-10T02:00:00Z'), '5 workdays').dueDate; // '2026-02-24'
 *
 * @module
 */
export { CALENDAR_ERROR_CODES, CalendarError, isCalendarError, type CalendarErrorCode, type CalendarIssue } from './calendar-errors.js';
export {
  CalendarDaySchema,
  CalendarSchema,
  DEFAULT_TIME_ZONE,
  IsoDateSchema,
  TimeZoneSchema,
  compileCalendar,
  parseCalendar,
  type Calendar,
  type CalendarDay,
  type CalendarInput,
  type CompiledCalendar,
  type DayInfo,
  type DayReason,
} from './calendar.js';
export {
  DeadlineDurationSchema,
  DurationSchema,
  MAX_DURATION_FIELD,
  NegativeDurationSchema,
  formatDuration,
  hasDatePart,
  parseDuration,
  timePartMs,
  tryParseDuration,
  type CalendarDuration,
  type ParsedDuration,
  type WorkdaysDuration,
} from './duration.js';
export { addDuration, countWorkdaysBetween, nextYearStillProvisional, provisionalMark, offsetFromDue, subtractForReminder, type Deadline, type DeadlineOptions } from './deadline.js';
export {
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
} from './local-date.js';
export { PROVISIONAL_RULES, lunarToSolar, provisionalDays, qingmingOf, statutoryHolidays, type ProvisionalRule } from './provisional.js';
export { createCalendarRegistry, type CalendarRegistry } from './registry.js';
export { builtinCalendars, cnCalendar } from './builtin-calendars.js';
