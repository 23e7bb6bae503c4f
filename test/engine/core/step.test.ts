import { describe, expect, it } from 'vitest';
import { builtinCalendars, compileWorkflow, createCalendarRegistry, decide, defineWorkflow, initialStep, step, TIMER_ACTOR, type CaseState } from '../../../engine/index.js';

const registry = createCalendarRegistry(builtinCalendars);
const env = { calendar: (id: string) => registry.get(id)! };
const clerk = { id: 'u1', roles: ['clerk'] };
const boss = { id: 'u2', roles: ['boss'] };

const wf = compileWorkflow(
  defineWorkflow({
    id: 'step-demo',
    version: 1,
    title: 'demo',
    roles: ['clerk', 'boss', 'system'],
    data: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string', confidential: ['boss'] }, late: { type: 'boolean' } } },
    initial: 'start',
    states: {
      start: {
        on: {
          go: [
            { target: 'viaA', roles: ['clerk'], input: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, assign: ['a'] },
            { target: 'viaB', roles: ['clerk'], input: { type: 'object', properties: { b: { type: 'string' } }, required: ['b'] }, assign: ['b'] },
          ],
        },
      },
      viaA: { on: { finish: { target: 'done', roles: ['boss'] } } },
      viaB: {
        task: { title: '审核', role: 'boss' },
        deadlines: [{ id: 'review', duration: '5 workdays', remind: [{ before: '-2 workdays' }], onExpire: 'markLate', notify: 'overdue', extension: { roles: ['boss'], max: '10 workdays' } }],
        notify: [
          { template: 'task-assigned', kind: 'actionRequired', to: [{ role: 'boss', org: { var: 'data.b' } }, { field: 'a' }] },
          { template: 'listing-published', when: { '==': [{ var: 'data.b' }, 'listed'] }, to: [{ role: 'boss', org: { merge: ['o1', 'o2', 'o1'] } }] },
        ],
        on: { finish: { target: 'done', roles: ['boss'] }, markLate: { roles: ['system'], assign: { late: true } } },
      },
      done: { type: 'final' },
    },
  }),
);

function start(): CaseState {
  return initialStep(wf, { caseId: 'c1', org: 'o1', data: {}, actor: clerk }, new Date('2026-02-10T02:00:00Z'), env).state;
}

describe('step', () => {
  it('takes the transition whose input the payload matches when two share an event', () => {
    const r = decide(wf, start(), { type: 'go', payload: { b: 'B' }, actor: clerk }, new Date('2026-02-10T02:00:00Z'), env);
    expect(r.transition).toBe('states.start.on.go[1]');
    expect(r.state.value).toBe('viaB');
    expect(r.state.data).toEqual({ b: 'B' });
  });

  it('starts a deadline with its timers on entry and cancels them on exit', () => {
    const now = new Date('2026-02-10T02:00:00Z');
    const entered = step(wf, start(), { type: 'go', payload: { b: 'B' }, actor: clerk }, now, env);
    expect(entered.state.deadlines).toEqual([expect.objectContaining({ key: 'viaB#review', dueDate: '2026-02-24', dueAt: '2026-02-24T16:00:00.000Z', status: 'running', calendar: { id: 'cn', version: 1 } })]);
    expect(entered.effects.filter((e) => e.type === 'set-timer').map((e) => (e.type === 'set-timer' ? [e.kind, e.dueAt] : []))).toEqual([
      ['due', '2026-02-24T16:00:00.000Z'],
      ['remind', '2026-02-12T16:00:00.000Z'] // 00:00 of Fri 02-13: Sat 02-14 (make-up day) and Tue 02-24 remain,
    ]);
    const left = step(wf, entered.state, { type: 'finish', actor: boss }, now, env);
    expect(left.state.deadlines).toEqual([]);
    expect(left.effects.filter((e) => e.type === 'cancel-timer')).toHaveLength(2);
  });

  it('marks a deadline overdue and runs its declared event when the due timer fires', () => {
    const now = new Date('2026-02-10T02:00:00Z');
    const s = step(wf, start(), { type: 'go', payload: { b: 'B' }, actor: clerk }, now, env).state;
    const fired = step(wf, s, { type: 'deadline.due', payload: { deadline: 'viaB#review', index: 0, generation: 0 }, actor: TIMER_ACTOR }, new Date('2026-02-24T16:00:01Z'), env);
    expect(fired.state.deadlines[0]?.status).toBe('overdue');
    expect(fired.state.data.late).toBe(true);
    expect(() => step(wf, fired.state, { type: 'deadline.due', payload: { deadline: 'viaB#review', index: 0, generation: 0 }, actor: TIMER_ACTOR }, new Date('2026-02-24T16:00:02Z'), env)).toThrowError(expect.objectContaining({ code: 'timer_stale' }));
    expect(() => step(wf, s, { type: 'deadline.due', payload: { deadline: 'viaB#review', index: 0, generation: 0 }, actor: clerk }, now, env)).toThrowError(expect.objectContaining({ code: 'system_only_event' }));
  });

  it('turns notify declarations into effects with resolved recipients, render variables and the confidential map', () => {
    const r = step(wf, start(), { type: 'go', payload: { b: 'district-b' }, actor: clerk }, new Date('2026-02-10T02:00:00Z'), env);
    const notes = r.effects.filter((e) => e.type === 'notify');
    expect(notes).toEqual([
      expect.objectContaining({
        template: 'task-assigned',
        kind: 'actionRequired',
        to: [{ role: 'boss', org: 'district-b' }, { field: 'a', values: [] }],
        channels: ['inbox', 'email'],
        vars: expect.objectContaining({ case: expect.objectContaining({ id: 'c1', state: 'viaB', workflowId: 'step-demo', seq: 2 }), event: { type: 'go', actorId: 'u1' } }),
        confidential: { b: ['boss'] },
      }),
    ]);
    const listed = step(wf, start(), { type: 'go', payload: { b: 'listed' }, actor: clerk }, new Date('2026-02-10T02:00:00Z'), env);
    expect(listed.effects.filter((e) => e.type === 'notify').map((e) => (e.type === 'notify' ? [e.template, e.to] : []))).toEqual([
      ['task-assigned', [{ role: 'boss', org: 'listed' }, { field: 'a', values: [] }]],
      ['listing-published', [{ role: 'boss', org: 'o1' }, { role: 'boss', org: 'o2' }]],
    ]);
    const overdue = step(wf, r.state, { type: 'deadline.due', payload: { deadline: 'viaB#review', index: 0, generation: 0 }, actor: TIMER_ACTOR }, new Date('2026-02-25T00:00:00Z'), env);
    expect(overdue.effects.filter((e) => e.type === 'notify').map((e) => (e.type === 'notify' ? [e.template, e.kind, e.to, e.vars.deadline?.key] : []))).toEqual([['overdue', 'overdue', [{ role: 'boss', org: 'o1' }], 'viaB#review']]);
  });

  it('extends a deadline within its maximum, once, by a role it names', () => {
    const now = new Date('2026-02-10T02:00:00Z');
    const s = step(wf, start(), { type: 'go', payload: { b: 'B' }, actor: clerk }, now, env).state;
    expect(() => step(wf, s, { type: 'deadline.extend', payload: { deadline: 'viaB#review', by: '3 workdays', reason: '材料补充' }, actor: clerk }, now, env)).toThrowError(expect.objectContaining({ code: 'forbidden' }));
    expect(() => step(wf, s, { type: 'deadline.extend', payload: { deadline: 'viaB#review', by: '11 workdays', reason: '太长' }, actor: boss }, now, env)).toThrowError(expect.objectContaining({ code: 'invalid_data' }));
    const ext = step(wf, s, { type: 'deadline.extend', payload: { deadline: 'viaB#review', by: '3 workdays', reason: '材料补充' }, actor: boss }, now, env);
    expect(ext.state.deadlines[0]).toMatchObject({ dueDate: '2026-02-27', generation: 1, extensions: [expect.objectContaining({ by: '3 workdays', actor: 'u2' })] });
    expect(ext.effects.map((e) => e.type).sort()).toEqual(['cancel-timer', 'cancel-timer', 'set-timer', 'set-timer']);
    expect(new Set(ext.effects.map((e) => e.id)).size).toBe(ext.effects.length);
    expect(() => step(wf, ext.state, { type: 'deadline.extend', payload: { deadline: 'viaB#review', by: '1 workday', reason: '再延' }, actor: boss }, now, env)).toThrowError(expect.objectContaining({ code: 'invalid_data' }));
  });

  it('refuses deadlines past the provisional calendar years with calendar_out_of_range', () => {
    const late = initialStep(wf, { caseId: 'c2', org: 'o1', data: {}, actor: clerk }, new Date('2029-12-28T02:00:00Z'), env).state;
    expect(() => step(wf, late, { type: 'go', payload: { b: 'B' }, actor: clerk }, new Date('2029-12-28T02:00:00Z'), env)).toThrowError(expect.objectContaining({ code: 'calendar_out_of_range' }));
  });
});
