/**
 * The pure heart of the engine: decides one command against a case state.
 * It chooses the transition once (deepest active state first, then role,
 * input, guard — each judged at most once), hands xstate that decision so the
 * statechart semantics (exits, entries, `always`, `onDone`, assignments) run
 * underneath without choosing again, and returns everything the runtime needs:
 * the transition taken (by its path in the definition), the validated payload,
 * the next state, the effects, the due time of every open task and, when
 * asked, the events the actor may send next. Nothing is executed here. Pure.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { CaseClosedError, EngineError, ExpressionBudgetExceededError, ForbiddenError, GuardFailedError, InvalidDataError, InvalidInputError, InvalidTransitionError, SystemOnlyEventError, type Issue } from '../errors.js';
import { isAuditor } from './access.js';
import { expressionContext, isSystemActor, machineContext, rolesAllow, SYSTEM_ROLE, type CompiledTransition, type CompiledWorkflow, type MachineAction, type MachineContext, type MachineEvent } from './compile.js';
import type { DeadlineState } from './deadline-state.js';
import { applyPauses, startDeadlines, taskDueTimes, timersOf, type StepEnv } from './deadlines.js';
import type { Effect } from './effects.js';
import { evaluate, isTruthy } from './expression.js';
import { zodIssues } from './field-schema.js';
import { activeNodeIds, type StateNodeInfo, type TransitionInfo } from './state-tree.js';
import { assertNotApprovalOnly, extensionApprovalEvents, stepBuiltin, isBuiltinEvent, type RungNotice } from './builtin-events.js';
import { isTaskEvent, stepTaskEvent } from './task-events.js';
import { isAdminMove, stepAdminMove } from './admin-moves.js';
import { isTaskOpEvent, peopleOnStateChange, stepTaskOp, type PeopleState } from './task-ops.js';
import { assertNotDelegated, heldBackEvents } from './delegation.js';
import { SIGNATURES_ACTOR } from './signatures.js';
import type { NotifyDefinition } from './definition-schema.js';
import { notifyEffects, spawnChildren, spawnFromTransition, type Cause } from './step-effects.js';
import { formatStateValue, type Actor, type CaseState, type Command, type StateValue } from './types.js';

export type { StepEnv } from './deadlines.js';

/** The due time of an open task, as the store keeps it beside the task. */
export type TaskDue = ReturnType<typeof taskDueTimes>[number];

/** What a step produced: the next state, the effects to run and the payload as validated. */
export interface StepResult {
  state: CaseState;
  effects: Effect[];
  /** The payload as validated (unknown keys rejected, types checked). */
  payload: Record<string, unknown>;
}

/** Everything one command decided. */
export interface Decision extends StepResult {
  /**
   * The transition the command took, by its path in the definition
   * (`states.reported.on.accept[0]`); for a timer or a child's end, the
   * transition its declared event took. `null` when no workflow transition
   * ran (creation, task operations, built-ins without a follow-up).
   */
  transition: string | null;
  /** Every transition xstate took, in order: the command's, then `always` and `onDone` ones it led to. */
  transitions: string[];
  /** The due time of every task open after the step. */
  taskDue: TaskDue[];
  /** The events the actor may send next (only when asked for with `{ next: true }`). */
  next?: AvailableEvent[];
}

/** What a decision should compute besides the step itself. */
export interface DecideOptions {
  /** Also list the events the actor may send in the next state (`Decision.next`). */
  next?: boolean;
}

export interface NewCase {
  caseId: string;
  org: string;
  data: Record<string, unknown>;
  actor: Actor;
  /** Set when a parent case spawned this one. */
  parent?: CaseState['parent'];
  /** The orgs above `org`, nearest first, from the org tree when the case is opened (recorded in its first event). */
  orgAncestry?: string[] | undefined;
}

/**
 * Starts a case: validates the initial data, enters the initial states and
 * starts their deadlines. Pure.
 * @example
 * const { state, effects } = decideStart(wf, { caseId: 'c1', org: 'district-a', data: {}, actor }, now, { calendar });
 */
export function decideStart(wf: CompiledWorkflow, init: NewCase, now: Date, env: StepEnv = {}, opts: DecideOptions = {}): Decision {
  const parent = init.parent;
  // Declared defaults first, so counters start at 0 rather than undefined (JSON Logic's + of undefined is NaN).
  const defaults = Object.fromEntries(Object.entries(wf.definition.data.properties).flatMap(([k, f]) => (f.default === undefined ? [] : [[k, structuredClone(f.default)]])));
  const parsed = wf.dataValidator.safeParse({ ...defaults, ...init.data });
  if (!parsed.success) throw new InvalidInputError(`case data does not match the data schema of ${wf.ref}`, zodIssues(parsed.error, ['data']));
  const data = parsed.data as Record<string, unknown>;
  const [snapshot, actions] = wf.run.initial({ data, caseId: init.caseId, org: init.org, ...(init.orgAncestry ? { orgAncestry: init.orgAncestry } : {}) });
  const state: CaseState = { ...toCaseState(snapshot, { caseId: init.caseId, org: init.org, seq: 1 }, []), ...(parent ? { parent } : {}) };
  const done = finish(wf, undefined, state, actions, now, env, { type: 'case.created', actor: init.actor });
  return decision(wf, done, data, actions, null, init.actor, now, opts);
}

/**
 * Decides one command against a case. Throws a typed error when the event is
 * not accepted (`invalid_transition`), the actor's roles do not allow it
 * (`forbidden`, `system_only_event`), the payload is wrong (`invalid_input`),
 * every guard refuses (`guard_failed`) or the result breaks the data schema
 * (`invalid_data`). Built-in `deadline.*` events (timers, extensions) update
 * deadlines; `task.*` events assignments. Pure.
 * @example
 * const d = decide(wf, current, { type: 'accept', payload: {}, actor }, now, { calendar });
 * d.transition; // 'states.reported.on.accept[0]'
 */
export function decide(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, env: StepEnv = {}, opts: DecideOptions = {}): Decision {
  if (isTaskOpEvent(cmd.type)) return decideTaskOp(wf, current, cmd, now, env, opts);
  if (current.status === 'done') throw new CaseClosedError(current.caseId, formatStateValue(current.value));
  if (isAdminMove(cmd.type)) {
    const moved = stepAdminMove(wf, current, cmd, now, env);
    return decision(wf, moved, moved.payload, [], null, cmd.actor, now, opts);
  }
  assertNotDelegated(wf, current, cmd);
  if (isTaskEvent(cmd.type)) {
    const { state, payload } = stepTaskEvent(wf, current, cmd, now, env.history);
    return decision(wf, finishTaskEvent(wf, current, { ...state, seq: current.seq + 1 }, now, env), payload, [], null, cmd.actor, now, opts);
  }
  if (isBuiltinEvent(cmd.type)) {
    const { deadlines, children, payload, followUp, notify, responsible } = stepBuiltin(wf, current, cmd, now, env);
    const base: CaseState = { ...current, deadlines, ...(children ? { children } : {}), ...(responsible ? { responsible } : {}) };
    const cause = { type: cmd.type, actor: cmd.actor };
    if (followUp) {
      // A timer's (or a child's) declared event runs as the system; if the workflow does not accept it now, the builtin is still recorded.
      try {
        const t = chooseAndRun(wf, base, { type: followUp, payload: {}, actor: cmd.actor }, now);
        return decision(wf, finishTransition(wf, current, base, t.snapshot, t.actions, now, env, cause, notify), payload, t.actions, followUp, cmd.actor, now, opts);
      } catch (err) {
        if (!(err instanceof EngineError) || err.code === 'invalid_data') throw err;
      }
    }
    const state: CaseState = { ...base, seq: current.seq + 1 };
    const done = finish(wf, current, state, [], now, env, cause, notify);
    return decision(wf, responsible ? reofferTasks(wf, current, done, cause, now) : done, payload, [], null, cmd.actor, now, opts);
  }
  assertNotApprovalOnly(wf, current, cmd);
  const t = chooseAndRun(wf, current, cmd, now);
  return decision(wf, finishTransition(wf, current, current, t.snapshot, t.actions, now, env, { type: cmd.type, actor: cmd.actor, payload: t.payload }), t.payload, t.actions, cmd.type, cmd.actor, now, opts);
}

/**
 * Signatures, delegation and copies (task-ops.ts). A signature that decides
 * the rule takes the definition's outcome event as the system in the same
 * step, so the task ends exactly once.
 */
function decideTaskOp(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, env: StepEnv, opts: DecideOptions): Decision {
  const op = stepTaskOp(wf, current, cmd, now);
  if (op.followUp) {
    const t = chooseAndRun(wf, op.state, { type: op.followUp, payload: {}, actor: SIGNATURES_ACTOR }, now);
    const done = finishTransition(wf, current, op.state, t.snapshot, t.actions, now, env, { type: cmd.type, actor: cmd.actor });
    return decision(wf, { state: done.state, effects: [...op.effects, ...done.effects] }, op.payload, t.actions, op.followUp, cmd.actor, now, opts);
  }
  return decision(wf, { state: { ...op.state, seq: current.seq + 1 }, effects: op.effects }, op.payload, [], null, cmd.actor, now, opts);
}

/** Assembles a decision from a finished step and the actions xstate returned. */
function decision(wf: CompiledWorkflow, done: { state: CaseState; effects: Effect[] }, payload: Record<string, unknown>, actions: readonly MachineAction[], eventType: string | null, actor: Actor, now: Date, opts: DecideOptions): Decision {
  const transitions: string[] = [];
  for (const a of actions) if (a.type === 'took') transitions.push((a.params as { path: string }).path);
  const transition = eventType === null ? null : (transitions.find((p) => wf.transitions.get(p)?.event === eventType) ?? null);
  const { state } = done;
  return {
    state, effects: done.effects, payload, transition, transitions,
    taskDue: taskDueTimes(wf, state.caseId, state.value, state.deadlines, state.signs),
    ...(opts.next ? { next: availableEvents(wf, state, actor, now) } : {}),
  };
}

function finishTransition(wf: CompiledWorkflow, prev: CaseState, base: CaseState, snapshot: AnyMachineSnapshot, actions: readonly MachineAction[], now: Date, env: StepEnv, cause: Cause, extra?: RungNotice | RungNotice[]): { state: CaseState; effects: Effect[] } {
  const state: CaseState = {
    ...toCaseState(snapshot, { caseId: prev.caseId, org: prev.org, seq: prev.seq + 1 }, base.deadlines),
    ...(base.parent ? { parent: base.parent } : {}),
    ...(base.children ? { children: base.children } : {}),
    ...(base.assignments ? { assignments: base.assignments } : {}),
    ...(base.signs ? { signs: base.signs } : {}),
    ...(base.copies ? { copies: base.copies } : {}),
    ...(base.responsible ? { responsible: base.responsible } : {}),
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
export function finishTaskEvent(wf: CompiledWorkflow, prev: CaseState, next: CaseState, now: Date, env: StepEnv): { state: CaseState; effects: Effect[] } {
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

/**
 * After a routing: every open task whose org now computes another org (it
 * reads `case.routedOrg`) is offered there instead — the open-task upserts
 * the row — and whoever had claimed it no longer holds it. Signing tasks keep
 * their signers. The state's own notices to the task's role at a computed org
 * (`role('inspector', routed)`: "you have a task") go again, to the new org.
 */
function reofferTasks(wf: CompiledWorkflow, prev: CaseState, done: { state: CaseState; effects: Effect[] }, cause: Cause, now: Date): { state: CaseState; effects: Effect[] } {
  const effects = [...done.effects];
  const nextId = () => `${done.state.caseId}/${done.state.seq}/${effects.length}`;
  let assignments = done.state.assignments;
  for (const id of activeNodeIds(done.state.value)) {
    const task = wf.tree.byId.get(id)?.def.task;
    if (!task || task.sign || task.org === undefined) continue;
    const before = openTaskEffect(wf, prev, id, '');
    const after = openTaskEffect(wf, done.state, id, `${done.state.caseId}/${done.state.seq}/${effects.length}`);
    if (before.type !== 'open-task' || after.type !== 'open-task' || before.org === after.org) continue;
    effects.push(after);
    const again = (wf.tree.byId.get(id)?.def.notify ?? [])
      .map((spec) => ({ ...spec, to: spec.to.filter((r) => 'role' in r && r.role === task.role && r.org !== undefined) }))
      .filter((spec) => spec.to.length > 0);
    for (const e of notifyEffects(wf, done.state, again, cause, now, nextId)) effects.push(e);
    if (assignments?.[id]) {
      const { [id]: _moved, ...rest } = assignments;
      assignments = rest;
    }
  }
  if (assignments === done.state.assignments) return { state: done.state, effects };
  const { assignments: _a, ...rest } = done.state;
  return { state: { ...rest, ...(assignments && Object.keys(assignments).length ? { assignments } : {}) }, effects };
}

/** Opens the task of state `id` for role@org (the case's org unless the task computes another). */
export function openTaskEffect(wf: CompiledWorkflow, state: CaseState, id: string, effectId: string): Effect {
  const task = wf.tree.byId.get(id)!.def.task!;
  const org = task.org === undefined ? state.org : String(evaluate(task.org, expressionContext(machineContext(state), {})) ?? state.org);
  return { type: 'open-task', id: effectId, taskKey: `${state.caseId}:${id}`, stateId: id, role: task.role, org, title: task.title, ...(task.orgScope ? { orgScope: task.orgScope } : {}) };
}

/**
 * The timers the next deadlines need replace those of the previous ones:
 * cancel what went, set what is new. Pushes onto `effects`, whose length
 * `nextId` numbers from, so each effect id stays unique.
 */
function pushTimerEffects(wf: CompiledWorkflow, prev: CaseState | undefined, next: CaseState, env: StepEnv, effects: Effect[], nextId: () => string): void {
  if (next.deadlines.length === 0 && (!prev || prev.deadlines.length === 0)) return;
  const before = new Set((prev ? timersOf(wf, prev.caseId, prev.deadlines, env) : []).map((t) => t.timerKey));
  const after = timersOf(wf, next.caseId, next.deadlines, env);
  const keep = new Set(after.map((t) => t.timerKey));
  for (const key of before) if (!keep.has(key)) effects.push({ type: 'cancel-timer', id: nextId(), timerKey: key });
  for (const t of after) if (!before.has(t.timerKey)) effects.push({ type: 'set-timer', id: nextId(), ...t });
}

/** A judgement of one event transition for one command: whether it is enabled and, once its input passed, the payload. */
interface Judged {
  enabled: boolean;
  payload?: Record<string, unknown>;
  issues?: Issue[];
}

interface Chosen {
  snapshot: AnyMachineSnapshot;
  actions: MachineAction[];
  payload: Record<string, unknown>;
}

/**
 * Chooses the transition for a command — with typed errors for every
 * refusal — and runs it through xstate. Each candidate's role, input and
 * guard are judged at most once; xstate asks for those judgements instead of
 * checking again (see `MachineEvent.enabled`).
 */
function chooseAndRun(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date): Chosen {
  const where = formatStateValue(current.value);
  const candidates = candidatesFor(wf, current.value, cmd.type);
  if (candidates.length === 0) throw new InvalidTransitionError(cmd.type, where, acceptedEvents(wf, current.value));
  const allowed = candidates.filter((t) => rolesAllow(t.roles, cmd.actor));
  if (allowed.length === 0) {
    const roles = [...new Set(candidates.flatMap((t) => t.roles ?? []))];
    if (!isSystemActor(cmd.actor) && roles.every((r) => r === SYSTEM_ROLE)) throw new SystemOnlyEventError(cmd.type, { state: where });
    throw new ForbiddenError(`event "${cmd.type}" in state ${where} needs one of the roles ${roles.join(', ')}`, { event: cmd.type, state: where, roles, actorRoles: cmd.actor.roles });
  }
  const context = machineContext(current);
  const nowIso = now.toISOString();
  const judged = new Map<string, Judged>();
  const judge = (t: CompiledTransition): Judged => {
    let j = judged.get(t.path);
    if (j) return j;
    if (t.event !== cmd.type || !rolesAllow(t.roles, cmd.actor)) j = { enabled: false };
    else {
      const parsed = t.input!.safeParse(cmd.payload ?? {});
      if (!parsed.success) j = { enabled: false, issues: zodIssues(parsed.error, ['payload']) };
      else {
        const payload = parsed.data as Record<string, unknown>;
        j = { enabled: t.rule === undefined || isTruthy(t.rule, expressionContext(context, { payload, actor: cmd.actor, now: nowIso })), payload };
      }
    }
    judged.set(t.path, j);
    return j;
  };
  let chosen: Judged | undefined;
  for (const t of allowed) {
    const j = judge(t);
    if (j.enabled) {
      chosen = j;
      break;
    }
  }
  if (!chosen) {
    const results = allowed.map((t) => judged.get(t.path)!);
    const parsedAny = results.some((j) => j.payload !== undefined);
    const inputIssues = results.find((j) => j.issues)?.issues;
    if (!parsedAny && inputIssues) throw new InvalidInputError(`payload of "${cmd.type}" does not match its input schema`, inputIssues, { event: cmd.type });
    // The first refusing transition that words its condition speaks for all of them.
    const refused = allowed.filter((t) => judged.get(t.path)!.payload !== undefined);
    throw new GuardFailedError(cmd.type, where, allowed.map((t) => t.info.def.guardMessage ?? t.info.def.guard), refused.find((t) => t.info.def.guardMessage !== undefined)?.info.def.guardMessage);
  }
  const payload = chosen.payload!;
  const before = wf.machine.resolveState({ value: current.value, context });
  const event: MachineEvent = {
    type: cmd.type, payload, actor: cmd.actor, now: nowIso,
    enabled: (path) => {
      const t = wf.transitions.get(path);
      return t !== undefined && judge(t).enabled;
    },
  };
  const [snapshot, actions] = wf.run.transition(before, event);
  return { snapshot, actions, payload };
}

/** The events some active state of `value` handles, sorted. */
export function acceptedEvents(wf: CompiledWorkflow, value: StateValue): string[] {
  const out = new Set<string>();
  for (const id of activeNodeIds(value)) for (const type of wf.on.get(id)?.keys() ?? []) out.add(type);
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
 * reads the payload cannot be judged in advance and is offered). An auditor
 * reads and sends nothing. Pure.
 */
export function availableEvents(wf: CompiledWorkflow, state: CaseState, actor: Actor, now: Date): AvailableEvent[] {
  if (state.status === 'done' || isAuditor(actor)) return [];
  const context = machineContext(state);
  const nowIso = now.toISOString();
  const out: AvailableEvent[] = [];
  // An extension's approval event is taken by deadline.extend, never offered on its own.
  const approvals = extensionApprovalEvents(wf);
  // A task out on delegation (委派) offers its events only once it is handed back.
  const heldBack = heldBackEvents(wf, state);
  for (const type of acceptedEvents(wf, state.value).filter((t) => !approvals.has(t) && !heldBack.has(t))) {
    const usable = candidatesFor(wf, state.value, type).find((t) => {
      if (!rolesAllow(t.roles, actor)) return false;
      if (t.rule === undefined || t.readsPayload) return true;
      try {
        return isTruthy(t.rule, expressionContext(context, { payload: {}, actor, now: nowIso }));
      } catch (err) {
        // A guard over its budget is not offered (fails closed): reading the case must never fail because of it.
        if (err instanceof ExpressionBudgetExceededError) return false;
        throw err;
      }
    });
    if (usable) out.push({ type, input: usable.info.def.input, target: usable.info.def.target });
  }
  return out;
}

/** Candidate transitions for an event, deepest active state first, then in declaration order. */
function candidatesFor(wf: CompiledWorkflow, value: StateValue, type: string): CompiledTransition[] {
  const out: { t: CompiledTransition; depth: number; order: number }[] = [];
  for (const id of activeNodeIds(value)) {
    const list = wf.on.get(id)?.get(type);
    if (!list) continue;
    for (const t of list) out.push({ t, depth: t.info.source.path.length, order: t.order });
  }
  if (out.length > 1) out.sort((a, b) => b.depth - a.depth || a.order - b.order);
  return out.map((c) => c.t);
}

function toCaseState(snapshot: AnyMachineSnapshot, ids: { caseId: string; org: string; seq: number }, deadlines: DeadlineState[]): CaseState {
  const ctx = snapshot.context as MachineContext;
  return {
    caseId: ids.caseId,
    org: ids.org,
    ...(ctx.orgAncestry ? { orgAncestry: ctx.orgAncestry } : {}),
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
function finish(wf: CompiledWorkflow, prev: CaseState | undefined, next: CaseState, actions: readonly MachineAction[], now: Date, env: StepEnv, cause: Cause, extra?: RungNotice | RungNotice[]): { state: CaseState; effects: Effect[] } {
  const effects: Effect[] = [];
  const nextId = () => `${next.caseId}/${next.seq}/${effects.length}`;
  let deadlines = next.deadlines;
  let children = next.children;
  let assignments = next.assignments;
  const people: PeopleState = { signs: next.signs, copies: next.copies };
  // Children this step spawned so far (transitions first, then entered states): their ids must not repeat.
  let spawnedHere = 0;
  const notices: NotifyDefinition[] = [];
  for (const action of actions) {
    if (action.type === 'notify') {
      notices.push(...(action.params as { notify: NotifyDefinition[] }).notify);
      continue;
    }
    if (action.type === 'spawnFrom') {
      const { path, source } = action.params as { path: string; source: string };
      const spawned = spawnFromTransition(wf, path, source, next, cause, now, nextId, env.handOver, spawnedHere);
      effects.push(...spawned.effects);
      children = [...(children ?? []), ...spawned.children];
      spawnedHere += spawned.children.length;
      continue;
    }
    if (action.type !== 'entered' && action.type !== 'exited') continue;
    const id = (action.params as { id?: string } | undefined)?.id;
    const node: StateNodeInfo | undefined = id ? wf.tree.byId.get(id) : undefined;
    if (!id || !node) continue;
    if (action.type === 'exited') {
      if (deadlines.length > 0) deadlines = deadlines.filter((d) => d.stateId !== id);
      if (assignments?.[id]) {
        const { [id]: _left, ...rest } = assignments;
        assignments = rest;
      }
    }
    if (action.type === 'entered' && wf.deadlines.has(id)) deadlines = [...deadlines, ...startDeadlines(wf, id, next.data, next.seq, now, env)];
    if (action.type === 'entered' && wf.spawns.has(id)) {
      const spawned = spawnChildren(wf, next, id, cause, now, nextId, env.handOver, spawnedHere);
      effects.push(...spawned.effects);
      children = [...(children ?? []), ...spawned.children];
      spawnedHere += spawned.children.length;
    }
    // Signing tasks open one row per signer; copies are made on entry (task-ops.ts).
    if (peopleOnStateChange(wf, next, id, action.type, people, cause.actor, now, effects, nextId)) continue;
    const task = node.def.task;
    if (!task) continue;
    const taskKey = `${next.caseId}:${id}`;
    if (action.type === 'exited') effects.push({ type: 'close-task', id: nextId(), taskKey, stateId: id });
    if (action.type === 'entered') effects.push(openTaskEffect(wf, next, id, nextId()));
  }
  if (next.status === 'done') deadlines = [];
  if (deadlines.length > 0) deadlines = applyPauses(wf, deadlines, new Set(activeNodeIds(next.value)), now, env);
  const { assignments: _a, signs: _s, copies: _c, ...rest } = next;
  const state: CaseState = {
    ...rest, deadlines, ...(children ? { children } : {}), ...(assignments && Object.keys(assignments).length ? { assignments } : {}),
    ...(people.signs ? { signs: people.signs } : {}), ...(people.copies ? { copies: people.copies } : {}),
  };
  if (notices.length > 0) effects.push(...notifyEffects(wf, state, notices, cause, now, nextId));
  for (const e of [extra ?? []].flat()) effects.push(...notifyEffects(wf, state, [e.notify], cause, now, nextId, e.deadline));
  pushTimerEffects(wf, prev, state, env, effects, nextId);
  if (state.status === 'done') {
    effects.push({ type: 'case-closed', id: nextId(), finalState: formatStateValue(state.value) });
    if (state.parent) effects.push({ type: 'signal-parent', id: nextId(), parentCaseId: state.parent.caseId, childCaseId: state.caseId, finalState: formatStateValue(state.value) });
  }
  return { state, effects };
}
