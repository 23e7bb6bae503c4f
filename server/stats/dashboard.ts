/**
 * The figures of the 统计 page for one org's subtree, now: open major hazards
 * (动态清零: the target is zero) and overdue matters by district, the year's
 * accidents against each district's quota, and twelve months of trend; and
 * the cases behind any one figure (drill-down).
 */
import { belongsAt, countsAsAccident, isOpenMajorHazardAt, isOverdueAt, type CaseFacts } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import { CITY_LEVEL_LABEL, monthStart } from './monthly.js';
import { quotaStatus, yearPeriod } from './quotas.js';
import type { StatsStore } from './stats-ports.js';

export const FIGURES = ['openMajor', 'overdue', 'accidents', 'hazardsFound'] as const;
export type Figure = (typeof FIGURES)[number];

const CN_OFFSET_MS = 8 * 3_600_000;
/** `YYYY-MM` of an instant, Beijing time. */
const monthKey = (iso: string) => new Date(Date.parse(iso) + CN_OFFSET_MS).toISOString().slice(0, 7);

/** Whether a case's facts belong to a figure at `now` (the drill-down and the counts use the same test). */
export function inFigure(f: CaseFacts, figure: Figure, now: string): boolean {
  switch (figure) {
    case 'openMajor':
      return isOpenMajorHazardAt(f, now);
    case 'overdue':
      return isOverdueAt(f, now);
    case 'accidents':
      return countsAsAccident(f) && monthKey(belongsAt(f)).slice(0, 4) === monthKey(now).slice(0, 4);
    case 'hazardsFound':
      return f.workflowId === 'hazard' && monthKey(f.openedAt).slice(0, 4) === monthKey(now).slice(0, 4);
  }
}

export interface DistrictFigures {
  id: string | null;
  name: string;
  openMajor: number;
  overdue: number;
  accidents: number;
  deaths: number;
  /** The accident-count quota of the year (null: none set), the share used in percent, the thresholds warned. */
  quota: number | null;
  percent: number | null;
  warned: number[];
}

/** Overdue matters of one unit (the org holding the cases: an office, a township, an enterprise). */
export interface UnitOverdue {
  district: string | null;
  districtName: string;
  org: string;
  name: string;
  overdue: number;
}

export interface Dashboard {
  scope: string;
  year: number;
  districts: DistrictFigures[];
  /** Overdue matters by district and unit, most first. */
  overdueByUnit: UnitOverdue[];
  total: { openMajor: number; overdue: number; accidents: number; deaths: number };
  trend: { month: string; label: string; accidents: number; deaths: number; hazardsFound: number }[];
}

/** Each org of the subtree and its district (named once per org, not per case). */
async function districtsOf(orgs: OrgDirectory, subtree: ReadonlySet<string>): Promise<Map<string, { id: string | null; name: string }>> {
  const districtOf = new Map<string, { id: string | null; name: string }>();
  for (const id of subtree) {
    const d = (await orgs.ancestry(id)).find((o) => o.level === 'county');
    districtOf.set(id, d ? { id: d.id, name: d.name } : { id: null, name: CITY_LEVEL_LABEL });
  }
  return districtOf;
}

async function scopedFacts(stats: StatsStore, orgs: OrgDirectory, scope: string): Promise<{ facts: CaseFacts[]; districtOf: Map<string, { id: string | null; name: string }> }> {
  const subtree = await orgs.subtree(scope);
  const facts = (await stats.facts.list()).filter((f) => subtree.has(f.org));
  return { facts, districtOf: await districtsOf(orgs, subtree) };
}

/** The twelve months (`YYYY-MM`, Beijing time) up to the one `now` lies in, and their 13 boundaries. */
function trendMonths(now: string): { months: string[]; bounds: string[] } {
  const [y, m] = monthKey(now).split('-').map(Number) as [number, number];
  const months: string[] = [];
  const bounds: string[] = [];
  for (let i = 11; i >= -1; i--) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    if (i >= 0) months.push(d.toISOString().slice(0, 7));
    bounds.push(new Date(monthStart(d.getUTCFullYear(), d.getUTCMonth() + 1)).toISOString());
  }
  return { months, bounds };
}

/**
 * The page's figures for the subtree of `scope` at `now`: counted in the
 * database per org and trend month (one grouped pass, see
 * `StatsStore.facts.dashboardTally`), then added up by district here.
 */
export async function buildDashboard(stats: StatsStore, orgs: OrgDirectory, scope: string, now: string): Promise<Dashboard> {
  const subtree = await orgs.subtree(scope);
  const year = Number(monthKey(now).slice(0, 4));
  const { months, bounds } = trendMonths(now);
  const [tally, quotas, districtOf] = await Promise.all([
    stats.facts.dashboardTally({ now, year: yearPeriod(year), months: bounds }),
    quotaStatus(stats, orgs, { year, scope }),
    districtsOf(orgs, subtree),
  ]);
  const units = new Map<string, UnitOverdue>();
  const rows = new Map<string, DistrictFigures>();
  for (const q of quotas) {
    const m = q.measures.find((x) => x.measure === 'accidents')!;
    rows.set(q.name, { id: q.district, name: q.name, openMajor: 0, overdue: 0, accidents: 0, deaths: 0, quota: m.quota, percent: null, warned: m.warned });
  }
  const byMonth = months.map(() => ({ accidents: 0, deaths: 0, hazardsFound: 0 }));
  for (const t of tally) {
    if (!subtree.has(t.org)) continue;
    const d = districtOf.get(t.org) ?? { id: null, name: CITY_LEVEL_LABEL };
    const row = rows.get(d.name) ?? { id: d.id, name: d.name, openMajor: 0, overdue: 0, accidents: 0, deaths: 0, quota: null, percent: null, warned: [] };
    rows.set(d.name, row);
    row.openMajor += t.openMajor;
    row.overdue += t.overdue;
    row.accidents += t.yearAccidents;
    row.deaths += t.yearDeaths;
    if (t.overdue > 0) {
      const u = units.get(t.org) ?? { district: d.id, districtName: d.name, org: t.org, name: (await orgs.get(t.org))?.name ?? '', overdue: 0 };
      u.overdue += t.overdue;
      units.set(t.org, u);
    }
    const point = t.month === null ? undefined : byMonth[t.month];
    if (point) {
      point.accidents += t.accidents;
      point.deaths += t.deaths;
      point.hazardsFound += t.hazardsFound;
    }
  }
  const districts = [...rows.values()].map((r) => ({ ...r, percent: r.quota === null ? null : r.quota === 0 ? (r.accidents > 0 ? 100 : 0) : Math.round((r.accidents * 100) / r.quota) }));
  const trend = months.map((month, i) => ({ month, label: `${month.slice(0, 4)}年${Number(month.slice(5))}月`, ...byMonth[i]! }));
  const sum = (k: 'openMajor' | 'overdue' | 'accidents' | 'deaths') => districts.reduce((s, d) => s + d[k], 0);
  const overdueByUnit = [...units.values()].sort((a, b) => b.overdue - a.overdue || a.districtName.localeCompare(b.districtName, 'zh-CN') || a.name.localeCompare(b.name, 'zh-CN'));
  return { scope: (await orgs.get(scope))?.name ?? '', year, districts, overdueByUnit, total: { openMajor: sum('openMajor'), overdue: sum('overdue'), accidents: sum('accidents'), deaths: sum('deaths') }, trend };
}

/**
 * The cases behind a figure of a district (`null`: cases above district
 * level) or of one unit (`org`: the cases it holds) in the subtree of `scope`.
 */
export async function figureCases(stats: StatsStore, orgs: OrgDirectory, scope: string, figure: Figure, where: { district?: string | null | undefined; org?: string | undefined; month?: string | undefined }, now: string): Promise<CaseFacts[]> {
  const { facts, districtOf } = await scopedFacts(stats, orgs, scope);
  return facts.filter((f) => (where.month === undefined ? inFigure(f, figure, now) : inMonth(f, figure, where.month))
    && (where.district === undefined || districtOf.get(f.org)?.id === where.district)
    && (where.org === undefined || f.org === where.org)).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
}

/** A trend point's cases: accidents that count by the month they belong to, hazards by the month reported. */
function inMonth(f: CaseFacts, figure: Figure, month: string): boolean {
  if (figure === 'accidents') return countsAsAccident(f) && monthKey(belongsAt(f)) === month;
  if (figure === 'hazardsFound') return f.workflowId === 'hazard' && monthKey(f.openedAt) === month;
  return false;
}
