/**
 * How big a workflow definition may be. Checked before anything else parses
 * the definition (the nesting first, without recursion, so a hostile
 * thousand-level document cannot overflow the stack of the parser), at
 * registration and by `/workflows/validate`. Pure.
 */
import type { Issue } from '../errors.js';

/** The limits; the built-in workflows use a tenth of each or less. */
export interface DefinitionLimits {
  /** UTF-8 bytes of the definition as JSON. */
  maxBytes: number;
  /** Nesting of JSON objects and arrays (states inside states, rules inside rules). */
  maxDepth: number;
  /** State nodes at every level. */
  maxStates: number;
  /** Transitions (`on`, `always`, `onDone`), counting each branch of a list. */
  maxTransitions: number;
}

export const DEFINITION_LIMITS: Readonly<DefinitionLimits> = Object.freeze({ maxBytes: 1024 * 1024, maxDepth: 64, maxStates: 500, maxTransitions: 2000 });

/**
 * The nesting of a JSON value, measured without recursion and given up as soon
 * as it passes `max` (so a cycle or a hostile depth costs at most `max` levels
 * per branch). Pure.
 */
function nestingExceeds(input: unknown, max: number): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= max) return path;
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, path: [...path, i] }));
    else for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: [...path, k] });
  }
  return undefined;
}

/** Problems with the raw size of a definition: `definition_too_deep`, `definition_too_large`. Never throws. Pure. */
export function checkDefinitionSize(input: unknown, limits: DefinitionLimits = DEFINITION_LIMITS): Issue[] {
  const deep = nestingExceeds(input, limits.maxDepth);
  if (deep) return [{ code: 'definition_too_deep', path: deep.slice(0, 12), message: `the definition is nested more than ${limits.maxDepth} levels deep` }];
  let bytes: number;
  try {
    bytes = new TextEncoder().encode(JSON.stringify(input) ?? '').length;
  } catch {
    return [{ code: 'invalid_type', path: [], message: 'a definition is plain JSON' }];
  }
  if (bytes > limits.maxBytes) return [{ code: 'definition_too_large', path: [], message: `the definition is ${bytes} bytes of JSON; at most ${limits.maxBytes} are accepted` }];
  return [];
}

/** Problems with the number of states and transitions of a parsed definition. Pure. */
export function checkDefinitionCounts(counts: { states: number; transitions: number }, limits: DefinitionLimits = DEFINITION_LIMITS): Issue[] {
  const issues: Issue[] = [];
  if (counts.states > limits.maxStates) issues.push({ code: 'definition_too_large', path: ['states'], message: `the definition has ${counts.states} states; at most ${limits.maxStates} are accepted` });
  if (counts.transitions > limits.maxTransitions) issues.push({ code: 'definition_too_large', path: ['states'], message: `the definition has ${counts.transitions} transitions; at most ${limits.maxTransitions} are accepted` });
  return issues;
}
