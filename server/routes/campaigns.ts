/**
 * 专项整治 campaigns over HTTP: create and close (admins, leaders and the
 * committee office of the owning org, within its subtree), list and read
 * with their figures per district (the owner's subtree sees every district,
 * a district its own), add a case, and open the period's progress reports.
 */
import { z } from 'zod';
import { visibleOrg } from '../access.js';
import { checkCampaignFit, joinCampaign } from '../campaigns/membership.js';
import { campaignFigures } from '../campaigns/figures.js';
import { openPeriodReports } from '../campaigns/reports.js';
import { mayRunCampaigns, runCampaign, seesCampaign, shanghaiDate, sqlKnex, visibleCampaign, visibleDistricts } from '../campaigns/access.js';
import { campaignChanges, CampaignEditSchema, closeCampaign, districtsWithCases, insertCampaign, listCampaigns, NewCampaignSchema, REPORT_PERIODS, updateCampaign, type Campaign } from '../campaigns/store.js';
import { assertWriter } from '../access.js';
import { HttpError } from '../http-errors.js';
import { route, type Route } from '../routing.js';
import { IdParams } from '../schemas.js';
import { visibleCase } from './cases.js';
import type { RouteDeps } from './deps.js';

const DistrictFiguresSchema = z.object({
  district: z.string(), name: z.string(), found: z.number().int(), rectified: z.number().int(), otherCases: z.number().int(),
  targetFound: z.number().int().nullable(), targetRectified: z.number().int().nullable(),
});
const CampaignSchema = z.object({
  id: z.string(), ownerOrg: z.string(), title: z.string(), startsOn: z.string(), endsOn: z.string(), reportPeriod: z.enum(REPORT_PERIODS),
  industries: z.array(z.string()), districts: z.array(z.string()), targets: z.array(z.object({ district: z.string(), found: z.number().int(), rectified: z.number().int() })),
  status: z.enum(['active', 'closed']), createdBy: z.string(), createdAt: z.string(),
}).meta({ id: 'Campaign' });
const EditableSchema = CampaignSchema.pick({ title: true, startsOn: true, endsOn: true, industries: true, districts: true, targets: true });
const CampaignChangeSchema = z.object({ seq: z.number().int(), changedBy: z.string(), changedAt: z.string(), reason: z.string(), before: EditableSchema, after: EditableSchema }).meta({ id: 'CampaignChange' });
const CampaignWithFiguresSchema = CampaignSchema.extend({ asOf: z.string(), figures: z.array(DistrictFiguresSchema) });

/** The figures of a campaign the caller may read, with the districts' names. */
export async function figuresFor(deps: Pick<RouteDeps, 'engine' | 'orgs'>, p: Parameters<typeof visibleDistricts>[0], c: Campaign, asOf: string) {
  const knex = sqlKnex(deps.engine);
  const mine = new Set(await visibleDistricts(p, deps.orgs, c));
  const f = await campaignFigures(knex, c, asOf);
  const rows = [];
  for (const d of f.districts.filter((x) => mine.has(x.district))) rows.push({ ...d, name: (await deps.orgs.get(d.district))?.name ?? d.district });
  return rows;
}

export function campaignRoutes(deps: RouteDeps): Route[] {
  const { engine, orgs } = deps;
  const knex = () => sqlKnex(engine);
  return [
    route(
      {
        method: 'post', path: '/api/v1/campaigns', tag: 'campaigns', auth: 'user', status: 201,
        summary: 'Create a campaign (专项整治) of your org or an org of your subtree: title, time box, industries, districts (within the owner\'s subtree), targets per district. Admins, leaders and the committee office',
        body: NewCampaignSchema, response: CampaignSchema, errors: ['forbidden', 'read_only', 'org_not_found', 'already_exists', 'invalid_request'],
      },
      async ({ body, principal }) => {
        const p = principal!;
        assertWriter(p);
        if (!mayRunCampaigns(p)) throw new HttpError('forbidden', 'creating a campaign needs the admin role or a leader or committee office role');
        const owner = await visibleOrg(p, orgs, body.ownerOrg ?? p.user.orgId);
        const within = await orgs.subtree(owner.id);
        body.districts.forEach((d, i) => {
          if (!within.has(d)) throw new HttpError('org_not_found', `district ${d} is not in the subtree of ${owner.id}`, [{ code: 'district_out_of_scope', path: ['body', 'districts', i], message: 'not below the owner' }]);
        });
        body.targets.forEach((t, i) => {
          if (!body.districts.includes(t.district)) throw new HttpError('invalid_request', `the target names ${t.district}, which is not one of the campaign's districts`, [{ code: 'unknown_district', path: ['body', 'targets', i, 'district'], message: 'not a district of the campaign' }]);
        });
        const c: Campaign = { ...body, ownerOrg: owner.id, status: 'active', createdBy: p.user.id, createdAt: engine.clock.now().toISOString() };
        await insertCampaign(knex(), c);
        return c;
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/campaigns', tag: 'campaigns', auth: 'user',
        summary: 'The campaigns you see (run in your subtree, or covering your org), newest first, with their figures per district you may read',
        response: z.object({ items: z.array(CampaignWithFiguresSchema) }),
      },
      async ({ principal }) => {
        const p = principal!;
        const owners = [...new Set([...p.subtree, ...(await orgs.ancestry(p.user.orgId)).map((o) => o.id)])];
        const asOf = engine.clock.now().toISOString();
        const items = [];
        for (const c of await listCampaigns(knex(), owners)) if (await seesCampaign(p, orgs, c)) items.push({ ...c, asOf, figures: await figuresFor(deps, p, c, asOf) });
        return { items };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/campaigns/:id', tag: 'campaigns', auth: 'user', params: IdParams,
        summary: 'A campaign with its figures per district (hazards found and rectified against the targets), as of now or of `asOf`',
        query: z.object({ asOf: z.iso.datetime({ offset: true }).optional() }),
        response: CampaignWithFiguresSchema, errors: ['campaign_not_found'],
      },
      async ({ params, query, principal }) => {
        const c = await visibleCampaign(knex(), principal!, orgs, params.id);
        const asOf = query.asOf === undefined ? engine.clock.now().toISOString() : new Date(query.asOf).toISOString();
        return { ...c, asOf, figures: await figuresFor(deps, principal!, c, asOf) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/campaigns/:id', tag: 'campaigns', auth: 'admin', params: IdParams,
        summary: 'Edit an active campaign (title, time box, industries, districts, targets) with a reason: admins of its owning org (subtree). Districts stay in the owner\'s subtree; a district cases count for stays. Every edit is recorded (GET …/changes)',
        body: CampaignEditSchema, response: CampaignSchema,
        errors: ['campaign_not_found', 'forbidden', 'read_only', 'org_not_found', 'invalid_request', 'campaign_not_applicable', 'version_conflict'],
      },
      async ({ params, body, principal }) => {
        const p = principal!;
        assertWriter(p);
        const c = await visibleCampaign(knex(), p, orgs, params.id);
        if (!p.subtree.has(c.ownerOrg)) throw new HttpError('forbidden', `campaign ${c.id} is run by ${c.ownerOrg}; only its admins edit it`);
        if (c.status !== 'active') throw new HttpError('campaign_not_applicable', `campaign ${c.id} is closed`);
        const { reason, ...fields } = body;
        const next: Campaign = { ...c, ...fields };
        const issue = (code: string, path: (string | number)[], message: string) => new HttpError('invalid_request', message, [{ code, path: ['body', ...path], message }]);
        if (next.startsOn > next.endsOn) throw issue('invalid_time_box', ['endsOn'], 'endsOn is before startsOn');
        const within = await orgs.subtree(c.ownerOrg);
        next.districts.forEach((d, i) => {
          if (!within.has(d)) throw new HttpError('org_not_found', `district ${d} is not in the subtree of ${c.ownerOrg}`, [{ code: 'district_out_of_scope', path: ['body', 'districts', i], message: 'not below the owner' }]);
        });
        const counted = await districtsWithCases(knex(), c.id);
        for (const d of counted) if (!next.districts.includes(d)) throw issue('district_has_cases', ['districts'], `cases of the campaign count for ${d}: it stays a district`);
        next.targets.forEach((t, i) => {
          if (!next.districts.includes(t.district)) throw issue('unknown_district', ['targets', i, 'district'], `the target names ${t.district}, which is not one of the campaign's districts`);
        });
        await updateCampaign(knex(), c, next, p.user.id, engine.clock.now().toISOString(), reason);
        return next;
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/campaigns/:id/changes', tag: 'campaigns', auth: 'user', params: IdParams,
        summary: 'The recorded edits of a campaign you see, oldest first: who, when, why, the fields before and after',
        response: z.object({ items: z.array(CampaignChangeSchema) }), errors: ['campaign_not_found'],
      },
      async ({ params, principal }) => {
        const c = await visibleCampaign(knex(), principal!, orgs, params.id);
        return { items: await campaignChanges(knex(), c.id) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/campaigns/:id/close', tag: 'campaigns', auth: 'user', params: IdParams,
        summary: 'Close a campaign: no case joins it any more (its figures stay)', response: CampaignSchema,
        errors: ['campaign_not_found', 'forbidden', 'read_only'],
      },
      async ({ params, principal }) => {
        assertWriter(principal!);
        const c = await runCampaign(knex(), principal!, orgs, params.id);
        await closeCampaign(knex(), c.id);
        return { ...c, status: 'closed' as const };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/campaigns/:id/cases', tag: 'campaigns', auth: 'user', params: IdParams,
        summary: 'Add a case you see to a campaign: the campaign must be active and cover the case\'s org and industry',
        body: z.object({ caseId: z.string().min(1).max(300) }).strict(),
        response: z.object({ campaignId: z.string(), caseId: z.string(), district: z.string(), added: z.boolean() }),
        errors: ['campaign_not_found', 'case_not_found', 'campaign_not_applicable', 'already_exists', 'read_only'],
      },
      async ({ params, body, principal }) => {
        const p = principal!;
        assertWriter(p);
        const c = await visibleCampaign(knex(), p, orgs, params.id);
        const record = await visibleCase(engine, p, body.caseId);
        const district = await checkCampaignFit(engine, orgs, c, { workflowId: record.workflowId, workflowVersion: record.workflowVersion, org: record.org, data: record.state.data });
        const r = await joinCampaign(knex(), engine, c, record.id, record.workflowId, district, p.user.id);
        return { campaignId: c.id, caseId: record.id, district, added: r === 'added' };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/campaigns/:id/reports', tag: 'campaigns', auth: 'user', params: IdParams, status: 201,
        summary: 'Open the progress reports (campaign-report cases) of the period ending on `periodTo`, one per district, with the figures as of the end of that day; repeating it opens nothing new',
        body: z.object({ periodTo: z.iso.date() }).strict(),
        response: z.object({ period: z.object({ from: z.string(), to: z.string() }), cases: z.array(z.object({ district: z.string(), caseId: z.string(), duplicate: z.boolean() })) }),
        errors: ['campaign_not_found', 'forbidden', 'read_only', 'invalid_request'],
      },
      async ({ params, body, principal }) => {
        const p = principal!;
        assertWriter(p);
        const c = await runCampaign(knex(), p, orgs, params.id);
        const today = shanghaiDate(engine.clock.now());
        if (body.periodTo > today || body.periodTo < c.startsOn) {
          throw new HttpError('invalid_request', `a period ends between the campaign's start (${c.startsOn}) and today (${today})`, [{ code: 'invalid_period', path: ['body', 'periodTo'], message: 'outside the campaign or in the future' }]);
        }
        return openPeriodReports(engine, orgs, c, body.periodTo, p.actor);
      },
    ),
  ];
}
