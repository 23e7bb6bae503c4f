/**
 * The one error class of the calendar and duration module. An `EngineError`, so
 * callers handle it like every other domain error by its `code`.
 *
 * @module
 */

import { EngineError, type Issue } from '../../errors.js';

/** Every code a {@link CalendarError} can carry. */
export const CALENDAR_ERROR_CODES = ['calendar_out_of_range', 'invalid_duration', 'invalid_calendar', 'calendar_out_of_scope'] as const;

/** A stable snake_case code of a calendar failure. */
export type CalendarErrorCode = (typeof CALENDAR_ERROR_CODES)[number];

/** One problem found in calendar data, with a JSON path (the engine's `Issue`). */
export type CalendarIssue = Issue;

/**
 * A calendar or duration failure: a date outside the loaded years
 * (`calendar_out_of_range`), unparseable duration text (`invalid_duration`) or
 * calendar data that fails validation (`invalid_calendar`, with `issues`), or
 * a calendar owned by an org used for a case outside that org's subtree
 * (`calendar_out_of_scope`).
 */
export class CalendarError extends EngineError {
  declare readonly code: CalendarErrorCode;

  constructor(code: CalendarErrorCode, message: string, details: Record<string, unknown> = {}, issues?: CalendarIssue[]) {
    super(code, message, details, issues);
  }
}

/** True when `error` is a {@link CalendarError}, optionally with the given code. */
export function isCalendarError(error: unknown, code?: CalendarErrorCode): error is CalendarError {
  return error instanceof CalendarError && (code === undefined || error.code === code);
}
