/**
 * 委派: the holder of a task hands it to someone who acts (`task.delegate`)
 * and hands it back with their opinion (`task.resolve`); the task returns to
 * the holder, who finishes it. Unlike 转办 (`task.transfer`) the holder never
 * changes. While a task is out, its events, claims and transfers are refused,
 * so it can only come back to the one who delegated it. Pure.
 */
import { z } from 'zod';
import { ForbiddenError } from '../errors.js';
import type { CompiledWorkflow } from './compile.js';
import type { Effect } from './effects.js';
import { parse } from './signatures.js';
import { activeNodeIds } from './state-tree.js';
import { TaskConflictError } from './task-events.js';
import type { CaseState, Command } from './types.js';

export const DELEGATION_EVENTS = ['task.delegate', 'task.resolve'] as const;
export type DelegationEvent = (typeof DELEGATION_EVENTS)[number];

export const DelegatePayloadSchema = z.object({ task: z.string().min(1).max(300), to: z.string().min(1).max(200), reason: z.string().min(1).max(2000) }).strict();
export const ResolvePayloadSchema = z.object({
  task: z.string().min(1).max(300),
  comment: z.string().min(1).max(2000),
  attachments: z.array(z.string().min(1).max(1000)).max(20).optional(),
}).strict();

/**
 * Applies a delegation or its return. Delegating needs the holder (or, for an
 * unclaimed task, someone it is offered to, who thereby holds it); returning
 * needs the person it was delegated to. Throws `forbidden` or `task_conflict`.
 */
export function stepDelegation(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, nextId: () => string): { state: CaseState; payload: Record<string, unknown>; effects: Effect[] } {
  const at = now.toISOString();
  const actor = cmd.actor;
  if (cmd.type === 'task.delegate') {
    const p = parse(DelegatePayloadSchema, cmd.payload, cmd.type);
    const role = plainTask(wf, current, p.task);
    const holder = current.assignments?.[p.task];
    if (holder?.delegatedTo) throw new TaskConflictError(`task "${p.task}" is already delegated to ${holder.delegatedTo.userId}`, { task: p.task, delegate: holder.delegatedTo.userId });
    const may = holder ? holder.userId === actor.id : actor.roles.includes(role);
    if (!may) throw new ForbiddenError(`only ${holder ? holder.userId : `a ${role}`} may delegate task "${p.task}"`, { task: p.task, assignee: holder?.userId });
    if (p.to === actor.id) throw new TaskConflictError('a task cannot be delegated to oneself', { task: p.task });
    const base = holder ?? { userId: actor.id, at, by: actor.id };
    const assignments = { ...current.assignments, [p.task]: { ...base, delegatedTo: { userId: p.to, at, reason: p.reason } } };
    return { state: { ...current, assignments }, payload: p, effects: [{ type: 'assign-task', id: nextId(), taskKey: `${current.caseId}:${p.task}`, assignee: p.to }] };
  }
  const p = parse(ResolvePayloadSchema, cmd.payload, cmd.type);
  plainTask(wf, current, p.task);
  const holder = current.assignments?.[p.task];
  if (!holder?.delegatedTo) throw new TaskConflictError(`task "${p.task}" is not delegated`, { task: p.task });
  if (holder.delegatedTo.userId !== actor.id) throw new ForbiddenError(`task "${p.task}" was delegated to ${holder.delegatedTo.userId}; only they hand it back`, { task: p.task, delegate: holder.delegatedTo.userId });
  const { delegatedTo: _back, ...kept } = holder;
  return {
    state: { ...current, assignments: { ...current.assignments, [p.task]: kept } },
    payload: p,
    effects: [{ type: 'assign-task', id: nextId(), taskKey: `${current.caseId}:${p.task}`, assignee: holder.userId }],
  };
}

/** The role of an open, single-person task, or task_conflict (a multi-person task is signed, not delegated). */
function plainTask(wf: CompiledWorkflow, state: CaseState, task: string): string {
  const def = wf.tree.byId.get(task)?.def.task;
  if (!def || !activeNodeIds(state.value).includes(task)) throw new TaskConflictError(`case ${state.caseId} has no open task "${task}"`, { task });
  if (def.sign) throw new TaskConflictError(`task "${task}" is signed by several people; add or remove signers instead of delegating`, { task });
  return def.role;
}

/** The open tasks of a case that are out on delegation. Pure. */
export function delegatedTasks(state: CaseState): string[] {
  return Object.entries(state.assignments ?? {}).flatMap(([id, a]) => (a.delegatedTo ? [id] : []));
}

/**
 * The workflow events a delegated task holds back: its form's events (all its
 * state's events when it names none), until the delegate hands it back. Pure.
 */
export function heldBackEvents(wf: CompiledWorkflow, state: CaseState): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of delegatedTasks(state)) {
    const node = wf.tree.byId.get(id);
    const events = node?.def.task?.events ?? Object.keys(node?.def.on ?? {});
    for (const e of events) out.set(e, id);
  }
  return out;
}

/** Refuses a workflow event, claim or transfer of a task that is out on delegation (task_conflict). Pure. */
export function assertNotDelegated(wf: CompiledWorkflow, state: CaseState, cmd: Command): void {
  if (!state.assignments) return;
  const task = cmd.type === 'task.claim' || cmd.type === 'task.transfer' ? String(cmd.payload?.task ?? '') : heldBackEvents(wf, state).get(cmd.type);
  const out = task ? state.assignments[task]?.delegatedTo : undefined;
  if (task && out) throw new TaskConflictError(`task "${task}" is delegated to ${out.userId}; it comes back when they hand it back`, { task, delegate: out.userId, event: cmd.type });
}
