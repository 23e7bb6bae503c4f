/**
 * What changed between two case states, as stored in an event row instead of
 * the whole state (the full state is kept in `case_snapshots` every N events
 * and at case end; event 1 keeps its full state). The delta is exact on the
 * JSON form: applying it to the JSON of the state before gives the JSON of
 * the state after, key order aside (canonical JSON, which the hash uses,
 * sorts keys).
 *
 * Stored as `{ "$delta": [op, …] }` in `case_events.state`; a row without the
 * marker holds a full state (event 1, rows written before migration 014, a
 * state written without the state before it). Ops, paths as arrays of keys
 * and array indexes:
 * - `[0, path, value]`: set the value at path;
 * - `[1, path]`: delete the object key at path;
 * - `[2, path, length]`: cut the array at path to `length`.
 */

/** The key a stored delta is wrapped in. */
export const DELTA_KEY = '$delta';

type Path = (string | number)[];
export type DeltaOp = [0, Path, unknown] | [1, Path] | [2, Path, number];

type Json = unknown;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON equality, with `undefined` object members absent as JSON makes them. */
function same(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    let na = 0;
    for (const k in a) {
      if (a[k] === undefined) continue;
      na++;
      if (!same(a[k], b[k])) return false;
    }
    let nb = 0;
    for (const k in b) if (b[k] !== undefined) nb++;
    return na === nb;
  }
  return false;
}

function diffInto(ops: DeltaOp[], path: Path, a: Json, b: Json): void {
  if (same(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const k in a) if (a[k] !== undefined && b[k] === undefined) ops.push([1, [...path, k]]);
    for (const k in b) if (b[k] !== undefined) diffInto(ops, [...path, k], a[k], b[k]);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) diffInto(ops, [...path, i], a[i] ?? null, b[i] ?? null);
    if (b.length < a.length) ops.push([2, path, b.length]);
    for (let i = common; i < b.length; i++) ops.push([0, [...path, i], b[i] ?? null]);
    return;
  }
  ops.push([0, path, b]);
}

/** The ops turning `before` into `after` (both JSON-like; `undefined` members count as absent). */
export function stateDelta(before: Json, after: Json): DeltaOp[] {
  const ops: DeltaOp[] = [];
  diffInto(ops, [], before, after);
  return ops;
}

const clone = (v: Json): Json => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as Json));

/** Applies `ops` to a copy of `before` (which is left as it was). */
export function applyDelta<T>(before: T, ops: readonly DeltaOp[]): T {
  let root = clone(before);
  for (const op of ops) {
    const path = op[1];
    if (path.length === 0) {
      if (op[0] === 0) root = clone(op[2]);
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) parent = parent[path[i]!] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    // A data key may be `__proto__`: define it, never assign through the prototype's setter.
    if (op[0] === 0) Object.defineProperty(parent, last, { value: clone(op[2]), writable: true, enumerable: true, configurable: true });
    else if (op[0] === 1) delete parent[last];
    else (parent[last] as unknown[]).length = op[2];
  }
  return root as T;
}

/** The delta inside a stored state column, or undefined when the column holds a full state. */
export function storedDelta(value: unknown): DeltaOp[] | undefined {
  return isObject(value) && Array.isArray(value[DELTA_KEY]) ? (value[DELTA_KEY] as DeltaOp[]) : undefined;
}
