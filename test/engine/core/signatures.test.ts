import { describe, expect, it } from 'vitest';
import { builtinCalendars, createCalendarRegistry } from '../../../engine/core/calendar/index.js';
import { compileWorkflow } from '../../../engine/core/compile.js';
import { availableEvents, decide, decideStart } from '../../../engine/core/decide.js';
import type { Actor, CaseState } from '../../../engine/core/types.js';
import { EngineError, type SignRule } from '../../../engine/index.js';
import { signWorkflow } from '../../support/sign-workflow.js';

const registry = createCalendarRegistry(builtinCalendars);
const env = { calendar: (id: string) => registry.get(id)! };
const NOW = new Date('2026-02-10T02:00:00Z');
const clerk: Actor = { id: 'c1', roles: ['clerk'], org: 'o1' };
const leader: Actor = { id: 'l1', roles: ['leader'], org: 'o1' };
const reviewer = (org: string, id = `r-${org}`): Actor => ({ id, roles: ['reviewer'], org });

function atJoint(rule: SignRule = 'all', units = ['u1', 'u2', 'u3']) {
  const wf = compileWorkflow(signWorkflow(rule));
  let s: CaseState = decideStart(wf, { caseId: 'k1', org: 'o1', data: {}, actor: clerk }, NOW, env).state;
  s = decide(wf, s, { type: 'submit', payload: { units }, actor: clerk }, NOW, env).state;
  const d = decide(wf, s, { type: 'approve', payload: {}, actor: leader }, NOW, env);
  return { wf, s: d.state, d };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EngineError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('multi-person tasks', () => {
  it('opens one worklist row per signer when the signing state is entered', () => {
    const { d, s } = atJoint();
    const opened = d.effects.filter((e) => e.type === 'open-task');
    expect(opened.map((e) => e.type === 'open-task' && [e.taskKey, e.role, e.org])).toEqual([
      ['k1:joint#s1', 'reviewer', 'u1'], ['k1:joint#s2', 'reviewer', 'u2'], ['k1:joint#s3', 'reviewer', 'u3'],
    ]);
    expect(s.signs?.joint?.slots.map((x) => x.org)).toEqual(['u1', 'u2', 'u3']);
  });

  it('会签 leaves the state only when every signer approved, through the system event', () => {
    const { wf, s: s0 } = atJoint('all');
    const s1 = decide(wf, s0, { type: 'task.sign', payload: { task: 'joint', decision: 'approve', comment: '同意' }, actor: reviewer('u1') }, NOW, env).state;
    expect(s1.value).toBe('joint');
    expect(s1.signs?.joint?.signatures).toEqual([{ slot: 's1', userId: 'r-u1', decision: 'approve', comment: '同意', at: NOW.toISOString() }]);
    const s2 = decide(wf, s1, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u2') }, NOW, env).state;
    const d3 = decide(wf, s2, { type: 'task.sign', payload: { task: 'joint', decision: 'approve', attachments: ['att-1'] }, actor: reviewer('u3') }, NOW, env);
    expect(d3.transition).toBe('states.joint.on.jointPassed');
    expect(d3.state.value).toBe('closed');
    expect(d3.state.signs).toBeUndefined();
    expect(d3.effects.filter((e) => e.type === 'close-task').map((e) => e.type === 'close-task' && e.taskKey)).toContain('k1:joint#s3');
  });

  it('会签 sends the case back on the first rejection', () => {
    const { wf, s } = atJoint('all');
    const d = decide(wf, s, { type: 'task.sign', payload: { task: 'joint', decision: 'reject', comment: '整改不到位' }, actor: reviewer('u2') }, NOW, env);
    expect(d.transition).toBe('states.joint.on.jointFailed');
    expect(d.state.value).toBe('drafting');
  });

  it('或签 completes on one approval', () => {
    const { wf, s } = atJoint('any');
    expect(decide(wf, s, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u3') }, NOW, env).state.value).toBe('closed');
  });

  it('票签 of two thirds passes with two approvals of three and fails once two reject', () => {
    const { wf, s } = atJoint({ share: 0.6667 });
    const a = decide(wf, s, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u1') }, NOW, env).state;
    expect(decide(wf, a, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u2') }, NOW, env).state.value).toBe('closed');
    const r = decide(wf, s, { type: 'task.sign', payload: { task: 'joint', decision: 'reject' }, actor: reviewer('u1') }, NOW, env).state;
    expect(r.value).toBe('joint');
    expect(decide(wf, r, { type: 'task.sign', payload: { task: 'joint', decision: 'reject' }, actor: reviewer('u2') }, NOW, env).state.value).toBe('drafting');
  });

  it('refuses a signer twice, a person who is no signer, and the outcome event sent by a person', () => {
    const { wf, s } = atJoint('all');
    const s1 = decide(wf, s, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u1') }, NOW, env).state;
    expect(code(() => decide(wf, s1, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u1') }, NOW, env))).toBe('task_conflict');
    expect(code(() => decide(wf, s1, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('elsewhere') }, NOW, env))).toBe('forbidden');
    expect(code(() => decide(wf, s1, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: { ...reviewer('u2'), roles: ['reviewer', 'auditor'] } }, NOW, env))).toBe('forbidden');
    expect(code(() => decide(wf, s1, { type: 'jointPassed', payload: {}, actor: leader }, NOW, env))).toBe('system_only_event');
    expect(code(() => decide(wf, s1, { type: 'task.sign', payload: { task: 'joint', decision: 'maybe' }, actor: reviewer('u2') }, NOW, env))).toBe('invalid_input');
    expect(code(() => decide(wf, s1, { type: 'task.sign', payload: { task: 'review', decision: 'approve' }, actor: reviewer('u2') }, NOW, env))).toBe('task_conflict');
  });

  it('加签 and 减签 by the roles the definition allows, recorded on the slots', () => {
    const { wf, s } = atJoint('all', ['u1', 'u2']);
    expect(code(() => decide(wf, s, { type: 'task.addSigners', payload: { task: 'joint', signers: [{ user: 'expert1' }], reason: '请专家' }, actor: clerk }, NOW, env))).toBe('forbidden');
    const added = decide(wf, s, { type: 'task.addSigners', payload: { task: 'joint', signers: [{ user: 'expert1' }], reason: '请专家' }, actor: leader }, NOW, env);
    expect(added.state.signs?.joint?.slots.at(-1)).toEqual({ id: 's3', user: 'expert1', added: { by: 'l1', at: NOW.toISOString(), reason: '请专家' } });
    expect(added.effects.map((e) => e.type)).toEqual(['open-task', 'assign-task']);
    const s1 = decide(wf, added.state, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u1') }, NOW, env).state;
    expect(code(() => decide(wf, s1, { type: 'task.removeSigner', payload: { task: 'joint', slot: 's1', reason: 'x' }, actor: leader }, NOW, env))).toBe('task_conflict');
    const s2 = decide(wf, s1, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: { id: 'expert1', roles: [] } }, NOW, env).state;
    // Removing the last pending signer completes the 会签: the rest approved.
    const removed = decide(wf, s2, { type: 'task.removeSigner', payload: { task: 'joint', slot: 's2', reason: '该单位不参加' }, actor: leader }, NOW, env);
    expect(removed.state.value).toBe('closed');
  });
});

describe('delegation (委派)', () => {
  it('hands a task to a delegate, holds back its events, and returns it to the holder', () => {
    const { wf } = atJoint();
    let s: CaseState = decideStart(wf, { caseId: 'k2', org: 'o1', data: {}, actor: clerk }, NOW, env).state;
    s = decide(wf, s, { type: 'submit', payload: { units: ['u1'] }, actor: clerk }, NOW, env).state;
    const d = decide(wf, s, { type: 'task.delegate', payload: { task: 'review', to: 'staff1', reason: '请先审阅' }, actor: leader }, NOW, env);
    expect(d.effects).toEqual([{ type: 'assign-task', id: 'k2/3/o0', taskKey: 'k2:review', assignee: 'staff1' }]);
    expect(code(() => decide(wf, d.state, { type: 'approve', payload: {}, actor: leader }, NOW, env))).toBe('task_conflict');
    expect(availableEvents(wf, d.state, leader, NOW).map((e) => e.type)).toEqual([]);
    expect(code(() => decide(wf, d.state, { type: 'task.resolve', payload: { task: 'review', comment: '可以' }, actor: leader }, NOW, env))).toBe('forbidden');
    const back = decide(wf, d.state, { type: 'task.resolve', payload: { task: 'review', comment: '材料齐全' }, actor: { id: 'staff1', roles: ['staff'] } }, NOW, env);
    expect(back.state.assignments?.review).toEqual({ userId: 'l1', at: NOW.toISOString(), by: 'l1' });
    expect(back.effects).toEqual([{ type: 'assign-task', id: 'k2/4/o0', taskKey: 'k2:review', assignee: 'l1' }]);
    expect(decide(wf, back.state, { type: 'approve', payload: {}, actor: leader }, NOW, env).state.value).toBe('joint');
  });

  it('refuses delegating a task one does not hold and a multi-person task', () => {
    const { wf, s } = atJoint();
    expect(code(() => decide(wf, s, { type: 'task.delegate', payload: { task: 'joint', to: 'x', reason: 'y' }, actor: leader }, NOW, env))).toBe('task_conflict');
    let t: CaseState = decideStart(wf, { caseId: 'k3', org: 'o1', data: {}, actor: clerk }, NOW, env).state;
    expect(code(() => decide(wf, t, { type: 'task.delegate', payload: { task: 'drafting', to: 'x', reason: 'y' }, actor: leader }, NOW, env))).toBe('forbidden');
    t = decide(wf, t, { type: 'task.claim', payload: { task: 'drafting' }, actor: clerk }, NOW, env).state;
    expect(code(() => decide(wf, t, { type: 'task.delegate', payload: { task: 'drafting', to: 'x', reason: 'y' }, actor: { ...clerk, id: 'c2' } }, NOW, env))).toBe('forbidden');
  });
});

describe('copies (抄送)', () => {
  it('copies the case on entry and records each reading once, after the case ended too', () => {
    const { wf, s } = atJoint('any', ['u1', 'u2']);
    const d = decide(wf, s, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u1') }, NOW, env);
    expect(d.state.status).toBe('done');
    const copy = d.effects.find((e) => e.type === 'copy-case');
    expect(copy).toMatchObject({ copyKey: 'k1:closed:4', title: '验收结果抄送', to: [{ role: 'clerk', org: 'u1' }, { role: 'clerk', org: 'u2' }, { user: 'watcher' }] });
    const reader: Actor = { id: 'c-u2', roles: ['clerk'], org: 'u2' };
    const read = decide(wf, d.state, { type: 'copy.read', payload: { copy: 'k1:closed:4' }, actor: reader }, NOW, env);
    expect(read.state.copies?.[0]?.reads).toEqual([{ userId: 'c-u2', at: NOW.toISOString() }]);
    expect(code(() => decide(wf, read.state, { type: 'copy.read', payload: { copy: 'k1:closed:4' }, actor: reader }, NOW, env))).toBe('task_conflict');
    expect(code(() => decide(wf, read.state, { type: 'copy.read', payload: { copy: 'k1:closed:4' }, actor: { id: 'c-u3', roles: ['clerk'], org: 'u3' } }, NOW, env))).toBe('forbidden');
    expect(code(() => decide(wf, read.state, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' }, actor: reviewer('u2') }, NOW, env))).toBe('case_closed');
  });
});

describe('validating signing tasks and copies', () => {
  it('names every problem with its path', async () => {
    const { validateDefinition } = await import('../../../engine/core/validate-definition.js');
    const def = structuredClone(signWorkflow('all')) as unknown as { states: Record<string, { task?: { sign?: Record<string, unknown> }; copy?: { to: unknown[] }; on?: Record<string, { roles: string[] }> }> };
    def.states.joint!.task!.sign = { signers: [{ role: 'ghost' }, { field: 'nope' }], rule: 'all', onApprove: 'jointPassed', onReject: 'neverHandled', manage: ['phantom'] };
    def.states.joint!.on!.jointPassed!.roles = ['leader'];
    def.states.closed!.copy = { to: [{ role: 'nobody' }] };
    const r = validateDefinition(def);
    expect(r.ok).toBe(false);
    const got = r.ok ? [] : r.issues.map((i) => [i.code, i.path.join('.')]);
    expect(got).toEqual(expect.arrayContaining([
      ['undeclared_role', 'states.joint.task.sign.signers.0.role'],
      ['unknown_field', 'states.joint.task.sign.signers.1.field'],
      ['undeclared_role', 'states.joint.task.sign.manage.0'],
      ['sign_event_not_system', 'states.joint.task.sign.onApprove'],
      ['unhandled_event', 'states.joint.task.sign.onReject'],
      ['undeclared_role', 'states.closed.copy.to.0.role'],
    ]));
    const bad = structuredClone(signWorkflow('all')) as unknown as { states: { joint: { task: { sign: Record<string, unknown> } } } };
    bad.states.joint.task.sign.rule = { share: 1.5 };
    const r2 = validateDefinition(bad);
    expect(r2.ok ? [] : r2.issues.map((i) => i.path.join('.'))).toContain('states.joint.task.sign.rule.share');
  });
});
