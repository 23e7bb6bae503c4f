/**
 * Duration text used by deadlines, reminders and escalations:
 *
 * - ISO 8601 durations with integer fields: `PT1H`, `PT30M`, `P60D`, `P1Y`,
 *   `P2W`, `P1DT2H`, `P1Y2M3W4DT5H6M7S` (designators upper-case, in this order;
 *   weeks may be combined with other fields as ISO 8601-2 allows);
 * - working days: `1 workday`, `5 workdays` (one space; the count is at least 1);
 * - either form with a leading `-` for offsets before a deadline: `-2 workdays`, `-PT1H`, `-P1D`.
 *
 * No surrounding whitespace, no fractions, no lower-case designators: a
 * definition either says exactly one thing or is rejected with `invalid_duration`.
 *
 * Pure.
 *
 * @module
 */
import { z } from 'zod';
import { CalendarError } from './calendar-errors.js';

/** A count of working days (start day not counted). */
export interface WorkdaysDuration {
  readonly kind: 'workdays';
  readonly days: number;
  readonly negative: boolean;
}

/** An ISO 8601 duration: date fields count local dates, time fields run on the wall clock. */
export interface CalendarDuration {
  readonly kind: 'calendar';
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly negative: boolean;
}

/** A parsed duration. */
export type ParsedDuration = WorkdaysDuration | CalendarDuration;

/** The largest value a single field may take (keeps every computation far inside `Date`'s range). */
export const MAX_DURATION_FIELD = 999_999;

const ISO_RE = /^(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const WORKDAYS_RE = /^(-)?(\d+) workdays?$/;

function invalid(text: string, why: string): CalendarError {
  return new CalendarError('invalid_duration', `invalid duration ${JSON.stringify(text)}: ${why}`, { duration: text });
}

function field(text: string, digits: string | undefined): number {
  if (digits === undefined) return 0;
  const n = Number(digits);
  if (n > MAX_DURATION_FIELD) throw invalid(text, `${digits} is larger than ${MAX_DURATION_FIELD}`);
  return n;
}

/**
 * Parses duration text. Throws `invalid_duration` for anything else.
 *
 * @example
 * parseDuration('5 workdays'); // { kind: 'workdays', days: 5, negative: false }
 * parseDuration('-PT1H');      // { kind: 'calendar', hours: 1, negative: true, years: 0, … }
 * parseDuration('5 days please'); // throws invalid_duration
 */
export function parseDuration(text: string): ParsedDuration {
  if (typeof text !== 'string') throw invalid(String(text), 'expected a string');
  const w = WORKDAYS_RE.exec(text);
  if (w) {
    const days = field(text, w[2]);
    if (days < 1) throw invalid(text, 'a working-day count is at least 1');
    return { kind: 'workdays', days, negative: w[1] === '-' };
  }
  const m = ISO_RE.exec(text);
  if (!m) throw invalid(text, 'expected ISO 8601 (PT1H, P60D, P1DT2H) or "N workdays", optionally with a leading "-"');
  return {
    kind: 'calendar',
    years: field(text, m[2]),
    months: field(text, m[3]),
    weeks: field(text, m[4]),
    days: field(text, m[5]),
    hours: field(text, m[6]),
    minutes: field(text, m[7]),
    seconds: field(text, m[8]),
    negative: m[1] === '-',
  };
}

/** Parses duration text, or returns `undefined` instead of throwing. */
export function tryParseDuration(text: string): ParsedDuration | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

/** True when the duration counts local dates (working days, or any non-zero Y/M/W/D field). */
export function hasDatePart(d: ParsedDuration): boolean {
  return d.kind === 'workdays' || d.years + d.months + d.weeks + d.days > 0;
}

/** The wall-clock part (H/M/S) of a duration in milliseconds, ignoring the sign (0 for working days). */
export function timePartMs(d: ParsedDuration): number {
  return d.kind === 'workdays' ? 0 : ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
}

/** The same duration with the given sign. */
export function withSign<D extends ParsedDuration>(d: D, negative: boolean): D {
  return { ...d, negative };
}

/**
 * Writes a parsed duration back as canonical text (`parseDuration(formatDuration(d))` equals `d`).
 * An all-zero ISO duration is written `PT0S`.
 */
export function formatDuration(d: ParsedDuration): string {
  const sign = d.negative ? '-' : '';
  if (d.kind === 'workdays') return `${sign}${d.days} ${d.days === 1 ? 'workday' : 'workdays'}`;
  const date = `${d.years ? `${d.years}Y` : ''}${d.months ? `${d.months}M` : ''}${d.weeks ? `${d.weeks}W` : ''}${d.days ? `${d.days}D` : ''}`;
  const time = `${d.hours ? `${d.hours}H` : ''}${d.minutes ? `${d.minutes}M` : ''}${d.seconds ? `${d.seconds}S` : ''}`;
  if (!date && !time) return `${sign}PT0S`;
  return `${sign}P${date}${time ? `T${time}` : ''}`;
}

function durationSchema(sign: 'any' | 'positive' | 'negative') {
  return z.string().superRefine((text, ctx) => {
    let d: ParsedDuration;
    try {
      d = parseDuration(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid duration', params: { code: 'invalid_duration' } });
      return;
    }
    if (sign === 'positive' && d.negative) ctx.addIssue({ code: 'custom', message: `${text} must not be negative`, params: { code: 'invalid_duration' } });
    if (sign === 'negative' && !d.negative) ctx.addIssue({ code: 'custom', message: `${text} must start with "-" (an offset before the deadline)`, params: { code: 'invalid_duration' } });
  });
}

/** A string that {@link parseDuration} accepts (either sign). */
export const DurationSchema = durationSchema('any');
/** A duration a deadline can run for: {@link DurationSchema} without a leading `-`. */
export const DeadlineDurationSchema = durationSchema('positive');
/** An offset before a deadline, e.g. `-2 workdays`: {@link DurationSchema} with a leading `-`. */
export const NegativeDurationSchema = durationSchema('negative');
