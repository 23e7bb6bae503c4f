/**
 * The figures of the 统计 page for one org's subtree, now: open major hazards
 * (动态清零: the target is zero) and overdue matters by district, the year's
 * accidents against each district's quota, and twelve months of trend; and
 * the cases behind any one figure (drill-down).
 */
import { belongsAt, countsAsAccident, isOpenMajorHazardAt, isOverdueAt, type CaseFacts } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import { CITY_LEVEL_LABEL } from './monthly.js';
import { quotaStatus } from './quotas.js';
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

async function scopedFacts(stats: StatsStore, orgs: OrgDirectory, scope: string): Promise<{ facts: CaseFacts[]; districtOf: Map<string, { id: string | null; name: string }> }> {
  const subtree = await orgs.subtree(scope);
  const facts = (await stats.facts.list()).filter((f) => subtree.has(f.org));
  const districtOf = new Map<string, { id: string | null; name: string }>();
  for (const id of subtree) {
    const d = (await orgs.ancestry(id)).find((o) => o.level === 'county');
    districtOf.set(id, d ? { id: d.id, name: d.name } : { id: null, name: CITY_LEVEL_LABEL });
  }
  return { facts, districtOf };
}

/** The page's figures for the subtree of `scope` at `now`. */
export async function buildDashboard(stats: StatsStore, orgs: OrgDirectory, scope: string, now: string): Promise<Dashboard> {
  const { facts, districtOf } = await scopedFacts(stats, orgs, scope);
  const year = Number(monthKey(now).slice(0, 4));
  const quotas = await quotaStatus(stats, orgs, { year, scope });
  const units = new Map<string, UnitOverdue>();
  const rows = new Map<string, DistrictFigures>();
  for (const q of quotas) {
    const m = q.measures.find((x) => x.measure === 'accidents')!;
    rows.set(q.name, { id: q.district, name: q.name, openMajor: 0, overdue: 0, accidents: 0, deaths: 0, quota: m.quota, percent: null, warned: m.warned });
  }
  for (const f of facts) {
    const d = districtOf.get(f.org) ?? { id: null, name: CITY_LEVEL_LABEL };
    const row = rows.get(d.name) ?? { id: d.id, name: d.name, openMajor: 0, overdue: 0, accidents: 0, deaths: 0, quota: null, percent: null, warned: [] };
    rows.set(d.name, row);
    if (inFigure(f, 'openMajor', now)) row.openMajor++;
    if (inFigure(f, 'overdue', now)) {
      row.overdue++;
      const u = units.get(f.org) ?? { district: d.id, districtName: d.name, org: f.org, name: (await orgs.get(f.org))?.name ?? '', overdue: 0 };
      u.overdue++;
      units.set(f.org, u);
    }
    if (inFigure(f, 'accidents', now)) {
      row.accidents++;
      row.deaths += f.deaths ?? 0;
    }
  }
  const districts = [...rows.values()].map((r) => ({ ...r, percent: r.quota === null ? null : r.quota === 0 ? (r.accidents > 0 ? 100 : 0) : Math.round((r.accidents * 100) / r.quota) }));
  const months: string[] = [];
  const [y, m] = monthKey(now).split('-').map(Number) as [number, number];
  for (let i = 11; i >= 0; i--) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    months.push(d.toISOString().slice(0, 7));
  }
  const byMonth = new Map(months.map((month) => [month, { accidents: 0, deaths: 0, hazardsFound: 0 }]));
  for (const f of facts) {
    if (countsAsAccident(f)) {
      const t = byMonth.get(monthKey(belongsAt(f)));
      if (t) {
        t.accidents++;
        t.deaths += f.deaths ?? 0;
      }
    } else if (f.workflowId === 'hazard') {
      const t = byMonth.get(monthKey(f.openedAt));
      if (t) t.hazardsFound++;
    }
  }
  const trend = months.map((month) => ({ month, label: `${month.slice(0, 4)}年${Number(month.slice(5))}月`, ...byMonth.get(month)! }));
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
