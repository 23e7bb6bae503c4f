/**
 * Guards and computed values are JSON Logic (https://jsonlogic.com): data, not
 * code, so a definition can never run arbitrary JavaScript. This module fixes
 * the allowed operators, evaluates rules over a frozen context and lists the
 * variables a rule reads so the validator can check them against the schemas.
 * Pure.
 */
import jsonLogic from 'json-logic-js';
import { z } from 'zod';

/** A JSON Logic rule or a literal value. */
export type Expression = z.infer<typeof ExpressionSchema>;
export const ExpressionSchema = z.json();

/** Operators allowed in definitions. `log` (console output) and custom operations are excluded. */
export const ALLOWED_OPERATORS = new Set([
  '==', '===', '!=', '!==', '>', '>=', '<', '<=', '!!', '!', '%', 'in', 'cat', 'substr', '+', '*', '-', '/',
  'min', 'max', 'merge', 'var', 'missing', 'missing_some', 'if', '?:', 'and', 'or', 'filter', 'map', 'reduce', 'all', 'none', 'some',
]);
/** Operators whose later arguments run with the array item (not the case) as data. */
const SCOPED_OPERATORS = new Set(['filter', 'map', 'reduce', 'all', 'none', 'some']);
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** The values a rule can read: `data.*`, `payload.*`, `actor.*`, `now`, `case.*`. */
export interface ExpressionContext {
  data: Record<string, unknown>;
  payload: Record<string, unknown>;
  actor: { id: string; roles: string[]; org?: string | undefined };
  now: string;
  case: { id: string; org: string; parentId?: string | undefined };
  /** Child cases started by `spawn`, with their final state once done. */
  children?: { caseId: string; workflowId: string; org: string; stateId: string; index: number; finalState: string | null }[] | undefined;
  /** The list item a spawned child is made from (spawn `org` and `input` only). */
  item?: unknown;
}

/** A reference a rule makes to a variable, with where in the rule it appears. */
export interface VarRef {
  path: string;
  at: (string | number)[];
}

/** A problem in a rule: an unknown operator or a forbidden variable segment. */
export interface ExpressionProblem {
  at: (string | number)[];
  message: string;
}

/** Walks a rule and returns the variables it reads and any structural problems. */
export function analyseExpression(rule: unknown): { vars: VarRef[]; problems: ExpressionProblem[] } {
  const vars: VarRef[] = [];
  const problems: ExpressionProblem[] = [];
  const walk = (node: unknown, at: (string | number)[], scoped: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, [...at, i], scoped));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      problems.push({ at, message: `a rule object has exactly one operator key, found ${keys.length === 0 ? 'none' : keys.join(', ')}` });
      return;
    }
    const op = keys[0]!;
    const args = (node as Record<string, unknown>)[op];
    if (!ALLOWED_OPERATORS.has(op)) {
      problems.push({ at: [...at, op], message: `unknown or forbidden operator "${op}"` });
      return;
    }
    const argList = Array.isArray(args) ? args : [args];
    if (op === 'var' || op === 'missing' || op === 'missing_some') {
      const names = op === 'var' ? [argList[0]] : op === 'missing' ? argList : (argList[1] as unknown[] | undefined) ?? [];
      for (const name of names) {
        if (typeof name === 'object' && name !== null) {
          walk(name, [...at, op], scoped);
          continue;
        }
        const path = name === undefined || name === null ? '' : String(name);
        if (path.split('.').some((seg) => FORBIDDEN_SEGMENTS.has(seg))) problems.push({ at: [...at, op], message: `variable "${path}" uses a forbidden segment` });
        else if (!scoped) vars.push({ path, at: [...at, op] });
      }
      if (op === 'var' && argList.length > 1) walk(argList[1], [...at, op, 1], scoped);
      return;
    }
    argList.forEach((a, i) => walk(a, [...at, op, i], scoped || (SCOPED_OPERATORS.has(op) && i > 0)));
  };
  walk(rule, [], false);
  return { vars, problems };
}

/** Evaluates a rule over a context. Pure; the context is not modified. */
export function evaluate(rule: Expression, ctx: ExpressionContext): unknown {
  return jsonLogic.apply(rule as jsonLogic.RulesLogic, ctx as unknown as Record<string, unknown>);
}

/** Evaluates a guard with JSON Logic truthiness. */
export function isTruthy(rule: Expression, ctx: ExpressionContext): boolean {
  return jsonLogic.truthy(evaluate(rule, ctx));
}
