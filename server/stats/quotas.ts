/**
 * District accident quotas (控制指标): yearly limits per district (accident
 * count and deaths), their consumption, and the warnings raised when the
 * consumption crosses a threshold (80% and 100% by default).
 *
 * Consumption is not booked: it is counted from the case facts each time,
 * so an accident consumes its district's quota once its grade is confirmed
 * and gives it back when it is dismissed or its casualties are revised
 * (the same rule as the report, `countsAsAccident`). A threshold warns once
 * per crossing: the crossing is claimed in the database (one process wins),
 * given back when the use falls under the threshold again, and a later
 * re-crossing is a new crossing that warns again.
 */
import { belongsAt, type CaseFacts } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import { QUOTA_MEASURES, type QuotaMeasure, type StatsStore } from './stats-ports.js';
import type { IsoPeriod } from './tally.js';

export { QUOTA_MEASURES, type QuotaMeasure };
export const MEASURE_LABELS: Record<QuotaMeasure, string> = { accidents: '事故起数', deaths: '死亡人数' };
/** Default thresholds, percent of the quota. */
export const DEFAULT_THRESHOLDS: readonly number[] = [80, 100];

const CN_OFFSET_MS = 8 * 3_600_000;
const yearRange = (year: number) => ({ from: Date.UTC(year, 0, 1) - CN_OFFSET_MS, to: Date.UTC(year + 1, 0, 1) - CN_OFFSET_MS });

/** The instants a year (Beijing time) spans, as UTC ISO strings [from, to). */
export function yearPeriod(year: number): IsoPeriod {
  const { from, to } = yearRange(year);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The thresholds (percent) that `used` of `quota` has reached. A quota of 0 is reached by any use. */
export function reachedThresholds(used: number, quota: number, thresholds: readonly number[] = DEFAULT_THRESHOLDS): number[] {
  return thresholds.filter((t) => (quota === 0 ? used > 0 : used * 100 >= quota * t));
}

/** One district's row: its name, and per measure the quota (null: none set), the use and the warnings raised. */
export interface QuotaRow {
  district: string;
  name: string;
  measures: { measure: QuotaMeasure; label: string; quota: number | null; used: number; warned: number[] }[];
}

/** The quota rows of the districts (county-level orgs) in `scope`'s subtree, or above it when `scope` lies inside a district. */
export async function quotaStatus(stats: StatsStore, orgs: OrgDirectory, opts: { year: number; scope: string }): Promise<QuotaRow[]> {
  const subtree = await orgs.subtree(opts.scope);
  const districts = (await orgs.list()).filter((o) => o.level === 'county' && subtree.has(o.id));
  const own = (await orgs.ancestry(opts.scope)).find((o) => o.level === 'county');
  if (own && !districts.some((d) => d.id === own.id)) districts.push(own);
  // What each org's counting accidents of the year used, added up in the database; a district adds up its subtree's.
  const use = await stats.facts.accidentUse(yearPeriod(opts.year));
  const quotas = await stats.quotas.list(opts.year);
  const warnings = await stats.quotas.warned(opts.year);
  const out: QuotaRow[] = [];
  for (const d of districts) {
    const inD = await orgs.subtree(d.id);
    const used: Record<QuotaMeasure, number> = { accidents: 0, deaths: 0 };
    for (const u of use) {
      if (!inD.has(u.org)) continue;
      used.accidents += u.accidents;
      used.deaths += u.deaths;
    }
    out.push({
      district: d.id, name: d.name,
      measures: QUOTA_MEASURES.map((m) => ({
        measure: m, label: MEASURE_LABELS[m],
        quota: quotas.find((q) => q.district === d.id && q.measure === m)?.quota ?? null,
        used: used[m],
        warned: warnings.filter((w) => w.district === d.id && w.measure === m).map((w) => Number(w.threshold)).sort((a, b) => a - b),
      })),
    });
  }
  return out;
}

/** The district (county-level org) a case's org lies in, if any. */
export async function districtOf(orgs: OrgDirectory, org: string): Promise<string | undefined> {
  return (await orgs.ancestry(org)).find((o) => o.level === 'county')?.id;
}

/** The year (Beijing time) an accident belongs to. */
export function yearOf(f: CaseFacts): number {
  return new Date(Date.parse(belongsAt(f)) + CN_OFFSET_MS).getUTCFullYear();
}

