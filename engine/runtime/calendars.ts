/**
 * Calendars at run time: the built-in ones plus those admins add, persisted as
 * immutable versions. Each step gets a lookup that hands out the latest
 * version and remembers which versions it gave, so the event can record them
 * and replay uses exactly the same ones.
 */
import { builtinCalendars, CalendarError, createCalendarRegistry, parseCalendar, type CalendarInput, type CompiledCalendar } from '../core/calendar/index.js';
import type { CalendarLookup } from '../core/deadlines.js';
import type { Clock, Store } from '../ports.js';
import { hashDefinition } from './hash.js';

/** Calendar versions a step used, recorded with its event: `{ cn: 1 }`. */
export type CalendarVersions = Record<string, number>;

export interface CalendarService {
  /** Validates and stores a calendar (a new version when its content is new); returns id and version. */
  add(input: unknown): Promise<{ id: string; version: number; created: boolean }>;
  list(): Promise<CompiledCalendar[]>;
  /** The latest (or a given) version; throws `invalid_calendar` when unknown. */
  get(id: string, version?: number): Promise<CompiledCalendar>;
  /** Re-reads calendars other processes added, if the copy in memory is stale. Call it before a transaction. */
  prepare(): Promise<void>;
  /** A lookup for a new step, and the versions it handed out. No I/O, so it is safe inside a transaction. */
  forStep(): { lookup: CalendarLookup; used: CalendarVersions };
  /** A lookup for replaying an event that recorded `versions`. */
  forReplay(versions: CalendarVersions | undefined): Promise<CalendarLookup>;
}

/** How long a process trusts its in-memory copy before re-reading calendars other processes may have added. */
const REFRESH_MS = 5_000;

export function createCalendarService(store: Store, clock: Clock): CalendarService {
  const registry = createCalendarRegistry(builtinCalendars);
  let loadedAt = -Infinity;

  const refresh = async (force = false) => {
    const now = Date.now();
    if (!force && now - loadedAt < REFRESH_MS) return;
    for (const stored of await store.calendars.list()) registry.add({ ...(stored.definition as CalendarInput), version: stored.version });
    loadedAt = now;
  };
  const unknown = (id: string, version?: number) => new CalendarError('invalid_calendar', `calendar ${id}${version === undefined ? '' : ` version ${version}`} is not loaded`, { calendar: id, version });
  const getLoaded = async (id: string, version?: number) => {
    await refresh();
    let cal = registry.get(id, version);
    if (!cal && version !== undefined) {
      await refresh(true);
      cal = registry.get(id, version);
    }
    if (!cal) throw unknown(id, version);
    return cal;
  };

  return {
    async add(input) {
      const cal = parseCalendar(input);
      await refresh(true);
      const version = registry.add(cal);
      const definition = { ...cal, version };
      const saved = await store.calendars.save({ calendarId: cal.id, version, hash: hashDefinition(definition), definition, createdAt: clock.now().toISOString() });
      return { id: cal.id, version, created: saved === 'created' };
    },
    async list() {
      await refresh(true);
      return registry.list();
    },
    get: getLoaded,
    prepare: () => refresh(),
    forStep() {
      const used: CalendarVersions = {};
      const lookup: CalendarLookup = (id) => {
        const cal = registry.get(id);
        if (!cal) throw unknown(id);
        used[id] = cal.version;
        return cal;
      };
      return { lookup, used };
    },
    async forReplay(versions) {
      const pinned = new Map<string, CompiledCalendar>();
      for (const [id, version] of Object.entries(versions ?? {})) pinned.set(id, await getLoaded(id, version));
      return (id) => {
        // The original step recorded every calendar it used; asking for another means replay diverged.
        const cal = pinned.get(id);
        if (!cal) throw unknown(id);
        return cal;
      };
    },
  };
}
