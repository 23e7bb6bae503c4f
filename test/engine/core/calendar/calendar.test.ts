import { describe, expect, it } from 'vitest';
import {
  CalendarSchema,
  cnCalendar,
  compileCalendar,
  createCalendarRegistry,
  builtinCalendars,
  parseCalendar,
  type CalendarInput,
} from '../../../../engine/core/calendar/index.js';
import { catchCalendarError } from './calendar-test-helpers.js';

const small: CalendarInput = {
  id: 'test-cal',
  version: 1,
  years: [2025],
  days: [
    { date: '2025-03-03', kind: 'holiday', name: 'Founders day' },
    { date: '2025-03-08', kind: 'workday' },
  ],
};

function issuesOf(input: unknown): { path: (string | number)[]; message: string }[] {
  const result = CalendarSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message }));
}

describe('CalendarSchema', () => {
  it('defaults the time zone to Asia/Shanghai', () => {
    expect(CalendarSchema.parse(small).timeZone).toBe('Asia/Shanghai');
  });

  it('rejects a date listed twice, naming the second occurrence', () => {
    const issues = issuesOf({ ...small, days: [...small.days, { date: '2025-03-03', kind: 'workday' }] });
    expect(issues).toEqual([{ path: ['days', 2, 'date'], message: expect.stringContaining('listed twice') }]);
  });

  it('rejects a date outside the loaded years', () => {
    const issues = issuesOf({ ...small, days: [{ date: '2026-01-01', kind: 'holiday' }] });
    expect(issues).toEqual([{ path: ['days', 0, 'date'], message: expect.stringContaining('outside the loaded years') }]);
  });

  it.each([
    ['an impossible date', { ...small, days: [{ date: '2025-02-29', kind: 'holiday' }] }, ['days', 0, 'date']],
    ['a malformed date', { ...small, days: [{ date: '2025-3-1', kind: 'holiday' }] }, ['days', 0, 'date']],
    ['an unknown kind', { ...small, days: [{ date: '2025-03-01', kind: 'rest' }] }, ['days', 0, 'kind']],
    ['an unknown time zone', { ...small, timeZone: 'Mars/Olympus' }, ['timeZone']],
    ['an offset instead of a zone name', { ...small, timeZone: '+08:00' }, ['timeZone']],
    ['an id that is not kebab-case', { ...small, id: 'CN_Beijing' }, ['id']],
    ['version 0', { ...small, version: 0 }, ['version']],
    ['no years', { ...small, years: [], days: [] }, ['years']],
    ['a year listed twice', { ...small, years: [2025, 2025] }, ['years', 1]],
  ])('rejects %s', (_name, input, path) => {
    expect(issuesOf(input).map((i) => i.path)).toContainEqual(path);
  });

  it('accepts another IANA zone', () => {
    expect(CalendarSchema.parse({ ...small, timeZone: 'Europe/Berlin' }).timeZone).toBe('Europe/Berlin');
  });
});

describe('compileCalendar', () => {
  it('throws invalid_calendar with every issue and its path', () => {
    const error = catchCalendarError(() =>
      compileCalendar({ ...small, days: [{ date: '2025-03-03', kind: 'holiday' }, { date: '2025-03-03', kind: 'holiday' }, { date: '2024-01-01', kind: 'holiday' }] }),
    );
    expect(error.code).toBe('invalid_calendar');
    expect(error.issues?.map((i) => i.path)).toEqual([
      ['days', 1, 'date'],
      ['days', 2, 'date'],
    ]);
    expect(error.message).toContain('test-cal');
  });

  it('applies listed days over the weekday rule', () => {
    const cal = compileCalendar(small);
    expect(cal.isWorkday('2025-03-03')).toBe(false); // a Monday off
    expect(cal.isWorkday('2025-03-08')).toBe(true); // a Saturday worked
    expect(cal.isWorkday('2025-03-09')).toBe(false);
    expect(cal.nextWorkday('2025-02-28')).toBe('2025-03-04');
    expect(cal.previousWorkday('2025-03-09')).toBe('2025-03-08');
  });

  it('leaves the caller data unfrozen and freezes its own copy', () => {
    const input = structuredClone(small);
    const cal = compileCalendar(input);
    expect(Object.isFrozen(input)).toBe(false);
    expect(Object.isFrozen(cal.definition.days[0])).toBe(true);
    expect(Object.isFrozen(cal)).toBe(true);
  });

  it('reports local dates and day boundaries in its own time zone', () => {
    const berlin = compileCalendar({ ...small, timeZone: 'Europe/Berlin' });
    expect(berlin.localDateOf(new Date('2025-03-02T23:30:00Z'))).toBe('2025-03-03');
    expect(berlin.startOfDay('2025-03-03').toISOString()).toBe('2025-03-02T23:00:00.000Z');
    expect(berlin.endOfDay('2025-03-30').toISOString()).toBe('2025-03-30T22:00:00.000Z'); // 23-hour DST day
  });
});

describe('createCalendarRegistry', () => {
  it('returns the built-in cn calendar, latest by default', () => {
    const registry = createCalendarRegistry(builtinCalendars);
    expect(registry.get('cn')?.version).toBe(1);
    expect(registry.get('cn', 1)?.isWorkday('2026-02-14')).toBe(true);
    expect(registry.get('cn', 2)).toBeUndefined();
    expect(registry.get('nope')).toBeUndefined();
  });

  it('stores changed content under a new version and keeps the old one', () => {
    const registry = createCalendarRegistry(builtinCalendars);
    const amended = { ...cnCalendar, days: [...cnCalendar.days, { date: '2026-12-31', kind: 'holiday' as const, name: '测试' }] };
    expect(registry.add(amended)).toBe(2);
    expect(registry.get('cn')?.version).toBe(2);
    expect(registry.get('cn')?.isWorkday('2026-12-31')).toBe(false);
    expect(registry.get('cn', 1)?.isWorkday('2026-12-31')).toBe(true);
    expect(registry.list().map((c) => `${c.id}@${c.version}`)).toEqual(['cn@1', 'cn@2']);
  });

  it('returns the existing version when identical content is added again, in any order', () => {
    const registry = createCalendarRegistry(builtinCalendars);
    const reordered = { ...cnCalendar, version: 7, days: [...cnCalendar.days].reverse() };
    expect(registry.add(reordered)).toBe(1);
    expect(registry.list()).toHaveLength(1);
  });

  it('honours a free version number and lists ids in order', () => {
    const registry = createCalendarRegistry();
    expect(registry.add({ ...small, id: 'zz', version: 3 })).toBe(3);
    expect(registry.add({ ...small, id: 'zz', version: 1, source: 'older' })).toBe(1);
    expect(registry.add({ ...small, id: 'zz', version: 3, source: 'newer' })).toBe(4);
    expect(registry.add(small)).toBe(1);
    expect(registry.list().map((c) => `${c.id}@${c.version}`)).toEqual(['test-cal@1', 'zz@1', 'zz@3', 'zz@4']);
    expect(registry.get('zz')?.definition.source).toBe('newer');
  });

  it('rejects invalid calendars with invalid_calendar', () => {
    const registry = createCalendarRegistry();
    expect(catchCalendarError(() => registry.add({ ...small, years: [2024] })).code).toBe('invalid_calendar');
    expect(registry.list()).toEqual([]);
  });

  it('parses through the schema in parseCalendar', () => {
    expect(catchCalendarError(() => parseCalendar(42)).code).toBe('invalid_calendar');
  });
});
