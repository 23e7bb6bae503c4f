/**
 * Working-day calendars: list, add a calendar or a year (admin, a new
 * immutable version each time), compute a deadline.
 */
import { z } from 'zod';
import { addDuration, countWorkdaysBetween, type CompiledCalendar, type Engine } from '../../engine/index.js';
import { HttpError } from '../http-errors.js';
import { Reply, route, type Route } from '../routing.js';
import type { RouteDeps } from './deps.js';

const DaySchema = z.object({ date: z.string(), kind: z.enum(['holiday', 'workday']), name: z.string().optional() }).strict();
const CalendarIdParams = z.object({ id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a calendar id is kebab-case') });
const CalendarSummary = z.object({ id: z.string(), version: z.number().int(), timeZone: z.string(), years: z.array(z.number().int()), source: z.string().optional() });
const AddedSchema = z.object({ id: z.string(), version: z.number().int(), created: z.boolean() });

async function latest(engine: Engine, id: string): Promise<CompiledCalendar> {
  const all = (await engine.calendars.list()).filter((c) => c.id === id);
  const cal = all[all.length - 1];
  if (!cal) throw new HttpError('calendar_not_found', `calendar ${id} does not exist`);
  return cal;
}

export function calendarRoutes({ engine }: RouteDeps): Route[] {
  return [
    route(
      { method: 'get', path: '/api/v1/calendars', tag: 'calendars', auth: 'user', summary: 'Every calendar version', response: z.object({ items: z.array(CalendarSummary) }) },
      async () => ({ items: (await engine.calendars.list()).map((c) => ({ id: c.id, version: c.version, timeZone: c.timeZone, years: [...c.years], ...(c.definition.source ? { source: c.definition.source } : {}) })) }),
    ),
    route(
      {
        method: 'post', path: '/api/v1/calendars', tag: 'calendars', auth: 'admin', status: 201,
        summary: 'Add a calendar (a new version of its id when the content is new; the next version number unless given)',
        body: z.object({ id: z.string().min(1).max(64), version: z.number().int().min(1).optional(), timeZone: z.string().max(64).optional(), source: z.string().max(500).optional(), years: z.array(z.number().int()).max(200), days: z.array(DaySchema).max(20_000) }).strict(),
        response: AddedSchema, errors: ['invalid_calendar'],
      },
      async ({ body }) => {
        const versions = (await engine.calendars.list()).filter((c) => c.id === body.id).map((c) => c.version);
        const r = await engine.calendars.add({ ...body, version: body.version ?? Math.max(0, ...versions) + 1 });
        return new Reply(r.created ? 201 : 200, r);
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/calendars/:id/years', tag: 'calendars', auth: 'admin', params: CalendarIdParams, status: 201,
        summary: "Add years to a calendar: the latest version's data plus these years and their listed days, as a new version",
        body: z.object({ years: z.array(z.number().int()).min(1).max(50), days: z.array(DaySchema).max(5_000) }).strict(),
        response: AddedSchema, errors: ['calendar_not_found', 'invalid_calendar'],
      },
      async ({ params, body }) => {
        const base = (await latest(engine, params.id)).definition;
        const replaced = new Set(body.years);
        const days = [...base.days.filter((d) => !replaced.has(Number(d.date.slice(0, 4)))), ...body.days];
        const years = [...new Set([...base.years, ...body.years])].sort((a, b) => a - b);
        const r = await engine.calendars.add({ ...base, version: base.version + 1, years, days });
        return new Reply(r.created ? 201 : 200, r);
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/calendars/:id/deadline', tag: 'calendars', auth: 'user', params: CalendarIdParams,
        summary: 'Compute when a deadline started at `start` falls due (start day not counted; day-based deadlines end at 24:00)',
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
      async ({ params, query }) => {
        const cal = query.version === undefined ? await latest(engine, params.id) : await engine.calendars.get(params.id, query.version).catch(() => {
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
