/**
 * The pure heart of the engine: applies one command to a case state with
 * xstate's pure `transition`, and returns the next state and the effects to
 * run. Nothing is executed here. Pure.
 */
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { CaseClosedError, ForbiddenError, GuardFailedError, InvalidDataError, InvalidInputError, InvalidTransitionError, type Issue } from '../errors.js';
import { expressionContext, rolesAllow, type CompiledWorkflow, type MachineContext, type MachineEvent } from './compile.js';
import type { Effect } from './effects.js';
import { evaluate, isTruthy } from './expression.js';
import { toZod, zodIssues } from './field-schema.js';
import { activeNodeIds, type StateNodeInfo, type TransitionInfo } from './state-tree.js';
import { formatStateValue, type Actor, type CaseState, type Command, type StateValue } from './types.js';

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
}

/**
 * Starts a case: validates the initial data and enters the initial states. Pure.
 * @example
 * const { state, effects } = initialStep(wf, { caseId: 'c1', org: 'district-a', data: {}, actor }, now);
 */
export function initialStep(wf: CompiledWorkflow, init: NewCase, _now: Date): StepResult {
  const parsed = wf.dataValidator.safeParse(init.data);
  if (!parsed.success) throw new InvalidInputError(`case data does not match the data schema of ${wf.ref}`, zodIssues(parsed.error, ['data']));
  const data = parsed.data as Record<string, unknown>;
  const [snapshot, actions] = initialTransition(wf.machine, { data, caseId: init.caseId, org: init.org });
  const state = toCaseState(snapshot, { caseId: init.caseId, org: init.org, seq: 1 });
  return { state, effects: effectsOf(wf, state, actions), payload: data };
}

/**
 * Applies one command to a case. Throws a typed error when the event is not
 * accepted (`invalid_transition`), the actor's roles do not allow it
 * (`forbidden`), the payload is wrong (`invalid_input`), every guard refuses
 * (`guard_failed`) or the result breaks the data schema (`invalid_data`). Pure.
 * @example
 * const { state, effects } = step(wf, current, { type: 'accept', payload: {}, actor }, now);
 */
export function step(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date): StepResult {
  const where = formatStateValue(current.value);
  if (current.status === 'done') throw new CaseClosedError(current.caseId, where);
  const candidates = candidatesFor(wf, current.value, cmd.type);
  if (candidates.length === 0) throw new InvalidTransitionError(cmd.type, where, acceptedEvents(wf, current.value));
  const allowed = candidates.filter((t) => rolesAllow(t.def.roles, cmd.actor));
  if (allowed.length === 0) {
    const roles = [...new Set(candidates.flatMap((t) => t.def.roles ?? []))];
    throw new ForbiddenError(`event "${cmd.type}" in state ${where} needs one of the roles ${roles.join(', ')}`, { event: cmd.type, state: where, roles, actorRoles: cmd.actor.roles });
  }

  const context: MachineContext = { data: current.data, caseId: current.caseId, org: current.org };
  const nowIso = now.toISOString();
  let payload: Record<string, unknown> | undefined;
  let inputIssues: Issue[] | undefined;
  for (const t of allowed) {
    const parsed = toZod(t.def.input ?? { type: 'object', properties: {}, additionalProperties: false }).safeParse(cmd.payload ?? {});
    if (!parsed.success) {
      inputIssues ??= zodIssues(parsed.error, ['payload']);
      continue;
    }
    const candidatePayload = parsed.data as Record<string, unknown>;
    if (t.def.guard === undefined || isTruthy(t.def.guard, expressionContext(context, { payload: candidatePayload, actor: cmd.actor, now: nowIso }))) {
      payload = candidatePayload;
      break;
    }
  }
  if (!payload) {
    if (inputIssues && allowed.every((t) => !toZod(t.def.input ?? { type: 'object', properties: {}, additionalProperties: false }).safeParse(cmd.payload ?? {}).success)) {
      throw new InvalidInputError(`payload of "${cmd.type}" does not match its input schema`, inputIssues, { event: cmd.type });
    }
    throw new GuardFailedError(cmd.type, where, allowed.map((t) => t.def.guardMessage ?? t.def.guard));
  }

  const before = wf.machine.resolveState({ value: current.value, context });
  const event: MachineEvent = { type: cmd.type, payload, actor: cmd.actor, now: nowIso };
  const [snapshot, actions] = transition(wf.machine, before, event);
  const state = toCaseState(snapshot, { caseId: current.caseId, org: current.org, seq: current.seq + 1 });
  const dataCheck = wf.dataValidator.safeParse(state.data);
  if (!dataCheck.success) throw new InvalidDataError(`event "${cmd.type}" would leave the case data invalid`, zodIssues(dataCheck.error, ['data']));
  return { state, effects: effectsOf(wf, state, actions), payload };
}

/** The events some active state of `value` handles, sorted. */
export function acceptedEvents(wf: CompiledWorkflow, value: StateValue): string[] {
  const active = new Set(activeNodeIds(value));
  const out = new Set<string>();
  for (const t of wf.tree.transitions) if (t.event && t.event !== 'onDone' && active.has(t.source.id)) out.add(t.event);
  return [...out].sort();
}

/**
 * The events `actor` may send now, each with its input schema: role allowed and
 * guard true (for guards that read the payload, judged with an empty payload
 * only when the guard does not depend on it). Pure.
 */
export function availableEvents(wf: CompiledWorkflow, state: CaseState, actor: Actor, now: Date): { type: string; input: TransitionInfo['def']['input']; target: string | undefined }[] {
  if (state.status === 'done') return [];
  const context: MachineContext = { data: state.data, caseId: state.caseId, org: state.org };
  const out: { type: string; input: TransitionInfo['def']['input']; target: string | undefined }[] = [];
  const seen = new Set<string>();
  for (const type of acceptedEvents(wf, state.value)) {
    for (const t of candidatesFor(wf, state.value, type)) {
      if (seen.has(type) || !rolesAllow(t.def.roles, actor)) continue;
      const readsPayload = JSON.stringify(t.def.guard ?? null).includes('"payload');
      if (t.def.guard !== undefined && !readsPayload && !isTruthy(t.def.guard, expressionContext(context, { payload: {}, actor, now: now.toISOString() }))) continue;
      seen.add(type);
      out.push({ type, input: t.def.input, target: t.def.target });
    }
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

function toCaseState(snapshot: AnyMachineSnapshot, ids: { caseId: string; org: string; seq: number }): CaseState {
  const ctx = snapshot.context as MachineContext;
  return {
    caseId: ids.caseId,
    org: ids.org,
    value: snapshot.value as StateValue,
    data: ctx.data as CaseState['data'],
    status: snapshot.status === 'done' ? 'done' : 'active',
    seq: ids.seq,
  };
}

/** Turns the entry/exit actions of a transition into task effects, in order. */
function effectsOf(wf: CompiledWorkflow, state: CaseState, actions: readonly { type: string; params?: unknown }[]): Effect[] {
  const effects: Effect[] = [];
  const nextId = () => `${state.caseId}/${state.seq}/${effects.length}`;
  const context: MachineContext = { data: state.data, caseId: state.caseId, org: state.org };
  for (const action of actions) {
    const id = (action.params as { id?: string } | undefined)?.id;
    if (!id) continue;
    const node: StateNodeInfo | undefined = wf.tree.byId.get(id);
    const task = node?.def.task;
    if (!node || !task) continue;
    const taskKey = `${state.caseId}:${id}`;
    if (action.type === 'exited') effects.push({ type: 'close-task', id: nextId(), taskKey, stateId: id });
    if (action.type === 'entered') {
      const org = task.org === undefined ? state.org : String(evaluate(task.org, expressionContext(context, {})) ?? state.org);
      effects.push({ type: 'open-task', id: nextId(), taskKey, stateId: id, role: task.role, org, title: task.title });
    }
  }
  if (state.status === 'done') effects.push({ type: 'case-closed', id: nextId(), finalState: formatStateValue(state.value) });
  return effects;
}
