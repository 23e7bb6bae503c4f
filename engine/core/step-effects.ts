/**
 * Effects a step produces besides tasks and timers: notifications (resolved
 * recipients, the variables to render with) and child cases. Pure.
 */
import { expressionContext, machineContext, type CompiledWorkflow } from './compile.js';
import { confidentialFields } from './confidential.js';
import type { DeadlineState } from './deadline-state.js';
import type { NotifyDefinition, Recipient, TransitionSpawnDefinition } from './definition-schema.js';
import type { NotifyEffect, ResolvedRecipient, SpawnCaseEffect } from './effects.js';
import { evaluate, isTruthy } from './expression.js';
import type { HandOverLookup } from './jurisdiction.js';
import { OrgNotFoundError } from '../errors.js';
import { readDataPath } from './field-schema.js';
import { withDefinitionText } from './deadlines.js';
import { formatStateValue, type Actor, type CaseState, type ChildRef } from './types.js';
import { activeNodeIds } from './state-tree.js';

/** The event that caused the effects, as notifications name it. */
export interface Cause {
  type: string;
  actor: Actor;
  /** The command's validated payload, which a transition's spawn may read (`payload.*`). */
  payload?: Record<string, unknown>;
}


function readField(data: Record<string, unknown>, field: string): string[] {
  const value = readDataPath(data, field);
  const list = Array.isArray(value) ? value : value === undefined || value === null || value === '' ? [] : [value];
  return list.map((v) => String(v));
}

/** Evaluates recipients' org expressions and field references against the state. */
export function resolveRecipients(to: Recipient[], state: CaseState, cause: Cause, now: Date): ResolvedRecipient[] {
  const ctx = expressionContext(machineContext(state), { actor: cause.actor, now: now.toISOString() });
  return to.flatMap((r): ResolvedRecipient[] => {
    if ('role' in r) {
      if (r.org === undefined) return [{ role: r.role, org: state.org }];
      const org = evaluate(r.org, ctx);
      // A list of orgs (every recipient unit of a letter, say) reaches the role in each.
      if (Array.isArray(org)) return [...new Set(org.map(String))].map((o) => ({ role: r.role, org: o }));
      return [{ role: r.role, org: org === null || org === undefined || org === '' ? state.org : String(org) }];
    }
    if ('user' in r) return [{ user: r.user }];
    return [{ field: r.field, values: readField(state.data, r.field) }];
  });
}

/** Builds the notify effects for some notifications of a step. */
export function notifyEffects(wf: CompiledWorkflow, state: CaseState, specs: NotifyDefinition[], cause: Cause, now: Date, nextId: () => string, deadline?: DeadlineState): NotifyEffect[] {
  const confidential: NotifyEffect['confidential'] = {};
  // The short form (roles in their jurisdiction) stays a plain list, as rows written before org scopes existed.
  for (const [name, rule] of confidentialFields(wf.definition)) confidential[name] = rule.org === 'jurisdiction' ? [...rule.roles] : { roles: [...rule.roles], org: rule.org };
  const ctx = expressionContext(machineContext(state), { actor: cause.actor, now: now.toISOString() });
  return specs.filter((spec) => spec.when === undefined || isTruthy(spec.when, ctx)).map((spec) => ({
    type: 'notify',
    id: nextId(),
    template: spec.template,
    kind: spec.kind ?? 'info',
    to: resolveRecipients(spec.to, state, cause, now),
    channels: spec.channels ?? ['inbox', 'email'],
    ...(spec.ack ? { ack: { within: spec.ack.within, chain: spec.ack.chain.map((step) => resolveRecipients(step, state, cause, now)) } } : {}),
    vars: {
      case: { id: state.caseId, org: state.org, workflowId: wf.definition.id, workflowTitle: wf.definition.title, state: formatStateValue(state.value), stateTitle: stateTitleOf(wf, state), seq: state.seq },
      data: state.data,
      event: { type: cause.type, actorId: cause.actor.id, ...(cause.actor.name ? { actorName: cause.actor.name } : {}) },
      ...(deadline ? { deadline: JSON.parse(JSON.stringify(withDefinitionText(wf, deadline))) as Record<string, never> } : {}),
    },
    confidential,
  }));
}

/**
 * What a person calls the state a case is in: the titles of its active leaf
 * states that open a task (all active leaves when none does), joined; a leaf
 * without a title counts by its key. Pages and mails show this, never the path.
 */
export function stateTitleOf(wf: CompiledWorkflow, state: CaseState): { zh: string; en: string } {
  const leaves = activeNodeIds(state.value).map((id) => wf.tree.byId.get(id)).filter((n) => n !== undefined && (n.kind === 'atomic' || n.kind === 'final'));
  const withTask = leaves.filter((n) => n!.def.task !== undefined);
  const chosen = withTask.length > 0 ? withTask : leaves;
  const titles = chosen.map((n) => {
    const t = n!.def.title;
    const key = n!.id.split('.').pop() ?? n!.id;
    return t === undefined ? { zh: key, en: key } : typeof t === 'string' ? { zh: t, en: t } : { zh: t.zh, en: t.en ?? t.zh };
  });
  return { zh: titles.map((t) => t.zh).join('、'), en: titles.map((t) => t.en).join(', ') };
}

/** A rung's `notify`: a template id goes to the role of the deadline state's task. */
export function rungNotify(wf: CompiledWorkflow, stateId: string, notify: string | NotifyDefinition, kind: 'dueSoon' | 'overdue' | 'escalated'): NotifyDefinition | undefined {
  if (typeof notify !== 'string') return notify;
  const task = wf.tree.byId.get(stateId)?.def.task;
  return task ? { template: notify, kind, to: [{ role: task.role, ...(task.org === undefined ? {} : { org: task.org }) }] } : undefined;
}

/** An org id an expression computed, or undefined when it computed nothing usable. */
function orgText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Child ids are derived from the parent, the seq and the item, so replay and retries name the same children. */
export function childCaseId(parentId: string, seq: number, index: number): string {
  return `${parentId}-c${seq}-${index}`;
}

/**
 * The spawn a child came from: its state's `spawn`, or the `spawn` of a
 * transition out of that state that opens the child's workflow. Pure.
 */
export function spawnOfChild(wf: CompiledWorkflow, child: Pick<ChildRef, 'stateId' | 'workflowId'>): TransitionSpawnDefinition | undefined {
  const own = wf.spawns.get(child.stateId);
  if (own && own.workflow === child.workflowId) return own;
  for (const [path, spawn] of wf.transitionSpawns) {
    if (spawn.workflow === child.workflowId && wf.transitions.get(path)?.info.source.id === child.stateId) return spawn;
  }
  return own;
}

/** The children a newly entered state spawns: one per item of its `forEach` list, numbered after the `first` the step already spawned. */
export function spawnChildren(wf: CompiledWorkflow, state: CaseState, stateId: string, cause: Cause, now: Date, nextId: () => string, handOver?: HandOverLookup, first = 0): { effects: SpawnCaseEffect[]; children: ChildRef[] } {
  const spawn = wf.spawns.get(stateId);
  if (!spawn) return { effects: [], children: [] };
  return spawnFrom(spawn, state, stateId, cause, now, nextId, handOver, first);
}

/**
 * The children a transition's `spawn` opens when it is taken (one, or one per
 * item of its `forEach`), numbered after the `first` children the same step
 * already spawned, so their ids stay distinct.
 */
export function spawnFromTransition(wf: CompiledWorkflow, path: string, source: string, state: CaseState, cause: Cause, now: Date, nextId: () => string, handOver: HandOverLookup | undefined, first: number): { effects: SpawnCaseEffect[]; children: ChildRef[] } {
  const spawn = wf.transitionSpawns.get(path);
  if (!spawn) return { effects: [], children: [] };
  return spawnFrom(spawn, state, source, cause, now, nextId, handOver, first);
}

function spawnFrom(spawn: TransitionSpawnDefinition, state: CaseState, stateId: string, cause: Cause, now: Date, nextId: () => string, handOver: HandOverLookup | undefined, first: number): { effects: SpawnCaseEffect[]; children: ChildRef[] } {
  const items = spawn.forEach === undefined ? [null] : readDataPath(state.data, spawn.forEach);
  const list = Array.isArray(items) ? items : [];
  const base = expressionContext(machineContext(state), { actor: cause.actor, now: now.toISOString(), ...(cause.payload ? { payload: cause.payload } : {}) });
  const effects: SpawnCaseEffect[] = [];
  const children: ChildRef[] = [];
  list.forEach((item, i) => {
    const index = first + i;
    const ctx = { ...base, item };
    const rule = spawn.handOver;
    const named = rule ? orgText(evaluate(rule.org, ctx)) : undefined;
    if (rule && named === undefined) throw new OrgNotFoundError('(empty)', `the hand-over of state ${stateId}`);
    // Without a lookup (an engine without an org tree) the named org itself receives the child.
    const org = rule && named !== undefined ? (handOver ? handOver(rule.to, named) : named) : spawn.org === undefined ? state.org : String(evaluate(spawn.org, ctx) ?? state.org);
    if (org === undefined) throw new OrgNotFoundError(named!, `the hand-over of state ${stateId} (${rule!.to})`);
    const data = Object.fromEntries(Object.entries(spawn.input).map(([k, expr]) => [k, evaluate(expr, ctx) ?? null])) as SpawnCaseEffect['data'];
    const childId = childCaseId(state.caseId, state.seq, index);
    const marks = rule && named !== undefined ? { effect: { handOver: { rule: rule.to, named, ...(rule.scope ? { scope: rule.scope } : {}) } }, child: { handOver: rule.to } } : { effect: {}, child: {} };
    effects.push({ type: 'spawn-case', id: nextId(), parentCaseId: state.caseId, childCaseId: childId, workflowId: spawn.workflow, org, data, stateId, index, ...marks.effect });
    children.push({ caseId: childId, workflowId: spawn.workflow, org, stateId, index, finalState: null, ...marks.child });
  });
  return { effects, children };
}
