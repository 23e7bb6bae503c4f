/**
 * A JSON Logic evaluator that runs under a budget. It follows json-logic-js
 * 2.0 operator by operator (so existing guards answer as before), but counts
 * every step, the nesting depth and the size of every value it builds, and
 * stops with `expression_budget_exceeded` the moment one runs out: a
 * `reduce` that doubles its accumulator fails after a few dozen
 * microseconds instead of blocking the event loop and filling the heap.
 * Variables are read from own properties only (no prototype walk). Pure.
 */
import { ExpressionBudgetExceededError } from '../errors.js';

/** What one evaluation may spend. */
export interface ExpressionBudget {
  /** Rule nodes evaluated, counting each item a `map`/`filter`/`reduce`/`all`/`some`/`none` visits. */
  maxOperations: number;
  /** Nesting of rule nodes being evaluated at once. */
  maxDepth: number;
  /** Size of any one value an operator builds: array items and string characters, counted through nested arrays and objects. */
  maxValueSize: number;
  /** Sum of the sizes of every value built in one evaluation. */
  maxTotalSize: number;
}

/** Generous for any guard a person writes; small enough to answer within a millisecond or two. */
export const DEFAULT_EXPRESSION_BUDGET: Readonly<ExpressionBudget> = Object.freeze({ maxOperations: 10_000, maxDepth: 64, maxValueSize: 20_000, maxTotalSize: 200_000 });

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON Logic truthiness: `[]` is false, otherwise JavaScript's. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value) && value.length === 0) return false;
  return !!value;
}

function isLogic(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1;
}

/** Operators that build a new value; their results are measured and charged. */
const BUILDERS = new Set(['merge', 'cat', 'substr', 'missing', 'missing_some', 'map', 'filter']);

/** What one evaluation has spent so far. */
interface Run {
  budget: ExpressionBudget;
  allowed: ReadonlySet<string>;
  operations: number;
  total: number;
  /** Deep sizes of the objects measured so far (a Map: it lives for one evaluation only). */
  sizes: Map<object, number> | undefined;
}

/**
 * Evaluates `rule` over `data`. Throws `ExpressionBudgetExceededError` when
 * the budget runs out, and a plain error for an operator outside the
 * whitelist (the validator refuses those at registration). Pure.
 * @example
 * applyLogic({ '>': [{ var: 'data.amount' }, 0] }, { data: { amount: 3 } }, new Set(['>', 'var'])); // true
 */
export function applyLogic(rule: unknown, data: unknown, allowed: ReadonlySet<string>, budget: ExpressionBudget = DEFAULT_EXPRESSION_BUDGET): unknown {
  return apply({ budget, allowed, operations: 0, total: 0, sizes: undefined }, rule, data, 0);
}

function over(limit: 'operations' | 'depth' | 'value_size' | 'total_size', max: number): never {
  throw new ExpressionBudgetExceededError(limit, max);
}

/** Deep size, memoised per object (shared sub-arrays count each time they appear) and saturating just above the cap. */
function sizeOf(run: Run, v: unknown, level = 0): number {
  if (typeof v === 'string') return v.length + 1;
  if (typeof v !== 'object' || v === null) return 1;
  run.sizes ??= new Map();
  const known = run.sizes.get(v);
  if (known !== undefined) return known;
  if (level > run.budget.maxDepth) over('depth', run.budget.maxDepth);
  let n = 1;
  for (const item of Array.isArray(v) ? v : Object.values(v)) {
    n += sizeOf(run, item, level + 1);
    if (n > run.budget.maxValueSize) break;
  }
  run.sizes.set(v, n);
  return n;
}

/** Charges a value an operator built against the budget. */
function built<T>(run: Run, v: T): T {
  const n = sizeOf(run, v);
  if (n > run.budget.maxValueSize) over('value_size', run.budget.maxValueSize);
  run.total += n;
  if (run.total > run.budget.maxTotalSize) over('total_size', run.budget.maxTotalSize);
  return v;
}

function readVar(scope: unknown, name: unknown, fallback: unknown): unknown {
  const notFound = fallback === undefined ? null : fallback;
  if (name === undefined || name === '' || name === null) return scope;
  let cur = scope;
  for (const seg of String(name).split('.')) {
    if (cur === null || cur === undefined) return notFound;
    // Own properties only: `constructor`, `__proto__` and inherited methods are never reachable.
    if (FORBIDDEN_SEGMENTS.has(seg) || !Object.hasOwn(Object(cur), seg)) return notFound;
    cur = (cur as Record<string, unknown>)[seg];
    if (cur === undefined) return notFound;
  }
  return cur;
}

function missing(run: Run, scope: unknown, args: unknown[]): unknown[] {
  const keys = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const out: unknown[] = [];
  for (const key of keys) {
    if (++run.operations > run.budget.maxOperations) over('operations', run.budget.maxOperations);
    const value = readVar(scope, key, undefined);
    if (value === null || value === '') out.push(key);
  }
  return out;
}

function apply(run: Run, logic: unknown, scope: unknown, depth: number): unknown {
  const budget = run.budget;
  if (++run.operations > budget.maxOperations) over('operations', budget.maxOperations);
  if (depth > budget.maxDepth) over('depth', budget.maxDepth);
  if (Array.isArray(logic)) {
    const out = new Array<unknown>(logic.length);
    for (let i = 0; i < logic.length; i++) out[i] = apply(run, logic[i], scope, depth + 1);
    return built(run, out);
  }
  if (!isLogic(logic)) return logic;
  let op = '';
  for (const k in logic) op = k;
  if (!run.allowed.has(op)) throw new Error(`Unrecognized operation ${op}`);
  const raw = logic[op];
  const values: unknown[] = Array.isArray(raw) ? raw : [raw];
  const next = depth + 1;
  switch (op) {
    case 'if':
    case '?:': {
      let i = 0;
      for (; i < values.length - 1; i += 2) if (truthy(apply(run, values[i], scope, next))) return apply(run, values[i + 1], scope, next);
      return values.length === i + 1 ? apply(run, values[i], scope, next) : null;
    }
    case 'and':
    case 'or': {
      let current: unknown;
      for (const v of values) {
        current = apply(run, v, scope, next);
        if (truthy(current) !== (op === 'and')) return current;
      }
      return current;
    }
    case 'filter':
    case 'map':
    case 'reduce':
    case 'all':
    case 'none':
    case 'some': {
      const found = apply(run, values[0], scope, next);
      const items = Array.isArray(found) ? found : undefined;
      const body = values[1];
      if (op === 'reduce') {
        const initial = values[2] !== undefined ? apply(run, values[2], scope, next) : null;
        if (!items) return initial;
        let accumulator = initial;
        for (const current of items) accumulator = apply(run, body, { current, accumulator }, next);
        return accumulator;
      }
      if (op === 'filter' || op === 'map') {
        if (!items) return [];
        const out: unknown[] = [];
        for (const item of items) {
          const v = apply(run, body, item, next);
          if (op === 'map') out.push(v);
          else if (truthy(v)) out.push(item);
        }
        return built(run, out);
      }
      if (!items || items.length === 0) return op === 'none';
      for (const item of items) {
        const hit = truthy(apply(run, body, item, next));
        if (op === 'all' && !hit) return false;
        if (op === 'none' && hit) return false;
        if (op === 'some' && hit) return true;
      }
      return op !== 'some';
    }
  }
  const args = new Array<unknown>(values.length);
  for (let i = 0; i < values.length; i++) args[i] = apply(run, values[i], scope, next);
  // Refuse a join or a concatenation before building it, so an over-budget value is never allocated.
  if (op === 'merge' || op === 'cat') {
    let n = 0;
    for (const a of args) n += op === 'merge' && Array.isArray(a) ? a.length : sizeOf(run, a);
    if (n > budget.maxValueSize) over('value_size', budget.maxValueSize);
    if (run.total + n > budget.maxTotalSize) over('total_size', budget.maxTotalSize);
  }
  const result = operate(op, args, scope, (s, a) => missing(run, s, a));
  return BUILDERS.has(op) ? built(run, result) : result;
}

/** The non-scoped operators of json-logic-js, over evaluated arguments. */
function operate(op: string, args: unknown[], scope: unknown, missingOf: (scope: unknown, args: unknown[]) => unknown[]): unknown {
  // json-logic's == and != are JavaScript's loose comparisons.
  const [a, b, c] = args as [any, any, any]; // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (op) {
    case '==':
      return a == b;
    case '===':
      return a === b;
    case '!=':
      return a != b;
    case '!==':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return c === undefined ? a < b : a < b && b < c;
    case '<=':
      return c === undefined ? a <= b : a <= b && b <= c;
    case '!!':
      return truthy(a);
    case '!':
      return !truthy(a);
    case '%':
      return a % b;
    case 'in':
      if (!b || typeof b.indexOf !== 'function') return false;
      return b.indexOf(a) !== -1;
    case 'cat':
      return args.join('');
    case 'substr': {
      if (c < 0) {
        const temp = String(a).substr(b);
        return temp.substr(0, temp.length + c);
      }
      return String(a).substr(b, c);
    }
    case '+':
      return args.reduce<number>((x, y) => parseFloat(x as unknown as string) + parseFloat(y as string), 0);
    case '*':
      return args.length === 0 ? undefined : (args as unknown[]).reduce((x, y) => parseFloat(x as string) * parseFloat(y as string));
    case '-':
      return b === undefined ? -a : a - b;
    case '/':
      return a / b;
    case 'min':
      return Math.min(...(args as number[]));
    case 'max':
      return Math.max(...(args as number[]));
    case 'merge':
      return args.reduce<unknown[]>((x, y) => x.concat(y), []);
    case 'hours_between': {
      // An addition to json-logic-js: hours from instant `a` to instant `b` (ISO strings); null unless both parse.
      const [from, to] = [typeof a === 'string' ? Date.parse(a) : NaN, typeof b === 'string' ? Date.parse(b) : NaN];
      return Number.isNaN(from) || Number.isNaN(to) ? null : (to - from) / 3_600_000;
    }
    case 'var':
      return readVar(scope, a, b);
    case 'missing':
      return missingOf(scope, args);
    case 'missing_some': {
      const areMissing = missingOf(scope, [b]);
      const length = typeof (b as { length?: unknown } | null | undefined)?.length === 'number' ? (b as unknown[]).length : NaN;
      return length - areMissing.length >= a ? [] : areMissing;
    }
    default:
      throw new Error(`Unrecognized operation ${op}`);
  }
}
