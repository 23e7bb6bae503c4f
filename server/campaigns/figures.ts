/**
 * A campaign's figures for the oversight statistics and the progress
 * reports: per district, hazards found and rectified in the campaign against
 * its targets, and the other cases (inspections, letters …) it holds. Read
 * from the statistics read model (`case_facts`) joined to the campaign's
 * members, with the counting rule the monthly report uses ({@link isRectified}).
 */
import type { Knex } from 'knex';
import { isRectified, type CaseFacts } from '../../engine/index.js';
import type { Campaign } from './store.js';

/** One district's figures. */
export interface DistrictFigures {
  district: string;
  /** Hazards (隐患) of the campaign opened by the instant asked about. */
  found: number;
  /** Of those, rectified (closed by being written off) by then. */
  rectified: number;
  /** Other cases of the campaign (inspections, enforcement …) opened by then. */
  otherCases: number;
  targetFound: number | null;
  targetRectified: number | null;
}

/** A campaign's figures: per district in the campaign's order, and the total. */
export interface CampaignFigures {
  campaignId: string;
  asOf: string;
  districts: DistrictFigures[];
  total: Omit<DistrictFigures, 'district'>;
}

/**
 * Counts a campaign's cases as of `asOf` (an ISO instant; now for a live
 * view, the end of a period for its report).
 * @example
 * const f = await campaignFigures(knex, campaign, new Date().toISOString());
 * f.districts[0]; // { district: 'donghu', found: 12, rectified: 9, otherCases: 3, targetFound: 20, targetRectified: 20 }
 */
export async function campaignFigures(knex: Knex, campaign: Campaign, asOf: string): Promise<CampaignFigures> {
  const rows = (await knex('campaign_cases as m')
    .leftJoin('case_facts as f', 'f.case_id', 'm.case_id')
    .where('m.campaign_id', campaign.id)
    .select('m.district', 'm.workflow_id', 'f.facts')) as { district: string; workflow_id: string; facts: string | null }[];
  const t = Date.parse(asOf);
  const byDistrict = new Map<string, DistrictFigures>();
  for (const d of campaign.districts) {
    const target = campaign.targets.find((x) => x.district === d);
    byDistrict.set(d, { district: d, found: 0, rectified: 0, otherCases: 0, targetFound: target?.found ?? null, targetRectified: target?.rectified ?? null });
  }
  for (const r of rows) {
    const fig = byDistrict.get(r.district);
    if (!fig || r.facts === null) continue;
    const facts = (typeof r.facts === 'string' ? JSON.parse(r.facts) : r.facts) as CaseFacts;
    if (Date.parse(facts.openedAt) > t) continue;
    if (r.workflow_id !== 'hazard') fig.otherCases++;
    else {
      fig.found++;
      if (isRectified(facts, asOf)) fig.rectified++;
    }
  }
  const districts = [...byDistrict.values()];
  const sum = (k: 'found' | 'rectified' | 'otherCases') => districts.reduce((n, d) => n + d[k], 0);
  const sumTarget = (k: 'targetFound' | 'targetRectified') => (districts.some((d) => d[k] !== null) ? districts.reduce((n, d) => n + (d[k] ?? 0), 0) : null);
  return { campaignId: campaign.id, asOf, districts, total: { found: sum('found'), rectified: sum('rectified'), otherCases: sum('otherCases'), targetFound: sumTarget('targetFound'), targetRectified: sumTarget('targetRectified') } };
}
