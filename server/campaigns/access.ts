/**
 * Who may do what with campaigns, and the shared look-ups of the campaign
 * routes and pages: a campaign is run by an admin or a leader or committee
 * office of its owning org (its power ends at that org's subtree); it is
 * seen by the owner's subtree and by the districts it covers.
 */
import type { Knex } from 'knex';
import type { Engine, KnexStore } from '../../engine/index.js';
import type { OrgDirectory, Principal } from '../access.js';
import { HttpError } from '../http-errors.js';
import { getCampaign, type Campaign } from './store.js';

/** Roles that run campaigns besides `admin`: 安委办, 安委会领导, 监管部门领导. */
export const CAMPAIGN_RUNNER_ROLES = ['safetyCommitteeOffice', 'safetyCommitteeLeader', 'regulatorLeader'] as const;

/** The SQL database of the engine's store (every store the server runs on is one). */
export function sqlKnex(engine: Engine): Knex {
  const store = engine.store as Partial<KnexStore>;
  if (store.knex === undefined) throw new HttpError('internal_error', 'campaigns and the register need the SQL store');
  return store.knex;
}

/** Whether the caller runs campaigns at all (an admin, or a runner role). */
export function mayRunCampaigns(p: Principal): boolean {
  return p.isAdmin || p.user.roles.some((r) => (CAMPAIGN_RUNNER_ROLES as readonly string[]).includes(r));
}

/** Whether the caller sees a campaign: it owns it (subtree), or one of its districts is in the caller's subtree or above the caller. */
export async function seesCampaign(p: Principal, orgs: OrgDirectory, c: Campaign): Promise<boolean> {
  if (p.subtree.has(c.ownerOrg)) return true;
  if (c.districts.some((d) => p.subtree.has(d))) return true;
  const mine = (await orgs.ancestry(p.user.orgId)).map((o) => o.id);
  return c.districts.some((d) => mine.includes(d));
}

/** The districts of a campaign the caller may read figures of: all for its owner's subtree, else those covering or inside the caller's org. */
export async function visibleDistricts(p: Principal, orgs: OrgDirectory, c: Campaign): Promise<string[]> {
  if (p.subtree.has(c.ownerOrg)) return c.districts;
  const mine = (await orgs.ancestry(p.user.orgId)).map((o) => o.id);
  return c.districts.filter((d) => p.subtree.has(d) || mine.includes(d));
}

/** A campaign the caller sees; `campaign_not_found` alike when missing and when not theirs to see. */
export async function visibleCampaign(knex: Knex, p: Principal, orgs: OrgDirectory, id: string): Promise<Campaign> {
  const c = await getCampaign(knex, id);
  if (!c || !(await seesCampaign(p, orgs, c))) throw new HttpError('campaign_not_found', `campaign ${id} does not exist`);
  return c;
}

/** A campaign the caller runs: seen, and owned within the subtree of a runner. */
export async function runCampaign(knex: Knex, p: Principal, orgs: OrgDirectory, id: string): Promise<Campaign> {
  const c = await visibleCampaign(knex, p, orgs, id);
  if (!mayRunCampaigns(p) || !p.subtree.has(c.ownerOrg)) throw new HttpError('forbidden', `campaign ${id} is run by ${c.ownerOrg}; only its admins, leaders and committee office act on it`);
  return c;
}

/** Today's local date in Asia/Shanghai (the date campaigns' time boxes are in). */
export function shanghaiDate(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
