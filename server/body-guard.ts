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

/** Where a value sits: its key and its parent's place (a linked path, built into an array only for a problem). */
interface Place {
  key: string | number;
  parent: Place | undefined;
  depth: number;
}

function pathOf(place: Place | undefined, extra?: string): (string | number)[] {
  const path: (string | number)[] = extra === undefined ? [] : [extra];
  for (let p = place; p; p = p.parent) path.unshift(p.key);
  return path;
}

/** Returns the first problem of a parsed body, with its path, or undefined. Iterative, so depth cannot hurt it; allocates no path unless it finds a problem. */
export function findHostileValue(body: unknown): { path: (string | number)[]; message: string } | undefined {
  const values: unknown[] = [body];
  const places: (Place | undefined)[] = [undefined];
  while (values.length > 0) {
    const value = values.pop();
    const place = places.pop();
    if (typeof value === 'string') {
      if (badText(value)) return { path: pathOf(place), message: 'text may not contain NUL characters or unpaired surrogates' };
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { path: pathOf(place), message: 'numbers must be finite' };
    } else if (value !== null && typeof value === 'object') {
      const depth = place ? place.depth : 0;
      if (depth >= MAX_BODY_DEPTH) return { path: pathOf(place), message: `nested deeper than ${MAX_BODY_DEPTH} levels` };
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          values.push(value[i]);
          places.push({ key: i, parent: place, depth: depth + 1 });
        }
      } else {
        for (const key of Object.keys(value)) {
          if (key === '__proto__') return { path: pathOf(place, key), message: 'the key "__proto__" is not accepted' };
          if (badText(key)) return { path: pathOf(place, key), message: 'keys may not contain NUL characters or unpaired surrogates' };
          values.push((value as Record<string, unknown>)[key]);
          places.push({ key, parent: place, depth: depth + 1 });
        }
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
