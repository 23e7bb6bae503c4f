/**
 * Compiles a validated definition into an xstate v5 machine. Guards, role
 * checks and assignments become parameterised named implementations, and every
 * state reports its entry and exit as actions, which `decide` turns into
 * effects. Everything the hot path needs is prepared here once: each
 * transition's validator and its path in the definition, the deadlines and
 * spawns parsed into their typed form, and one inert actor scope that every
 * transition of the machine reuses. Pure (the scope holds no state between
 * calls).
 */
import { assign, createActor, setup, type AnyActorScope, type AnyEventObject, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { ZodType } from 'zod';
import { formatPath, InvalidDefinitionError } from '../errors.js';
import { DeadlineSchema, SpawnSchema, TransitionSpawnSchema, type DeadlineDefinition, type SpawnDefinition, type StateDefinition, type TransitionDefinition, type TransitionSpawnDefinition, type WorkflowDefinition } from './definition-schema.js';
import { evaluate, isTruthy, type Expression, type ExpressionContext } from './expression.js';
import { toZod, validatorFor } from './field-schema.js';
import { withDocNumberField } from './doc-number.js';
import { resolveTarget, statesJsonPath, type StateNodeInfo, type StateTree, type TransitionInfo } from './state-tree.js';
import type { Actor, CaseState, ChildRef } from './types.js';
import { validateDefinition, type ValidateOptions } from './validate-definition.js';

/** The input schema of a transition that declares none: an empty payload. */
export const EMPTY_INPUT = { type: 'object', properties: {}, additionalProperties: false } as const;

/** The machine's context: the case data plus the case's identity for expressions. */
export interface MachineContext {
  data: Record<string, unknown>;
  caseId: string;
  org: string;
  parentId?: string | undefined;
  children?: ChildRef[] | undefined;
  /** The orgs above the case's org, nearest first, as recorded when the case was opened. */
  orgAncestry?: string[] | undefined;
  /** The org routing gave the case's routed tasks (`case.routedOrg`), when it was routed. */
  routedOrg?: string | undefined;
}

/** The machine context of a case state: its data and identity, as expressions see them. Pure. */
export function machineContext(state: Pick<CaseState, 'data' | 'caseId' | 'org' | 'parent' | 'children' | 'orgAncestry' | 'responsible'>): MachineContext {
  return { data: state.data, caseId: state.caseId, org: state.org, parentId: state.parent?.caseId, children: state.children, orgAncestry: state.orgAncestry, routedOrg: state.responsible?.taskOrg ?? undefined };
}

/** The event object given to the machine. */
export interface MachineEvent {
  type: string;
  payload: Record<string, unknown>;
  actor: Actor;
  /** ISO instant of the command, from the engine's clock. */
  now: string;
  /**
   * Set by `decide`: whether the event transition at a definition path is
   * enabled, each answered once and remembered, so xstate takes exactly the
   * transitions `decide` judged and no guard runs twice. Without it (xstate/graph
   * walks, `snapshot.can`) the machine checks role, input and rule itself.
   */
  enabled?: ((path: string) => boolean) | undefined;
}

/** A transition with what deciding it needs, prepared once. */
export interface CompiledTransition {
  info: TransitionInfo;
  /** Its path in the definition, e.g. `states.reported.on.accept[0]`. */
  path: string;
  /** `null` for automatic transitions (`always`, `onDone`). */
  event: string | null;
  /** Roles that may send it (`null`: automatic, no actor). */
  roles: readonly string[] | null;
  /** Validator of its payload (automatic transitions: none). */
  input: ZodType | null;
  rule: Expression | undefined;
  /** Whether the rule reads the payload (it cannot be judged before one is sent). */
  readsPayload: boolean;
  /** Its place in declaration order (ties between states of the same depth). */
  order: number;
}

export interface CompiledWorkflow {
  definition: WorkflowDefinition;
  /** `id@version`. */
  ref: string;
  tree: StateTree;
  machine: AnyStateMachine;
  /** Validator of the whole case data. */
  dataValidator: ReturnType<typeof toZod>;
  /** Event transitions by source state id and event, in declaration order. */
  on: ReadonlyMap<string, ReadonlyMap<string, readonly CompiledTransition[]>>;
  /** Every transition by its definition path. */
  transitions: ReadonlyMap<string, CompiledTransition>;
  /** The deadlines of each state (by state id), parsed into their typed form. */
  deadlines: ReadonlyMap<string, readonly DeadlineDefinition[]>;
  /** The spawn of each state that declares one (by state id), parsed. */
  spawns: ReadonlyMap<string, SpawnDefinition>;
  /** The linked cases each transition that declares one opens (by transition path), parsed. */
  transitionSpawns: ReadonlyMap<string, TransitionSpawnDefinition>;
  /** Runs xstate's pure transition on this machine, reusing one actor scope (see {@link machineRunner}). */
  run: MachineRunner;
}

/** xstate's pure `transition` / `initialTransition`, bound to one machine and one reused actor scope. */
export interface MachineRunner {
  transition(snapshot: AnyMachineSnapshot, event: AnyEventObject): [AnyMachineSnapshot, MachineAction[]];
  initial(input: { data: Record<string, unknown>; caseId: string; org: string; orgAncestry?: string[] | undefined }): [AnyMachineSnapshot, MachineAction[]];
}

/** An xstate action as a transition returns it. */
export type MachineAction = { type: string; params?: unknown };

/**
 * Validates and compiles a definition; throws `invalid_definition` with every
 * problem. Pure.
 * @example
 * const wf = compileWorkflow(hazardWorkflow);
 * const { state } = initialStep(wf, { caseId: 'c1', org: 'city', data: {}, actor }, new Date());
 */
export function compileWorkflow(input: unknown, options: ValidateOptions = {}): CompiledWorkflow {
  const result = validateDefinition(input, options);
  if (!result.ok) {
    const name = typeof input === 'object' && input && 'id' in input ? String((input as { id: unknown }).id) : '(unnamed)';
    throw new InvalidDefinitionError(name, result.issues);
  }
  const { definition, tree } = result;
  const transitions = new Map<string, CompiledTransition>();
  const on = new Map<string, Map<string, CompiledTransition[]>>();
  for (const [order, info] of tree.transitions.entries()) {
    const automatic = info.event === null || info.event === 'onDone';
    const path = formatPath(info.jsonPath);
    const rule = info.def.guard;
    const ct: CompiledTransition = {
      info, path, event: automatic ? null : info.event, roles: automatic ? null : (info.def.roles ?? []), input: automatic ? null : validatorFor(withDocNumberField(info.def.input ?? EMPTY_INPUT, info.def.docNumber)), rule,
      readsPayload: rule !== undefined && JSON.stringify(rule).includes('"payload'), order,
    };
    transitions.set(path, ct);
    if (automatic) continue;
    const byEvent = on.get(info.source.id) ?? new Map<string, CompiledTransition[]>();
    on.set(info.source.id, byEvent);
    byEvent.set(info.event!, [...(byEvent.get(info.event!) ?? []), ct]);
  }
  // Parsed once here (defaults filled in, typed), never again on the hot path.
  const deadlines = new Map<string, DeadlineDefinition[]>();
  const spawns = new Map<string, SpawnDefinition>();
  const transitionSpawns = new Map<string, TransitionSpawnDefinition>();
  for (const [path, ct] of transitions) if (ct.info.def.spawn) transitionSpawns.set(path, TransitionSpawnSchema.parse(ct.info.def.spawn));
  for (const node of tree.nodes) {
    if (node.def.deadlines?.length) deadlines.set(node.id, node.def.deadlines.map((d) => DeadlineSchema.parse(d)));
    if (node.def.spawn) spawns.set(node.id, SpawnSchema.parse(node.def.spawn));
  }
  const machine = setup({
    types: {} as { context: MachineContext; events: MachineEvent; input: { data: Record<string, unknown>; caseId: string; org: string; orgAncestry?: string[] | undefined } },
    actions: {
      took: () => {},
      spawnFrom: () => {},
      entered: () => {},
      exited: () => {},
      notify: () => {},
      assignData: assign(({ context, event }, params: { assign: NonNullable<TransitionDefinition['assign']> }) => ({
        data: applyAssign(params.assign, expressionContext(context, event)),
      })),
    },
    guards: {
      // An event transition: `decide` has judged it (role, input, rule), once; xstate asks for the answer.
      // Without a decision (xstate/graph, `snapshot.can`) the same three checks run here.
      enabled: ({ context, event }, params: { path: string; roles: readonly string[]; input: ZodType; rule: Expression | null }) =>
        event.enabled
          ? event.enabled(params.path)
          : rolesAllow(params.roles, event.actor) && params.input.safeParse(event.payload ?? {}).success && (params.rule === null || isTruthy(params.rule, expressionContext(context, event))),
      // An automatic transition (`always`, `onDone`): only its rule, over the data as it is then.
      rule: ({ context, event }, params: { rule: Expression }) => isTruthy(params.rule, expressionContext(context, event)),
    },
  }).createMachine({
    id: definition.id,
    // Without input (xstate builds an actor with none) the context is empty rather than a TypeError.
    context: ({ input }) => ({ data: input?.data ?? {}, caseId: input?.caseId ?? '', org: input?.org ?? '', ...(input?.orgAncestry ? { orgAncestry: input.orgAncestry } : {}) }),
    initial: definition.initial,
    states: Object.fromEntries(tree.root.children.map((c) => [c.path[c.path.length - 1]!, compileState(tree, c, definition.id, transitions)])),
  });
  return { definition, ref: `${definition.id}@${definition.version}`, tree, machine, dataValidator: toZod(definition.data), on, transitions, deadlines, spawns, transitionSpawns, run: machineRunner(machine) };
}

/**
 * xstate's `transition(machine, snapshot, event)` builds an actor for every
 * call (running the machine's initial macrostep) only to use it as an inert
 * scope. This runner builds that scope once per machine, on first use, and
 * collects the actions of each call in a fresh list, exactly as `transition`
 * does. The machine spawns and invokes nothing, so the scope's system stays
 * empty and calls cannot affect each other.
 */
export function machineRunner(machine: AnyStateMachine): MachineRunner {
  let scope: AnyActorScope | undefined;
  let sink: MachineAction[] = [];
  const scopeOf = (): AnyActorScope => {
    if (scope) return scope;
    const self = createActor(machine);
    scope = {
      self, defer: () => {}, id: '', logger: () => {}, sessionId: '', stopChild: () => {}, system: self.system, emit: () => {},
      actionExecutor: (action: MachineAction) => void sink.push(action),
    } as unknown as AnyActorScope;
    return scope;
  };
  const collect = (fn: (s: AnyActorScope) => AnyMachineSnapshot): [AnyMachineSnapshot, MachineAction[]] => {
    const s = scopeOf();
    const outer = sink;
    const actions: MachineAction[] = [];
    sink = actions;
    try {
      return [fn(s), actions];
    } finally {
      sink = outer;
    }
  };
  return {
    transition: (snapshot, event) => collect((s) => machine.transition(snapshot, event, s) as AnyMachineSnapshot),
    initial: (input) => collect((s) => machine.getInitialSnapshot(s, input) as AnyMachineSnapshot),
  };
}

/** Whether an actor may take a transition that names `roles` (`null`: anyone, for automatic transitions). */
export function rolesAllow(roles: readonly string[] | null | undefined, actor: Actor | undefined): boolean {
  if (!roles) return true;
  // The role `system` counts only for the engine's own actors (`system:*`), whatever a user record claims.
  return !!actor && actor.roles.some((r) => roles.includes(r) && (r !== SYSTEM_ROLE || isSystemActor(actor)));
}

/** The role of the engine's own actors (timers, spawns, notifications); never granted to a person. */
export const SYSTEM_ROLE = 'system';

/** Whether an actor is the engine itself (`system:*` with the role `system`), not a person. */
export function isSystemActor(actor: Actor): boolean {
  return actor.id.startsWith('system:') && actor.roles.includes(SYSTEM_ROLE);
}

/** The variables an expression sees for a machine context and event. */
export function expressionContext(context: MachineContext, event: Partial<MachineEvent>): ExpressionContext {
  return {
    data: context.data,
    payload: event.payload ?? {},
    actor: event.actor ? { id: event.actor.id, roles: [...event.actor.roles], org: event.actor.org } : { id: '', roles: [] },
    now: event.now ?? '',
    case: { id: context.caseId, org: context.org, parentId: context.parentId, orgAncestors: context.orgAncestry ?? [], routedOrg: context.routedOrg ?? context.org },
    children: context.children ?? [],
  };
}

/** Applies a transition's `assign` to the data, returning new data. Pure. */
export function applyAssign(spec: NonNullable<TransitionDefinition['assign']>, ctx: ExpressionContext): Record<string, unknown> {
  const next: Record<string, unknown> = { ...ctx.data };
  if (Array.isArray(spec)) {
    for (const name of spec) if (Object.hasOwn(ctx.payload, name)) next[name] = ctx.payload[name];
  } else {
    for (const [name, expr] of Object.entries(spec)) next[name] = evaluate(expr, ctx);
  }
  return next;
}

function compileState(tree: StateTree, node: StateNodeInfo, machineId: string, compiled: ReadonlyMap<string, CompiledTransition>): Record<string, unknown> {
  const sd: StateDefinition = node.def;
  const out: Record<string, unknown> = {
    entry: [{ type: 'entered', params: { id: node.id } }, ...(sd.notify?.length ? [{ type: 'notify', params: { notify: sd.notify } }] : [])],
    exit: [{ type: 'exited', params: { id: node.id } }],
  };
  if (node.kind === 'final') out.type = 'final';
  if (node.kind === 'parallel') out.type = 'parallel';
  if (node.kind === 'compound') out.initial = sd.initial;
  if (sd.tags) out.tags = sd.tags;
  if (node.children.length > 0) out.states = Object.fromEntries(node.children.map((c) => [c.path[c.path.length - 1]!, compileState(tree, c, machineId, compiled)]));
  const compileT = (t: TransitionDefinition, jsonPath: (string | number)[]) => {
    const ct = compiled.get(formatPath(jsonPath))!;
    const target = t.target === undefined ? undefined : resolveTarget(tree, node, t.target);
    const guard = ct.event === null
      ? (ct.rule === undefined ? {} : { guard: { type: 'rule', params: { rule: ct.rule } } })
      : { guard: { type: 'enabled', params: { path: ct.path, roles: ct.roles, input: ct.input, rule: ct.rule ?? null } } };
    return {
      ...(target ? { target: `#${machineId}.${target.id}` } : {}),
      ...(t.reenter ? { reenter: true } : {}),
      ...guard,
      // `took` names the transition in the actions, so `decide` reports what xstate took. Assignment
      // before notifications, so they render the data as the transition leaves it.
      actions: [{ type: 'took', params: { path: ct.path } }, ...(t.assign ? [{ type: 'assignData', params: { assign: t.assign } }] : []), ...(t.notify?.length ? [{ type: 'notify', params: { notify: t.notify } }] : []), ...(t.spawn ? [{ type: 'spawnFrom', params: { path: ct.path, source: node.id } }] : [])],
    };
  };
  const base = statesJsonPath(node.path);
  if (sd.on) out.on = Object.fromEntries(Object.entries(sd.on).map(([e, t]) => [e, Array.isArray(t) ? t.map((x, i) => compileT(x, [...base, 'on', e, i])) : [compileT(t, [...base, 'on', e])]]));
  if (sd.always) out.always = Array.isArray(sd.always) ? sd.always.map((x, i) => compileT(x, [...base, 'always', i])) : [compileT(sd.always, [...base, 'always'])];
  if (sd.onDone) out.onDone = compileT(sd.onDone, [...base, 'onDone']);
  return out;
}
