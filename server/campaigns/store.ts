/**
 * 专项整治 campaigns: the record (title, time box, industries, districts,
 * target counts per district, weekly or monthly progress reports) and which
 * cases belong to one. A case joins a campaign only while the campaign is
 * active and covers the case's org (one of its districts' subtrees) and
 * industry; the district it counts for is fixed when it joins.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { HttpError } from '../http-errors.js';

const OrgId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an org id is 1–64 lowercase letters, digits and hyphens');
const LocalDate = z.iso.date().describe('a local date, YYYY-MM-DD (Asia/Shanghai)');

/** 周报 or 月报. */
export const REPORT_PERIODS = ['weekly', 'monthly'] as const;
export const REPORT_PERIOD_TITLES = { weekly: '每周', monthly: '每月' } satisfies Record<(typeof REPORT_PERIODS)[number], string>;

/** A target of one district: hazards to find and to rectify in the campaign. */
export const CampaignTargetSchema = z.object({ district: OrgId, found: z.number().int().min(0).max(1_000_000), rectified: z.number().int().min(0).max(1_000_000) }).strict();

/** A campaign as created. */
export const NewCampaignSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a campaign id is 1–64 lowercase letters, digits and hyphens'),
    ownerOrg: OrgId.optional().describe('the org that runs it (your own by default); its districts lie in its subtree'),
    title: z.string().trim().min(1).max(200),
    startsOn: LocalDate,
    endsOn: LocalDate,
    reportPeriod: z.enum(REPORT_PERIODS),
    industries: z.array(z.string().trim().min(1).max(100)).max(50).default([]).describe('行业领域 it covers; empty: every industry'),
    districts: z.array(OrgId).min(1).max(100).describe('the districts (or other orgs) whose subtrees it covers'),
    targets: z.array(CampaignTargetSchema).max(100).default([]),
  })
  .strict()
  .refine((c) => c.startsOn <= c.endsOn, { message: 'endsOn is before startsOn', path: ['endsOn'] });

/** What an edit may change (at least one field), and why. */
export const CampaignEditSchema = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    startsOn: LocalDate.optional(),
    endsOn: LocalDate.optional(),
    industries: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    districts: z.array(OrgId).min(1).max(100).optional(),
    targets: z.array(CampaignTargetSchema).max(100).optional(),
    reason: z.string().trim().min(1).max(2000).describe('why it changes (kept with the change)'),
  })
  .strict()
  .refine((e) => Object.keys(e).some((k) => k !== 'reason'), { message: 'change at least one field', path: ['title'] });
export type CampaignEdit = z.infer<typeof CampaignEditSchema>;

/** The fields an edit changes. */
export const EDITABLE_FIELDS = ['title', 'startsOn', 'endsOn', 'industries', 'districts', 'targets'] as const;

/** One recorded edit of a campaign. */
export interface CampaignChange {
  seq: number;
  changedBy: string;
  changedAt: string;
  reason: string;
  before: Pick<Campaign, (typeof EDITABLE_FIELDS)[number]>;
  after: Pick<Campaign, (typeof EDITABLE_FIELDS)[number]>;
}

/** A stored campaign. */
export interface Campaign {
  id: string;
  ownerOrg: string;
  title: string;
  startsOn: string;
  endsOn: string;
  reportPeriod: (typeof REPORT_PERIODS)[number];
  industries: string[];
  districts: string[];
  targets: z.infer<typeof CampaignTargetSchema>[];
  status: 'active' | 'closed';
  createdBy: string;
  createdAt: string;
}

interface Row {
  id: string;
  owner_org: string;
  title: string;
  starts_on: string;
  ends_on: string;
  report_period: string;
  industries: string;
  districts: string;
  targets: string;
  status: string;
  created_by: string;
  created_at: string;
}

const fromRow = (r: Row): Campaign => ({
  id: r.id, ownerOrg: r.owner_org, title: r.title, startsOn: r.starts_on, endsOn: r.ends_on, reportPeriod: r.report_period as Campaign['reportPeriod'],
  industries: JSON.parse(r.industries) as string[], districts: JSON.parse(r.districts) as string[], targets: JSON.parse(r.targets) as Campaign['targets'],
  status: r.status as Campaign['status'], createdBy: r.created_by, createdAt: r.created_at,
});

/** Inserts a campaign; `already_exists` when the id is taken. */
export async function insertCampaign(knex: Knex, c: Campaign): Promise<void> {
  const row: Row = {
    id: c.id, owner_org: c.ownerOrg, title: c.title, starts_on: c.startsOn, ends_on: c.endsOn, report_period: c.reportPeriod,
    industries: JSON.stringify(c.industries), districts: JSON.stringify(c.districts), targets: JSON.stringify(c.targets), status: c.status, created_by: c.createdBy, created_at: c.createdAt,
  };
  const inserted = await knex('campaigns').insert(row).onConflict('id').ignore().returning('id');
  if (inserted.length === 0) throw new HttpError('already_exists', `campaign ${c.id} already exists`);
}

/** One campaign. */
export async function getCampaign(knex: Knex, id: string): Promise<Campaign | undefined> {
  const r = (await knex<Row>('campaigns').where({ id }).first()) as Row | undefined;
  return r && fromRow(r);
}

/** The campaigns owned by any of `owners`, newest start first. */
export async function listCampaigns(knex: Knex, owners: readonly string[]): Promise<Campaign[]> {
  if (owners.length === 0) return [];
  return ((await knex<Row>('campaigns').whereIn('owner_org', [...owners]).orderBy([{ column: 'starts_on', order: 'desc' }, 'id'])) as Row[]).map(fromRow);
}

/** Every active campaign. */
export async function listActiveCampaigns(knex: Knex): Promise<Campaign[]> {
  return ((await knex<Row>('campaigns').where({ status: 'active' }).orderBy('id')) as Row[]).map(fromRow);
}

const editable = (c: Campaign) => ({ title: c.title, startsOn: c.startsOn, endsOn: c.endsOn, industries: c.industries, districts: c.districts, targets: c.targets });

/**
 * Replaces a campaign's editable fields and records the change (who, when,
 * why, before and after) in one transaction; `version_conflict` when the
 * campaign changed since `before` was read.
 */
export async function updateCampaign(knex: Knex, before: Campaign, after: Campaign, by: string, at: string, reason: string): Promise<CampaignChange> {
  return knex.transaction(async (trx) => {
    const n = await trx('campaigns')
      .where({ id: before.id, title: before.title, starts_on: before.startsOn, ends_on: before.endsOn, industries: JSON.stringify(before.industries), districts: JSON.stringify(before.districts), targets: JSON.stringify(before.targets) })
      .update({ title: after.title, starts_on: after.startsOn, ends_on: after.endsOn, industries: JSON.stringify(after.industries), districts: JSON.stringify(after.districts), targets: JSON.stringify(after.targets) });
    if (n === 0) throw new HttpError('version_conflict', `campaign ${before.id} changed meanwhile; read it again`);
    const [last] = (await trx('campaign_changes').where({ campaign_id: before.id }).max({ seq: 'seq' })) as { seq: number | null }[];
    const change: CampaignChange = { seq: Number(last?.seq ?? 0) + 1, changedBy: by, changedAt: at, reason, before: editable(before), after: editable(after) };
    await trx('campaign_changes').insert({ campaign_id: before.id, seq: change.seq, changed_by: by, changed_at: at, reason, before: JSON.stringify(change.before), after: JSON.stringify(change.after) });
    return change;
  });
}

/** The recorded edits of a campaign, oldest first. */
export async function campaignChanges(knex: Knex, id: string): Promise<CampaignChange[]> {
  const rows = (await knex('campaign_changes').where({ campaign_id: id }).orderBy('seq')) as { seq: number; changed_by: string; changed_at: string; reason: string; before: string; after: string }[];
  return rows.map((r) => ({ seq: Number(r.seq), changedBy: r.changed_by, changedAt: r.changed_at, reason: r.reason, before: JSON.parse(r.before) as CampaignChange['before'], after: JSON.parse(r.after) as CampaignChange['after'] }));
}

/** The districts of a campaign that cases count for. */
export async function districtsWithCases(knex: Knex, id: string): Promise<Set<string>> {
  return new Set(((await knex('campaign_cases').where({ campaign_id: id }).distinct('district')) as { district: string }[]).map((r) => r.district));
}

/** Closes a campaign (no case joins it any more); false when it was closed already. */
export async function closeCampaign(knex: Knex, id: string): Promise<boolean> {
  return (await knex('campaigns').where({ id, status: 'active' }).update({ status: 'closed' })) > 0;
}

/**
 * Why a case may not join a campaign on `today`, or the district it counts
 * for. `ancestry` is the case org's ancestry (the org first). Pure.
 */
export function campaignFit(c: Campaign, today: string, ancestry: readonly string[], industry: string | null): { district: string } | { problem: string } {
  if (c.status !== 'active') return { problem: `整治活动“${c.title}”已结束` };
  if (today < c.startsOn || today > c.endsOn) return { problem: `整治活动“${c.title}”的时间为 ${c.startsOn} 至 ${c.endsOn}，今天不在其内` };
  const district = ancestry.find((o) => c.districts.includes(o));
  if (district === undefined) return { problem: `整治活动“${c.title}”不覆盖该案件所在单位` };
  if (c.industries.length > 0 && (industry === null || !c.industries.includes(industry))) return { problem: `整治活动“${c.title}”只涉及 ${c.industries.join('、')}` };
  return { district };
}

/** A case's membership. */
export interface CampaignCase {
  campaignId: string;
  caseId: string;
  district: string;
  workflowId: string;
}

/** Adds a case to a campaign; resolves false when it already belongs to one (the same: no change). */
export async function addCampaignCase(knex: Knex, m: CampaignCase & { by: string; at: string }): Promise<'added' | 'exists' | 'other'> {
  const inserted = await knex('campaign_cases')
    .insert({ case_id: m.caseId, campaign_id: m.campaignId, district: m.district, workflow_id: m.workflowId, added_by: m.by, added_at: m.at })
    .onConflict('case_id').ignore().returning('case_id');
  if (inserted.length === 1) return 'added';
  const row = (await knex('campaign_cases').where({ case_id: m.caseId }).first()) as { campaign_id: string } | undefined;
  return row?.campaign_id === m.campaignId ? 'exists' : 'other';
}

/** The campaign a case belongs to, if any. */
export async function campaignOfCase(knex: Knex, caseId: string): Promise<string | undefined> {
  const row = (await knex('campaign_cases').where({ case_id: caseId }).first()) as { campaign_id: string } | undefined;
  return row?.campaign_id;
}
