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

describe('validateDefinition: expressions, sizes, patterns, system events (issue 8)', () => {
  const guardProblems = (guard: unknown) => {
    const d = base();
    d.states.review.on.approve.guard = guard;
    return problems(d);
  };

  it("walks missing_some's names and refuses the forbidden ones with their path", () => {
    expect(guardProblems({ missing_some: [1, ['data.amount', 'data.__proto__']] })).toContainEqual({ code: 'invalid_expression', path: 'states.review.on.approve.guard.missing_some[1][1]' });
    expect(guardProblems({ missing_some: [1, ['data.amount', 'data.nope']] })).toContainEqual({ code: 'unknown_field', path: 'states.review.on.approve.guard.missing_some[1][1]' });
  });

  it('refuses missing_some with anything but a number and a list of names, without throwing', () => {
    for (const args of [[1, 5], [1], 'x', [1, { log: 'x' }], [{ var: 'data.amount' }, ['data.amount']], [-1, []], null]) {
      expect(guardProblems({ missing_some: args })).toContainEqual({ code: 'invalid_arguments', path: 'states.review.on.approve.guard.missing_some' });
    }
  });

  it('refuses a computed variable name with its path', () => {
    expect(guardProblems({ var: [{ cat: ['data.', 'amount'] }] })).toContainEqual({ code: 'computed_variable', path: 'states.review.on.approve.guard.var' });
    expect(guardProblems({ '>': [{ var: { log: 'x' } }, 0] })).toContainEqual({ code: 'computed_variable', path: 'states.review.on.approve.guard.>[0].var' });
    expect(guardProblems({ missing: { merge: [['data.amount']] } })).toContainEqual({ code: 'computed_variable', path: 'states.review.on.approve.guard.missing' });
  });

  it('walks reduce, map and filter bodies: forbidden operators, prototype names, only current/accumulator in reduce', () => {
    const p = guardProblems({
      and: [
        { reduce: [{ var: 'data.amount' }, { log: { var: 'accumulator' } }, 0] },
        { map: [[1], { var: 'constructor.name' }] },
        { filter: [[1], { '==': [{ var: [{ var: 'x' }] }, 1] }] },
        { reduce: [[1], { '+': [{ var: 'data.amount' }, { var: 'current' }] }, 0] },
      ],
    });
    expect(p).toContainEqual({ code: 'invalid_expression', path: 'states.review.on.approve.guard.and[0].reduce[1].log' });
    expect(p).toContainEqual({ code: 'invalid_expression', path: 'states.review.on.approve.guard.and[1].map[1].var' });
    expect(p).toContainEqual({ code: 'computed_variable', path: 'states.review.on.approve.guard.and[2].filter[1].==[0].var' });
    expect(p).toContainEqual({ code: 'invalid_arguments', path: 'states.review.on.approve.guard.and[3].reduce[1].+[0].var' });
  });

  it('refuses prototype-ish operator keys', () => {
    const p = guardProblems(JSON.parse('{"and":[{"__proto__":[1]},{"constructor":[1]}]}'));
    // zod's JSON parse does not keep an own "__proto__" key: the node is left with no operator and refused as such.
    expect(p).toContainEqual({ code: 'invalid_expression', path: 'states.review.on.approve.guard.and[0]' });
    expect(p).toContainEqual({ code: 'invalid_expression', path: 'states.review.on.approve.guard.and[1].constructor' });
  });

  it('never throws on odd shapes', () => {
    const odd: unknown[] = [{ missing_some: [1, 5] }, { missing_some: 5 }, { missing: 5 }, { var: [] }, { var: {} }, { reduce: 5 }, { map: [1] }, { filter: {} }, { if: {} }, {}, [], [[[]]], { var: [true] }, { '': 1 }, { in: null }];
    for (const guard of odd) expect(() => guardProblems(guard)).not.toThrow();
    expect(guardProblems({ var: [true] })).toContainEqual({ code: 'invalid_arguments', path: 'states.review.on.approve.guard.var' });
  });

  it('refuses a definition nested too deep, without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { '!': [deep] };
    const d = base();
    d.states.review.on.approve.guard = deep;
    expect(problems(d)[0]).toMatchObject({ code: 'definition_too_deep' });
  });

  it('refuses a definition over the size limits: bytes and states', () => {
    const big = base();
    big.description = 'x'.repeat(1024 * 1024);
    expect(problems(big)).toEqual([{ code: 'definition_too_large', path: '(root)' }]);
    const many = base();
    for (let i = 0; i < 600; i++) many.states.open.on[`go${i}`] = { target: `s${i}`, roles: ['clerk'] };
    for (let i = 0; i < 600; i++) many.states[`s${i}`] = { on: { back: { target: 'done', roles: ['clerk'] } } };
    expect(problems(many)).toContainEqual({ code: 'definition_too_large', path: 'states' });
  });

  it('refuses a pattern the linear-time matcher cannot run, at registration, with its path', () => {
    const d = base();
    d.states.open.on.submit.input.properties.note.pattern = '^(\\w)\\1$';
    expect(problems(d)).toContainEqual({ code: 'unsupported_pattern', path: 'states.open.on.submit.input.properties.note.pattern' });
  });

  it('answers a catastrophic-backtracking pattern at once', () => {
    const d = base();
    d.data = { type: 'object', properties: { ...d.data?.properties, note: { type: 'string', pattern: '^(a+)+$' } } };
    const wf = compileWorkflow(d);
    // Backtracking would take hours on 40 characters; RE2 answers in linear time.
    expect(wf.dataValidator.safeParse({ note: `${'a'.repeat(39)}b` }).success).toBe(false);
    expect(wf.dataValidator.safeParse({ note: 'a'.repeat(40) }).success).toBe(true);
  });

  it('keeps the pattern in the JSON Schema of the validated field', async () => {
    const { z } = await import('zod');
    const d = base();
    d.data = { type: 'object', properties: { ...d.data?.properties, note: { type: 'string', pattern: '^[A-Z]{2}\\d{4}$' } } };
    const json = z.toJSONSchema(compileWorkflow(d).dataValidator) as unknown as { properties: Record<string, unknown> };
    expect(JSON.stringify(json.properties.note)).toContain('"pattern":"^[A-Z]{2}\\\\d{4}$"');
  });

  it('refuses an onExpire event whose transition does not allow the system role, and says what to write', () => {
    const d = base();
    d.states.review.deadlines = [{ id: 'reviewDue', duration: '5 workdays', onExpire: 'escalate', escalate: [{ after: '1 workdays', event: 'escalate' }] }];
    d.states.review.on.escalate = { roles: ['chief'] };
    const r = validateDefinition(d);
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues.filter((i) => i.code === 'timer_event_not_system');
    expect(issues.map((i) => formatPath(i.path))).toEqual(['states.review.deadlines[0].onExpire', 'states.review.deadlines[0].escalate[0].event']);
    expect(issues[0]!.message).toContain('add "system" to states.review.on.escalate.roles');
    d.states.review.on.escalate = { roles: ['chief', 'system'] };
    expect(problems(d).filter((p) => p.code === 'timer_event_not_system')).toEqual([]);
  });

  it('holds a stored definition only to the checks the runtime relies on', () => {
    const d = base();
    d.states.review.deadlines = [{ id: 'reviewDue', duration: '5 workdays', onExpire: 'escalate' }];
    d.states.review.on.escalate = { roles: ['chief'] };
    d.states.review.on.approve.guard = { '>': [{ var: [{ cat: ['data.', 'amount'] }] }, 0] };
    expect(validateDefinition(d).ok).toBe(false);
    expect(validateDefinition(d, { stored: true }).ok).toBe(true);
  });
});

