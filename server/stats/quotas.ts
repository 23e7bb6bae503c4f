/**
 * District accident quotas (控制指标): yearly limits per district (accident
 * count and deaths), their consumption, and the warnings raised when the
 * consumption crosses a threshold (80% and 100% by default).
 *
 * Consumption is not booked: it is counted from the case facts each time,
 * so an accident consumes its district's quota once its grade is confirmed
 * and gives it back when it is dismissed or its casualties are revised
 * (the same rule as the report, `countsAsAccident`). A threshold warns once
 * per district, year and measure (the warning table's key), whatever the
 * number of checks, and a warning is not withdrawn when the consumption
 * later drops.
 */
import { belongsAt, countsAsAccident, type CaseFacts, type KnexStore } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';

export const QUOTA_MEASURES = ['accidents', 'deaths'] as const;
export type QuotaMeasure = (typeof QUOTA_MEASURES)[number];
export const MEASURE_LABELS: Record<QuotaMeasure, string> = { accidents: '事故起数', deaths: '死亡人数' };
/** Default thresholds, percent of the quota. */
export const DEFAULT_THRESHOLDS: readonly number[] = [80, 100];

const CN_OFFSET_MS = 8 * 3_600_000;
const yearRange = (year: number) => ({ from: Date.UTC(year, 0, 1) - CN_OFFSET_MS, to: Date.UTC(year + 1, 0, 1) - CN_OFFSET_MS });

/** Sets (or replaces) a district's quota for a year. */
export async function setQuota(store: KnexStore, q: { district: string; year: number; measure: QuotaMeasure; quota: number; setBy: string; at: string }): Promise<void> {
  await store.knex('district_quotas')
    .insert({ district: q.district, year: q.year, measure: q.measure, quota: q.quota, set_by: q.setBy, set_at: q.at })
    .onConflict(['district', 'year', 'measure']).merge(['quota', 'set_by', 'set_at']);
}

/** What a district has used of a year's quotas, from the facts of the accidents in its subtree. */
export function quotaUsage(facts: readonly CaseFacts[], year: number): Record<QuotaMeasure, number> {
  const { from, to } = yearRange(year);
  const counted = facts.filter((f) => countsAsAccident(f) && Date.parse(belongsAt(f)) >= from && Date.parse(belongsAt(f)) < to);
  return { accidents: counted.length, deaths: counted.reduce((s, f) => s + (f.deaths ?? 0), 0) };
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

async function accidentFacts(store: KnexStore, year: number): Promise<CaseFacts[]> {
  const { from, to } = yearRange(year);
  const rows: { facts: string }[] = await store.knex('case_facts').select('facts').where('workflow_id', 'accident')
    .where('belongs_at', '>=', new Date(from).toISOString()).where('belongs_at', '<', new Date(to).toISOString());
  return rows.map((r) => JSON.parse(r.facts) as CaseFacts);
}

/** The quota rows of the districts (county-level orgs) in `scope`'s subtree, or above it when `scope` lies inside a district. */
export async function quotaStatus(store: KnexStore, orgs: OrgDirectory, opts: { year: number; scope: string }): Promise<QuotaRow[]> {
  const subtree = await orgs.subtree(opts.scope);
  const districts = (await orgs.list()).filter((o) => o.level === 'county' && subtree.has(o.id));
  const own = (await orgs.ancestry(opts.scope)).find((o) => o.level === 'county');
  if (own && !districts.some((d) => d.id === own.id)) districts.push(own);
  const facts = await accidentFacts(store, opts.year);
  const quotas: { district: string; measure: QuotaMeasure; quota: number }[] = await store.knex('district_quotas').select('district', 'measure', 'quota').where('year', opts.year);
  const warnings: { district: string; measure: string; threshold: number }[] = await store.knex('quota_warnings').select('district', 'measure', 'threshold').where('year', opts.year);
  const out: QuotaRow[] = [];
  for (const d of districts) {
    const inD = await orgs.subtree(d.id);
    const used = quotaUsage(facts.filter((f) => inD.has(f.org)), opts.year);
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

/** A warning just raised. */
export interface QuotaWarning {
  district: string;
  name: string;
  year: number;
  measure: QuotaMeasure;
  threshold: number;
  used: number;
  quota: number;
}

/**
 * Raises the warnings the district's use has earned and not yet received:
 * one row per threshold, inserted once (a concurrent check inserts nothing).
 * Returns the warnings this call raised.
 */
export async function checkQuotaWarnings(store: KnexStore, orgs: OrgDirectory, opts: { district: string; year: number; at: string; thresholds?: readonly number[] }): Promise<QuotaWarning[]> {
  const [row] = await quotaStatus(store, orgs, { year: opts.year, scope: opts.district });
  if (!row || row.district !== opts.district) return [];
  const raised: QuotaWarning[] = [];
  for (const m of row.measures) {
    if (m.quota === null) continue;
    for (const threshold of reachedThresholds(m.used, m.quota, opts.thresholds)) {
      if (m.warned.includes(threshold)) continue;
      const inserted = await store.knex('quota_warnings')
        .insert({ district: opts.district, year: opts.year, measure: m.measure, threshold, used: m.used, quota: m.quota, raised_at: opts.at })
        .onConflict(['district', 'year', 'measure', 'threshold']).ignore().returning('threshold');
      if (inserted.length > 0) raised.push({ district: opts.district, name: row.name, year: opts.year, measure: m.measure, threshold, used: m.used, quota: m.quota });
    }
  }
  return raised;
}

/** The district (county-level org) a case's org lies in, if any. */
export async function districtOf(orgs: OrgDirectory, org: string): Promise<string | undefined> {
  return (await orgs.ancestry(org)).find((o) => o.level === 'county')?.id;
}

/** The year (Beijing time) an accident belongs to. */
export function yearOf(f: CaseFacts): number {
  return new Date(Date.parse(belongsAt(f)) + CN_OFFSET_MS).getUTCFullYear();
}

/** Chinese text of a warning, for the notice and the log. */
export function warningText(w: QuotaWarning): string {
  return `${w.name}${w.year}年${MEASURE_LABELS[w.measure]}控制指标已使用${w.used}/${w.quota}，达到${w.threshold}%`;
}

/**
 * Checks the quotas after every committed step of an accident case (in
 * order, one check at a time) and hands each warning raised to `onWarning`.
 * Returns `idle()` (resolves when the checks queued so far are done) and
 * `stop()`.
 */
export function watchQuotas(engine: { onCommit(l: (c: { event: { caseId: string; at: string } }) => void): () => void }, store: KnexStore, orgs: OrgDirectory, onWarning: (w: QuotaWarning) => void, onError: (err: unknown) => void = () => undefined): { idle(): Promise<void>; stop(): void } {
  let chain: Promise<void> = Promise.resolve();
  const stop = engine.onCommit(({ event }) => {
    chain = chain.then(async () => {
      const [row] = await store.knex('case_facts').select('facts').where({ case_id: event.caseId, workflow_id: 'accident' });
      if (!row) return;
      const f = JSON.parse((row as { facts: string }).facts) as CaseFacts;
      const district = await districtOf(orgs, f.org);
      if (district === undefined) return;
      for (const w of await checkQuotaWarnings(store, orgs, { district, year: yearOf(f), at: event.at })) onWarning(w);
    }).catch(onError);
  });
  return { idle: () => chain, stop };
}
