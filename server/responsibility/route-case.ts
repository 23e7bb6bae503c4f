/**
 * Routing a case to whoever is responsible (网格、乡镇、行业主管部门): when a
 * new case is opened, the matching rule decides, and the decision is a
 * `case.routed` event in the case's history naming the rule; a person with
 * power over the case may reassign it with a reason (the same event, with
 * their reason instead of a rule). `case_routes` keeps the current routing
 * for lists; the history keeps every one.
 */
import type { Knex } from 'knex';
import type { Actor, CaseRecord, Engine } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import type { OrgRecord } from '../people-ports.js';
import { industryTableFor } from '../register/industry-departments.js';
import { chooseRule, gridOf, listRules, type RoutableCase } from './rules.js';

/** The actor rule-based routing is recorded as. */
export const ROUTER_ACTOR: Actor = { id: 'system:router', roles: ['system'] };

/** Where a case is routed now. */
export interface CaseRoute {
  caseId: string;
  ruleId: string | null;
  grid: string | null;
  township: string | null;
  departments: string[];
  routedBy: string;
  routedAt: string;
  reason: string | null;
}

interface Row {
  case_id: string;
  rule_id: string | null;
  grid: string | null;
  township: string | null;
  departments: string;
  routed_by: string;
  routed_at: string;
  reason: string | null;
}

/** The current routing of a case, if any. */
export async function caseRoute(knex: Knex, caseId: string): Promise<CaseRoute | undefined> {
  const r = (await knex<Row>('case_routes').where({ case_id: caseId }).first()) as Row | undefined;
  return r && { caseId: r.case_id, ruleId: r.rule_id, grid: r.grid, township: r.township, departments: JSON.parse(r.departments) as string[], routedBy: r.routed_by, routedAt: r.routed_at, reason: r.reason };
}

async function saveRoute(knex: Knex, route: CaseRoute): Promise<void> {
  const row: Row = { case_id: route.caseId, rule_id: route.ruleId, grid: route.grid, township: route.township, departments: JSON.stringify(route.departments), routed_by: route.routedBy, routed_at: route.routedAt, reason: route.reason };
  await knex('case_routes').insert(row).onConflict('case_id').merge();
}

/** What routing reads of a case (or of one about to be opened). */
export interface CaseFields {
  workflowId: string;
  workflowVersion: number;
  org: string;
  data: Record<string, unknown>;
}

/** What a case says about routing: the enterprise it concerns (a field that refers to one) and its industry. */
export async function routableCase(engine: Engine, orgs: OrgDirectory, record: CaseFields): Promise<RoutableCase> {
  const wf = await engine.registry.get(record.workflowId, record.workflowVersion);
  const data = record.data;
  const props = (wf.definition.data?.properties ?? {}) as Record<string, { refersTo?: string }>;
  const fields = [...Object.keys(props).filter((k) => props[k]?.refersTo === 'enterprise' || props[k]?.refersTo === 'org'), 'reportedPartyOrg'];
  let enterprise: OrgRecord | null = null;
  for (const f of [...new Set(fields)]) {
    const v = data[f];
    const org = typeof v === 'string' ? await orgs.get(v) : undefined;
    if (org?.level === 'enterprise') {
      enterprise = org;
      break;
    }
  }
  const own = await orgs.get(record.org);
  if (!enterprise && own?.level === 'enterprise') enterprise = own;
  const industry = [data.sector, data.industry, enterprise?.enterprise?.industry].find((v): v is string => typeof v === 'string' && v !== '') ?? null;
  return { workflowId: record.workflowId, org: record.org, industry, enterprise };
}

/**
 * Routes a new case by the rule that governs it and records the decision;
 * resolves to the routing, or undefined when no rule matches (nothing is
 * recorded). Idempotent: the event's key is the case's, so a retry records
 * nothing twice.
 */
export async function routeNewCase(engine: Engine, orgs: OrgDirectory, knex: Knex, record: CaseRecord): Promise<CaseRoute | undefined> {
  const c = await routableCase(engine, orgs, { ...record, data: record.state.data });
  const ancestry = await orgs.ancestry(record.org);
  const rule = chooseRule(c, ancestry, await listRules(knex, ancestry.map((o) => o.id)));
  if (!rule) return undefined;
  const grid = gridOf(rule, c, ancestry);
  // Not yet: the rule reads what the case does not say yet (a hazard names its enterprise and industry in the
  // start form, sent after it is opened). Routed when it does; never with a guess.
  if ((rule.grid.from === 'enterprise' && grid === null) || (rule.departments.from === 'industry' && c.industry === null)) return undefined;
  const township = (grid === null ? ancestry : await orgs.ancestry(grid)).find((o) => o.level === 'township')?.id ?? null;
  let departments: string[];
  if (rule.departments.from === 'named') departments = rule.departments.names;
  else {
    const table = await industryTableFor(knex, ancestry.map((o) => o.id));
    departments = table.rows.find((r) => r.industry === c.industry)?.departments ?? [];
    // No row for the industry: the departments the enterprise's own profile names.
    if (departments.length === 0 && c.enterprise?.enterprise) {
      for (const id of c.enterprise.enterprise.supervisors) departments.push((await orgs.get(id))?.name ?? id);
    }
  }
  const r = await engine.send(
    record.id,
    { type: 'case.routed', payload: { rule: rule.id, ruleTitle: rule.title, grid, township, departments }, idempotencyKey: `case.routed:${record.id}` },
    { ...ROUTER_ACTOR, org: record.org },
  );
  const route: CaseRoute = { caseId: record.id, ruleId: rule.id, grid, township, departments, routedBy: ROUTER_ACTOR.id, routedAt: r.event.at, reason: null };
  await saveRoute(knex, route);
  return route;
}

/**
 * Reassigns a case (改派) with a reason: records `case.routed` as the person
 * and replaces the current routing. The caller checks that the person has
 * power over the case and the orgs named.
 */
export async function reassignCase(engine: Engine, knex: Knex, record: CaseRecord, to: { grid: string | null; township: string | null; departments: string[]; reason: string }, actor: Actor): Promise<CaseRoute> {
  const r = await engine.send(record.id, { type: 'case.routed', payload: { grid: to.grid, township: to.township, departments: to.departments, reason: to.reason } }, actor);
  const route: CaseRoute = { caseId: record.id, ruleId: null, grid: to.grid, township: to.township, departments: to.departments, routedBy: actor.id, routedAt: r.event.at, reason: to.reason };
  await saveRoute(knex, route);
  return route;
}
