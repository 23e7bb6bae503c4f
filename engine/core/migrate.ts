/**
 * Migrating a running case to another version of its definition (issue 15):
 * a mapping of old state paths to new ones, with data transforms as JSON
 * Logic over the old case (`data.*`, `case.*`), validated against both
 * definitions before anything runs. A case is covered when every active leaf
 * state (or an ancestor of it) is mapped and the transformed data fits the
 * new schema; the move recomputes tasks, deadlines and timers. Pure.
 */
import { z } from 'zod';
import { InvalidInputError, type Issue } from '../errors.js';
import { expressionContext, machineContext, type CompiledWorkflow } from './compile.js';
import type { StepEnv } from './deadlines.js';
import type { Effect } from './effects.js';
import { analyseExpression, evaluate, ExpressionSchema } from './expression.js';
import { zodIssues } from './field-schema.js';
import { placeValue } from './admin-moves.js';
import { activeLeaves, moveCase, pathToValue, resolveValue } from './move-state.js';
import { activeNodeIds } from './state-tree.js';
import type { CaseState, StateValue } from './types.js';

/** The event a migration appends to each case it moves. */
export const CASE_MIGRATED = 'case.migrated';

const StatePath = z.string().min(1).max(300);
/** A migration mapping, as authors write it (JSON). */
export const MigrationMapSchema = z
  .object({
    states: z.record(StatePath, StatePath).describe('old state path → new state path; an old compound state covers the states inside it'),
    data: z.record(z.string().min(1).max(100), ExpressionSchema).optional().describe('new data field → JSON Logic over the old case (data.*, case.*); null removes the field'),
    drop: z.array(z.string().min(1).max(100)).max(500).optional().describe('old data fields the new version no longer has'),
  })
  .strict();
export type MigrationMap = z.infer<typeof MigrationMapSchema>;

/** The payload of `case.migrated`: both versions, the mapping and its hash, where the case was and is. */
export const MigratedPayloadSchema = z
  .object({ fromVersion: z.number().int().positive(), toVersion: z.number().int().positive(), mapHash: z.string().min(1), map: MigrationMapSchema, from: z.unknown(), to: z.unknown() })
  .strict();
export type MigratedPayload = z.infer<typeof MigratedPayloadSchema>;

/**
 * Parses a mapping and checks it against both definitions: every old path is
 * a state of `from`, every new path one of `to`, every transformed field a
 * field of the new data, every expression well formed and reading old fields.
 * Throws `invalid_input` with every problem and its path. Pure.
 */
export function validateMigrationMap(from: CompiledWorkflow, to: CompiledWorkflow, input: unknown): MigrationMap {
  const parsed = MigrationMapSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInputError('the mapping is malformed', zodIssues(parsed.error, ['map']));
  const map = parsed.data;
  const issues: Issue[] = [];
  const add = (code: string, path: (string | number)[], message: string) => issues.push({ code, path: ['map', ...path], message });
  if (from.definition.id !== to.definition.id) add('other_workflow', [], `${from.ref} and ${to.ref} are not versions of one workflow`);
  if (from.definition.version === to.definition.version) add('same_version', [], `both versions are ${from.definition.version}`);
  for (const [old, next] of Object.entries(map.states)) {
    const o = from.tree.byId.get(old);
    if (!o) add('unknown_state', ['states', old], `"${old}" is not a state of ${from.ref}`);
    else if (o.kind === 'final') add('final_state', ['states', old], `"${old}" is final: closed cases are not migrated`);
    if (!to.tree.byId.has(next)) add('unknown_state', ['states', old], `"${next}" is not a state of ${to.ref}`);
  }
  const oldFields = from.definition.data.properties;
  for (const [field, rule] of Object.entries(map.data ?? {})) {
    if (!(field in to.definition.data.properties)) add('unknown_field', ['data', field], `"${field}" is not a data field of ${to.ref}`);
    const { vars, problems } = analyseExpression(rule);
    for (const p of problems) add(p.code, ['data', field, ...p.at], p.message);
    for (const v of vars) {
      const [root, name] = v.path.split('.');
      if (root === 'data' && name !== undefined && !(name in oldFields)) add('unknown_field', ['data', field, ...v.at], `"${v.path}" is not a data field of ${from.ref}`);
      else if (root !== 'data' && root !== 'case') add('unknown_variable', ['data', field, ...v.at], `"${v.path}": a transform reads data.* and case.* only`);
    }
  }
  (map.drop ?? []).forEach((field, i) => {
    if (!(field in oldFields)) add('unknown_field', ['drop', i], `"${field}" is not a data field of ${from.ref}`);
  });
  if (issues.length > 0) throw new InvalidInputError(`the mapping does not fit ${from.ref} → ${to.ref}`, issues);
  return map;
}

/** Where a case would go, or why the mapping does not cover it. */
export type MigrationPlan =
  | { covered: true; value: StateValue; done: boolean; data: CaseState['data'] }
  | { covered: false; reason: 'unmapped_state' | 'conflicting_targets' | 'invalid_data'; states: string[]; issues?: Issue[] };

/** Plans one case's migration (a validated mapping). Pure. */
export function planMigration(from: CompiledWorkflow, to: CompiledWorkflow, state: CaseState, map: MigrationMap): MigrationPlan {
  const leaves = activeLeaves(state.value);
  const targets: string[] = [];
  const unmapped: string[] = [];
  for (const leaf of leaves) {
    const keys = leaf.split('.');
    let target: string | undefined;
    for (let n = keys.length; n > 0 && target === undefined; n--) target = map.states[keys.slice(0, n).join('.')];
    if (target === undefined) unmapped.push(leaf);
    else if (!targets.includes(target)) targets.push(target);
  }
  if (unmapped.length > 0 || targets.length === 0) return { covered: false, reason: 'unmapped_state', states: unmapped };
  let value: StateValue = pathToValue(targets[0]!);
  for (const t of targets.slice(1)) value = placeValue(to, value, t);
  const active = activeNodeIds(value);
  const lost = targets.filter((t) => !active.includes(t));
  if (lost.length > 0) return { covered: false, reason: 'conflicting_targets', states: targets };
  const resolved = resolveValue(to, value, state);
  const ctx = expressionContext(machineContext(state), {});
  const data: Record<string, unknown> = { ...state.data };
  for (const field of map.drop ?? []) delete data[field];
  for (const [field, rule] of Object.entries(map.data ?? {})) {
    const v = evaluate(rule, ctx);
    if (v === null || v === undefined) delete data[field];
    else data[field] = v;
  }
  const check = to.dataValidator.safeParse(data);
  if (!check.success) return { covered: false, reason: 'invalid_data', states: leaves, issues: zodIssues(check.error, ['data']) };
  return { covered: true, value: resolved.value, done: resolved.done, data: check.data as CaseState['data'] };
}

/**
 * Migrates one case: the state on `to`, the effects (tasks, deadlines,
 * timers recomputed) and the payload `case.migrated` records. Throws
 * `invalid_input` (`not_covered`) for a case the mapping does not cover.
 * Replay calls it with the recorded mapping and gets the same state. Pure.
 */
export function decideMigration(from: CompiledWorkflow, to: CompiledWorkflow, state: CaseState, map: MigrationMap, mapHash: string, now: Date, env: StepEnv): { state: CaseState; effects: Effect[]; payload: MigratedPayload } {
  const plan = planMigration(from, to, state, map);
  if (!plan.covered) throw new InvalidInputError(`case ${state.caseId} is not covered by the mapping (${plan.reason}: ${plan.states.join(', ')})`, plan.issues ?? [{ code: 'not_covered', path: ['map', 'states'], message: plan.reason }]);
  const moved = moveCase({ from, to, prev: state, value: plan.value, data: plan.data, done: plan.done }, now, env);
  return { ...moved, payload: { fromVersion: from.definition.version, toVersion: to.definition.version, mapHash, map, from: state.value, to: moved.state.value } };
}
