/**
 * The calendars shipped with the engine. The data live in JSON next to this
 * file and are parsed through {@link CalendarSchema} when the module loads, so
 * a bad edit to the data fails at start-up, not in a deadline computation.
 *
 * @module
 */
import cnCalendarData from './cn-calendar.json' with { type: 'json' };
import { CalendarSchema, type Calendar } from './calendar.js';

/**
 * The built-in `cn` calendar: mainland China's statutory holidays and make-up
 * working days for 2025 and 2026 (State Council notices), in `Asia/Shanghai`;
 * the three years after the last official one are provisional (rule `cn-statutory-2024`).
 */
export const cnCalendar: Calendar = CalendarSchema.parse(cnCalendarData);

/** Every built-in calendar (currently only `cn`), ready for `createCalendarRegistry`. */
export const builtinCalendars: readonly Calendar[] = Object.freeze([cnCalendar]);
