/**
 * Routing a case to whoever is responsible (网格、乡镇、行业主管部门): when a
 * new case is opened, the matching rule decides, and the decision is a
 * `case.routed` event in the case's history naming the rule; a person with
 * power over the case may reassign it with a reason (the same event, with
 * their reason instead of a rule). `case_routes` keeps the current routing
 * for lists; the history keeps every one.
 */
import type { Knex } from 'knex';
import type { Actor, CaseRecord, Engine, Responsible } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import type { OrgRecord } from '../people-ports.js';
import { industryTableFor } from '../register/industry-departments.js';
import { HttpError } from '../http-errors.js';
import { chooseRule, gridOf, listRules, type RoutableCase, type TasksTo } from './rules.js';

/** The actor rule-based routing is recorded as. */
export const ROUTER_ACTOR: Actor = { id: 'system:router', roles: ['system'] };

/** Where a case is routed now. */
export interface CaseRoute {
  caseId: string;
  ruleId: string | null;
  grid: string | null;
  township: string | null;
  departments: string[];
  /** The orgs that see the case because of this routing (grid, township, departments that are offices). */
  orgs: string[];
  /** Where its routed tasks are offered (null: the case's org). */
  taskOrg: string | null;
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

/** The current routing of a case, if any; `responsible` is the case state's (what the routing made effective). */
export async function caseRoute(knex: Knex, caseId: string, responsible?: Responsible): Promise<CaseRoute | undefined> {
  const r = (await knex<Row>('case_routes').where({ case_id: caseId }).first()) as Row | undefined;
  return r && {
    caseId: r.case_id, ruleId: r.rule_id, grid: r.grid, township: r.township, departments: JSON.parse(r.departments) as string[],
    orgs: responsible?.orgs ?? [], taskOrg: responsible?.taskOrg ?? null, routedBy: r.routed_by, routedAt: r.routed_at, reason: r.reason,
  };
}

async function saveRoute(knex: Knex, route: CaseRoute): Promise<void> {
  // The orgs and the task org are the case's own (its state; case_route_orgs is written with the step).
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

/** The departments a routing names: each entry's name, and the offices among them (by id or full name) of `within`. */
export async function resolveDepartments(orgs: OrgDirectory, entries: readonly string[], within: ReadonlySet<string>): Promise<{ names: string[]; orgIds: string[] }> {
  const names: string[] = [];
  const orgIds: string[] = [];
  let all: OrgRecord[] | undefined;
  for (const entry of entries) {
    let org = await orgs.get(entry);
    if (!org) {
      all ??= await orgs.list();
      const byName = all.filter((o) => o.name === entry && within.has(o.id));
      org = byName.length === 1 ? byName[0] : undefined;
    }
    if (org && org.level !== 'enterprise' && within.has(org.id)) {
      names.push(org.name);
      orgIds.push(org.id);
    } else names.push(entry);
  }
  return { names: [...new Set(names)], orgIds: [...new Set(orgIds)] };
}

/** The org a routing offers the routed tasks at: the one `tasksTo` names, or the first department, township or grid there is. */
export function taskOrgOf(tasksTo: TasksTo | undefined, r: { grid: string | null; township: string | null; departmentOrgs: readonly string[] }): string | null {
  const department = r.departmentOrgs[0] ?? null;
  if (tasksTo === 'department') return department;
  if (tasksTo === 'township') return r.township;
  if (tasksTo === 'grid') return r.grid;
  return department ?? r.township ?? r.grid;
}

/** The payload of a `case.routed` that makes the routing effective: the orgs that see the case and the org of its routed tasks. */
function effective(r: { grid: string | null; township: string | null; departmentOrgs: readonly string[] }, taskOrg: string | null) {
  const orgs = [...new Set([r.grid, r.township, ...r.departmentOrgs].filter((o): o is string => o !== null))];
  return { orgs, taskOrg };
}

/**
 * Routes a new case by the rule that governs it and records the decision;
 * resolves to the routing, or undefined when no rule matches (nothing is
 * recorded). The routing decides: the grid, the township and the departments
 * that are offices see the case and find it in their lists, and the case's
 * routed tasks move to the org `tasksTo` names. A rule routes only within its
 * owner's subtree (a grid outside it is refused: the case stays unrouted,
 * for a person to assign). Idempotent: the event's key is the case's, so a
 * retry records nothing twice.
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
  const within = await orgs.subtree(rule.ownerOrg);
  if (grid !== null && !within.has(grid)) throw new HttpError('org_out_of_jurisdiction', `rule ${rule.id} would route case ${record.id} to grid ${grid}, outside the subtree of ${rule.ownerOrg}`);
  const township = (grid === null ? ancestry : await orgs.ancestry(grid)).find((o) => o.level === 'township')?.id ?? null;
  let entries: string[];
  if (rule.departments.from === 'named') entries = rule.departments.names;
  else {
    const table = await industryTableFor(knex, ancestry.map((o) => o.id));
    entries = table.rows.find((r) => r.industry === c.industry)?.departments ?? [];
    // No row for the industry: the departments the enterprise's own profile names.
    if (entries.length === 0 && c.enterprise?.enterprise) entries = [...c.enterprise.enterprise.supervisors];
  }
  const { names: departments, orgIds: departmentOrgs } = await resolveDepartments(orgs, entries, within);
  const at = { grid, township: township !== null && within.has(township) ? township : null, departmentOrgs };
  const e = effective(at, taskOrgOf(rule.tasksTo, at));
  const r = await engine.send(
    record.id,
    { type: 'case.routed', payload: { rule: rule.id, ruleTitle: rule.title, grid, township, departments, ...e }, idempotencyKey: `case.routed:${record.id}` },
    { ...ROUTER_ACTOR, org: record.org },
  );
  const route: CaseRoute = { caseId: record.id, ruleId: rule.id, grid, township, departments, orgs: e.orgs, taskOrg: e.taskOrg, routedBy: ROUTER_ACTOR.id, routedAt: r.event.at, reason: null };
  await saveRoute(knex, route);
  return route;
}

/**
 * Reassigns a case (改派) with a reason: records `case.routed` as the person
 * and replaces the current routing; the case's routed tasks move to the new
 * task org and the orgs that see it change with it. The caller checks that
 * the person has power over the case and the orgs named (`departmentOrgs`
 * are offices of the caller's subtree).
 */
export async function reassignCase(
  engine: Engine,
  knex: Knex,
  record: CaseRecord,
  to: { grid: string | null; township: string | null; departments: string[]; departmentOrgs: string[]; tasksTo?: TasksTo | undefined; reason: string },
  actor: Actor,
): Promise<CaseRoute> {
  const e = effective(to, taskOrgOf(to.tasksTo, to));
  const r = await engine.send(record.id, { type: 'case.routed', payload: { grid: to.grid, township: to.township, departments: to.departments, reason: to.reason, ...e } }, actor);
  const route: CaseRoute = { caseId: record.id, ruleId: null, grid: to.grid, township: to.township, departments: to.departments, orgs: e.orgs, taskOrg: e.taskOrg, routedBy: actor.id, routedAt: r.event.at, reason: to.reason };
  await saveRoute(knex, route);
  return route;
}
