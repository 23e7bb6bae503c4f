/**
 * Administrative moves, as built-in events recorded in the history (issue 15):
 * `case.terminate` (终止: end a case early, by the roles the definition names),
 * `case.jump` (跳转: an admin moves a case to any state), `case.sendBack`
 * (退回: a task's holder sends the case back to an earlier state the
 * definition allows) and `task.takeBack` (拿回: whoever moved the case takes
 * it back while the next handler has not opened the task). Each records who,
 * why and from where; tasks, deadlines and timers are recomputed. Pure.
 */
import { z } from 'zod';
import { ForbiddenError, InvalidInputError, InvalidTransitionError } from '../errors.js';
import { rolesAllow, type CompiledWorkflow } from './compile.js';
import type { StepEnv } from './deadlines.js';
import type { Effect } from './effects.js';
import { finishTaskEvent } from './decide.js';
import { zodIssues } from './field-schema.js';
import { activeLeaves, moveCase, resolveValue } from './move-state.js';
import { activeNodeIds } from './state-tree.js';
import { TaskConflictError, type HistoryView } from './task-events.js';
import { formatStateValue, StateValueSchema, type Actor, type CaseState, type Command, type StateValue } from './types.js';

export const ADMIN_MOVES = ['case.terminate', 'case.jump', 'case.sendBack', 'task.takeBack'] as const;
export type AdminMove = (typeof ADMIN_MOVES)[number];

/** The server's administrator role: the one role that may 跳转. */
export const ADMIN_ROLE = 'admin';

const Reason = z.string().trim().min(1).max(2000);
const StatePath = z.string().min(1).max(300);
export const TerminatePayloadSchema = z.object({ reason: Reason }).strict();
/** `from` is filled in by the step (where the case was); a recorded payload carries it and replay recomputes it. */
export const JumpPayloadSchema = z.object({ to: StatePath, reason: Reason, from: StateValueSchema.optional() }).strict();
/** `from` names the state sending back when several active states could; the step fills it in. */
export const SendBackPayloadSchema = z.object({ to: StatePath, reason: Reason, from: StatePath.optional() }).strict();
export const TakeBackPayloadSchema = z.object({ seq: z.number().int().positive(), reason: Reason }).strict();

export function isAdminMove(type: string): type is AdminMove {
  return (ADMIN_MOVES as readonly string[]).includes(type);
}

function parse<T>(schema: z.ZodType<T>, payload: unknown, type: string): T {
  const r = schema.safeParse(payload ?? {});
  if (!r.success) throw new InvalidInputError(`payload of "${type}" is invalid`, zodIssues(r.error, ['payload']), { event: type });
  return r.data;
}

/**
 * The value of `wf` with the state at `path` made active and everything else
 * kept where it can be: a compound ancestor switches to the branch of the
 * path, a parallel ancestor keeps its other regions as they are.
 */
export function placeValue(wf: CompiledWorkflow, current: StateValue, path: string): StateValue {
  const keys = path.split('.');
  const place = (value: StateValue | undefined, prefix: string[], rest: string[]): StateValue | undefined => {
    const [k, ...below] = rest as [string, ...string[]];
    const node = prefix.length === 0 ? wf.tree.root : wf.tree.byId.get(prefix.join('.'))!;
    const childValue = typeof value === 'object' ? value[k] : value === k ? k : undefined;
    const sub = below.length === 0 ? undefined : place(typeof childValue === 'object' ? childValue : undefined, [...prefix, k], below);
    if (node.kind !== 'parallel') return sub === undefined ? k : { [k]: sub };
    // A region: keep the others; one left out is entered at its initial state by the resolution.
    const { [k]: _old, ...others } = typeof value === 'object' ? value : {};
    return sub === undefined ? others : { ...others, [k]: sub };
  };
  return place(current, [], keys) ?? keys[0]!;
}

/** A move's result: the next state, its effects and the payload as recorded. */
export interface MoveOutcome {
  state: CaseState;
  effects: Effect[];
  payload: Record<string, unknown>;
}

/** The active states that may send back to `to` for `actor`, and those that declare 退回 at all. */
export function sendBackSources(wf: CompiledWorkflow, state: CaseState, actor: Actor): { id: string; to: string[] }[] {
  const out: { id: string; to: string[] }[] = [];
  for (const id of activeNodeIds(state.value)) {
    const node = wf.tree.byId.get(id);
    const sb = node?.def.sendBack;
    if (!node || !sb) continue;
    const roles = sb.roles ?? (node.def.task ? [node.def.task.role] : []);
    const holder = state.assignments?.[id]?.userId;
    if (rolesAllow(roles, actor) && (holder === undefined || holder === actor.id)) out.push({ id, to: sb.to });
  }
  return out;
}

/** Applies an administrative move (see the module comment for the refusals). Pure. */
export function stepAdminMove(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, env: StepEnv): MoveOutcome {
  const type = cmd.type as AdminMove;
  const where = formatStateValue(current.value);
  const same = { from: wf, to: wf, prev: current, data: current.data };
  switch (type) {
    case 'case.terminate': {
      const p = parse(TerminatePayloadSchema, cmd.payload, type);
      const roles = wf.definition.terminate?.roles;
      if (!roles || !rolesAllow(roles, cmd.actor)) throw new ForbiddenError(roles ? `terminating a case needs one of the roles ${roles.join(', ')}` : `the definition ${wf.ref} lets nobody terminate its cases`, { event: type, roles: roles ?? [], actorRoles: cmd.actor.roles });
      const moved = moveCase({ ...same, value: current.value, done: true }, now, env);
      return { ...moved, state: { ...moved.state, terminated: { at: now.toISOString(), by: cmd.actor.id, reason: p.reason } }, payload: { reason: p.reason } };
    }
    case 'case.jump': {
      const p = parse(JumpPayloadSchema, cmd.payload, type);
      if (!cmd.actor.roles.includes(ADMIN_ROLE)) throw new ForbiddenError('only an administrator moves a case to any state (跳转)', { event: type, roles: [ADMIN_ROLE], actorRoles: cmd.actor.roles });
      const target = resolveTarget(wf, current, p.to);
      return { ...moveCase({ ...same, ...target }, now, env), payload: { to: p.to, reason: p.reason, from: current.value } };
    }
    case 'case.sendBack': {
      const p = parse(SendBackPayloadSchema, cmd.payload, type);
      const declaring = activeNodeIds(current.value).filter((id) => wf.tree.byId.get(id)?.def.sendBack);
      if (declaring.length === 0) throw new InvalidTransitionError(type, where, []);
      const mine = sendBackSources(wf, current, cmd.actor).filter((s) => p.from === undefined || s.id === p.from);
      if (mine.length === 0) throw new ForbiddenError(`sending back from ${declaring.join(', ')} needs the task's role (and the task, if someone holds it)`, { event: type, state: where, actorRoles: cmd.actor.roles });
      const source = mine.find((s) => s.to.includes(p.to));
      if (!source) throw new InvalidInputError(`"${p.to}" is not a state this case may be sent back to`, [{ code: 'not_a_send_back_target', path: ['payload', 'to'], message: `allowed: ${[...new Set(mine.flatMap((s) => s.to))].join(', ')}` }], { event: type });
      const target = resolveTarget(wf, current, p.to);
      return { ...moveCase({ ...same, ...target }, now, env), payload: { to: p.to, reason: p.reason, from: source.id } };
    }
    case 'task.takeBack':
      return takeBack(wf, current, parse(TakeBackPayloadSchema, cmd.payload, type), cmd.actor, now, env);
  }
}

/** The full value and end of a move to the state at `path`; `invalid_input` for an unknown state or no move at all. */
function resolveTarget(wf: CompiledWorkflow, current: CaseState, path: string): { value: StateValue; done: boolean } {
  if (!wf.tree.byId.has(path)) throw new InvalidInputError(`"${path}" is not a state of ${wf.ref}`, [{ code: 'unknown_state', path: ['payload', 'to'], message: 'a dotted path from the root, e.g. "reported"' }]);
  const resolved = resolveValue(wf, placeValue(wf, current.value, path), current);
  if (activeLeaves(resolved.value).join() === activeLeaves(current.value).join()) throw new InvalidInputError(`the case is already in ${path}`, [{ code: 'same_state', path: ['payload', 'to'], message: 'choose another state' }]);
  return resolved;
}

/**
 * 拿回: the sender of the last event takes the case back to the state before
 * it, provided a state that event entered allows it and nobody has opened the
 * task there (`env.openedTasks`, which the runtime reads; replay trusts the
 * record). The restored state's deadlines run on as they were.
 */
function takeBack(wf: CompiledWorkflow, current: CaseState, p: z.infer<typeof TakeBackPayloadSchema>, actor: Actor, now: Date, env: StepEnv & { history?: HistoryView | undefined }): MoveOutcome {
  const history = env.history;
  if (!history) throw new TaskConflictError('the history needed to take back is not available');
  const last = history.lastEvent;
  if (p.seq !== last.seq || p.seq !== current.seq) throw new TaskConflictError(`only the last event (#${current.seq}) can be taken back, before anyone else acts`, { seq: p.seq, last: current.seq });
  if (last.actorId !== actor.id) throw new ForbiddenError(`event #${last.seq} was sent by ${last.actorId}; only they may take it back`, { seq: last.seq });
  if (last.type.includes('.')) throw new TaskConflictError(`event #${last.seq} (${last.type}) did not hand the case on and cannot be taken back`, { seq: last.seq, type: last.type });
  const before = history.stateBefore;
  const was = new Set(activeNodeIds(before.value));
  const entered = activeNodeIds(current.value).filter((id) => !was.has(id) && wf.tree.byId.get(id)?.def.task);
  const allowing = entered.filter((id) => wf.tree.byId.get(id)?.def.takeBack);
  if (entered.length === 0 || allowing.length < entered.length) throw new ForbiddenError(`the definition does not allow taking back the task${entered.length > 1 ? 's' : ''} ${entered.join(', ') || '(none opened)'}`, { seq: last.seq, tasks: entered });
  const opened = entered.filter((id) => env.openedTasks?.has(id));
  if (opened.length > 0) throw new TaskConflictError(`the next handler has already opened ${opened.join(', ')}`, { seq: last.seq, opened });
  if ((before.children?.length ?? 0) !== (current.children?.length ?? 0)) throw new TaskConflictError(`event #${last.seq} started child cases; it cannot be taken back`, { seq: last.seq });
  const { state, effects } = finishTaskEvent(wf, current, { ...before, seq: current.seq + 1 }, now, env);
  return { state, effects, payload: { seq: p.seq, reason: p.reason } };
}

/** The administrative moves an actor may make on a case now (拿回 aside: it depends on the history and the task rows). */
export interface AvailableMoves {
  terminate: boolean;
  /** 跳转: an administrator may move the case to any state. */
  jump: boolean;
  /** 退回: from which active state to which earlier ones. */
  sendBack: { id: string; to: string[] }[];
}

/** What `actor` may do of 终止, 跳转 and 退回 on `state`; nothing on a closed case or for an auditor. Pure. */
export function availableMoves(wf: CompiledWorkflow, state: CaseState, actor: Actor): AvailableMoves {
  if (state.status === 'done' || actor.roles.includes('auditor')) return { terminate: false, jump: false, sendBack: [] };
  const roles = wf.definition.terminate?.roles;
  return { terminate: roles !== undefined && rolesAllow(roles, actor), jump: actor.roles.includes(ADMIN_ROLE), sendBack: sendBackSources(wf, state, actor) };
}
