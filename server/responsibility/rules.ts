/**
 * Routing rules (分派规则): which grid, township and departments are
 * responsible for a new case, as data an admin of the owning org edits. A
 * rule matches the workflows and industries it names; the rule of the
 * nearest owner up the case's org ancestry wins, then the lowest priority
 * number, then the id. The grid is the enterprise's own grid (its parent
 * org) or a named org; the departments are those the industry table
 * (管行业必须管安全) lists for the case's industry, or named ones; the
 * township is the township above the grid.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { OrgRecord } from '../people-ports.js';

const OrgId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an org id is 1–64 lowercase letters, digits and hyphens');

/** Where a routing offers the case's routed tasks. */
export const TASKS_TO = ['department', 'township', 'grid'] as const;
export type TasksTo = (typeof TASKS_TO)[number];

/** A rule as stored and as the API takes it. */
export const RoutingRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a rule id is 1–64 lowercase letters, digits and hyphens'),
    ownerOrg: OrgId.describe('the org whose subtree the rule covers (an admin edits the rules of its subtree)'),
    title: z.string().trim().min(1).max(200).describe('规则名称, shown in the case history'),
    priority: z.number().int().min(0).max(1000).default(100).describe('lower first among the rules of one owner'),
    workflows: z.array(z.string().min(1).max(100)).min(1).max(20).describe('the workflows whose new cases it routes'),
    industries: z.array(z.string().trim().min(1).max(100)).max(50).default([]).describe('行业领域 it applies to; empty: every industry'),
    grid: z.discriminatedUnion('from', [
      z.object({ from: z.literal('enterprise').describe("the grid the case's enterprise sits in") }).strict(),
      z.object({ from: z.literal('org'), org: OrgId }).strict(),
    ]),
    departments: z.discriminatedUnion('from', [
      z.object({ from: z.literal('industry').describe("the departments the industry table lists for the case's industry") }).strict(),
      z.object({ from: z.literal('named'), names: z.array(z.string().trim().min(1).max(100)).min(1).max(20).describe('department names, or ids (or full names) of offices of the owner\'s subtree: those see the case and may take its tasks') }).strict(),
    ]),
    tasksTo: z.enum(TASKS_TO).optional().describe("where the case's routed tasks (e.g. a hazard's triage) are offered: the first department that is an office of the owner's subtree, the township or the grid; by default the first of those that exists"),
  })
  .strict()
  .meta({ id: 'RoutingRule' });
export type RoutingRule = z.infer<typeof RoutingRuleSchema>;

/** What a case offers routing. */
export interface RoutableCase {
  workflowId: string;
  org: string;
  industry: string | null;
  /** The enterprise the case concerns, when it names one. */
  enterprise: OrgRecord | null;
}

/** A routing decision. */
export interface RouteDecision {
  rule: RoutingRule;
  grid: string | null;
  township: string | null;
  departments: string[];
}

interface Row {
  id: string;
  owner_org: string;
  title: string;
  priority: number;
  rule: string;
}

const fromRow = (r: Row): RoutingRule => RoutingRuleSchema.parse(JSON.parse(r.rule));

/** The rules owned by any of `owners`. */
export async function listRules(knex: Knex, owners: readonly string[]): Promise<RoutingRule[]> {
  if (owners.length === 0) return [];
  return ((await knex<Row>('routing_rules').whereIn('owner_org', [...owners]).orderBy(['owner_org', 'priority', 'id'])) as Row[]).map(fromRow);
}

/** One rule, by id. */
export async function getRule(knex: Knex, id: string): Promise<RoutingRule | undefined> {
  const row = (await knex<Row>('routing_rules').where({ id }).first()) as Row | undefined;
  return row && fromRow(row);
}

/** Inserts or replaces a rule (the caller has checked who may). */
export async function saveRule(knex: Knex, rule: RoutingRule, by: string, at: string): Promise<void> {
  const row = { id: rule.id, owner_org: rule.ownerOrg, title: rule.title, priority: rule.priority, rule: JSON.stringify(rule), updated_by: by, updated_at: at };
  await knex('routing_rules').insert(row).onConflict('id').merge();
}

/** Deletes a rule; false when there was none. */
export async function deleteRule(knex: Knex, id: string): Promise<boolean> {
  return (await knex('routing_rules').where({ id }).delete()) > 0;
}

/**
 * Chooses the rule for a case and computes whom it names. `ancestry` is the
 * case org's ancestry (the org first); `rules` those owned along it;
 * `departmentsOf` reads the industry table that governs the case's org.
 * Undefined when no rule matches. Pure but for its two look-ups.
 */
export function chooseRule(c: RoutableCase, ancestry: readonly OrgRecord[], rules: readonly RoutingRule[]): RoutingRule | undefined {
  for (const owner of ancestry) {
    const mine = rules
      .filter((r) => r.ownerOrg === owner.id && r.workflows.includes(c.workflowId) && (r.industries.length === 0 || (c.industry !== null && r.industries.includes(c.industry))))
      .sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1));
    if (mine[0]) return mine[0];
  }
  return undefined;
}

/** The grid and township a rule names for a case: `gridAncestry` is the chosen grid's ancestry (the grid first). */
export function gridOf(rule: RoutingRule, c: RoutableCase, caseAncestry: readonly OrgRecord[]): string | null {
  if (rule.grid.from === 'org') return rule.grid.org;
  if (c.enterprise?.parentId) return c.enterprise.parentId;
  return caseAncestry.find((o) => o.level === 'grid')?.id ?? null;
}
