/**
 * Task operations Chinese offices expect, as built-in events recorded in the
 * history: `task.claim` (take a task offered to one's role), `task.transfer`
 * (转办: hand it to another person) and `task.withdraw` (撤回: take back one's
 * own last action before anyone else acted on the case). Sending back (退回)
 * is each workflow's own event. Pure.
 */
import { z } from 'zod';
import { EngineError, ForbiddenError, InvalidInputError } from '../errors.js';
import type { CompiledWorkflow } from './compile.js';
import type { CaseState, Command } from './types.js';
import { activeNodeIds } from './state-tree.js';
import { zodIssues } from './field-schema.js';

export const TASK_EVENTS = ['task.claim', 'task.transfer', 'task.withdraw'] as const;
export type TaskEvent = (typeof TASK_EVENTS)[number];

export const ClaimPayloadSchema = z.object({ task: z.string().min(1).max(300) }).strict();
export const TransferPayloadSchema = z.object({ task: z.string().min(1).max(300), to: z.string().min(1).max(200), reason: z.string().min(1).max(2000) }).strict();
export const WithdrawPayloadSchema = z.object({ seq: z.number().int().positive(), reason: z.string().max(2000).optional() }).strict();

/** What `task.withdraw` needs from the history: the last event and the state before it. */
export interface HistoryView {
  lastEvent: { seq: number; type: string; actorId: string };
  stateBefore: CaseState;
}

/** A task operation refused for a reason of the case, not of the caller's rights. */
export class TaskConflictError extends EngineError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('task_conflict', message, details);
  }
}

export function isTaskEvent(type: string): type is TaskEvent {
  return (TASK_EVENTS as readonly string[]).includes(type);
}

function parse<T>(schema: z.ZodType<T>, payload: unknown, type: string): T {
  const r = schema.safeParse(payload ?? {});
  if (!r.success) throw new InvalidInputError(`payload of "${type}" is invalid`, zodIssues(r.error, ['payload']), { event: type });
  return r.data;
}

function taskRole(wf: CompiledWorkflow, state: CaseState, task: string): string {
  const node = wf.tree.byId.get(task);
  if (!node?.def.task || !activeNodeIds(state.value).includes(task)) {
    throw new TaskConflictError(`case ${state.caseId} has no open task "${task}"`, { task, open: activeNodeIds(state.value).filter((id) => wf.tree.byId.get(id)?.def.task) });
  }
  return node.def.task.role;
}

/**
 * Applies a claim or transfer to the case's assignments, or computes the state
 * a withdrawal restores. Returns the next state (same seq as `current`; the
 * caller advances it).
 */
export function stepTaskEvent(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, history: HistoryView | undefined): { state: CaseState; payload: Record<string, unknown> } {
  const type = cmd.type as TaskEvent;
  const at = now.toISOString();
  switch (type) {
    case 'task.claim': {
      const p = parse(ClaimPayloadSchema, cmd.payload, type);
      const role = taskRole(wf, current, p.task);
      if (!cmd.actor.roles.includes(role)) throw new ForbiddenError(`task "${p.task}" is offered to role ${role}`, { task: p.task, roles: [role], actorRoles: cmd.actor.roles });
      const holder = current.assignments?.[p.task];
      if (holder && holder.userId !== cmd.actor.id) throw new TaskConflictError(`task "${p.task}" is held by ${holder.userId}`, { task: p.task, assignee: holder.userId });
      return { state: { ...current, assignments: { ...current.assignments, [p.task]: { userId: cmd.actor.id, at, by: cmd.actor.id } } }, payload: p };
    }
    case 'task.transfer': {
      const p = parse(TransferPayloadSchema, cmd.payload, type);
      const role = taskRole(wf, current, p.task);
      const holder = current.assignments?.[p.task];
      // The holder hands it on; an unclaimed task may be passed on by anyone it is offered to.
      const may = holder ? holder.userId === cmd.actor.id : cmd.actor.roles.includes(role);
      if (!may) throw new ForbiddenError(`only ${holder ? holder.userId : `a ${role}`} may transfer task "${p.task}"`, { task: p.task, assignee: holder?.userId });
      return { state: { ...current, assignments: { ...current.assignments, [p.task]: { userId: p.to, at, by: cmd.actor.id, reason: p.reason } } }, payload: p };
    }
    case 'task.withdraw': {
      const p = parse(WithdrawPayloadSchema, cmd.payload, type);
      if (!history) throw new TaskConflictError('the history needed to withdraw is not available');
      const last = history.lastEvent;
      if (p.seq !== last.seq || p.seq !== current.seq) throw new TaskConflictError(`only the last event (#${current.seq}) can be withdrawn, and only before anyone else acts`, { seq: p.seq, last: current.seq });
      if (last.actorId !== cmd.actor.id) throw new ForbiddenError(`event #${last.seq} was sent by ${last.actorId}; only they may withdraw it`, { seq: last.seq });
      if (last.type.includes('.')) throw new TaskConflictError(`event #${last.seq} (${last.type}) is not a workflow action and cannot be withdrawn`, { seq: last.seq, type: last.type });
      const before = history.stateBefore;
      if ((before.children?.length ?? 0) !== (current.children?.length ?? 0)) throw new TaskConflictError(`event #${last.seq} started child cases; it cannot be withdrawn`, { seq: last.seq });
      // The case goes back to the state recorded before that event; seq keeps counting, the history keeps both.
      return { state: { ...before, seq: current.seq }, payload: p };
    }
  }
}
