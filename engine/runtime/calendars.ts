/**
 * Calendars at run time: the built-in ones plus those admins add, persisted as
 * immutable versions. Each step gets a lookup that hands out the latest
 * version and remembers which versions it gave, so the event can record them
 * and replay uses exactly the same ones.
 *
 * A calendar belongs to an org (`org` in its data; none: the root, as the
 * built-in `cn`) and governs only cases in that org's subtree. The engine does
 * not own the org tree: it reads it through the engine's `OrgResolver` (the people
 * store) outside transactions, so a step checks a case's org synchronously.
 * Replay never checks: the recorded event was accepted once.
 */
import { builtinCalendars, CalendarError, createCalendarRegistry, nextYearStillProvisional, parseCalendar, type CalendarInput, type CompiledCalendar } from '../core/calendar/index.js';
import type { CalendarLookup } from '../core/deadlines.js';
import type { Clock, OrgResolver, Store } from '../ports.js';
import type { OrgFacts } from '../core/jurisdiction.js';
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
  /**
   * A lookup for a new step of a case in `caseOrg`, and the versions it handed out. No I/O, so it is
   * safe inside a transaction. With `caseOrg`, a calendar owned by an org that does not govern it
   * throws `calendar_out_of_scope`.
   */
  forStep(caseOrg?: string): { lookup: CalendarLookup; used: CalendarVersions };
  /** True when calendar `cal` may be used for cases of `org`: it belongs to the root or to `org` or an org above it. */
  governs(cal: CompiledCalendar, org: string): boolean;
  /**
   * From 1 October (engine clock): the calendars whose latest version still counts next year
   * provisionally, so its official notice should be imported soon. Empty otherwise.
   */
  nextYearWarnings(): Promise<{ calendarId: string; version: number; year: number }[]>;
  /** Throws `calendar_out_of_scope` unless the latest version of `calendarId` may be used for cases of `org` (a registration check). */
  assertUsableAt(calendarId: string, org: string): Promise<void>;
  /** A lookup for replaying an event that recorded `versions`. */
  forReplay(versions: CalendarVersions | undefined): Promise<CalendarLookup>;
}

/** How long a process trusts its in-memory copy before re-reading calendars other processes may have added. */
const REFRESH_MS = 5_000;

export function createCalendarService(store: Store, clock: Clock, orgs?: OrgResolver): CalendarService {
  const registry = createCalendarRegistry(builtinCalendars);
  let loadedAt = -Infinity;
  let facts: OrgFacts | undefined;

  const refresh = async (force = false) => {
    const now = Date.now();
    if (!force && now - loadedAt < REFRESH_MS) return;
    for (const stored of await store.calendars.list()) registry.add({ ...(stored.definition as CalendarInput), version: stored.version });
    if (orgs) facts = await orgs.facts();
    loadedAt = now;
  };
  /** The org and every org above it (the org alone when the tree does not know it). */
  const ancestry = (org: string): Set<string> => new Set(facts?.ancestry(org)?.map((o) => o.id) ?? [org]);
  const governs = (cal: CompiledCalendar, org: string): boolean => cal.org === undefined || ancestry(org).has(cal.org);
  const outOfScope = (cal: CompiledCalendar, org: string) =>
    new CalendarError('calendar_out_of_scope', `calendar ${cal.id} belongs to org ${cal.org ?? '(root)'} and does not govern cases of org ${org}`, { calendar: cal.id, owner: cal.org, org });
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
      const current = registry.get(cal.id);
      // Ownership stays with the calendar id: a new version cannot hand another org's calendar to someone else.
      if (current && current.org !== cal.org) {
        throw new CalendarError('invalid_calendar', `calendar ${cal.id} belongs to org ${current.org ?? '(root)'}; a new version cannot move it to ${cal.org ?? '(root)'}`, { calendarId: cal.id, owner: current.org, org: cal.org }, [
          { code: 'owner_mismatch', path: ['org'], message: `must be ${current.org ?? 'absent (root)'}` },
        ]);
      }
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
    governs,
    async nextYearWarnings() {
      await refresh();
      const now = clock.now();
      const latest = new Map(registry.list().map((c) => [c.id, c]));
      return [...latest.values()].flatMap((c) => {
        const year = nextYearStillProvisional(c, now);
        return year === undefined ? [] : [{ calendarId: c.id, version: c.version, year }];
      });
    },
    async assertUsableAt(calendarId, org) {
      const cal = await getLoaded(calendarId);
      if (!governs(cal, org)) throw outOfScope(cal, org);
    },
    forStep(caseOrg) {
      const used: CalendarVersions = {};
      const lookup: CalendarLookup = (id) => {
        const cal = registry.get(id);
        if (!cal) throw unknown(id);
        if (caseOrg !== undefined && !governs(cal, caseOrg)) throw outOfScope(cal, caseOrg);
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
