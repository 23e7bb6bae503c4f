/**
 * The pure heart of the engine: applies one command to a case state with
 * xstate's pure `transition`, and returns the next state and the effects to
 * run. Nothing is executed here. Pure.
 */
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { CaseClosedError, EngineError, ExpressionBudgetExceededError, ForbiddenError, GuardFailedError, InvalidDataError, InvalidInputError, InvalidTransitionError, SystemOnlyEventError, type Issue } from '../errors.js';
import { EMPTY_INPUT, expressionContext, isSystemActor, rolesAllow, SYSTEM_ROLE, type CompiledWorkflow, type MachineContext, type MachineEvent } from './compile.js';
import type { DeadlineState } from './deadline-state.js';
import { applyPauses, startDeadlines, timersOf, type StepEnv } from './deadlines.js';
import type { Effect } from './effects.js';
import { evaluate, isTruthy } from './expression.js';
import { validatorFor, zodIssues } from './field-schema.js';
import { activeNodeIds, type StateNodeInfo, type TransitionInfo } from './state-tree.js';
import { assertNotApprovalOnly, extensionApprovalEvents, stepBuiltin, isBuiltinEvent, type RungNotice } from './builtin-events.js';
import { isTaskEvent, stepTaskEvent } from './task-events.js';
import type { NotifyDefinition } from './definition-schema.js';
import { notifyEffects, spawnChildren, type Cause } from './step-effects.js';
import { formatStateValue, type Actor, type CaseState, type Command, type StateValue } from './types.js';

export type { StepEnv } from './deadlines.js';

export interface StepResult {
  state: CaseState;
  effects: Effect[];
  /** The payload as validated (unknown keys rejected, types checked). */
  payload: Record<string, unknown>;
}

export interface NewCase {
  caseId: string;
  org: string;
  data: Record<string, unknown>;
  actor: Actor;
  /** Set when a parent case spawned this one. */
  parent?: CaseState['parent'];
}

/** An xstate action as `transition` returns it. */
type Action = { type: string; params?: unknown };

/**
 * Starts a case: validates the initial data, enters the initial states and
 * starts their deadlines. Pure.
 * @example
 * const { state, effects } = initialStep(wf, { caseId: 'c1', org: 'district-a', data: {}, actor }, now, { calendar });
 */
export function initialStep(wf: CompiledWorkflow, init: NewCase, now: Date, env: StepEnv = {}): StepResult {
  const parent = init.parent;
  // Declared defaults first, so counters start at 0 rather than undefined (JSON Logic's + of undefined is NaN).
  const defaults = Object.fromEntries(Object.entries(wf.definition.data.properties).flatMap(([k, f]) => (f.default === undefined ? [] : [[k, structuredClone(f.default)]])));
  const parsed = wf.dataValidator.safeParse({ ...defaults, ...init.data });
  if (!parsed.success) throw new InvalidInputError(`case data does not match the data schema of ${wf.ref}`, zodIssues(parsed.error, ['data']));
  const data = parsed.data as Record<string, unknown>;
  const [snapshot, actions] = initialTransition(wf.machine, { data, caseId: init.caseId, org: init.org });
  const state: CaseState = { ...toCaseState(snapshot, { caseId: init.caseId, org: init.org, seq: 1 }, []), ...(parent ? { parent } : {}) };
  return { ...finish(wf, undefined, state, actions, now, env, { type: 'case.created', actor: init.actor }), payload: data };
}

/**
 * Applies one command to a case. Throws a typed error when the event is not
 * accepted (`invalid_transition`), the actor's roles do not allow it
 * (`forbidden`), the payload is wrong (`invalid_input`), every guard refuses
 * (`guard_failed`) or the result breaks the data schema (`invalid_data`).
 * Built-in `deadline.*` events (timers, extensions) update deadlines. Pure.
 * @example
 * const { state, effects } = step(wf, current, { type: 'accept', payload: {}, actor }, now, { calendar });
 */
export function step(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, env: StepEnv = {}): StepResult {
  if (current.status === 'done') throw new CaseClosedError(current.caseId, formatStateValue(current.value));
  if (isTaskEvent(cmd.type)) {
    const { state, payload } = stepTaskEvent(wf, current, cmd, now, env.history);
    return { ...finishTaskEvent(wf, current, { ...state, seq: current.seq + 1 }, now, env), payload };
  }
  if (isBuiltinEvent(cmd.type)) {
    const { deadlines, children, payload, followUp, notify } = stepBuiltin(wf, current, cmd, now, env);
    const base: CaseState = { ...current, deadlines, ...(children ? { children } : {}) };
    const cause = { type: cmd.type, actor: cmd.actor };
    if (followUp) {
      // A timer's (or a child's) declared event runs as the system; if the workflow does not accept it now, the builtin is still recorded.
      try {
        const t = transitionCore(wf, base, { type: followUp, payload: {}, actor: cmd.actor }, now);
        return { ...finishTransition(wf, current, base, t.snapshot, t.actions, now, env, cause, notify), payload };
      } catch (err) {
        if (!(err instanceof EngineError) || err.code === 'invalid_data') throw err;
      }
    }
    const state: CaseState = { ...base, seq: current.seq + 1 };
    return { ...finish(wf, current, state, [], now, env, cause, notify), payload };
  }
  assertNotApprovalOnly(wf, current, cmd);
  const t = transitionCore(wf, current, cmd, now);
  return { ...finishTransition(wf, current, current, t.snapshot, t.actions, now, env, { type: cmd.type, actor: cmd.actor }), payload: t.payload };
}

function finishTransition(wf: CompiledWorkflow, prev: CaseState, base: CaseState, snapshot: AnyMachineSnapshot, actions: readonly Action[], now: Date, env: StepEnv, cause: Cause, extra?: RungNotice | RungNotice[]): { state: CaseState; effects: Effect[] } {
  const state: CaseState = {
    ...toCaseState(snapshot, { caseId: prev.caseId, org: prev.org, seq: prev.seq + 1 }, base.deadlines),
    ...(base.parent ? { parent: base.parent } : {}),
    ...(base.children ? { children: base.children } : {}),
    ...(base.assignments ? { assignments: base.assignments } : {}),
  };
  const dataCheck = wf.dataValidator.safeParse(state.data);
  if (!dataCheck.success) throw new InvalidDataError(`the transition would leave the case data invalid`, zodIssues(dataCheck.error, ['data']));
  return finish(wf, prev, state, actions, now, env, cause, extra);
}

/**
 * Completes a task operation: assignment changes become `assign-task` effects;
 * a withdrawal restores the earlier state, so tasks open and close and timers
 * are re-armed by difference rather than by entering states again.
 */
function finishTaskEvent(wf: CompiledWorkflow, prev: CaseState, next: CaseState, now: Date, env: StepEnv): { state: CaseState; effects: Effect[] } {
  const effects: Effect[] = [];
  const nextId = () => `${next.caseId}/${next.seq}/${effects.length}`;
  const taskNodes = (s: CaseState) => new Set(activeNodeIds(s.value).filter((id) => wf.tree.byId.get(id)?.def.task));
  const [was, now2] = [taskNodes(prev), taskNodes(next)];
  for (const id of was) if (!now2.has(id)) effects.push({ type: 'close-task', id: nextId(), taskKey: `${next.caseId}:${id}`, stateId: id });
  for (const id of now2) if (!was.has(id)) effects.push(openTaskEffect(wf, next, id, nextId()));
  for (const id of now2) {
    const before = prev.assignments?.[id]?.userId ?? null;
    const after = next.assignments?.[id]?.userId ?? null;
    // A task opened again by a withdrawal gets its restored holder; an open one, a changed holder.
    const changed = was.has(id) ? before !== after : after !== null;
    if (changed) effects.push({ type: 'assign-task', id: nextId(), taskKey: `${next.caseId}:${id}`, assignee: after });
  }
  pushTimerEffects(wf, prev, next, env, effects, nextId);
  return { state: next, effects };
}

/** Opens the task of state `id` for role@org (the case's org unless the task computes another). */
function openTaskEffect(wf: CompiledWorkflow, state: CaseState, id: string, effectId: string): Effect {
  const task = wf.tree.byId.get(id)!.def.task!;
  const context: MachineContext = { data: state.data, caseId: state.caseId, org: state.org, parentId: state.parent?.caseId, children: state.children };
  const org = task.org === undefined ? state.org : String(evaluate(task.org, expressionContext(context, {})) ?? state.org);
  return { type: 'open-task', id: effectId, taskKey: `${state.caseId}:${id}`, stateId: id, role: task.role, org, title: task.title };
}

/**
 * The timers the next deadlines need replace those of the previous ones:
 * cancel what went, set what is new. Pushes onto `effects`, whose length
 * `nextId` numbers from, so each effect id stays unique.
 */
function pushTimerEffects(wf: CompiledWorkflow, prev: CaseState | undefined, next: CaseState, env: StepEnv, effects: Effect[], nextId: () => string): void {
  const before = new Set((prev ? timersOf(wf, prev.caseId, prev.deadlines, env) : []).map((t) => t.timerKey));
  const after = timersOf(wf, next.caseId, next.deadlines, env);
  const keep = new Set(after.map((t) => t.timerKey));
  for (const key of before) if (!keep.has(key)) effects.push({ type: 'cancel-timer', id: nextId(), timerKey: key });
  for (const t of after) if (!before.has(t.timerKey)) effects.push({ type: 'set-timer', id: nextId(), ...t });
}

/** Selects and runs the transition for a command, with typed errors for every refusal. */
function transitionCore(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date): { snapshot: AnyMachineSnapshot; actions: Action[]; payload: Record<string, unknown> } {
  const where = formatStateValue(current.value);
  const candidates = candidatesFor(wf, current.value, cmd.type);
  if (candidates.length === 0) throw new InvalidTransitionError(cmd.type, where, acceptedEvents(wf, current.value));
  const allowed = candidates.filter((t) => rolesAllow(t.def.roles, cmd.actor));
  if (allowed.length === 0) {
    const roles = [...new Set(candidates.flatMap((t) => t.def.roles ?? []))];
    if (!isSystemActor(cmd.actor) && roles.every((r) => r === SYSTEM_ROLE)) throw new SystemOnlyEventError(cmd.type, { state: where });
    throw new ForbiddenError(`event "${cmd.type}" in state ${where} needs one of the roles ${roles.join(', ')}`, { event: cmd.type, state: where, roles, actorRoles: cmd.actor.roles });
  }
  const context: MachineContext = { data: current.data, caseId: current.caseId, org: current.org, parentId: current.parent?.caseId, children: current.children };
  const nowIso = now.toISOString();
  let payload: Record<string, unknown> | undefined;
  let inputIssues: Issue[] | undefined;
  let parsedAny = false;
  const refused: TransitionInfo[] = [];
  for (const t of allowed) {
    const parsed = validatorFor(t.def.input ?? EMPTY_INPUT).safeParse(cmd.payload ?? {});
    if (!parsed.success) {
      inputIssues ??= zodIssues(parsed.error, ['payload']);
      continue;
    }
    parsedAny = true;
    const candidatePayload = parsed.data as Record<string, unknown>;
    if (t.def.guard === undefined || isTruthy(t.def.guard, expressionContext(context, { payload: candidatePayload, actor: cmd.actor, now: nowIso }))) {
      payload = candidatePayload;
      break;
    }
    refused.push(t);
  }
  if (!payload) {
    if (!parsedAny && inputIssues) throw new InvalidInputError(`payload of "${cmd.type}" does not match its input schema`, inputIssues, { event: cmd.type });
    // The first refusing transition that words its condition speaks for all of them.
    throw new GuardFailedError(cmd.type, where, allowed.map((t) => t.def.guardMessage ?? t.def.guard), refused.find((t) => t.def.guardMessage !== undefined)?.def.guardMessage);
  }
  const before = wf.machine.resolveState({ value: current.value, context });
  const event: MachineEvent = { type: cmd.type, payload, actor: cmd.actor, now: nowIso };
  const [snapshot, actions] = transition(wf.machine, before, event);
  return { snapshot, actions, payload };
}

/** The events some active state of `value` handles, sorted. */
export function acceptedEvents(wf: CompiledWorkflow, value: StateValue): string[] {
  const active = new Set(activeNodeIds(value));
  const out = new Set<string>();
  for (const t of wf.tree.transitions) if (t.event && t.event !== 'onDone' && active.has(t.source.id)) out.add(t.event);
  return [...out].sort();
}

/** An event an actor may send now, with the schema of its payload. */
export interface AvailableEvent {
  type: string;
  input: TransitionInfo['def']['input'];
  target: string | undefined;
}

/**
 * The events `actor` may send now: role allowed and guard true (a guard that
 * reads the payload cannot be judged in advance and is offered). Pure.
 */
export function availableEvents(wf: CompiledWorkflow, state: CaseState, actor: Actor, now: Date): AvailableEvent[] {
  if (state.status === 'done') return [];
  const context: MachineContext = { data: state.data, caseId: state.caseId, org: state.org };
  const out: AvailableEvent[] = [];
  // An extension's approval event is taken by deadline.extend, never offered on its own.
  const approvals = extensionApprovalEvents(wf);
  for (const type of acceptedEvents(wf, state.value).filter((t) => !approvals.has(t))) {
    const usable = candidatesFor(wf, state.value, type).find((t) => {
      if (!rolesAllow(t.def.roles, actor)) return false;
      if (t.def.guard === undefined || JSON.stringify(t.def.guard).includes('"payload')) return true;
      try {
        return isTruthy(t.def.guard, expressionContext(context, { payload: {}, actor, now: now.toISOString() }));
      } catch (err) {
        // A guard over its budget is not offered (fails closed): reading the case must never fail because of it.
        if (err instanceof ExpressionBudgetExceededError) return false;
        throw err;
      }
    });
    if (usable) out.push({ type, input: usable.def.input, target: usable.def.target });
  }
  return out;
}

/** Candidate transitions for an event, deepest active state first (xstate's order). */
function candidatesFor(wf: CompiledWorkflow, value: StateValue, type: string): TransitionInfo[] {
  const active = activeNodeIds(value);
  const depth = new Map(active.map((id) => [id, id.split('.').length]));
  return wf.tree.transitions
    .filter((t) => t.event === type && depth.has(t.source.id))
    .sort((a, b) => (depth.get(b.source.id) ?? 0) - (depth.get(a.source.id) ?? 0));
}

function toCaseState(snapshot: AnyMachineSnapshot, ids: { caseId: string; org: string; seq: number }, deadlines: DeadlineState[]): CaseState {
  const ctx = snapshot.context as MachineContext;
  return {
    caseId: ids.caseId,
    org: ids.org,
    value: snapshot.value as StateValue,
    data: ctx.data as CaseState['data'],
    status: snapshot.status === 'done' ? 'done' : 'active',
    seq: ids.seq,
    deadlines,
  };
}

/**
 * Completes a step: tasks open and close with their states, deadlines start
 * and stop with them and pause where declared, and the timers the new
 * deadlines need replace those of the old ones.
 */
function finish(wf: CompiledWorkflow, prev: CaseState | undefined, next: CaseState, actions: readonly Action[], now: Date, env: StepEnv, cause: Cause, extra?: RungNotice | RungNotice[]): { state: CaseState; effects: Effect[] } {
  const effects: Effect[] = [];
  const nextId = () => `${next.caseId}/${next.seq}/${effects.length}`;
  let deadlines = next.deadlines;
  let children = next.children;
  let assignments = next.assignments;
  const notices: NotifyDefinition[] = [];
  for (const action of actions) {
    if (action.type === 'notify') {
      notices.push(...(action.params as { notify: NotifyDefinition[] }).notify);
      continue;
    }
    const id = (action.params as { id?: string } | undefined)?.id;
    const node: StateNodeInfo | undefined = id ? wf.tree.byId.get(id) : undefined;
    if (!id || !node) continue;
    if (action.type === 'exited') {
      deadlines = deadlines.filter((d) => d.stateId !== id);
      if (assignments?.[id]) {
        const { [id]: _left, ...rest } = assignments;
        assignments = rest;
      }
    }
    if (action.type === 'entered' && node.def.deadlines?.length) deadlines = [...deadlines, ...startDeadlines(wf, id, next.data, next.seq, now, env)];
    if (action.type === 'entered' && node.def.spawn) {
      const spawned = spawnChildren(wf, next, id, cause, now, nextId, env.handOver);
      effects.push(...spawned.effects);
      children = [...(children ?? []), ...spawned.children];
    }
    const task = node.def.task;
    if (!task) continue;
    const taskKey = `${next.caseId}:${id}`;
    if (action.type === 'exited') effects.push({ type: 'close-task', id: nextId(), taskKey, stateId: id });
    if (action.type === 'entered') effects.push(openTaskEffect(wf, next, id, nextId()));
  }
  if (next.status === 'done') deadlines = [];
  deadlines = applyPauses(wf, deadlines, new Set(activeNodeIds(next.value)), now, env);
  const { assignments: _a, ...rest } = next;
  const state: CaseState = { ...rest, deadlines, ...(children ? { children } : {}), ...(assignments && Object.keys(assignments).length ? { assignments } : {}) };
  effects.push(...notifyEffects(wf, state, notices, cause, now, nextId));
  for (const e of [extra ?? []].flat()) effects.push(...notifyEffects(wf, state, [e.notify], cause, now, nextId, e.deadline));
  pushTimerEffects(wf, prev, state, env, effects, nextId);
  if (state.status === 'done') {
    effects.push({ type: 'case-closed', id: nextId(), finalState: formatStateValue(state.value) });
    if (state.parent) effects.push({ type: 'signal-parent', id: nextId(), parentCaseId: state.parent.caseId, childCaseId: state.caseId, finalState: formatStateValue(state.value) });
  }
  return { state, effects };
}
