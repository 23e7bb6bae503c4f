import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeadlineDurationSchema,
  DurationSchema,
  NegativeDurationSchema,
  formatDuration,
  parseDuration,
  tryParseDuration,
  type ParsedDuration,
} from '../../../../engine/core/calendar/index.js';
import { catchCalendarError } from './calendar-test-helpers.js';

const zero = { kind: 'calendar', years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, negative: false } as const;

describe('parseDuration', () => {
  it.each<[string, ParsedDuration]>([
    ['PT1H', { ...zero, hours: 1 }],
    ['PT30M', { ...zero, minutes: 30 }],
    ['PT45S', { ...zero, seconds: 45 }],
    ['P60D', { ...zero, days: 60 }],
    ['P1Y', { ...zero, years: 1 }],
    ['P3M', { ...zero, months: 3 }],
    ['P2W', { ...zero, weeks: 2 }],
    ['P1DT2H', { ...zero, days: 1, hours: 2 }],
    ['P1Y2M3W4DT5H6M7S', { ...zero, years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 }],
    ['P0D', zero],
    ['-PT1H', { ...zero, hours: 1, negative: true }],
    ['-P1D', { ...zero, days: 1, negative: true }],
    ['5 workdays', { kind: 'workdays', days: 5, negative: false }],
    ['1 workday', { kind: 'workdays', days: 1, negative: false }],
    ['15 workdays', { kind: 'workdays', days: 15, negative: false }],
    ['-2 workdays', { kind: 'workdays', days: 2, negative: true }],
  ])('parses %s', (text, expected) => {
    expect(parseDuration(text)).toEqual(expected);
  });

  it.each([
    '5 days please',
    'P',
    'PT',
    '',
    '-',
    'P1DT',
    'P1H',
    'PT1D',
    'p1d',
    'P1.5D',
    'P1D2Y',
    ' P1D',
    'P1D ',
    '5  workdays',
    '5 workdays ',
    '5workdays',
    '0 workdays',
    '-0 workdays',
    '+5 workdays',
    '--P1D',
    'five workdays',
    'P1000000D',
    '5 Workdays',
  ])('rejects %j with invalid_duration', (text) => {
    const error = catchCalendarError(() => parseDuration(text));
    expect(error.code).toBe('invalid_duration');
    expect(error.details).toEqual({ duration: text });
    expect(tryParseDuration(text)).toBeUndefined();
  });

  it('formats canonically and round-trips (property)', () => {
    const n = fc.integer({ min: 0, max: 500 });
    const calendar = fc.record({
      kind: fc.constant('calendar' as const),
      years: n, months: n, weeks: n, days: n, hours: n, minutes: n, seconds: n,
      negative: fc.boolean(),
    });
    const workdays = fc.record({ kind: fc.constant('workdays' as const), days: fc.integer({ min: 1, max: 500 }), negative: fc.boolean() });
    fc.assert(
      fc.property(fc.oneof(calendar, workdays), (d) => {
        expect(parseDuration(formatDuration(d))).toEqual(d);
      }),
      { seed: 424242, numRuns: 300 },
    );
    expect(formatDuration(parseDuration('P0D'))).toBe('PT0S');
    expect(formatDuration(parseDuration('1 workday'))).toBe('1 workday');
  });
});

describe('duration schemas', () => {
  it('accepts durations of either sign in DurationSchema', () => {
    expect(DurationSchema.parse('5 workdays')).toBe('5 workdays');
    expect(DurationSchema.parse('-PT1H')).toBe('-PT1H');
  });

  it('rejects garbage with the parse message', () => {
    const result = DurationSchema.safeParse('5 days please');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('invalid duration');
    expect(DurationSchema.safeParse(5).success).toBe(false);
  });

  it('restricts the sign in DeadlineDurationSchema and NegativeDurationSchema', () => {
    expect(DeadlineDurationSchema.safeParse('P60D').success).toBe(true);
    expect(DeadlineDurationSchema.safeParse('-P1D').success).toBe(false);
    expect(NegativeDurationSchema.safeParse('-2 workdays').success).toBe(true);
    expect(NegativeDurationSchema.safeParse('2 workdays').success).toBe(false);
  });
});
