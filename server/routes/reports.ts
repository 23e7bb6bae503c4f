/**
 * Reports: the monthly report (月报) of an org's subtree, as JSON. Scoped like
 * the case lists: the caller's own org by default, or an org of their subtree
 * (any other org answers `org_not_found`, as one that does not exist).
 */
import { z } from 'zod';
import { visibleOrg } from '../access.js';
import { HttpError } from '../http-errors.js';
import { route, type Route } from '../routing.js';
import { buildMonthlyReport } from '../stats/report.js';
import { QUOTA_MEASURES, quotaStatus } from '../stats/quotas.js';
import type { StatsStore } from '../stats/stats-ports.js';
import type { RouteDeps } from './deps.js';

const Figures = z.object({ count: z.number().int(), deaths: z.number(), injuries: z.number(), directLossCny: z.number().describe('yuan') });
const AccidentRow = z.object({ label: z.string(), month: Figures, lastYearMonth: Figures, ytd: Figures, lastYearYtd: Figures });
const HazardRow = z.object({ label: z.string(), found: z.number().int(), rectified: z.number().int(), rectifiedOnTime: z.number().int(), overdue: z.number().int(), openMajor: z.number().int() });
const MonthlyReportSchema = z.object({
  month: z.string(),
  scope: z.string().describe('the name of the org whose subtree the report covers'),
  accidents: z.object({ byGrade: z.array(AccidentRow), byIndustry: z.array(AccidentRow), byDistrict: z.array(AccidentRow), total: AccidentRow }),
  hazards: z.object({ byDistrict: z.array(HazardRow), total: HazardRow }),
  letters: z.object({ outstanding: z.number().int(), listedAccidentsOutstanding: z.number().int() }),
  tipOffs: z.object({ received: z.number().int(), handled: z.number().int() }),
});

const QuotaRowSchema = z.object({
  district: z.string().describe('the district org'),
  name: z.string(),
  measures: z.array(z.object({
    measure: z.enum(QUOTA_MEASURES), label: z.string(),
    quota: z.number().int().nullable().describe('null: no quota set for the year'),
    used: z.number().int().describe('confirmed accidents (or their deaths) of the year in the district, dismissed ones not counted'),
    warned: z.array(z.number().int()).describe('thresholds (percent) already warned about'),
  })),
});
const YearSchema = z.coerce.number().int().min(2000).max(2100);

/** The statistics' storage the composition root gave the app (`not_ready` without one). */
export function statsOf(deps: Pick<RouteDeps, 'stats'>): StatsStore {
  if (!deps.stats) throw new HttpError('not_ready', 'statistics are not configured on this server');
  return deps.stats;
}

export function reportRoutes(deps: RouteDeps): Route[] {
  const { engine, orgs } = deps;
  return [
    route(
      {
        method: 'get', path: '/api/v1/quotas', tag: 'reports', auth: 'user',
        summary: 'District accident quotas (控制指标) of a year: for each district of your subtree (or the district you work in), the quota, what confirmed accidents used of it and the thresholds already warned about',
        query: z.object({ year: YearSchema, org: z.string().max(64).optional().describe('an org of your subtree (your own by default)') }),
        response: z.object({ items: z.array(QuotaRowSchema) }),
        errors: ['org_not_found'],
      },
      async ({ query, principal }) => {
        const p = principal!;
        const org = (await visibleOrg(p, orgs, query.org ?? p.user.orgId)).id;
        return { items: await quotaStatus(statsOf(deps), orgs, { year: query.year, scope: org }) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/quotas', tag: 'reports', auth: 'admin',
        summary: "Set a district's quotas for a year (the root's admins, or the district's own): accident count and deaths; a measure left out keeps its quota",
        body: z.object({
          district: z.string().max(64), year: YearSchema,
          accidents: z.number().int().min(0).max(100_000).optional(), deaths: z.number().int().min(0).max(100_000).optional(),
        }).strict(),
        response: QuotaRowSchema,
        errors: ['org_not_found', 'invalid_input'],
      },
      async ({ body, principal }) => {
        const p = principal!;
        const district = await visibleOrg(p, orgs, body.district);
        if (district.level !== 'county') throw new HttpError('invalid_input', `${district.name}不是区县，控制指标按区县下达`);
        const stats = statsOf(deps);
        const at = engine.clock.now().toISOString();
        for (const measure of QUOTA_MEASURES) {
          const quota = body[measure];
          if (quota !== undefined) await stats.quotas.set({ district: district.id, year: body.year, measure, quota, setBy: p.user.id, at });
        }
        // A quota lowered below what is used warns (and, exceeded, opens the interview) now, not at the next accident.
        // A failed check is reported by the watcher (`onError`) and done again by the next accident step; the quota stands.
        await deps.quotaWatch?.recheck(district.id, body.year, at).catch(() => undefined);
        const [row] = await quotaStatus(stats, orgs, { year: body.year, scope: district.id });
        return row!;
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/reports/monthly', tag: 'reports', auth: 'user',
        summary: 'The monthly report (月报) of your subtree (or of an org in it): accidents by grade, industry and district (month and year to date against last year), hazards by district, supervision letters and listed accidents outstanding, tip-offs. Months in Beijing time; `at` computes it from the history as it stood then',
        query: z.object({
          month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM'),
          org: z.string().max(64).optional().describe('an org of your subtree (your own by default)'),
          at: z.iso.datetime({ offset: true }).optional().describe('compute from the events recorded up to this instant'),
        }),
        response: MonthlyReportSchema,
        errors: ['org_not_found'],
      },
      async ({ query, principal }) => {
        const p = principal!;
        const org = (await visibleOrg(p, orgs, query.org ?? p.user.orgId)).id;
        return buildMonthlyReport(statsOf(deps), (id) => engine.history(id), orgs, { month: query.month, org, at: query.at === undefined ? undefined : new Date(query.at).toISOString() });
      },
    ),
  ];
}
