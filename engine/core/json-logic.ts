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

/**
 * Evaluates `rule` over `data`. Throws `ExpressionBudgetExceededError` when
 * the budget runs out, and a plain error for an operator outside the
 * whitelist (the validator refuses those at registration). Pure.
 * @example
 * applyLogic({ '>': [{ var: 'data.amount' }, 0] }, { data: { amount: 3 } }); // true
 */
export function applyLogic(rule: unknown, data: unknown, allowed: ReadonlySet<string>, budget: ExpressionBudget = DEFAULT_EXPRESSION_BUDGET): unknown {
  let operations = 0;
  let total = 0;
  const sizes = new WeakMap<object, number>();
  const over = (limit: 'operations' | 'depth' | 'value_size' | 'total_size', max: number): never => {
    throw new ExpressionBudgetExceededError(limit, max);
  };

  /** Deep size, memoised per object (shared sub-arrays count each time they appear) and saturating just above the cap. */
  const sizeOf = (v: unknown, level = 0): number => {
    if (typeof v === 'string') return v.length + 1;
    if (typeof v !== 'object' || v === null) return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    if (level > budget.maxDepth) over('depth', budget.maxDepth);
    let n = 1;
    for (const item of Array.isArray(v) ? v : Object.values(v)) {
      n += sizeOf(item, level + 1);
      if (n > budget.maxValueSize) break;
    }
    sizes.set(v, n);
    return n;
  };
  const built = <T>(v: T): T => {
    const n = sizeOf(v);
    if (n > budget.maxValueSize) over('value_size', budget.maxValueSize);
    total += n;
    if (total > budget.maxTotalSize) over('total_size', budget.maxTotalSize);
    return v;
  };

  const readVar = (scope: unknown, name: unknown, fallback: unknown): unknown => {
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
  };

  const missing = (scope: unknown, args: unknown[]): unknown[] => {
    const keys = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    const out: unknown[] = [];
    for (const key of keys) {
      if (++operations > budget.maxOperations) over('operations', budget.maxOperations);
      const value = readVar(scope, key, undefined);
      if (value === null || value === '') out.push(key);
    }
    return out;
  };

  const apply = (logic: unknown, scope: unknown, depth: number): unknown => {
    if (++operations > budget.maxOperations) over('operations', budget.maxOperations);
    if (depth > budget.maxDepth) over('depth', budget.maxDepth);
    if (Array.isArray(logic)) return built(logic.map((l) => apply(l, scope, depth + 1)));
    if (!isLogic(logic)) return logic;
    const op = Object.keys(logic)[0]!;
    if (!allowed.has(op)) throw new Error(`Unrecognized operation ${op}`);
    const raw = logic[op];
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    const sub = (l: unknown, s: unknown = scope) => apply(l, s, depth + 1);
    const list = (l: unknown): unknown[] | undefined => {
      const v = sub(l);
      return Array.isArray(v) ? v : undefined;
    };
    switch (op) {
      case 'if':
      case '?:': {
        let i = 0;
        for (; i < values.length - 1; i += 2) if (truthy(sub(values[i]))) return sub(values[i + 1]);
        return values.length === i + 1 ? sub(values[i]) : null;
      }
      case 'and':
      case 'or': {
        let current: unknown;
        for (const v of values) {
          current = sub(v);
          if (truthy(current) !== (op === 'and')) return current;
        }
        return current;
      }
      case 'filter': {
        const items = list(values[0]);
        return items ? built(items.filter((item) => truthy(sub(values[1], item)))) : [];
      }
      case 'map': {
        const items = list(values[0]);
        return items ? built(items.map((item) => sub(values[1], item))) : [];
      }
      case 'reduce': {
        const items = list(values[0]);
        const initial = values[2] !== undefined ? sub(values[2]) : null;
        if (!items) return initial;
        return items.reduce((accumulator: unknown, current) => sub(values[1], { current, accumulator }), initial);
      }
      case 'all':
      case 'none':
      case 'some': {
        const items = list(values[0]);
        if (!items || items.length === 0) return op === 'none';
        for (const item of items) {
          const hit = truthy(sub(values[1], item));
          if (op === 'all' && !hit) return false;
          if (op === 'none' && hit) return false;
          if (op === 'some' && hit) return true;
        }
        return op !== 'some';
      }
    }
    const args = values.map((v) => sub(v));
    // Refuse a join or a concatenation before building it, so an over-budget value is never allocated.
    if (op === 'merge' || op === 'cat') {
      let n = 0;
      for (const a of args) n += op === 'merge' && Array.isArray(a) ? a.length : sizeOf(a);
      if (n > budget.maxValueSize) over('value_size', budget.maxValueSize);
      if (total + n > budget.maxTotalSize) over('total_size', budget.maxTotalSize);
    }
    const result = operate(op, args, scope, readVar, missing);
    return BUILDERS.has(op) ? built(result) : result;
  };

  return apply(rule, data, 0);
}

type ReadVar = (scope: unknown, name: unknown, fallback: unknown) => unknown;

/** The non-scoped operators of json-logic-js, over evaluated arguments. */
function operate(op: string, args: unknown[], scope: unknown, readVar: ReadVar, missing: (scope: unknown, args: unknown[]) => unknown[]): unknown {
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
    case 'var':
      return readVar(scope, a, b);
    case 'missing':
      return missing(scope, args);
    case 'missing_some': {
      const areMissing = missing(scope, [b]);
      const length = typeof (b as { length?: unknown } | null | undefined)?.length === 'number' ? (b as unknown[]).length : NaN;
      return length - areMissing.length >= a ? [] : areMissing;
    }
    default:
      throw new Error(`Unrecognized operation ${op}`);
  }
}
