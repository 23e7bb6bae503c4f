/**
 * Who is responsible, over HTTP: importing the register (enterprises, and
 * the departments that supervise each industry) from a spreadsheet, the
 * industry table, the routing rules an admin of the owning org edits, and a
 * case's routing with its reassignment (改派) with a reason.
 */
import { z } from 'zod';
import { assertWriter, visibleOrg, type Principal } from '../access.js';
import { sqlKnex } from '../campaigns/access.js';
import { HttpError } from '../http-errors.js';
import { importEnterprises, importIndustryDepartments } from '../register/import.js';
import { deleteIndustryDepartments, industryTableFor, saveIndustryDepartments } from '../register/industry-departments.js';
import { readSheet, SHEET_FORMATS } from '../register/sheet.js';
import { caseRoute, reassignCase, resolveDepartments } from '../responsibility/route-case.js';
import { deleteRule, getRule, listRules, RoutingRuleSchema, saveRule, TASKS_TO } from '../responsibility/rules.js';
import { route, type Route } from '../routing.js';
import { IdParams } from '../schemas.js';
import type { KnexStore } from '../../engine/index.js';
import { visibleCase } from './cases.js';
import type { RouteDeps } from './deps.js';

/** Roles that may reassign a case besides `admin`: leaders and offices that direct the work. */
export const REASSIGN_ROLES = ['regulatorLeader', 'safetyCommitteeOffice', 'safetyCommitteeLeader', 'townshipSafetyOffice'] as const;

const OrgQuery = z.object({ org: z.string().min(1).max(64).optional().describe('an org of your subtree (your own by default)') });
const IndustryRowSchema = z.object({ industry: z.string(), departments: z.array(z.string()) });
const CaseRouteSchema = z.object({
  caseId: z.string(), ruleId: z.string().nullable(), grid: z.string().nullable(), township: z.string().nullable(), departments: z.array(z.string()),
  orgs: z.array(z.string()).describe('the orgs that see the case because of the routing (grid, township, departments that are offices)'),
  taskOrg: z.string().nullable().describe("where the case's routed tasks are offered (null: the case's own org)"),
  routedBy: z.string(), routedAt: z.string(), reason: z.string().nullable(),
}).meta({ id: 'CaseRoute' });

/** A rule the caller administers: owned within the admin's subtree (`routing_rule_not_found` otherwise). */
async function administeredRule(deps: RouteDeps, p: Principal, id: string) {
  const rule = await getRule(sqlKnex(deps.engine), id);
  if (!rule || !p.subtree.has(rule.ownerOrg)) throw new HttpError('routing_rule_not_found', `routing rule ${id} does not exist`);
  return rule;
}

export function registerRoutes(deps: RouteDeps): Route[] {
  const { engine, orgs } = deps;
  const knex = () => sqlKnex(engine);
  return [
    route(
      {
        method: 'post', path: '/api/v1/register/import', tag: 'register', auth: 'admin',
        summary: 'Import the register from a spreadsheet (xlsx or UTF-8 csv, base64): `enterprises` (编号, 单位名称, 统一社会信用代码, 行业领域, 地址, 所属网格, 重大危险源, 监管部门) below grids of your subtree, or `industries` (行业领域, 监管部门) for `org`. All rows or none: a bad row answers 422 import_rejected with every problem in `issues` (path: file, row, column)',
        body: z.object({
          kind: z.enum(['enterprises', 'industries']),
          format: z.enum(SHEET_FORMATS),
          content: z.base64().max(5_000_000).describe('the file, base64'),
          org: z.string().min(1).max(64).optional().describe('industries: the org whose table it is (your own by default)'),
        }).strict(),
        response: z.object({ created: z.number().int(), unchanged: z.number().int() }),
        errors: ['import_rejected', 'org_not_found', 'read_only'],
      },
      async ({ body, principal }) => {
        const p = principal!;
        assertWriter(p);
        let sheet;
        try {
          sheet = await readSheet(Buffer.from(body.content, 'base64'), body.format);
        } catch {
          throw new HttpError('import_rejected', `the file is not a readable ${body.format} spreadsheet`, [{ code: 'unreadable_file', path: ['body', 'content'], message: `not a ${body.format} file` }]);
        }
        const store = engine.store as KnexStore;
        if (body.kind === 'enterprises') {
          const outcome = await importEnterprises(store, engine.clock, p, sheet);
          orgs.invalidate(); // new orgs: subtrees change
          return outcome;
        }
        const owner = await visibleOrg(p, orgs, body.org ?? p.user.orgId);
        return importIndustryDepartments(store, engine.clock, p, owner.id, sheet);
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/register/industries', tag: 'register', auth: 'user', query: OrgQuery,
        summary: 'The departments that supervise each industry (管行业必须管安全) for an org: the table of its nearest ancestor-or-self that has one',
        response: z.object({ ownerOrg: z.string().nullable(), items: z.array(IndustryRowSchema) }), errors: ['org_not_found'],
      },
      async ({ query, principal }) => {
        const org = await visibleOrg(principal!, orgs, query.org ?? principal!.user.orgId);
        const t = await industryTableFor(knex(), (await orgs.ancestry(org.id)).map((o) => o.id));
        return { ownerOrg: t.ownerOrg, items: t.rows };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/register/industries', tag: 'register', auth: 'admin',
        summary: 'Set the departments of one industry in an org\'s table (your own org by default); no departments removes the row',
        body: z.object({ org: z.string().min(1).max(64).optional(), industry: z.string().trim().min(1).max(100), departments: z.array(z.string().trim().min(1).max(100)).max(20) }).strict(),
        response: z.object({ ownerOrg: z.string(), industry: z.string(), departments: z.array(z.string()) }), errors: ['org_not_found', 'read_only'],
      },
      async ({ body, principal }) => {
        assertWriter(principal!);
        const owner = await visibleOrg(principal!, orgs, body.org ?? principal!.user.orgId);
        const departments = [...new Set(body.departments)];
        if (departments.length === 0) await deleteIndustryDepartments(knex(), owner.id, body.industry);
        else await saveIndustryDepartments(knex(), { ownerOrg: owner.id, rows: [{ industry: body.industry, departments }], by: principal!.user.id, at: engine.clock.now().toISOString() });
        return { ownerOrg: owner.id, industry: body.industry, departments };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/routing-rules', tag: 'register', auth: 'user',
        summary: 'The routing rules that govern your org (owned up its ancestry) and those of your subtree',
        response: z.object({ items: z.array(RoutingRuleSchema) }),
      },
      async ({ principal }) => {
        const p = principal!;
        const owners = [...new Set([...p.subtree, ...(await orgs.ancestry(p.user.orgId)).map((o) => o.id)])];
        return { items: await listRules(knex(), owners) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/routing-rules', tag: 'register', auth: 'admin',
        summary: 'Create or replace a routing rule owned by an org of your subtree; a named grid, and a named department that is an org, must lie in the owner\'s subtree (departments that are offices see the routed cases; `tasksTo` says where their routed tasks go)',
        body: RoutingRuleSchema, response: RoutingRuleSchema, errors: ['org_not_found', 'routing_rule_not_found', 'read_only'],
      },
      async ({ body, principal }) => {
        const p = principal!;
        assertWriter(p);
        const owner = await visibleOrg(p, orgs, body.ownerOrg);
        // Replacing: the rule there now must be this admin's too.
        if (await getRule(knex(), body.id)) await administeredRule(deps, p, body.id);
        if (body.grid.from === 'org' && !(await orgs.subtree(owner.id)).has(body.grid.org)) {
          throw new HttpError('org_not_found', `grid ${body.grid.org} is not in the subtree of ${owner.id}`, [{ code: 'grid_out_of_scope', path: ['body', 'grid', 'org'], message: 'not below the owner' }]);
        }
        if (body.departments.from === 'named') {
          const within = await orgs.subtree(owner.id);
          for (const [i, name] of body.departments.names.entries()) {
            const org = await orgs.get(name);
            if (org && !within.has(org.id)) throw new HttpError('org_not_found', `department ${name} is not in the subtree of ${owner.id}`, [{ code: 'department_out_of_scope', path: ['body', 'departments', 'names', i], message: 'not below the owner' }]);
          }
        }
        await saveRule(knex(), body, p.user.id, engine.clock.now().toISOString());
        return body;
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/routing-rules/:id/delete', tag: 'register', auth: 'admin', params: IdParams,
        summary: 'Delete a routing rule of your subtree (cases it routed keep their history)', response: z.object({ deleted: z.literal(true) }),
        errors: ['routing_rule_not_found', 'read_only'],
      },
      async ({ params, principal }) => {
        assertWriter(principal!);
        await administeredRule(deps, principal!, params.id);
        await deleteRule(knex(), params.id);
        return { deleted: true as const };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/cases/:id/route', tag: 'register', auth: 'user', params: IdParams,
        summary: 'Who is responsible for a case now (grid, township, departments) and what decided it (a rule, or a person\'s reason)',
        response: z.object({ route: CaseRouteSchema.nullable() }), errors: ['case_not_found'],
      },
      async ({ params, principal }) => {
        const record = await visibleCase(engine, principal!, params.id);
        return { route: (await caseRoute(knex(), params.id, record.state.responsible)) ?? null };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/cases/:id/reassign', tag: 'register', auth: 'user', params: IdParams,
        summary: 'Reassign a case (改派) to another grid and/or departments with a reason: recorded as a `case.routed` event; the orgs that see the case and the org of its routed tasks (`tasksTo`) change with it. Admins, leaders and offices whose subtree holds the case, the grid and the departments that are offices',
        body: z.object({
          grid: z.string().min(1).max(64).nullable(),
          departments: z.array(z.string().trim().min(1).max(100)).max(20).default([]).describe('department names, or ids (or full names) of offices of your subtree: those see the case'),
          tasksTo: z.enum(TASKS_TO).optional().describe("where the routed tasks go: the first department that is an office, the township or the grid (by default the first of those that exists)"),
          reason: z.string().trim().min(1).max(2000),
        }).strict(),
        response: CaseRouteSchema, errors: ['case_not_found', 'forbidden', 'org_not_found', 'read_only', 'case_closed', 'invalid_request'],
      },
      async ({ params, body, principal }) => {
        const p = principal!;
        const record = await visibleCase(engine, p, params.id);
        assertWriter(p);
        // Seeing a case routed to you is not power over it: 改派 is for those whose subtree holds the case.
        if (!p.subtree.has(record.org)) throw new HttpError('forbidden', 'reassigning a case needs the case to lie in your subtree');
        if (!p.isAdmin && !p.user.roles.some((r) => (REASSIGN_ROLES as readonly string[]).includes(r))) throw new HttpError('forbidden', 'reassigning a case needs the admin role or a leader or office role');
        let township: string | null = null;
        if (body.grid !== null) {
          const grid = await visibleOrg(p, orgs, body.grid);
          if (grid.level !== 'grid') throw new HttpError('invalid_request', `${grid.name} is not a grid`, [{ code: 'not_a_grid', path: ['body', 'grid'], message: 'must be a grid' }]);
          township = (await orgs.ancestry(grid.id)).find((o) => o.level === 'township')?.id ?? null;
        }
        const { names, orgIds } = await resolveDepartments(orgs, [...new Set(body.departments)], p.subtree);
        const route = await reassignCase(engine, knex(), record, { grid: body.grid, township, departments: names, departmentOrgs: orgIds, tasksTo: body.tasksTo, reason: body.reason }, p.actor);
        return route;
      },
    ),
  ];
}
