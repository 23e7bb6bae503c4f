/**
 * Working-day calendars: list, add a calendar or a year (admin, a new
 * immutable version each time), compute a deadline.
 *
 * A calendar belongs to an org (DESIGN §10): the built-in `cn` and every
 * calendar without an `org` to the root, the others to the org they were
 * registered at (the admin's own or one below). A user sees the calendars that
 * govern their org and those of their subtree; only an admin whose subtree
 * holds the owner changes a calendar (a district admin posting to `cn` gets
 * `out_of_jurisdiction` and nothing changes). A new version re-baselines the
 * open deadlines that rested on a provisional year of an older one.
 */
import { z } from 'zod';
import { addDuration, countWorkdaysBetween, type CompiledCalendar } from '../../engine/index.js';
import type { OrgDirectory, Principal } from '../access.js';
import { HttpError } from '../http-errors.js';
import { Reply, route, type Route } from '../routing.js';
import type { RouteDeps } from './deps.js';

const DaySchema = z.object({ date: z.string(), kind: z.enum(['holiday', 'workday']), name: z.string().optional() }).strict();
const CalendarIdParams = z.object({ id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a calendar id is kebab-case') });
const CalendarSummary = z.object({
  id: z.string(), version: z.number().int(), timeZone: z.string(), years: z.array(z.number().int()),
  provisionalYears: z.array(z.number().int()).describe('years after the last official one, counted on weekends and statutory holidays until their notice is imported'),
  ownerOrg: z.string().nullable().describe('the org the calendar belongs to; it governs only cases in that subtree (the root for built-in calendars)'),
  source: z.string().optional(),
});
const AddedSchema = z.object({
  id: z.string(), version: z.number().int(), created: z.boolean(),
  rebaselined: z.object({ cases: z.number().int(), failed: z.number().int() }).optional().describe('open deadlines on a provisional year recomputed on the new version, one history event per case'),
});

/** The org ids from `orgId` up to its root. */
async function ancestry(orgs: OrgDirectory, orgId: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let o: string | null | undefined = orgId; o != null && !seen.has(o); o = (await orgs.get(o))?.parentId) seen.add(o);
  return seen;
}

/** True when the caller sits at a root org (its subtree is the whole tree below it). */
async function atRoot(orgs: OrgDirectory, p: Principal): Promise<boolean> {
  return (await orgs.get(p.user.orgId))?.parentId === null;
}

export function calendarRoutes({ engine, orgs }: RouteDeps): Route[] {
  const rootId = async () => (await orgs.list()).find((o) => o.parentId === null)?.id ?? null;
  /** A user sees calendars that govern their org (root or above) and those registered in their subtree. */
  const visible = async (p: Principal, cal: CompiledCalendar) => cal.org === undefined || p.subtree.has(cal.org) || (await ancestry(orgs, p.user.orgId)).has(cal.org);
  const latestVisible = async (p: Principal, id: string): Promise<CompiledCalendar> => {
    const all = (await engine.calendars.list()).filter((c) => c.id === id);
    const cal = all[all.length - 1];
    // Another district's calendar answers exactly like a missing one.
    if (!cal || !(await visible(p, cal))) throw new HttpError('calendar_not_found', `calendar ${id} does not exist`);
    return cal;
  };
  const assertMayChange = async (p: Principal, cal: CompiledCalendar) => {
    const ok = cal.org === undefined ? await atRoot(orgs, p) : p.subtree.has(cal.org);
    if (!ok) throw new HttpError('out_of_jurisdiction', `calendar ${cal.id} belongs to ${cal.org ?? 'the root org'}; only an admin there or above changes it`);
  };
  const summary = async (c: CompiledCalendar) => ({
    id: c.id, version: c.version, timeZone: c.timeZone, years: [...c.years], provisionalYears: [...c.provisionalYears],
    ownerOrg: c.org ?? (await rootId()), ...(c.definition.source ? { source: c.definition.source } : {}),
  });
  const addAndRebaseline = async (input: unknown, reason: string) => {
    const r = await engine.calendars.add(input);
    if (!r.created) return r;
    const report = await engine.rebaselineCalendar(r.id, { reason });
    return { ...r, rebaselined: { cases: report.rebaselined.length, failed: report.failed.length } };
  };

  return [
    route(
      { method: 'get', path: '/api/v1/calendars', tag: 'calendars', auth: 'user', summary: 'Every calendar version that governs your org or belongs to your subtree, with its owner org', response: z.object({ items: z.array(CalendarSummary) }) },
      async ({ principal }) => {
        const items = [];
        for (const c of await engine.calendars.list()) if (await visible(principal!, c)) items.push(await summary(c));
        return { items };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/calendars', tag: 'calendars', auth: 'admin', status: 201,
        summary: 'Add a calendar at your org or one below (a new version of its id when the content is new; the next version number unless given)',
        body: z.object({
          id: z.string().min(1).max(64), version: z.number().int().min(1).optional(), timeZone: z.string().max(64).optional(), source: z.string().max(500).optional(),
          org: z.string().min(1).max(64).optional().describe('the owner org (default: the existing owner, else your org); it must lie in your subtree'),
          years: z.array(z.number().int()).max(200), days: z.array(DaySchema).max(20_000),
        }).strict(),
        response: AddedSchema, errors: ['invalid_calendar', 'calendar_not_found', 'out_of_jurisdiction'],
      },
      async ({ body, principal }) => {
        const p = principal!;
        const versions = (await engine.calendars.list()).filter((c) => c.id === body.id);
        const existing = versions[versions.length - 1];
        if (existing) {
          if (!(await visible(p, existing))) throw new HttpError('calendar_not_found', `calendar ${body.id} does not exist`);
          await assertMayChange(p, existing);
        }
        const root = await rootId();
        let org = body.org ?? (existing ? existing.org : p.user.orgId);
        if (org !== undefined && !p.subtree.has(org)) throw new HttpError('out_of_jurisdiction', `org ${org} is outside your jurisdiction`);
        if (org === root) org = undefined; // the root owns what has no owner
        const { org: _o, ...rest } = body;
        const r = await addAndRebaseline({ ...rest, ...(org === undefined ? {} : { org }), version: body.version ?? Math.max(0, ...versions.map((c) => c.version)) + 1 }, `日历 ${body.id} 载入新版本${body.source ? `（${body.source}）` : ''}`);
        return new Reply(r.created ? 201 : 200, r);
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/calendars/:id/years', tag: 'calendars', auth: 'admin', params: CalendarIdParams, status: 201,
        summary: "Add years to a calendar (e.g. the State Council's notice): the latest version's data plus these years and their listed days, as a new version; open deadlines on those provisional years are re-baselined",
        body: z.object({ years: z.array(z.number().int()).min(1).max(50), days: z.array(DaySchema).max(5_000), source: z.string().min(1).max(500).optional().describe('the notice the years come from') }).strict(),
        response: AddedSchema, errors: ['calendar_not_found', 'invalid_calendar', 'out_of_jurisdiction'],
      },
      async ({ params, body, principal }) => {
        const latest = await latestVisible(principal!, params.id);
        await assertMayChange(principal!, latest);
        const base = latest.definition;
        const replaced = new Set(body.years);
        const days = [...base.days.filter((d) => !replaced.has(Number(d.date.slice(0, 4)))), ...body.days];
        const years = [...new Set([...base.years, ...body.years])].sort((a, b) => a - b);
        const source = body.source ? [base.source, body.source].filter(Boolean).join('；') : base.source;
        const reason = `载入${body.years.join('、')}年正式放假安排${body.source ? `（${body.source}）` : ''}，重新核定按暂定年份计算的期限`;
        const r = await addAndRebaseline({ ...base, ...(source ? { source } : {}), version: base.version + 1, years, days }, reason);
        return new Reply(r.created ? 201 : 200, r);
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/calendars/:id/deadline', tag: 'calendars', auth: 'user', params: CalendarIdParams,
        summary: 'Compute when a deadline started at `start` falls due (start day not counted; day-based deadlines end at 24:00); says when the result rests on a provisional year',
        query: z.object({
          start: z.iso.datetime({ offset: true }),
          duration: z.string().min(1).max(50).describe('ISO 8601 (P15D, PT2H) or "N workdays"'),
          rollover: z.enum(['true', 'false']).optional().transform((v) => v === 'true').describe('move a calendar-day deadline off a rest day'),
          version: z.coerce.number().int().min(1).optional(),
        }),
        response: z.object({
          dueAt: z.string(), dueDate: z.string().optional(), rolledOverFrom: z.string().optional(), calendarId: z.string(), calendarVersion: z.number().int(), workdays: z.number().int().nullable(),
          provisional: z.literal(true).optional().describe('present when the result rests on a provisional year (weekends and statutory holidays only, until the official notice is imported)'),
          provisionalYears: z.array(z.number().int()).optional(),
        }),
        errors: ['calendar_not_found', 'invalid_duration', 'calendar_out_of_range'],
      },
      async ({ params, query, principal }) => {
        const latest = await latestVisible(principal!, params.id);
        const cal = query.version === undefined ? latest : await engine.calendars.get(params.id, query.version).catch(() => {
          throw new HttpError('calendar_not_found', `calendar ${params.id} version ${query.version} does not exist`);
        });
        const start = new Date(query.start);
        const d = addDuration(cal, start, query.duration, { rollover: query.rollover });
        let workdays: number | null = null;
        try {
          workdays = countWorkdaysBetween(cal, start, d.dueAt);
        } catch {
          workdays = null;
        }
        return { ...d, dueAt: d.dueAt.toISOString(), workdays };
      },
    ),
  ];
}

