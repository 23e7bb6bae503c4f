/**
 * Reports: the monthly report (月报) of an org's subtree, as JSON. Scoped like
 * the case lists: the caller's own org by default, or an org of their subtree
 * (any other org answers `org_not_found`, as one that does not exist).
 */
import { z } from 'zod';
import type { KnexStore } from '../../engine/index.js';
import { visibleOrg } from '../access.js';
import { HttpError } from '../http-errors.js';
import { route, type Route } from '../routing.js';
import { buildMonthlyReport } from '../stats/report.js';
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

export function reportRoutes({ engine, orgs }: RouteDeps): Route[] {
  return [
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
        const store = engine.store as Partial<KnexStore>;
        if (store.knex === undefined) throw new HttpError('internal_error', 'reports need the SQL store');
        return buildMonthlyReport(store as KnexStore, orgs, { month: query.month, org, at: query.at === undefined ? undefined : new Date(query.at).toISOString() });
      },
    ),
  ];
}
