import jsonLogic from 'json-logic-js';
import { describe, expect, it } from 'vitest';
import { evaluate as evaluateRule, isTruthy as isTruthyRule, type Expression, type ExpressionContext } from '../../../engine/core/expression.js';

// Rules are written as plain literals here; the engine's own type is JSON.
const evaluate = (rule: unknown, c: ExpressionContext) => evaluateRule(rule as Expression, c);
const isTruthy = (rule: unknown, c: ExpressionContext) => isTruthyRule(rule as Expression, c);

const ctx = (data: Record<string, unknown> = {}, payload: Record<string, unknown> = {}): ExpressionContext => ({
  data,
  payload,
  actor: { id: 'u1', roles: ['clerk'], org: 'donghu' },
  now: '2026-03-02T02:00:00.000Z',
  case: { id: 'c1', org: 'donghu' },
  children: [],
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The guard of issue 8: an accumulator merged with itself doubles on every item. */
const mergeBomb = { reduce: [{ var: 'data.list' }, { merge: [{ var: 'accumulator' }, { var: 'accumulator' }] }, [1]] };

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return 'no error';
}

describe('expression budget', () => {
  it('stops the reduce/merge bomb with expression_budget_exceeded instead of filling the heap', () => {
    // 2^40 items would never fit in memory: the budget must stop it long before.
    expect(codeOf(() => evaluate(mergeBomb, ctx({ list: range(40) })))).toBe('expression_budget_exceeded');
    // And the same guard over a short list still answers as before.
    expect(evaluate(mergeBomb, ctx({ list: range(3) }))).toEqual(Array(8).fill(1));
  });

  it('stops a value that doubles by sharing ([acc, acc]) before anything turns it into text', () => {
    const dag = { cat: [{ reduce: [{ var: 'data.list' }, [{ var: 'accumulator' }, { var: 'accumulator' }], 1] }] };
    expect(codeOf(() => evaluate(dag, ctx({ list: range(60) })))).toBe('expression_budget_exceeded');
  });

  it('stops a string that doubles in a reduce', () => {
    const rule = { reduce: [{ var: 'data.list' }, { cat: [{ var: 'accumulator' }, { var: 'accumulator' }] }, 'ab'] };
    expect(codeOf(() => evaluate(rule, ctx({ list: range(64) })))).toBe('expression_budget_exceeded');
  });

  it('counts the operations of nested list bodies', () => {
    const rule = { some: [{ var: 'data.list' }, { some: [{ var: '' }, { '==': [{ var: '' }, -1] }] }] };
    const square = range(500).map(() => range(500));
    expect(codeOf(() => evaluate(rule, ctx({ list: square })))).toBe('expression_budget_exceeded');
  });

  it('refuses a guard over its budget as failed, never as true', () => {
    expect(codeOf(() => isTruthy({ '!': mergeBomb }, ctx({ list: range(40) })))).toBe('expression_budget_exceeded');
  });

  it('keeps answering normally after a rule ran out of budget', () => {
    for (let i = 0; i < 20; i++) expect(codeOf(() => evaluate(mergeBomb, ctx({ list: range(64) })))).toBe('expression_budget_exceeded');
    expect(evaluate({ '+': [{ var: 'data.a' }, 1] }, ctx({ a: 41 }))).toBe(42);
  });

  it('never reads inherited properties through var', () => {
    expect(evaluate({ var: 'data.constructor' }, ctx({}))).toBeNull();
    expect(evaluate({ var: 'data.__proto__' }, ctx({}))).toBeNull();
    expect(evaluate({ var: ['data.toString', 'none'] }, ctx({}))).toBe('none');
    expect(evaluate({ var: 'data.list.length' }, ctx({ list: [1, 2, 3] }))).toBe(3);
  });

  it('refuses operators outside the whitelist', () => {
    expect(() => evaluate({ log: 1 }, ctx())).toThrow(/Unrecognized operation log/);
  });
});

describe('expression semantics', () => {
  // The budgeted evaluator replaces json-logic-js: every operator must answer as it did.
  const data = { n: 5, s: 'hello', list: [1, 2, 3, 4], units: [{ org: 'a', lead: true }, { org: 'b', lead: false }], empty: '', nil: null, flag: false };
  const rules: unknown[] = [
    { '==': [1, '1'] }, { '===': [1, '1'] }, { '!=': [{ var: 'data.n' }, 5] }, { '!==': [null, undefined] },
    { '>': [{ var: 'data.n' }, 4] }, { '>=': [3, 3] }, { '<': [1, { var: 'data.n' }, 10] }, { '<=': [1, 1, 0] }, { '<': ['a', 'b'] },
    { '!!': [[]] }, { '!': { var: 'data.empty' } }, { '%': [7, 3] }, { in: ['ell', { var: 'data.s' }] }, { in: [2, { var: 'data.list' }] }, { in: [1, 5] },
    { cat: ['a', 1, null, [1, 2]] }, { substr: [{ var: 'data.s' }, 1, -1] }, { substr: ['abcdef', -2] }, { substr: ['abcdef', 1, 2] },
    { '+': ['1', 2, '3.5'] }, { '+': [] }, { '*': [2, '3'] }, { '-': [5] }, { '-': [5, 2] }, { '/': [1, 4] }, { min: [3, 1, 2] }, { max: [] },
    { merge: [1, [2, 3], [[4]]] }, { var: 'data.missing' }, { var: ['data.missing', 7] }, { var: '' }, { var: 'data.units.1.org' }, { var: 'data.list.9' },
    { missing: ['data.n', 'data.x', 'data.empty'] }, { missing: [['data.nil', 'data.s']] }, { missing_some: [1, ['data.x', 'data.n']] }, { missing_some: [2, ['data.x', 'data.n']] },
    { if: [] }, { if: [false, 1] }, { if: [{ var: 'data.flag' }, 1, { var: 'data.n' }, 2, 3] }, { '?:': [true, 'y', 'n'] },
    { and: [] }, { and: [1, 0, 2] }, { and: [1, 'x'] }, { or: [0, '', 3] }, { or: [0, false] },
    { filter: [{ var: 'data.list' }, { '>': [{ var: '' }, 2] }] }, { filter: [5, true] }, { map: [{ var: 'data.units' }, { var: 'org' }] }, { map: [null, 1] },
    { reduce: [{ var: 'data.list' }, { '+': [{ var: 'accumulator' }, { var: 'current' }] }, 0] }, { reduce: [{ var: 'data.nil' }, 1, 'init'] }, { reduce: [[1, 2], { var: 'current' }] },
    { all: [{ var: 'data.list' }, { '>': [{ var: '' }, 0] }] }, { all: [[], true] }, { none: [{ var: 'data.units' }, { var: 'lead' }] }, { none: [[], true] }, { some: [{ var: 'data.units' }, { var: 'lead' }] }, { some: [[], true] },
    [1, { var: 'data.n' }], 'literal', 42, null, { a: 1, b: 2 },
  ];
  it('answers like json-logic-js for every whitelisted operator', () => {
    for (const rule of rules) expect({ rule, value: evaluate(rule, ctx(data)) }).toEqual({ rule, value: jsonLogic.apply(rule as jsonLogic.RulesLogic, ctx(data) as never) });
  });
});
