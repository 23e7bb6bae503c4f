/**
 * A case joining a campaign, checked at use: the campaign is active today
 * and covers the case's org (one of its districts' subtrees) and industry.
 * Checked before a case is opened with a `campaignId` (so a refused one opens
 * nothing) and when an existing case is added.
 */
import type { Knex } from 'knex';
import type { Engine } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import { HttpError } from '../http-errors.js';
import { routableCase, type CaseFields } from '../responsibility/route-case.js';
import { addCampaignCase, campaignFit, type Campaign } from './store.js';
import { shanghaiDate } from './access.js';

/** The district a case would count for in a campaign, or `campaign_not_applicable`. */
export async function checkCampaignFit(engine: Engine, orgs: OrgDirectory, campaign: Campaign, fields: CaseFields): Promise<string> {
  const { industry } = await routableCase(engine, orgs, fields);
  const ancestry = (await orgs.ancestry(fields.org)).map((o) => o.id);
  const fit = campaignFit(campaign, shanghaiDate(engine.clock.now()), ancestry, industry);
  if ('problem' in fit) throw new HttpError('campaign_not_applicable', fit.problem);
  return fit.district;
}

/** Records the membership; `already_exists` when the case belongs to another campaign. */
export async function joinCampaign(knex: Knex, engine: Engine, campaign: Campaign, caseId: string, workflowId: string, district: string, by: string): Promise<'added' | 'exists'> {
  const r = await addCampaignCase(knex, { campaignId: campaign.id, caseId, district, workflowId, by, at: engine.clock.now().toISOString() });
  if (r === 'other') throw new HttpError('already_exists', `case ${caseId} already belongs to another campaign`);
  return r;
}
