/**
 * Command-line input checked like API input: the CLI parses its options and
 * files with the API's zod schemas and reports each problem on one line —
 * where (the option, or the path inside the file), what is wrong and what is
 * allowed — as a `CommandError` (exit status 2), never a stack trace.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { formatPath } from '../engine/index.js';
import { CommandError } from './startup.js';

type Issue = z.core.$ZodIssue;

/** The value at `path` inside `input`, for quoting what was given. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Natural words for a value the schema does not take, with what to write instead. */
const HINTS: Record<string, string> = {
  district: 'a district (区) is county-level: write "county"',
  province_level: 'write "province"',
  town: 'a town (镇) or street office (街道) is township-level: write "township"',
  street: 'a street office (街道) is township-level: write "township"',
  village: 'villages sit in grids: write "grid"',
};

/** One line per issue: `<where>: <what is wrong>; allowed: …`. */
export function issueLines(issues: readonly Issue[], input: unknown, where: (path: readonly PropertyKey[]) => string): string[] {
  return issues.map((i) => {
    const at = where(i.path);
    if (i.code === 'invalid_value') {
      const given = valueAt(input, i.path);
      const hint = typeof given === 'string' && HINTS[given] ? ` (${HINTS[given]})` : '';
      return `${at}: ${JSON.stringify(given)} is not allowed${hint}; allowed: ${i.values.map(String).join(', ')}`;
    }
    if (i.code === 'too_small' && i.origin === 'string' && Number(i.minimum) === 1) return `${at}: must not be empty`;
    if (i.code === 'unrecognized_keys') return `${at}: unknown field(s) ${i.keys.join(', ')}`;
    if (i.code === 'invalid_type' && valueAt(input, i.path) === undefined) return `${at}: is required (${i.expected})`;
    return `${at}: ${i.message}`;
  });
}

/** Parses `input` with `schema`; throws one `invalid_argument` (or `invalid_file`) line per problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: (path: readonly PropertyKey[]) => string, code: 'invalid_argument' | 'invalid_file' = 'invalid_argument', what = 'the arguments'): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const lines = issueLines(r.error.issues, input, where);
  throw new CommandError(code, `${what}: ${lines.length} problem(s)`, lines);
}

/** Reads and parses a JSON file; a missing file or bad JSON is one `invalid_file` line. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CommandError('invalid_file', `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CommandError('invalid_file', `${file}: not JSON (${(err as Error).message})`);
  }
}

/** `file: children[0].level` style locations of a problem inside a file. */
export const inFile = (file: string) => (path: readonly PropertyKey[]) => `${file}: ${path.length === 0 ? '(top level)' : formatPath(path)}`;
