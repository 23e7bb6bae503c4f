import { describe, expect, it } from 'vitest';
import { compileWorkflow, formatPath, validateDefinition, type WorkflowDefinitionInput } from '../../../engine/index.js';

/** A small valid definition; each test breaks one thing. */
function base(): WorkflowDefinitionInput & { states: Record<string, any> } {
  return {
    id: 'demo',
    version: 1,
    title: { zh: '演示', en: 'Demo' },
    roles: ['clerk', 'chief', 'system'],
    data: { type: 'object', properties: { amount: { type: 'number' }, note: { type: 'string' }, dueOn: { type: 'string', format: 'date' } } },
    initial: 'open',
    states: {
      open: {
        task: { title: '办理', role: 'clerk' },
        on: {
          submit: { target: 'review', roles: ['clerk'], input: { type: 'object', properties: { note: { type: 'string' } }, required: ['note'] }, assign: ['note'] },
        },
      },
      review: {
        on: {
          approve: { target: 'done', roles: ['chief'], guard: { '>': [{ var: 'data.amount' }, 0] } },
          reject: { target: 'open', roles: ['chief'] },
        },
      },
      done: { type: 'final' },
    },
  };
}

function problems(def: unknown) {
  const r = validateDefinition(def);
  if (r.ok) return [];
  return r.issues.map((i) => ({ code: i.code, path: formatPath(i.path) }));
}

describe('validateDefinition', () => {
  it('accepts a valid definition', () => {
    expect(validateDefinition(base()).ok).toBe(true);
  });

  it('reports an unknown target with its path', () => {
    const d = base();
    d.states.review.on.reject.target = 'nowhere';
    expect(problems(d)).toContainEqual({ code: 'unknown_target', path: 'states.review.on.reject.target' });
  });

  it('reports an unreachable state', () => {
    const d = base();
    d.states.orphan = { on: { go: { target: 'done', roles: ['clerk'] } } };
    expect(problems(d)).toContainEqual({ code: 'unreachable_state', path: 'states.orphan' });
  });

  it('reports a final state that cannot be reached', () => {
    const d = base();
    d.states.abandoned = { type: 'final' };
    expect(problems(d)).toContainEqual({ code: 'unreachable_final_state', path: 'states.abandoned' });
  });

  it('reports a workflow that can never close', () => {
    const d = base();
    d.states.review.on.approve.target = 'open';
    const p = problems(d);
    expect(p).toContainEqual({ code: 'no_final_state', path: 'states' });
    expect(p).toContainEqual({ code: 'unreachable_final_state', path: 'states.done' });
  });

  it('reports a deadline event no state handles', () => {
    const d = base();
    d.states.review.deadlines = [{ id: 'reviewDue', duration: '5 workdays', onExpire: 'markOverdue' }];
    expect(problems(d)).toContainEqual({ code: 'unhandled_event', path: 'states.review.deadlines[0].onExpire' });
  });

  it('reports catalogue events that no state handles', () => {
    const d = base();
    d.events = { submit: { title: '提交' }, approve: { title: '批准' }, reject: { title: '退回' }, archive: { title: '归档' } };
    expect(problems(d)).toContainEqual({ code: 'unhandled_event', path: 'events.archive' });
  });

  it('reports roles used but not declared', () => {
    const d = base();
    d.states.review.on.approve.roles = ['mayor'];
    d.states.open.task.role = 'intern';
    const p = problems(d);
    expect(p).toContainEqual({ code: 'undeclared_role', path: 'states.review.on.approve.roles[0]' });
    expect(p).toContainEqual({ code: 'undeclared_role', path: 'states.open.task.role' });
  });

  it('reports guard fields that are not in the data schema or the input', () => {
    const d = base();
    d.states.review.on.approve.guard = { and: [{ '>': [{ var: 'data.amont' }, 0] }, { '==': [{ var: 'payload.x' }, 1] }] };
    const p = problems(d);
    expect(p).toContainEqual({ code: 'unknown_field', path: 'states.review.on.approve.guard.and[0].>[0].var' });
    expect(p).toContainEqual({ code: 'unknown_field', path: 'states.review.on.approve.guard.and[1].==[0].var' });
  });

  it('rejects forbidden operators and prototype segments in guards', () => {
    const d = base();
    d.states.review.on.approve.guard = { or: [{ log: 1 }, { var: 'data.__proto__' }] };
    const p = problems(d);
    expect(p).toContainEqual({ code: 'invalid_expression', path: 'states.review.on.approve.guard.or[0].log' });
    expect(p).toContainEqual({ code: 'invalid_expression', path: 'states.review.on.approve.guard.or[1].var' });
  });

  it('reports assigned fields missing from the data schema', () => {
    const d = base();
    d.states.open.on.submit.assign = { total: { var: 'payload.note' } };
    expect(problems(d)).toContainEqual({ code: 'unknown_field', path: 'states.open.on.submit.assign.total' });
  });

  it('reports input schemas that are not valid', () => {
    const d = base();
    d.states.open.on.submit.input = { type: 'object', properties: { note: { type: 'string', minLength: 5, maxLength: 2, pattern: '([' }, level: { type: 'integer', enum: ['high'] } }, required: ['note', 'missing'] };
    const p = problems(d);
    expect(p).toContainEqual({ code: 'invalid_schema', path: 'states.open.on.submit.input.required[1]' });
    expect(p).toContainEqual({ code: 'invalid_schema', path: 'states.open.on.submit.input.properties.note.minLength' });
    expect(p).toContainEqual({ code: 'invalid_schema', path: 'states.open.on.submit.input.properties.note.pattern' });
    expect(p).toContainEqual({ code: 'invalid_schema', path: 'states.open.on.submit.input.properties.level.enum[0]' });
  });

  it('reports structural schema errors with their path', () => {
    const d = base();
    d.states.open.on.submit.input = { type: 'object', properties: { note: { type: 'text' } } };
    expect(problems(d).map((p) => p.path)).toContain('states.open.on.submit.input.properties.note.type');
  });

  it('reports every problem at once', () => {
    const d = base();
    d.states.review.on.reject.target = 'nowhere';
    d.states.review.on.approve.roles = ['mayor'];
    d.states.orphan = { on: { go: { target: 'done', roles: ['clerk'] } } };
    expect(problems(d).length).toBeGreaterThanOrEqual(3);
  });

  it('reports malformed compound and parallel states', () => {
    const d = base();
    d.states.review = { ...d.states.review, states: { a: {}, b: {} } };
    const p = problems(d);
    expect(p).toContainEqual({ code: 'missing_initial', path: 'states.review.initial' });
  });

  it('throws invalid_definition from compileWorkflow with every issue', () => {
    const d = base();
    d.states.review.on.reject.target = 'nowhere';
    expect(() => compileWorkflow(d)).toThrowError(expect.objectContaining({ code: 'invalid_definition', issues: expect.arrayContaining([expect.objectContaining({ code: 'unknown_target' })]) }));
  });

  it('reports notification recipients with undeclared roles or unknown fields', () => {
    const d = base();
    d.states.open.on.submit.notify = [{ template: 'task-assigned', to: [{ role: 'mayor' }, { field: 'contact' }] }];
    const p = problems(d);
    expect(p).toContainEqual({ code: 'undeclared_role', path: 'states.open.on.submit.notify[0].to[0].role' });
    expect(p).toContainEqual({ code: 'unknown_field', path: 'states.open.on.submit.notify[0].to[1].field' });
  });

  it('reports templates that do not exist or read variables a notification cannot give', () => {
    const d = base();
    d.states.open.on.submit.notify = [{ template: 'no-such-template', to: [{ role: 'chief' }] }, { template: 'greeting', to: [{ role: 'chief' }] }];
    d.states.review.deadlines = [{ id: 'reviewDue', duration: '5 workdays', remind: [{ before: '-1 workday', notify: 'due-soon' }] }];
    const templates = {
      has: (id: string) => id === 'greeting' || id === 'due-soon',
      variables: (id: string) => (id === 'greeting' ? ['case.id', 'data.amount', 'data.missingField', 'deadline.dueAt'] : ['deadline.dueAt']),
    };
    const r = validateDefinition(d, { templates });
    const p = r.ok ? [] : r.issues.map((i) => ({ code: i.code, path: formatPath(i.path), message: i.message }));
    expect(p).toContainEqual(expect.objectContaining({ code: 'unknown_template', path: 'states.open.on.submit.notify[0].template' }));
    expect(p.filter((i) => i.code === 'unknown_template_variable').map((i) => i.message)).toEqual([expect.stringContaining('data.missingField'), expect.stringContaining('deadline.dueAt')]);
    // A template id on a rung goes to the state's task role; review has no task.
    expect(p).toContainEqual(expect.objectContaining({ code: 'no_recipients', path: 'states.review.deadlines[0].remind[0].notify' }));
  });

  it('reports a spawn over a field that is not a list, and item fields that do not exist', () => {
    const d = base();
    d.states.review.spawn = { workflow: 'child', forEach: 'note', input: { x: { var: 'item.org' } } };
    const p = problems(d);
    expect(p).toContainEqual({ code: 'invalid_field', path: 'states.review.spawn.forEach' });
    d.data!.properties!.units = { type: 'array', items: { type: 'object', properties: { org: { type: 'string' } } } };
    d.states.review.spawn = { workflow: 'child', forEach: 'units', org: { var: 'item.org' }, input: { x: { var: 'item.name' } }, onChildDone: 'childDone' };
    const p2 = problems(d);
    expect(p2).toContainEqual({ code: 'unknown_field', path: 'states.review.spawn.input.x.var' });
    expect(p2).toContainEqual({ code: 'unhandled_event', path: 'states.review.spawn.onChildDone' });
    expect(p2.some((i) => i.path === 'states.review.spawn.org.var')).toBe(false);
  });

  it('checks a spawn\'s hand-over rule: its org expression, and never beside a plain org', () => {
    const d = base();
    d.data!.properties!.units = { type: 'array', items: { type: 'object', properties: { org: { type: 'string' } } } };
    d.states.review.spawn = { workflow: 'child', forEach: 'units', handOver: { to: 'regulatorOf', org: { var: 'item.org' } } };
    expect(problems(d).filter((i) => i.path.startsWith('states.review.spawn'))).toEqual([]);
    d.states.review.spawn = { workflow: 'child', forEach: 'units', org: { var: 'item.org' }, handOver: { to: 'regulatorOf', org: { var: 'item.unit' } } };
    const p = problems(d);
    expect(p).toContainEqual({ code: 'conflicting_spawn_org', path: 'states.review.spawn.org' });
    expect(p).toContainEqual({ code: 'unknown_field', path: 'states.review.spawn.handOver.org.var' });
    d.states.review.spawn = { workflow: 'child', forEach: 'units', handOver: { to: 'anywhere' as 'regulatorOf', org: { var: 'item.org' } } };
    expect(problems(d).some((i) => i.path.startsWith('states.review.spawn.handOver.to'))).toBe(true);
  });

  it('accepts nested and parallel states', () => {
    const d = base();
    d.states.review = {
      type: 'parallel',
      states: {
        legal: { initial: 'pending', states: { pending: { on: { legalOk: { target: 'ok', roles: ['chief'] } } }, ok: { type: 'final' } } },
        finance: { initial: 'pending', states: { pending: { on: { financeOk: { target: 'ok', roles: ['chief'] } } }, ok: { type: 'final' } } },
      },
      onDone: { target: 'done' },
    };
    expect(problems(d)).toEqual([]);
  });
});
