/**
 * A campaign's progress reports (专项整治进展报告): one `campaign-report`
 * case per district and period, under an id of its own
 * (`<district>:CR-<campaign>-<periodTo>`), carrying the campaign's figures as
 * of the end of the period's last day. Opened on request (the API) or at each
 * period's end by the schedule (`report-schedule.ts`); whoever comes second
 * finds the first one's case, so each (campaign, district, period) is opened
 * once.
 */
import type { Actor, Engine } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import { campaignFigures } from './figures.js';
import { sqlKnex } from './access.js';
import type { Campaign } from './store.js';

/** The first and last day of the period that ends on `to`: a week (7 days) or the calendar month so far. Pure. */
export function periodOf(period: Campaign['reportPeriod'], to: string): { from: string; to: string } {
  if (period === 'monthly') return { from: `${to.slice(0, 8)}01`, to };
  const d = new Date(`${to}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 6);
  return { from: d.toISOString().slice(0, 10), to };
}

/** The end of a local day in Shanghai (UTC+8 all year: China keeps no summer time). Pure. */
export function endOfLocalDay(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00+08:00`) + 86_400_000);
}

/** The id of a district's report of a period. */
export function reportCaseId(c: Campaign, district: string, periodTo: string): string {
  return `${district}:CR-${c.id}-${periodTo}`;
}

/** Opens the reports of the period ending on `periodTo`, one per district; those opened before answer as duplicates. */
export async function openPeriodReports(engine: Engine, orgs: OrgDirectory, c: Campaign, periodTo: string, actor: Actor) {
  const period = periodOf(c.reportPeriod, periodTo);
  const figures = await campaignFigures(sqlKnex(engine), c, endOfLocalDay(period.to).toISOString());
  const cases: { district: string; caseId: string; duplicate: boolean }[] = [];
  for (const f of figures.districts) {
    // Asked again, the one opened first answers: its figures are those of when it was opened, which later cases must not change.
    const caseId = reportCaseId(c, f.district, period.to);
    if (await engine.findCase(caseId)) {
      cases.push({ district: f.district, caseId, duplicate: true });
      continue;
    }
    const r = await engine.createCase({
      workflowId: 'campaign-report', org: f.district, actor, caseId, idempotencyKey: `campaign-report:${caseId}`,
      data: {
        campaignId: c.id, campaignTitle: c.title, ownerOrg: c.ownerOrg, districtName: (await orgs.get(f.district))?.name ?? f.district, period: c.reportPeriod,
        periodFrom: period.from, periodTo: period.to, found: f.found, rectified: f.rectified, otherCases: f.otherCases,
        ...(f.targetFound === null ? {} : { targetFound: f.targetFound }), ...(f.targetRectified === null ? {} : { targetRectified: f.targetRectified }),
      },
    });
    cases.push({ district: f.district, caseId: r.case.id, duplicate: r.duplicate });
  }
  return { period, cases };
}
