/**
 * Drives a workflow definition through the pure `initialStep` / `step` with a
 * manual time, and records which declared transitions were taken, so a test
 * file can end by checking that it exercised every one of them.
 */
import { expect } from 'vitest';
import { compileWorkflow, type CompiledWorkflow } from '../../engine/core/compile.js';
import { decide, type Decision } from '../../engine/core/decide.js';
import { builtinCalendars, cnCalendar, createCalendarRegistry } from '../../engine/core/calendar/index.js';
import type { StepEnv } from '../../engine/core/deadlines.js';
import type { Effect } from '../../engine/core/effects.js';
import type { TransitionInfo } from '../../engine/core/state-tree.js';
import { initialStep, step, type StepResult } from '../../engine/core/step.js';
import { TIMER_ACTOR, type Actor, type CaseState, type Command } from '../../engine/core/types.js';
import { EngineError, formatPath } from '../../engine/errors.js';
import type { Engine, KnexStore, ManualClock, TimerRecord } from '../../engine/index.js';

export const ORG = 'district-a';

/** The built-in calendars, as the brief's tests use them. */
export function builtinEnv(): StepEnv {
  const registry = createCalendarRegistry(builtinCalendars);
  return { calendar: (id) => registry.get(id)! };
}

/**
 * The built-in calendars plus 2027 loaded without exceptions (weekdays only):
 * stands in for the 2027 holiday notice, which is published in late 2026.
 */
export function envWith2027(): StepEnv {
  const registry = createCalendarRegistry(builtinCalendars);
  registry.add({ ...cnCalendar, years: [...cnCalendar.years, 2027] });
  return { calendar: (id) => registry.get(id)! };
}

/** An actor with these roles; `as('system')` is the engine's own (`system:driver`), the only kind the role `system` counts for. */
export const as = (...roles: string[]): Actor => ({ id: roles.length === 1 && roles[0] === 'system' ? 'system:driver' : `u-${roles.join('+')}`, roles, org: ORG });

export type Cmd = [type: string, who: string | Actor, payload?: Record<string, unknown>, at?: Date];

export interface Driver {
  wf: CompiledWorkflow;
  start(data?: Record<string, unknown>, at?: Date): StepResult;
  send(state: CaseState, type: string, who: string | Actor, payload?: Record<string, unknown>, at?: Date): StepResult;
  run(state: CaseState, cmds: Cmd[]): StepResult;
  /** Fires a deadline's timer as the timer service would (`deadline.<kind>` by `system:timer`). */
  fire(state: CaseState, deadlineKey: string, kind?: 'due' | 'remind' | 'escalate', at?: Date): StepResult;
  /** The built-in `deadline.extend`. */
  extend(state: CaseState, deadlineKey: string, by: string, who?: string | Actor, at?: Date): StepResult;
  /** Steps without recording (for commands expected to fail). */
  direct(state: CaseState, cmd: Command, at?: Date): StepResult;
  /** Declared event transitions never taken, except refusals (guard `false`). */
  untaken(): string[];
}

/** `orgAncestry`: the orgs above the case's org (nearest first), as the runtime records them when it opens a case. */
export function createDriver(definition: unknown, opts: { env: StepEnv; now: Date; caseId?: string; orgAncestry?: string[] }): Driver {
  const wf = compileWorkflow(definition);
  const taken = new Set<string>();
  const keyOf = (t: TransitionInfo) => formatPath(t.jsonPath);
  const actorOf = (who: string | Actor) => (typeof who === 'string' ? as(who) : who);

  /** Records the declared transitions `decide` says it took (the command's and any automatic ones after it). */
  const record = (d: Decision): Decision => {
    for (const path of d.transitions) taken.add(path);
    return d;
  };
  const direct = (state: CaseState, cmd: Command, at = opts.now) => step(wf, state, cmd, at, opts.env);
  const send: Driver['send'] = (state, type, who, payload = {}, at = opts.now) => record(decide(wf, state, { type, payload, actor: actorOf(who) }, at, opts.env));
  const fire: Driver['fire'] = (state, deadlineKey, kind = 'due', at = opts.now) => {
    const dl = state.deadlines.find((d) => d.key === deadlineKey);
    if (!dl) throw new Error(`no deadline ${deadlineKey}; running: ${state.deadlines.map((d) => d.key).join(', ')}`);
    const index = kind === 'remind' ? dl.reminded : kind === 'escalate' ? dl.escalated : 0;
    // A declared follow-up event (onExpire, a rung's event) shows as the transition it took.
    return record(decide(wf, state, { type: `deadline.${kind}`, payload: { deadline: deadlineKey, index, generation: dl.generation }, actor: TIMER_ACTOR }, at, opts.env));
  };
  return {
    wf,
    start: (data = {}, at = opts.now) => initialStep(wf, { caseId: opts.caseId ?? 'c1', org: ORG, data, actor: as(...wf.definition.roles), ...(opts.orgAncestry ? { orgAncestry: opts.orgAncestry } : {}) }, at, opts.env),
    send,
    run: (state, cmds) => {
      let r: StepResult | undefined;
      for (const [type, who, payload, at] of cmds) r = send(r?.state ?? state, type, who, payload, at);
      if (!r) throw new Error('no commands');
      return r;
    },
    fire,
    // An extension that names its approval event takes it in the same step: decide reports the transition.
    extend: (state, deadlineKey, by, who = 'governmentLeader', at = opts.now) =>
      record(decide(wf, state, { type: 'deadline.extend', payload: { deadline: deadlineKey, by, reason: '调查工作需要' }, actor: actorOf(who) }, at, opts.env)),
    direct,
    untaken: () => wf.tree.transitions.filter((t) => t.event !== null && t.event !== 'onDone' && t.def.guard !== false && !taken.has(keyOf(t))).map(keyOf),
  };
}

/** Runs `fn`, expects an EngineError with `code`, returns it. */
export function fails(fn: () => unknown, code: string): EngineError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code, (e as Error).message).toBe(code);
    return e as EngineError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** Task and closing effects in short form: `-draft`, `+reported@regulatorReviewer`, `done:closed`. */
export function tasks(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'open-task' ? [`+${e.stateId}@${e.role}`] : e.type === 'close-task' ? [`-${e.stateId}`] : e.type === 'case-closed' ? [`done:${e.finalState}`] : []));
}

/** Timer effects in short form: `set <deadlineKey> <kind> <dueAt>` and `cancel <deadlineKey> <kind>`. */
export function timers(effects: Effect[]): string[] {
  return effects.flatMap((e) => {
    if (e.type === 'set-timer') return [`set ${e.deadlineKey} ${e.kind} ${e.dueAt}`];
    if (e.type !== 'cancel-timer') return [];
    // timerKey: `caseId:stateId#deadlineId@startSeq:kind:index:gN`
    const [, deadline, kind] = e.timerKey.split(':');
    return [`cancel ${deadline!.split('@')[0]} ${kind}`];
  });
}

/** The English guard messages of a `guard_failed` error, for naming what is still open. */
export function guardMessages(e: EngineError): string[] {
  return (e.details.guards as unknown[]).map((g) => (typeof g === 'object' && g !== null && 'en' in g ? String((g as { en: string }).en) : JSON.stringify(g)));
}

/**
 * Moves a manual clock to `iso` and fires, through the engine, every timer due
 * by then (deadline rungs and child signals), earliest first, until none is
 * left; returns each timer fired with its outcome.
 */
export async function fireDueTimers(engine: Pick<Engine, 'fireTimer'>, store: Pick<KnexStore, 'timers'>, clock: ManualClock, iso: string): Promise<{ timer: TimerRecord; outcome: string }[]> {
  clock.set(iso);
  const fired: { timer: TimerRecord; outcome: string }[] = [];
  for (;;) {
    const due = await store.timers.listDue(clock.now().toISOString(), 100);
    if (due.length === 0) return fired;
    for (const timer of due) fired.push({ timer, outcome: (await engine.fireTimer(timer)).outcome });
  }
}
