/**
 * An in-memory set of versioned calendars. Versions are immutable: adding a
 * calendar whose content differs from every stored version of its id stores it
 * under a new version; adding identical content again is a no-op. No I/O — the
 * runtime persists calendars and loads them back through {@link CalendarRegistry.add}.
 *
 * @module
 */
import { compileCalendar, parseCalendar, type Calendar, type CalendarInput, type CompiledCalendar } from './calendar.js';

/** Versioned calendars by id. */
export interface CalendarRegistry {
  /** The calendar `id` at `version`, or its latest version when `version` is omitted; `undefined` when unknown. */
  get(id: string, version?: number): CompiledCalendar | undefined;
  /**
   * Validates and stores a calendar, returning the version it is stored under:
   * the version of an identical stored calendar of the same id if there is one;
   * else the calendar's own `version` if that id has no such version yet; else
   * the latest version + 1. Throws `invalid_calendar` for invalid data.
   */
  add(calendar: CalendarInput | Calendar): number;
  /** Every stored calendar, every version, ordered by id then version. */
  list(): CompiledCalendar[];
}

/** Content of a calendar without its version, in a canonical order, for equality. */
function fingerprint(cal: Calendar): string {
  return JSON.stringify({
    timeZone: cal.timeZone,
    source: cal.source ?? null,
    org: cal.org ?? null,
    provisional: cal.provisional ?? null,
    years: [...cal.years].sort((a, b) => a - b),
    days: [...cal.days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)).map((d) => [d.date, d.kind, d.name ?? null]),
  });
}

/**
 * Creates a registry holding `calendars` (added in order, see {@link CalendarRegistry.add}).
 *
 * @example
 * const registry = createCalendarRegistry(builtinCalendars);
 * registry.get('cn')?.isWorkday('2026-02-14'); // true
 * registry.add({ ...cnCalendar, days: [...cnCalendar.days, { date: '2026-12-31', kind: 'holiday' }] }); // 2
 */
export function createCalendarRegistry(calendars: Iterable<CalendarInput | Calendar> = []): CalendarRegistry {
  const byId = new Map<string, Map<number, { compiled: CompiledCalendar; fingerprint: string }>>();

  const add = (input: CalendarInput | Calendar): number => {
    const cal = parseCalendar(input);
    const print = fingerprint(cal);
    const versions = byId.get(cal.id) ?? new Map<number, { compiled: CompiledCalendar; fingerprint: string }>();
    for (const [version, entry] of versions) if (entry.fingerprint === print) return version;
    const version = versions.has(cal.version) ? Math.max(...versions.keys()) + 1 : cal.version;
    versions.set(version, { compiled: compileCalendar({ ...cal, version }), fingerprint: print });
    byId.set(cal.id, versions);
    return version;
  };

  for (const cal of calendars) add(cal);

  return {
    get(id, version) {
      const versions = byId.get(id);
      if (!versions) return undefined;
      const wanted = version ?? Math.max(...versions.keys());
      return versions.get(wanted)?.compiled;
    },
    add,
    list() {
      return [...byId.keys()]
        .sort()
        .flatMap((id) => [...(byId.get(id)?.entries() ?? [])].sort(([a], [b]) => a - b).map(([, entry]) => entry.compiled));
    },
  };
}
