/**
 * Refuses JSON bodies that are valid JSON but hostile to what comes after
 * parsing: nesting deeper than the engine's schemas ever need (recursive code
 * downstream, e.g. canonical hashing, must not overflow the stack), the
 * `__proto__` key (prototype pollution in any code that merges objects),
 * strings that PostgreSQL cannot store (NUL) or that UTF-8 cannot encode
 * faithfully (lone surrogates: stored as U+FFFD, they would break the audit
 * hash of the event), and numbers outside the finite doubles (`1e999`).
 */
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-errors.js';

/** Deepest nesting of objects and arrays accepted in a body. */
export const MAX_BODY_DEPTH = 32;

// With the `u` flag a well-formed pair is one code point, so only lone halves match.
const LONE_SURROGATE = /\p{Surrogate}/u;
const badText = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

/** Returns the first problem of a parsed body, with its path, or undefined. Iterative, so depth cannot hurt it. */
export function findHostileValue(body: unknown): { path: (string | number)[]; message: string } | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: body, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (badText(value)) return { path, message: 'text may not contain NUL characters or unpaired surrogates' };
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { path, message: 'numbers must be finite' };
    } else if (value !== null && typeof value === 'object') {
      if (path.length >= MAX_BODY_DEPTH) return { path, message: `nested deeper than ${MAX_BODY_DEPTH} levels` };
      if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, path: [...path, i] }));
      else
        for (const key of Object.keys(value)) {
          if (key === '__proto__') return { path: [...path, key], message: 'the key "__proto__" is not accepted' };
          if (badText(key)) return { path: [...path, key], message: 'keys may not contain NUL characters or unpaired surrogates' };
          stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
        }
    }
  }
  return undefined;
}

/** Express middleware running {@link findHostileValue} on parsed JSON bodies. */
export function bodyGuard(req: Request, _res: Response, next: NextFunction): void {
  const problem = req.body === undefined ? undefined : findHostileValue(req.body);
  if (problem) return next(new HttpError('invalid_request', `the request body is refused: ${problem.message}`, [{ code: 'hostile_value', path: ['body', ...problem.path], message: problem.message }]));
  next();
}
