/**
 * Guards and computed values are JSON Logic (https://jsonlogic.com): data, not
 * code, so a definition can never run arbitrary JavaScript. This module fixes
 * the allowed operators, evaluates rules under a budget (`json-logic.ts`) and
 * lists the variables a rule reads so the validator can check them against
 * the schemas.
 * Pure.
 */
import { applyLogic, DEFAULT_EXPRESSION_BUDGET, truthy, type ExpressionBudget } from './json-logic.js';
import { z } from 'zod';

/** A JSON Logic rule or a literal value. */
export type Expression = z.infer<typeof ExpressionSchema>;
export const ExpressionSchema = z.json();

/** Operators allowed in definitions. `log` (console output) and custom operations are excluded. */
export const ALLOWED_OPERATORS = new Set([
  '==', '===', '!=', '!==', '>', '>=', '<', '<=', '!!', '!', '%', 'in', 'cat', 'substr', '+', '*', '-', '/',
  'min', 'max', 'merge', 'var', 'missing', 'missing_some', 'if', '?:', 'and', 'or', 'filter', 'map', 'reduce', 'all', 'none', 'some',
  // Not in json-logic-js: hours from the first instant to the second (null unless both are dates), e.g. the 1-hour report rule.
  'hours_between',
]);
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
/** Rules nested deeper than this are refused (and would exceed the evaluation budget anyway). */
export const MAX_RULE_DEPTH = DEFAULT_EXPRESSION_BUDGET.maxDepth;

/** The values a rule can read: `data.*`, `payload.*`, `actor.*`, `now`, `case.*`. */
export interface ExpressionContext {
  data: Record<string, unknown>;
  payload: Record<string, unknown>;
  actor: { id: string; roles: string[]; org?: string | undefined };
  now: string;
  /** `orgAncestors`: the orgs above the case's org, nearest first (empty when not recorded); `routedOrg`: the org routing gave the routed tasks (the case's org when not routed). */
  case: { id: string; org: string; parentId?: string | undefined; orgAncestors?: string[] | undefined; routedOrg?: string | undefined };
  /** Child cases started by `spawn`, with their final state once done. */
  children?: { caseId: string; workflowId: string; org: string; stateId: string; index: number; finalState: string | null; result?: Record<string, unknown> | undefined }[] | undefined;
  /** The list item a spawned child is made from (spawn `org` and `input` only). */
  item?: unknown;
}

/** A reference a rule makes to a variable, with where in the rule it appears. */
export interface VarRef {
  path: string;
  at: (string | number)[];
}

/** A problem in a rule: an unknown operator, a computed or forbidden variable name, a malformed argument list. */
export interface ExpressionProblem {
  /** `invalid_expression` (unknown operator, forbidden name, malformed node), `computed_variable`, `invalid_arguments`. */
  code: 'invalid_expression' | 'computed_variable' | 'invalid_arguments';
  at: (string | number)[];
  message: string;
}

/** Where a rule runs: over the case context, over a list item (`map`, `filter`, `all`, …), or in a `reduce` body. */
type Scope = 'root' | 'item' | 'reduce';

/**
 * Walks every operand of every operator and returns the variables a rule
 * reads (outside list bodies) and every structural problem, with its path.
 * Never throws, whatever the shape. Pure.
 */
export function analyseExpression(rule: unknown): { vars: VarRef[]; problems: ExpressionProblem[] } {
  const vars: VarRef[] = [];
  const problems: ExpressionProblem[] = [];
  const problem = (at: (string | number)[], message: string, code: ExpressionProblem['code'] = 'invalid_expression') => problems.push({ code, at, message });
  const name = (raw: unknown, at: (string | number)[], scope: Scope, what: string): void => {
    if (raw !== null && typeof raw === 'object') {
      problem(at, `${what} is computed; write the variable's path as a literal string (e.g. "data.amount")`, 'computed_variable');
      return;
    }
    if (raw !== undefined && raw !== null && typeof raw !== 'string' && typeof raw !== 'number') {
      problem(at, `${what} must be a string path, not ${JSON.stringify(raw)}`, 'invalid_arguments');
      return;
    }
    const path = raw === undefined || raw === null ? '' : String(raw);
    const segments = path.split('.');
    if (segments.some((seg) => FORBIDDEN_SEGMENTS.has(seg))) problem(at, `variable "${path}" uses a forbidden segment (__proto__, constructor, prototype)`);
    else if (scope === 'reduce' && path !== '' && segments[0] !== 'current' && segments[0] !== 'accumulator') problem(at, `inside a reduce body only "current" and "accumulator" can be read, not "${path}"`, 'invalid_arguments');
    else if (scope === 'root') vars.push({ path, at });
  };
  const walk = (node: unknown, at: (string | number)[], scope: Scope, depth: number): void => {
    if (depth > MAX_RULE_DEPTH) {
      problem(at, `the rule is nested more than ${MAX_RULE_DEPTH} levels deep`);
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, [...at, i], scope, depth + 1));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      problem(at, `a rule object has exactly one operator key, found ${keys.length === 0 ? 'none' : keys.map((k) => JSON.stringify(k)).join(', ')}`);
      return;
    }
    const op = keys[0]!;
    if (!ALLOWED_OPERATORS.has(op)) {
      problem([...at, op], `unknown or forbidden operator ${JSON.stringify(op)}`);
      return;
    }
    const raw = (node as Record<string, unknown>)[op];
    const args = Array.isArray(raw) ? raw : [raw];
    const here = [...at, op];
    const arg = (i: number, s: Scope = scope) => walk(args[i], Array.isArray(raw) ? [...here, i] : here, s, depth + 1);
    switch (op) {
      case 'var':
        if (args.length > 2) problem(here, 'var takes a path and an optional default', 'invalid_arguments');
        name(args[0], here, scope, 'the variable name');
        if (args.length > 1) arg(1);
        return;
      case 'missing': {
        // `{"missing": ["a", "b"]}` or `{"missing": [["a", "b"]]}`: names, written out.
        const names = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
        names.forEach((n) => name(n, here, scope, 'a name in missing'));
        return;
      }
      case 'missing_some': {
        const [need, options] = args;
        if (args.length !== 2 || !Array.isArray(options) || typeof need !== 'number' || !Number.isInteger(need) || need < 0) {
          problem(here, 'missing_some takes [a whole number, [names…]], e.g. {"missing_some": [1, ["data.phone", "data.email"]]}', 'invalid_arguments');
          return;
        }
        options.forEach((n, i) => name(n, [...here, 1, i], scope, 'a name in missing_some'));
        return;
      }
      case 'filter':
      case 'map':
      case 'all':
      case 'none':
      case 'some':
      case 'reduce': {
        const max = op === 'reduce' ? 3 : 2;
        if (!Array.isArray(raw) || args.length < 2 || args.length > max) {
          problem(here, `${op} takes [a list, a rule${op === 'reduce' ? ', an optional initial value' : ''}]`, 'invalid_arguments');
          return;
        }
        arg(0);
        arg(1, op === 'reduce' ? 'reduce' : 'item');
        if (args.length > 2) arg(2);
        return;
      }
      default:
        args.forEach((_, i) => arg(i));
    }
  };
  walk(rule, [], 'root', 0);
  return { vars, problems };
}

/** Evaluates a rule over a context, under the expression budget. Pure; the context is not modified. */
export function evaluate(rule: Expression, ctx: ExpressionContext, budget: ExpressionBudget = DEFAULT_EXPRESSION_BUDGET): unknown {
  return applyLogic(rule, ctx, ALLOWED_OPERATORS, budget);
}

/** Evaluates a guard with JSON Logic truthiness; a rule over its budget throws `expression_budget_exceeded`. */
export function isTruthy(rule: Expression, ctx: ExpressionContext, budget?: ExpressionBudget): boolean {
  return truthy(evaluate(rule, ctx, budget));
}
