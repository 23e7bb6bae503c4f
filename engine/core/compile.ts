/**
 * Compiles a validated definition into an xstate v5 machine. Guards, role
 * checks and assignments become parameterised named implementations, and every
 * state reports its entry and exit as actions, which `step` turns into effects.
 * Pure.
 */
import { assign, setup, type AnyStateMachine } from 'xstate';
import type { ZodType } from 'zod';
import { InvalidDefinitionError } from '../errors.js';
import type { StateDefinition, TransitionDefinition, WorkflowDefinition } from './definition-schema.js';
import { evaluate, isTruthy, type Expression, type ExpressionContext } from './expression.js';
import { toZod, validatorFor } from './field-schema.js';
import { resolveTarget, type StateNodeInfo, type StateTree } from './state-tree.js';
import type { Actor, ChildRef } from './types.js';
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
}

/** The event object given to the machine. */
export interface MachineEvent {
  type: string;
  payload: Record<string, unknown>;
  actor: Actor;
  /** ISO instant of the command, from the engine's clock. */
  now: string;
}

export interface CompiledWorkflow {
  definition: WorkflowDefinition;
  /** `id@version`. */
  ref: string;
  tree: StateTree;
  machine: AnyStateMachine;
  /** Validator of the whole case data. */
  dataValidator: ReturnType<typeof toZod>;
}

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
  const machine = setup({
    types: {} as { context: MachineContext; events: MachineEvent; input: { data: Record<string, unknown>; caseId: string; org: string } },
    actions: {
      entered: () => {},
      exited: () => {},
      notify: () => {},
      assignData: assign(({ context, event }, params: { assign: NonNullable<TransitionDefinition['assign']> }) => ({
        data: applyAssign(params.assign, expressionContext(context, event)),
      })),
    },
    guards: {
      // The same three checks `step` makes when it chooses a transition (role, input, rule), so xstate
      // takes the transition whose input was validated, even when two share an event.
      allowed: ({ context, event }, params: { roles: string[] | null; input: ZodType | null; rule: Expression | null }) =>
        rolesAllow(params.roles, event.actor) &&
        (params.input === null || params.input.safeParse(event.payload ?? {}).success) &&
        (params.rule === null || isTruthy(params.rule, expressionContext(context, event))),
    },
  }).createMachine({
    id: definition.id,
    context: ({ input }) => ({ data: input.data, caseId: input.caseId, org: input.org }),
    initial: definition.initial,
    states: Object.fromEntries(tree.root.children.map((c) => [c.path[c.path.length - 1]!, compileState(tree, c, definition.id)])),
  });
  return { definition, ref: `${definition.id}@${definition.version}`, tree, machine, dataValidator: toZod(definition.data) };
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
    case: { id: context.caseId, org: context.org, parentId: context.parentId },
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

function compileState(tree: StateTree, node: StateNodeInfo, machineId: string): Record<string, unknown> {
  const sd: StateDefinition = node.def;
  const out: Record<string, unknown> = {
    entry: [{ type: 'entered', params: { id: node.id } }, ...(sd.notify?.length ? [{ type: 'notify', params: { notify: sd.notify } }] : [])],
    exit: [{ type: 'exited', params: { id: node.id } }],
  };
  if (node.kind === 'final') out.type = 'final';
  if (node.kind === 'parallel') out.type = 'parallel';
  if (node.kind === 'compound') out.initial = sd.initial;
  if (sd.tags) out.tags = sd.tags;
  if (node.children.length > 0) out.states = Object.fromEntries(node.children.map((c) => [c.path[c.path.length - 1]!, compileState(tree, c, machineId)]));
  const compileT = (t: TransitionDefinition, automatic: boolean) => {
    const target = t.target === undefined ? undefined : resolveTarget(tree, node, t.target);
    return {
      ...(target ? { target: `#${machineId}.${target.id}` } : {}),
      ...(t.reenter ? { reenter: true } : {}),
      guard: { type: 'allowed', params: { roles: automatic ? null : (t.roles ?? []), input: automatic ? null : validatorFor(t.input ?? EMPTY_INPUT), rule: t.guard ?? null } },
      // Assignment first, so notifications render the data as the transition leaves it.
      actions: [...(t.assign ? [{ type: 'assignData', params: { assign: t.assign } }] : []), ...(t.notify?.length ? [{ type: 'notify', params: { notify: t.notify } }] : [])],
    };
  };
  if (sd.on) out.on = Object.fromEntries(Object.entries(sd.on).map(([e, t]) => [e, (Array.isArray(t) ? t : [t]).map((x) => compileT(x, false))]));
  if (sd.always) out.always = (Array.isArray(sd.always) ? sd.always : [sd.always]).map((x) => compileT(x, true));
  if (sd.onDone) out.onDone = compileT(sd.onDone, true);
  return out;
}
