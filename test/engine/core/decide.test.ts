import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { transferRefusal, isAuditor, jurisdictionReaches } from '../../../engine/core/access.js';
import { builtinCalendars, createCalendarRegistry } from '../../../engine/core/calendar/index.js';
import { compileWorkflow } from '../../../engine/core/compile.js';
import { decide, decideStart } from '../../../engine/core/decide.js';
import * as expression from '../../../engine/core/expression.js';
import type { OrgFacts } from '../../../engine/core/jurisdiction.js';
import { TIMER_ACTOR, type CaseState } from '../../../engine/core/types.js';
import { defineWorkflow, EngineError } from '../../../engine/index.js';

// Every guard the engine evaluates goes through `isTruthy`: wrapping it counts the evaluations.
vi.mock('../../../engine/core/expression.js', async (importOriginal) => {
  const mod = await importOriginal<typeof expression>();
  return { ...mod, isTruthy: vi.fn(mod.isTruthy) };
});

const registry = createCalendarRegistry(builtinCalendars);
const env = { calendar: (id: string) => registry.get(id)! };
const clerk = { id: 'u1', roles: ['clerk'], org: 'o1' };
const boss = { id: 'u2', roles: ['boss'], org: 'o1' };
const NOW = new Date('2026-02-10T02:00:00Z');

/** A guard no other rule of the workflow uses, so its evaluations can be told apart. */
const PROBE = { '==': [{ var: 'payload.code' }, 'open-sesame'] };

const definition = defineWorkflow({
  id: 'decide-demo',
  version: 1,
  title: 'demo',
  roles: ['clerk', 'boss', 'system'],
  data: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' }, late: { type: 'boolean' }, n: { type: 'integer', default: 0 } } },
  initial: 'start',
  states: {
    start: {
      on: {
        go: [
          { target: 'viaA', roles: ['clerk'], input: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, assign: ['a'] },
          { target: 'viaB', roles: ['clerk'], input: { type: 'object', properties: { b: { type: 'string' } }, required: ['b'] }, assign: ['b'] },
        ],
        unlock: { target: 'hub', roles: ['clerk'], input: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] }, guard: PROBE, guardMessage: { zh: '口令不对', en: 'wrong code' } },
      },
    },
    hub: { always: { target: 'viaA', guard: { '==': [1, 1] } } },
    viaA: { on: { finish: { target: 'done', roles: ['boss'] } } },
    viaB: {
      task: { title: '审核', role: 'boss' },
      deadlines: [{ id: 'review', duration: '5 workdays', onExpire: 'markLate' }],
      on: { finish: { target: 'done', roles: ['boss'] }, markLate: { roles: ['system'], assign: { late: true } }, note: { roles: ['clerk', 'boss'], assign: { n: { '+': [{ var: 'data.n' }, 1] } } } },
    },
    done: { type: 'final' },
  },
});

const start = (wf = compileWorkflow(definition)): CaseState => decideStart(wf, { caseId: 'c1', org: 'o1', data: {}, actor: clerk }, NOW, env).state;

function codeOf(fn: () => unknown): { code: string; details: Record<string, unknown>; issues?: unknown } {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineError) return { code: e.code, details: e.details, issues: e.issues };
    throw e;
  }
  throw new Error('nothing was thrown');
}

describe('decide', () => {
  const wf = compileWorkflow(definition);
  const probeCalls = () => vi.mocked(expression.isTruthy).mock.calls.filter(([rule]) => JSON.stringify(rule) === JSON.stringify(PROBE)).length;
  beforeEach(() => vi.mocked(expression.isTruthy).mockClear());

  it('reports the transition it took by its path in the definition', () => {
    const viaB = decide(wf, start(wf), { type: 'go', payload: { b: 'B' }, actor: clerk }, NOW, env);
    expect(viaB.transition).toBe('states.start.on.go[1]');
    expect(viaB.transitions).toEqual(['states.start.on.go[1]']);
    expect(viaB.state.value).toBe('viaB');
    const viaA = decide(wf, start(wf), { type: 'go', payload: { a: 'A' }, actor: clerk }, NOW, env);
    expect(viaA.transition).toBe('states.start.on.go[0]');
    expect(decide(wf, viaA.state, { type: 'finish', actor: boss }, NOW, env).transition).toBe('states.viaA.on.finish');
  });

  it('lists the automatic transitions a command led to after its own', () => {
    const d = decide(wf, start(wf), { type: 'unlock', payload: { code: 'open-sesame' }, actor: clerk }, NOW, env);
    expect(d.transition).toBe('states.start.on.unlock');
    expect(d.transitions).toEqual(['states.start.on.unlock', 'states.hub.always']);
    expect(d.state.value).toBe('viaA');
  });

  it('reports a timer\'s declared event as the transition it took, and none for creation or a bare timer', () => {
    expect(decideStart(wf, { caseId: 'c1', org: 'o1', data: {}, actor: clerk }, NOW, env).transition).toBeNull();
    const s = decide(wf, start(wf), { type: 'go', payload: { b: 'B' }, actor: clerk }, NOW, env).state;
    const fired = decide(wf, s, { type: 'deadline.due', payload: { deadline: 'viaB#review', index: 0, generation: 0 }, actor: TIMER_ACTOR }, new Date('2026-02-24T16:00:01Z'), env);
    expect(fired.transition).toBe('states.viaB.on.markLate');
    expect(fired.state.data.late).toBe(true);
  });

  it('returns the validated payload, the due time of open tasks and, when asked, what the actor may send next', () => {
    const d = decide(wf, start(wf), { type: 'go', payload: { b: 'B' }, actor: clerk }, NOW, env, { next: true });
    expect(d.payload).toEqual({ b: 'B' });
    expect(d.taskDue).toEqual([{ taskKey: 'c1:viaB', dueAt: '2026-02-24T16:00:00.000Z' }]);
    expect(d.next?.map((e) => e.type)).toEqual(['note']);
    expect(decide(wf, start(wf), { type: 'go', payload: { b: 'B' }, actor: clerk }, NOW, env).next).toBeUndefined();
    const auditor = { id: 'u9', roles: ['clerk', 'auditor'], org: 'o1' };
    expect(decide(wf, start(wf), { type: 'go', payload: { b: 'B' }, actor: clerk }, NOW, env, { next: true }).next).not.toEqual([]);
    expect(decide(wf, d.state, { type: 'note', actor: boss }, NOW, env, { next: true }).next?.map((e) => e.type)).toEqual(['finish', 'note']);
    expect(decide(wf, d.state, { type: 'note', actor: auditor }, NOW, env, { next: true }).next).toEqual([]);
  });

  it('evaluates a guard once per command, whether it holds or not', () => {
    const s = start(wf);
    decide(wf, s, { type: 'unlock', payload: { code: 'open-sesame' }, actor: clerk }, NOW, env);
    expect(probeCalls()).toBe(1);
    vi.mocked(expression.isTruthy).mockClear();
    expect(codeOf(() => decide(wf, s, { type: 'unlock', payload: { code: 'nope' }, actor: clerk }, NOW, env)).code).toBe('guard_failed');
    expect(probeCalls()).toBe(1);
  });

  it('validates the payload once per candidate transition', () => {
    const inputs = [...wf.transitions.values()].filter((t) => t.event === 'go').map((t) => t.input!);
    const spies = inputs.map((v) => vi.spyOn(v, 'safeParse'));
    try {
      decide(wf, start(wf), { type: 'go', payload: { b: 'B' }, actor: clerk }, NOW, env);
      // The first candidate refuses the payload, the second takes it; xstate checks neither again.
      expect(spies.map((s) => s.mock.calls.length)).toEqual([1, 1]);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it('refuses with the same stable codes and details as before', () => {
    const s = start(wf);
    const input = codeOf(() => decide(wf, s, { type: 'go', payload: { c: 1 }, actor: clerk }, NOW, env));
    expect(input.code).toBe('invalid_input');
    expect(input.details).toEqual({ event: 'go' });
    // The first candidate's issues speak for the refusal, as before.
    expect(input.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: ['payload', 'a'] })]));
    expect(codeOf(() => decide(wf, s, { type: 'go', payload: { a: 1 }, actor: clerk }, NOW, env)).code).toBe('invalid_input');
    const guard = codeOf(() => decide(wf, s, { type: 'unlock', payload: { code: 'x' }, actor: clerk }, NOW, env));
    expect(guard).toMatchObject({ code: 'guard_failed', details: { event: 'unlock', state: 'start' } });
    expect(codeOf(() => decide(wf, s, { type: 'go', payload: { a: 'A' }, actor: boss }, NOW, env))).toMatchObject({ code: 'forbidden', details: { event: 'go', roles: ['clerk'] } });
    expect(codeOf(() => decide(wf, s, { type: 'finish', actor: boss }, NOW, env))).toMatchObject({ code: 'invalid_transition', details: { accepted: ['go', 'unlock'] } });
    const b = decide(wf, s, { type: 'go', payload: { b: 'B' }, actor: clerk }, NOW, env).state;
    expect(codeOf(() => decide(wf, b, { type: 'markLate', actor: clerk }, NOW, env)).code).toBe('system_only_event');
  });
});

describe('the compiled machine and its actor scope', () => {
  it('builds an actor without input without throwing (the context factory needs none)', () => {
    const wf = compileWorkflow(definition);
    const snapshot = createActor(wf.machine).getSnapshot() as { status: string; error?: unknown };
    expect(snapshot.error).toBeUndefined();
    expect(snapshot.status).toBe('active');
  });

  it('runs the context factory once per case start plus once for the shared scope, and never throws in it', () => {
    const wf = compileWorkflow(definition);
    const config = wf.machine.config as { context: (arg: { input: unknown }) => unknown };
    const factory = config.context;
    const calls: { withInput: boolean; threw: boolean }[] = [];
    config.context = (arg) => {
      const call = { withInput: arg.input !== undefined, threw: false };
      calls.push(call);
      try {
        return factory(arg);
      } catch (e) {
        call.threw = true;
        throw e;
      }
    };
    let state = start(wf);
    state = decide(wf, state, { type: 'go', payload: { b: 'B' }, actor: clerk }, NOW, env).state;
    for (let i = 0; i < 20; i++) state = decide(wf, state, { type: 'note', actor: clerk }, NOW, env).state;
    state = decide(wf, state, { type: 'finish', actor: boss }, NOW, env).state;
    expect(state.status).toBe('done');
    expect(calls.filter((c) => c.threw)).toEqual([]);
    // One case start (with input) and one inert actor for the reused scope; none per transition.
    expect(calls.filter((c) => c.withInput)).toHaveLength(1);
    expect(calls.filter((c) => !c.withInput).length).toBeLessThanOrEqual(1);
  });
});

describe('access rules in core', () => {
  const facts: OrgFacts = {
    ancestry: (org) => ({ city: [{ id: 'city', level: 'city' }], d1: [{ id: 'd1', level: 'county' }, { id: 'city', level: 'city' }] } as Record<string, OrgFact[]>)[org],
  };
  type OrgFact = { id: string; level: string };
  const wf = compileWorkflow(definition);

  it('an auditor reads only; jurisdiction is the actor org\'s subtree; a transfer needs the task\'s role', () => {
    expect(isAuditor({ roles: ['auditor'] })).toBe(true);
    expect(isAuditor(clerk)).toBe(false);
    expect(jurisdictionReaches(facts, { org: 'city' }, 'd1')).toBe(true);
    expect(jurisdictionReaches(facts, { org: 'd1' }, 'city')).toBe(false);
    expect(jurisdictionReaches(facts, { org: 'd1' }, 'nowhere')).toBe(false);
    expect(transferRefusal(wf, 'viaB', { roles: ['boss'] })).toBeUndefined();
    expect(transferRefusal(wf, 'viaB', { roles: ['clerk'] })).toEqual({ code: 'missing_role', role: 'boss' });
    expect(transferRefusal(wf, 'start', { roles: ['clerk'] })).toEqual({ code: 'not_a_task' });
  });
});
