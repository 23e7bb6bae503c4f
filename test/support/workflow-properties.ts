/**
 * The property suite every workflow definition runs (STYLE.md, Tests): random
 * command sequences through the pure `step` (deterministic, JSON-safe, typed
 * errors only, tasks follow the active states, final states absorb), and path
 * coverage of the compiled machine with `xstate/graph`.
 *
 * Failures print fast-check's seed and path; pass `seed` (or set
 * DUBAN_FC_SEED) to replay one.
 *
 * @example
 * runWorkflowProperties(hazardWorkflow, { numRuns: 100 });
 */
import fc from 'fast-check';
import { describe, expect, it as vitestIt } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths, getStateNodes } from 'xstate/graph';
import { compileWorkflow, type CompiledWorkflow, type MachineContext, type MachineEvent } from '../../engine/core/compile.js';
import { isBuiltinEvent } from '../../engine/core/builtin-events.js';
import { builtinCalendars, createCalendarRegistry } from '../../engine/core/calendar/index.js';
import { EffectSchema, type Effect } from '../../engine/core/effects.js';
import { analyseExpression } from '../../engine/core/expression.js';
import { activeNodeIds, type TransitionInfo } from '../../engine/core/state-tree.js';
import { decide, type Decision } from '../../engine/core/decide.js';
import { isTaskEvent } from '../../engine/core/task-events.js';
import { acceptedEvents, initialStep, type StepEnv, type StepResult } from '../../engine/core/step.js';
import { CaseStateSchema, TIMER_ACTOR, type Actor, type CaseState, type Command } from '../../engine/core/types.js';
import { EngineError } from '../../engine/errors.js';
import { DEFAULT_ARBITRARY_OPTIONS, payloadArbitrary, samplePayloads, wrongPayloadArbitrary, type ArbitraryOptions } from './field-arbitrary.js';

export interface WorkflowPropertyOptions {
  /** Runs per property (default 100). */
  numRuns?: number;
  /** fast-check seed, to replay a failure (default: DUBAN_FC_SEED, else random). */
  seed?: number;
  /** Longest command sequence (default 40). */
  maxCommands?: number;
  /** Data the case is created with (default `{}`). */
  initialData?: Record<string, unknown>;
  /** First command time (default 2026-03-02T01:00Z); later commands move forward. */
  startAt?: Date;
  /** Data fields that tell traversal states apart (default: every data field a guard reads). */
  coverageDataKeys?: string[];
  /** Data fields left out of the default `coverageDataKeys` (a counter whose values add no state, only branches). */
  coverageIgnoredKeys?: string[];
  /** Numbers guards read are clamped to ±this when telling traversal states apart (default 3), so counters stay finite. */
  coverageNumberCap?: number;
  /** Maximum traversal steps for the graph coverage (default 200 000). */
  traversalLimit?: number;
  /** Calendars for deadlines (default: the built-in ones). */
  env?: StepEnv;
  /** Generated dates (default: inside the built-in calendar years). */
  arbitrary?: ArbitraryOptions;
  /** Time limit of each property test (default: vitest's). */
  testTimeoutMs?: number;
  /**
   * Where the case sits and the orgs above it, nearest first, as the runtime records them (default: the
   * suite's org, nothing above). The commands act from the suite's org (district-a), so a case below it
   * lets guards that want an actor from a higher level (`case.orgAncestors`) pass.
   */
  caseOrg?: { org: string; orgAncestry: string[] };
}

/** A step environment with the built-in calendars (`cn`). */
export function builtinStepEnv(): StepEnv {
  const registry = createCalendarRegistry(builtinCalendars);
  return {
    calendar: (id) => {
      const cal = registry.get(id);
      if (!cal) throw new Error(`test calendar "${id}" is not loaded`);
      return cal;
    },
  };
}

const BOGUS_EVENTS = ['bogusEvent', 'xstate.init', '__proto__', 'toString', ''];
const ORG = 'district-a';
/** The seed CI uses (see `runWorkflowProperties`). */
const CI_SEED = 20_261_122;

/** Registers the property tests of `definition` (call at a test file's top level). */
export function runWorkflowProperties(definition: unknown, options: WorkflowPropertyOptions = {}): void {
  const wf = compileWorkflow(definition);
  const envSeed = process.env.DUBAN_FC_SEED ? Number(process.env.DUBAN_FC_SEED) : undefined;
  // CI runs one fixed seed so a landing never hangs on luck (the closed-run count below is statistical);
  // locally every run draws a new seed, and a failure prints it for DUBAN_FC_SEED.
  const seed = options.seed ?? envSeed ?? (process.env.CI ? CI_SEED : undefined);
  const params = { numRuns: options.numRuns ?? 100, ...(seed === undefined ? {} : { seed }) };
  const maxCommands = options.maxCommands ?? 40;
  const startAt = options.startAt ?? new Date('2026-03-02T01:00:00.000Z');
  const allEvents = eventTypes(wf);
  const env = options.env ?? builtinStepEnv();
  const arb = options.arbitrary ?? DEFAULT_ARBITRARY_OPTIONS;
  const creator: Actor = { id: 'u-creator', roles: [...wf.definition.roles], org: ORG };
  const start = () => initialStep(wf, { caseId: 'case-1', org: options.caseOrg?.org ?? ORG, data: options.initialData ?? {}, actor: creator, ...(options.caseOrg ? { orgAncestry: options.caseOrg.orgAncestry } : {}) }, startAt, env);
  const run = (state: CaseState, cmd: Command, at: Date) => decide(wf, state, cmd, at, env);

  /**
   * One random command for the current state, biased towards events the state
   * accepts and roles they allow; sometimes a timer firing for one of the
   * running deadlines, as the timer service would send it.
   */
  const commandFor = (state: CaseState): fc.Arbitrary<{ cmd: Command; advanceMs: number }> => {
    const timer = timerCommand(state);
    return timer ? fc.oneof({ weight: 9, arbitrary: workflowCommand(state) }, { weight: 1, arbitrary: timer }) : workflowCommand(state);
  };

  const timerCommand = (state: CaseState): fc.Arbitrary<{ cmd: Command; advanceMs: number }> | undefined => {
    if (state.deadlines.length === 0) return undefined;
    return fc.record({ dl: fc.constantFrom(...state.deadlines), kind: fc.constantFrom('remind', 'due', 'escalate'), stale: fc.boolean() }).map(({ dl, kind, stale }) => {
      const index = kind === 'remind' ? dl.reminded : kind === 'escalate' ? dl.escalated : 0;
      return { cmd: { type: `deadline.${kind}`, payload: { deadline: dl.key, index, generation: dl.generation + (stale ? 1 : 0) }, actor: TIMER_ACTOR }, advanceMs: 0 };
    });
  };

  const workflowCommand = (state: CaseState): fc.Arbitrary<{ cmd: Command; advanceMs: number }> => {
    const accepted = acceptedEvents(wf, state.value);
    const typeArb = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...(accepted.length > 0 ? accepted : allEvents)) },
      { weight: 3, arbitrary: fc.constantFrom(...allEvents) },
      { weight: 1, arbitrary: fc.constantFrom(...BOGUS_EVENTS) },
    );
    return typeArb.chain((type) => {
      const candidates = candidatesFor(wf, state, type);
      const allowed = [...new Set(candidates.flatMap((t) => t.def.roles ?? []))];
      const roleArb = fc.oneof(
        ...(allowed.length > 0 ? [{ weight: 6, arbitrary: fc.constantFrom(...allowed).map((r) => [r]) }] : []),
        { weight: 3, arbitrary: fc.constantFrom(...wf.definition.roles).map((r) => [r]) },
        { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...wf.definition.roles, 'stranger'), { minLength: 0, maxLength: 3 }) },
      );
      const inputArb = candidates.length > 0 ? fc.constantFrom(...candidates.map((t) => t.def.input)) : fc.constant(undefined);
      const payloadArb = inputArb.chain((input) => fc.oneof({ weight: 4, arbitrary: payloadArbitrary(input, arb) }, { weight: 1, arbitrary: wrongPayloadArbitrary(input, arb) }));
      return fc.record({ roles: roleArb, payload: payloadArb, advanceMs: fc.integer({ min: 0, max: 5 * 86_400_000 }) }).map(({ roles, payload, advanceMs }) => ({
        cmd: { type, payload, actor: { id: roles.includes('system') ? `system:${roles.join('+')}` : `u-${roles.join('+') || 'none'}`, roles, org: ORG } },
        advanceMs,
      }));
    });
  };

  /**
   * Runs a generated command sequence, calling `check` after every step with
   * the state before, the command, its time and the outcome.
   */
  const runSequence = (check: (before: CaseState, cmd: Command, now: Date, outcome: Outcome) => void) =>
    fc.property(fc.gen(), fc.integer({ min: 1, max: maxCommands }), (g, n) => {
      let state = start().state;
      let now = startAt.getTime();
      for (let i = 0; i < n; i++) {
        const { cmd, advanceMs } = g(commandFor, state);
        now += advanceMs;
        const at = new Date(now);
        const outcome = attempt(() => run(state, cmd, at));
        check(state, cmd, at, outcome);
        if (outcome.ok) state = outcome.result.state;
      }
    });

  const it = (name: string, fn: () => void) => vitestIt(name, fn, options.testTimeoutMs);

  describe(`workflow properties: ${wf.ref}`, () => {
    it('starts a case with JSON-safe state and effects', () => {
      const r = start();
      expectJsonSafe(r);
      expect(r.state.status).toBe('active');
    });

    it('step is deterministic and does not mutate its inputs', () => {
      fc.assert(
        runSequence((before, cmd, now, outcome) => {
          const frozen = JSON.stringify([before, cmd]);
          expect(attempt(() => run(before, cmd, now))).toStrictEqual(outcome);
          expect(JSON.stringify([before, cmd])).toBe(frozen);
        }),
        params,
      );
    });

    it('state and effects survive a JSON round trip and every effect parses', () => {
      fc.assert(runSequence((_b, _c, _n, outcome) => (outcome.ok ? expectJsonSafe(outcome.result) : undefined)), params);
    });

    it('only EngineError subclasses escape, and an event no state handles is invalid_transition', () => {
      fc.assert(
        runSequence((before, cmd, _n, outcome) => {
          if (outcome.ok) return;
          if (!outcome.engineError) throw new Error(`step threw a non-engine error for ${JSON.stringify(cmd)}: ${String(outcome.error)}`);
          if (before.status === 'done') expect(outcome.code).toBe('case_closed');
          else if (!isBuiltinEvent(cmd.type) && !acceptedEvents(wf, before.value).includes(cmd.type)) {
            expect(outcome.code).toBe('invalid_transition');
            expect(outcome.details.accepted).toEqual(acceptedEvents(wf, before.value));
          }
        }),
        params,
      );
    });

    it('decide names the declared transition it took: for the event, on an active state', () => {
      fc.assert(
        runSequence((before, cmd, _n, outcome) => {
          if (!outcome.ok) return;
          const { transition, transitions } = outcome.result;
          for (const path of transitions) expect(wf.transitions.has(path), path).toBe(true);
          if (isBuiltinEvent(cmd.type) || isTaskEvent(cmd.type)) {
            if (transition !== null) expect(transitions).toContain(transition);
            return;
          }
          // A workflow event is accepted only by taking one of its declared transitions, the first one reported.
          expect(transition).not.toBeNull();
          expect(transitions[0]).toBe(transition);
          const taken = wf.transitions.get(transition!)!;
          expect(taken.event).toBe(cmd.type);
          expect(activeNodeIds(before.value)).toContain(taken.info.source.id);
        }),
        params,
      );
    });

    it('open tasks and running deadlines always match the active states', () => {
      fc.assert(
        fc.property(fc.gen(), fc.integer({ min: 1, max: maxCommands }), (g, n) => {
          const first = start();
          let state = first.state;
          const open = applyTaskEffects(new Set(), first.effects);
          expect(open).toEqual(expectedTasks(wf, state));
          for (let i = 0; i < n; i++) {
            const { cmd } = g(commandFor, state);
            const outcome = attempt(() => run(state, cmd, startAt));
            if (!outcome.ok) continue;
            state = outcome.result.state;
            applyTaskEffects(open, outcome.result.effects);
            expect(open).toEqual(expectedTasks(wf, state));
            expect(new Set(state.deadlines.map((d) => d.key))).toEqual(expectedDeadlines(wf, state));
            if (state.status === 'done') expect(outcome.result.effects.filter((e) => e.type === 'case-closed')).toHaveLength(1);
          }
        }),
        params,
      );
    });

    it('once a case is done every further event is case_closed', () => {
      let closedRuns = 0;
      fc.assert(
        runSequence((before, cmd, _n, outcome) => {
          if (before.status === 'done') {
            expect(outcome.ok ? 'accepted' : outcome.code).toBe('case_closed');
            return;
          }
          if (outcome.ok && outcome.result.state.status === 'done') {
            closedRuns++;
            const everyone: Actor = { id: 'u-all', roles: [...wf.definition.roles] };
            for (const type of [...allEvents, ...BOGUS_EVENTS, 'deadline.due', 'deadline.extend']) {
              const r = attempt(() => run(outcome.result.state, { type, payload: {}, actor: everyone }, new Date(startAt.getTime() + 1)));
              expect(r.ok ? 'accepted' : r.code, `${type} after ${cmd.type}`).toBe('case_closed');
            }
          }
        }),
        params,
      );
      // The generator is biased towards accepted events, so some runs must reach a final state.
      expect(closedRuns).toBeGreaterThan(0);
    });

    it('reaches every state node, every final state and every event (xstate/graph)', () => {
      const coverage = graphCoverage(wf, options);
      const machineIds = getStateNodes(wf.machine).map((n) => n.id.slice(wf.machine.id.length + 1));
      expect(machineIds.sort()).toEqual(wf.tree.nodes.map((n) => n.id).sort());
      expect(wf.tree.nodes.map((n) => n.id).filter((id) => !coverage.entered.has(id))).toEqual([]);
      const finals = wf.tree.nodes.filter((n) => n.kind === 'final' && n.path.length === 1).map((n) => n.id);
      expect(finals.filter((f) => !coverage.finalPaths.has(f))).toEqual([]);
      expect(allEvents.filter((e) => !coverage.events.has(e))).toEqual([]);
    });
  });
}

type Outcome =
  | { ok: true; result: Decision }
  | { ok: false; engineError: true; code: string; message: string; details: Record<string, unknown>; result?: undefined }
  | { ok: false; engineError: false; error: unknown; code?: undefined; result?: undefined; details?: undefined };

function attempt(fn: () => Decision): Outcome {
  try {
    return { ok: true, result: fn() };
  } catch (e) {
    if (e instanceof EngineError) return { ok: false, engineError: true, code: e.code, message: e.message, details: e.details };
    return { ok: false, engineError: false, error: e };
  }
}

function expectJsonSafe(r: StepResult): void {
  expect(JSON.parse(JSON.stringify(r.state))).toStrictEqual(r.state);
  expect(CaseStateSchema.parse(r.state)).toStrictEqual(r.state);
  expect(JSON.parse(JSON.stringify(r.effects))).toStrictEqual(r.effects);
  for (const e of r.effects) expect(EffectSchema.parse(e)).toStrictEqual(e);
}

/** Every event type the workflow handles (the catalogue when declared). */
export function eventTypes(wf: CompiledWorkflow): string[] {
  const handled = wf.tree.transitions.flatMap((t) => (t.event && t.event !== 'onDone' ? [t.event] : []));
  return [...new Set([...Object.keys(wf.definition.events ?? {}), ...handled])].sort();
}

/** Transitions for `type` declared on an active state of `state`. */
function candidatesFor(wf: CompiledWorkflow, state: Pick<CaseState, 'value'>, type: string): TransitionInfo[] {
  const active = new Set(activeNodeIds(state.value));
  return wf.tree.transitions.filter((t) => t.event === type && active.has(t.source.id));
}

function applyTaskEffects(open: Set<string>, effects: Effect[]): Set<string> {
  for (const e of effects) {
    if (e.type === 'open-task') open.add(e.taskKey);
    if (e.type === 'close-task') open.delete(e.taskKey);
  }
  return open;
}

function expectedDeadlines(wf: CompiledWorkflow, state: CaseState): Set<string> {
  if (state.status === 'done') return new Set();
  return new Set(activeNodeIds(state.value).flatMap((id) => (wf.tree.byId.get(id)?.def.deadlines ?? []).map((d) => `${id}#${d.id}`)));
}

function expectedTasks(wf: CompiledWorkflow, state: CaseState): Set<string> {
  if (state.status === 'done') return new Set();
  return new Set(activeNodeIds(state.value).filter((id) => wf.tree.byId.get(id)?.def.task).map((id) => `${state.caseId}:${id}`));
}

/**
 * Traverses the compiled machine with `xstate/graph`. Guards read payloads and
 * the actor, so each state's events are built from the definition: every
 * transition it handles, with the representative payloads of
 * `samplePayloads`, sent by an actor holding every declared role. States are
 * told apart by their value plus the data fields guards read (numbers clamped),
 * which keeps counters (e.g. a rework count) from making the graph infinite.
 */
function graphCoverage(wf: CompiledWorkflow, options: WorkflowPropertyOptions): { entered: Set<string>; finalPaths: Map<string, string[]>; events: Set<string> } {
  const now = (options.startAt ?? new Date('2026-03-02T01:00:00.000Z')).toISOString();
  // A `system:` id: the role `system` counts only for the engine's own actors, and the walk takes system transitions too.
  // In the suite's org, like the generated commands: guards may compare `actor.org` with an org in the data.
  const actor: Actor = { id: 'system:coverage', roles: [...wf.definition.roles], org: ORG };
  const samples = new Map<TransitionInfo, Record<string, unknown>[]>();
  const events = (snapshot: AnyMachineSnapshot): MachineEvent[] => {
    const out = new Map<string, MachineEvent>();
    for (const type of acceptedEvents(wf, snapshot.value)) {
      for (const t of candidatesFor(wf, snapshot, type)) {
        if (!samples.has(t)) samples.set(t, samplePayloads(t.def.input));
        for (const payload of samples.get(t)!) out.set(JSON.stringify([type, payload]), { type, payload, actor, now });
      }
    }
    return [...out.values()];
  };
  const keys = (options.coverageDataKeys ?? guardDataKeys(wf)).filter((k) => !options.coverageIgnoredKeys?.includes(k));
  const cap = options.coverageNumberCap ?? 3;
  const clamp = (v: unknown) => (typeof v === 'number' ? Math.max(-cap, Math.min(cap, v)) : (v ?? null));
  const serializeState = (s: AnyMachineSnapshot) => {
    const data = (s.context as MachineContext).data;
    return JSON.stringify([s.value, keys.map((k) => clamp(data[k]))]);
  };
  const data = wf.dataValidator.parse(options.initialData ?? {}) as Record<string, unknown>;
  const traversal = { events, serializeState, input: { data, caseId: 'coverage', org: options.caseOrg?.org ?? ORG, ...(options.caseOrg ? { orgAncestry: options.caseOrg.orgAncestry } : {}) }, limit: options.traversalLimit ?? 200_000 };

  const [, initialActions] = initialTransition(wf.machine, traversal.input);
  const entered = new Set(enteredIds(initialActions));
  const taken = new Set<string>();
  for (const edge of adjacencyMapToArray(getAdjacencyMap(wf.machine, traversal))) {
    const snapshot = edge.state as AnyMachineSnapshot;
    const event = edge.event as MachineEvent;
    if (snapshot.can(event)) taken.add(event.type);
    for (const id of enteredIds(transition(wf.machine, snapshot, event)[1])) entered.add(id);
  }
  const finalPaths = new Map<string, string[]>();
  for (const path of getShortestPaths(wf.machine, traversal)) {
    const s = path.state as AnyMachineSnapshot;
    if (s.status === 'done' && typeof s.value === 'string' && !finalPaths.has(s.value)) finalPaths.set(s.value, path.steps.map((st) => (st.event as MachineEvent).type));
  }
  return { entered, finalPaths, events: taken };
}

function enteredIds(actions: readonly { type: string; params?: unknown }[]): string[] {
  return actions.flatMap((a) => (a.type === 'entered' ? [(a.params as { id: string }).id] : []));
}

/** Top-level data fields read by some guard. */
function guardDataKeys(wf: CompiledWorkflow): string[] {
  const keys = new Set<string>();
  for (const t of wf.tree.transitions) {
    if (t.def.guard === undefined) continue;
    for (const v of analyseExpression(t.def.guard).vars) {
      const [root, key] = v.path.split('.');
      if (root === 'data' && key) keys.add(key);
    }
  }
  return [...keys].sort();
}
