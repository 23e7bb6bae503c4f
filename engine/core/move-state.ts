/**
 * Moving a case to a state no transition leads to: the administrative moves
 * (跳转, 退回, 拿回 restore their target directly) and migrations to another
 * definition version. The tasks and deadlines are recomputed by difference:
 * what stays active keeps its task, holder and running clock; what is left
 * closes and stops; what is entered opens and starts; the timers follow.
 * Pure.
 */
import type { CompiledWorkflow, MachineContext } from './compile.js';
import type { DeadlineState } from './deadline-state.js';
import { applyPauses, deadlineDef, startDeadlines, timersOf, type StepEnv } from './deadlines.js';
import type { Effect } from './effects.js';
import { openTaskEffect } from './decide.js';
import { activeNodeIds } from './state-tree.js';
import { formatStateValue, type CaseState, type StateValue } from './types.js';

/** The context xstate resolves a state value with. */
export function machineContext(state: Pick<CaseState, 'data' | 'caseId' | 'org' | 'parent' | 'children' | 'responsible'>): MachineContext {
  return { data: state.data, caseId: state.caseId, org: state.org, parentId: state.parent?.caseId, children: state.children, routedOrg: state.responsible?.taskOrg ?? undefined };
}

/** `a.b.c` → `{ a: { b: 'c' } }`. */
export function pathToValue(path: string): StateValue {
  const keys = path.split('.');
  let value: StateValue = keys[keys.length - 1]!;
  for (let i = keys.length - 2; i >= 0; i--) value = { [keys[i]!]: value };
  return value;
}

/** The full state value of `wf` around `value`: initial children filled in, as xstate enters them. */
export function resolveValue(wf: CompiledWorkflow, value: StateValue, state: Pick<CaseState, 'data' | 'caseId' | 'org' | 'parent' | 'children'>): { value: StateValue; done: boolean } {
  const snapshot = wf.machine.resolveState({ value, context: machineContext(state) });
  return { value: snapshot.value as StateValue, done: snapshot.status === 'done' };
}

/** The active leaf states of a value (no active child), by id. */
export function activeLeaves(value: StateValue): string[] {
  const ids = activeNodeIds(value);
  return ids.filter((id) => !ids.some((other) => other.startsWith(`${id}.`)));
}

export interface MoveRequest {
  /** The definition the case is on now, and the one it is on after (the same unless migrating). */
  from: CompiledWorkflow;
  to: CompiledWorkflow;
  prev: CaseState;
  /** The full value after the move (see {@link resolveValue}). */
  value: StateValue;
  data: CaseState['data'];
  /** The case ends here (a final state, or a termination). */
  done: boolean;
}

/** A task of `from` stays open across the move when its state stays active and offers the same role. */
function keptTask(req: MoveRequest, id: string, stillActive: Set<string>): boolean {
  const before = req.from.tree.byId.get(id)?.def.task;
  const after = req.to.tree.byId.get(id)?.def.task;
  return !req.done && stillActive.has(id) && before !== undefined && after !== undefined && before.role === after.role;
}

/**
 * Applies a move: the next state (seq advanced) and the task, deadline and
 * timer effects. Deadlines of states that stay active keep running (a new
 * definition re-arms their timers when its reminders differ); entered states
 * start theirs. Pure.
 */
export function moveCase(req: MoveRequest, now: Date, env: StepEnv): { state: CaseState; effects: Effect[] } {
  const { from, to, prev } = req;
  const seq = prev.seq + 1;
  const effects: Effect[] = [];
  const nextId = () => `${prev.caseId}/${seq}/${effects.length}`;
  const before = new Set(activeNodeIds(prev.value));
  const after = new Set(req.done ? [] : activeNodeIds(req.value));
  const base: CaseState = { ...prev, value: req.value, data: req.data, seq, status: req.done ? 'done' : 'active' };

  let deadlines: DeadlineState[] = [];
  for (const dl of prev.deadlines) {
    if (!after.has(dl.stateId) || !deadlineDef(to, dl.stateId, dl.deadlineId)) continue;
    const same = (wf: CompiledWorkflow) => timersOf(wf, prev.caseId, [dl], env).map((t) => `${t.timerKey}@${t.dueAt}`).join();
    // A new definition whose reminders fall elsewhere re-arms the deadline's timers under a new generation.
    deadlines.push(from === to || same(from) === same(to) ? dl : { ...dl, generation: dl.generation + 1 });
  }
  for (const id of after) {
    if (!to.deadlines.has(id)) continue;
    const running = new Set(deadlines.filter((d) => d.stateId === id).map((d) => d.deadlineId));
    const entered = !before.has(id) || from !== to;
    if (entered) deadlines.push(...startDeadlines(to, id, req.data, seq, now, env).filter((d) => !running.has(d.deadlineId)));
  }
  if (deadlines.length > 0) deadlines = applyPauses(to, deadlines, after, now, env);

  const tasksOf = (wf: CompiledWorkflow, ids: Set<string>) => [...ids].filter((id) => wf.tree.byId.get(id)?.def.task);
  const kept = new Set(tasksOf(from, before).filter((id) => keptTask(req, id, after)));
  for (const id of tasksOf(from, before)) if (!kept.has(id)) effects.push({ type: 'close-task', id: nextId(), taskKey: `${prev.caseId}:${id}`, stateId: id });
  const assignments = Object.fromEntries(Object.entries(prev.assignments ?? {}).filter(([id]) => kept.has(id)));
  const { assignments: _a, ...rest } = base;
  const state: CaseState = { ...rest, deadlines, ...(Object.keys(assignments).length > 0 ? { assignments } : {}) };
  for (const id of tasksOf(to, after)) if (!kept.has(id)) effects.push(openTaskEffect(to, state, id, nextId()));

  const old = new Set(timersOf(from, prev.caseId, prev.deadlines, env).map((t) => t.timerKey));
  const next = timersOf(to, prev.caseId, deadlines, env);
  const keep = new Set(next.map((t) => t.timerKey));
  for (const key of old) if (!keep.has(key)) effects.push({ type: 'cancel-timer', id: nextId(), timerKey: key });
  for (const t of next) if (!old.has(t.timerKey)) effects.push({ type: 'set-timer', id: nextId(), ...t });
  if (req.done) {
    const finalState = formatStateValue(state.value);
    effects.push({ type: 'case-closed', id: nextId(), finalState });
    if (state.parent) effects.push({ type: 'signal-parent', id: nextId(), parentCaseId: state.parent.caseId, childCaseId: state.caseId, finalState });
  }
  return { state, effects };
}
