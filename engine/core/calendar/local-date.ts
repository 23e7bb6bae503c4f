/**
 * Local dates and wall-clock time in an IANA time zone, without `node:*` and
 * without the host's local time zone.
 *
 * A local date is a `"YYYY-MM-DD"` string (proleptic Gregorian). Date arithmetic
 * converts it to an integer day number (days since 1970-01-01) and back with
 * integer math, so it never depends on a `Date`'s local zone or on DST. Instants
 * are mapped to wall-clock time with `Intl.DateTimeFormat`, and local wall time
 * is mapped back to an instant by looking up the zone's UTC offset on both
 * sides of the wanted time, which handles any offset (including DST gaps and
 * folds at midnight) the way Temporal's `"compatible"` disambiguation does.
 *
 * Pure: every function is deterministic in its arguments.
 *
 * @module
 */

/** Milliseconds in a day of 24 hours (not every local day is that long). */
export const MS_PER_DAY = 86_400_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days in `month` (1–12) of `year`, Gregorian leap rules. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function splitDate(date: string): [number, number, number] | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  return [y, mo, d];
}

/** True when `text` is a real calendar date written `YYYY-MM-DD` (so `2025-02-29` is false). */
export function isIsoDate(text: string): boolean {
  return splitDate(text) !== undefined;
}

function requireDate(date: string): [number, number, number] {
  const parts = splitDate(date);
  if (!parts) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return parts;
}

// Howard Hinnant's days_from_civil / civil_from_days: exact integer math on the proleptic Gregorian calendar.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(n: number): [number, number, number] {
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatCivil(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** The day number (days since 1970-01-01) of a local date. Throws `RangeError` on a malformed date. */
export function toDayNumber(date: string): number {
  const [y, m, d] = requireDate(date);
  return daysFromCivil(y, m, d);
}

/** The local date of a day number (inverse of {@link toDayNumber}). */
export function fromDayNumber(dayNumber: number): string {
  const [y, m, d] = civilFromDays(dayNumber);
  return formatCivil(y, m, d);
}

/** `date` plus `days` (may be negative). */
export function addDays(date: string, days: number): string {
  return fromDayNumber(toDayNumber(date) + days);
}

/**
 * `date` plus `months` (may be negative); a day past the end of the target
 * month is clamped to its last day (`2025-01-31` + 1 month = `2025-02-28`).
 */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = requireDate(date);
  const index = y * 12 + (m - 1) + months;
  const ty = Math.floor(index / 12);
  const tm = index - ty * 12 + 1;
  return formatCivil(ty, tm, Math.min(d, daysInMonth(ty, tm)));
}

/** Day of the week of a local date: 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  // 1970-01-01 was a Thursday (4).
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

/** The year of a local date. */
export function yearOf(date: string): number {
  return requireDate(date)[0];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is a zone `Intl` knows (e.g. `Asia/Shanghai`, `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock time of an instant in a zone, as "milliseconds since epoch if the wall clock were UTC". */
function wallClockMs(epochMs: number, timeZone: string): number {
  const wholeSecondMs = Math.floor(epochMs / 1000) * 1000;
  const fields: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(wholeSecondMs)) fields[p.type] = p.value;
  const rawYear = Number(fields['year']);
  const year = fields['era'] === 'BC' || fields['era'] === 'B' ? 1 - rawYear : rawYear;
  const days = daysFromCivil(year, Number(fields['month']), Number(fields['day']));
  const secondOfDay = Number(fields['hour']) * 3600 + Number(fields['minute']) * 60 + Number(fields['second']);
  return days * MS_PER_DAY + secondOfDay * 1000 + (epochMs - wholeSecondMs);
}

/** The zone's offset from UTC at an instant, in milliseconds (Asia/Shanghai: 8 h). */
export function offsetMsAt(epochMs: number, timeZone: string): number {
  return wallClockMs(epochMs, timeZone) - epochMs;
}

function requireInstant(instant: Date): number {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  return ms;
}

/** The local date and the milliseconds since local midnight of an instant in a zone. */
export function localTimeOf(instant: Date, timeZone: string): { date: string; msOfDay: number } {
  const wall = wallClockMs(requireInstant(instant), timeZone);
  const day = Math.floor(wall / MS_PER_DAY);
  return { date: fromDayNumber(day), msOfDay: wall - day * MS_PER_DAY };
}

/** The local date of an instant in a zone. */
export function localDateOf(instant: Date, timeZone: string): string {
  return localTimeOf(instant, timeZone).date;
}

/**
 * The instant at which the wall clock of a zone shows `date` + `msOfDay`.
 * A wall time that occurs twice (fold) gives the earlier instant; one that does
 * not exist (gap) is pushed forward by the length of the gap.
 */
export function instantOfLocal(date: string, msOfDay: number, timeZone: string): Date {
  const wall = toDayNumber(date) * MS_PER_DAY + msOfDay;
  // Offsets a day either side bracket any single transition near the wanted time (offsets are < 24 h).
  const before = offsetMsAt(wall - MS_PER_DAY, timeZone);
  const after = offsetMsAt(wall + MS_PER_DAY, timeZone);
  const valid = [wall - before, wall - after].filter((t) => wallClockMs(t, timeZone) === wall);
  if (valid.length > 0) return new Date(Math.min(...valid));
  return new Date(wall - before);
}

/** The first instant of a local date in a zone (local 00:00, or the end of a DST gap at midnight). */
export function startOfLocalDay(date: string, timeZone: string): Date {
  return instantOfLocal(date, 0, timeZone);
}

/** The instant a local date ends in a zone (24:00), i.e. the start of the next local date. */
export function endOfLocalDay(date: string, timeZone: string): Date {
  return startOfLocalDay(addDays(date, 1), timeZone);
}
