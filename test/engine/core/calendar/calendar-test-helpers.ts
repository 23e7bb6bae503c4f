import { CalendarError } from '../../../../engine/core/calendar/index.js';

/** Runs `fn`, expects it to throw a CalendarError, and returns the error for assertions on `code`. */
export function catchCalendarError(fn: () => unknown): CalendarError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CalendarError) return error;
    throw error;
  }
  throw new Error('expected a CalendarError, but nothing was thrown');
}

/** The instant of a Shanghai wall-clock time, e.g. `shanghai('2026-02-10', '10:00')`. */
export function shanghai(date: string, time = '10:00'): Date {
  return new Date(`${date}T${time}:00+08:00`);
}
