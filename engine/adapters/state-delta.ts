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
 * - `[2, path, length]`: cut the array at path to `length`;
 * - `[3, ["data", key]]`: set the data field to the event payload's field of the same name
 *   (a step that copies its input into the case data stores it once, in the payload);
 * - `[4, path]`: set the value at path to the event's time (`at`), and `[5, path]` to its actor's id
 *   (steps record who and when in the data: `acceptedBy`, `acceptedAt`); stored once, in the event.
 */

/** The key a stored delta is wrapped in. */
export const DELTA_KEY = '$delta';

type Path = (string | number)[];
export type DeltaOp = [0, Path, unknown] | [1, Path] | [2, Path, number] | [3, Path] | [4, Path] | [5, Path];

/** The event fields ops 4 and 5 refer to. */
export interface DeltaRefs {
  at: string;
  actorId: string;
}

type Json = unknown;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An own member only: a data key such as `__proto__` or `constructor` must never reach the prototype. */
const own = (o: Record<string | number, unknown>, k: string | number): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

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
    for (const k of Object.keys(a)) {
      if (a[k] === undefined) continue;
      na++;
      if (!same(a[k], own(b, k))) return false;
    }
    let nb = 0;
    for (const k of Object.keys(b)) if (b[k] !== undefined) nb++;
    return na === nb;
  }
  return false;
}

function diffInto(ops: DeltaOp[], path: Path, a: Json, b: Json, payload: Record<string, unknown> | undefined, refs: DeltaRefs | undefined): void {
  if (same(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(a)) if (a[k] !== undefined && own(b, k) === undefined) ops.push([1, [...path, k]]);
    for (const k of Object.keys(b)) if (b[k] !== undefined) diffInto(ops, [...path, k], own(a, k), b[k], payload, refs);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) diffInto(ops, [...path, i], a[i] ?? null, b[i] ?? null, payload, refs);
    if (b.length < a.length) ops.push([2, path, b.length]);
    for (let i = common; i < b.length; i++) ops.push([0, [...path, i], b[i] ?? null]);
    return;
  }
  const key = path[1];
  if (payload && path.length === 2 && path[0] === 'data' && typeof key === 'string' && Object.hasOwn(payload, key) && same(own(payload, key), b)) ops.push([3, path]);
  else if (refs && path.length > 0 && typeof b === 'string' && b === refs.at) ops.push([4, path]);
  else if (refs && path.length > 0 && typeof b === 'string' && b === refs.actorId) ops.push([5, path]);
  else ops.push([0, path, b]);
}

/**
 * The ops turning `before` into `after` (both JSON-like; `undefined` members count as absent). With
 * the event's `payload`, a data field set to the payload's field of the same name refers to it; with
 * `refs`, a string set to the event's time or actor id refers to that.
 */
export function stateDelta(before: Json, after: Json, payload?: Record<string, unknown>, refs?: DeltaRefs): DeltaOp[] {
  const ops: DeltaOp[] = [];
  diffInto(ops, [], before, after, payload, refs);
  return ops;
}

const clone = (v: Json): Json => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as Json));

/**
 * Applies `ops` to a copy of `before` (which is left as it was); `payload` is the event's, which op 3
 * refers to, `refs` its time and actor id (ops 4 and 5; an op 4 or 5 without them throws).
 */
export function applyDelta<T>(before: T, ops: readonly DeltaOp[], payload?: Record<string, unknown>, refs?: DeltaRefs): T {
  let root = clone(before);
  for (const op of ops) {
    const path = op[1];
    if (path.length === 0) {
      if (op[0] === 0) root = clone(op[2]);
      continue;
    }
    if ((op[0] === 4 || op[0] === 5) && !refs) throw new TypeError('a delta op refers to the event time or actor, which were not given');
    const value = op[0] === 0 ? op[2] : op[0] === 3 && payload ? own(payload, String(path[1])) : op[0] === 4 ? refs?.at : op[0] === 5 ? refs?.actorId : undefined;
    let parent = root as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) parent = own(parent, path[i]!) as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    // A data key may be `__proto__`: define it, never assign through the prototype's setter.
    if (op[0] === 0 || op[0] === 3 || op[0] === 4 || op[0] === 5) Object.defineProperty(parent, last, { value: clone(value), writable: true, enumerable: true, configurable: true });
    else if (op[0] === 1) delete parent[last];
    else if (op[0] === 2) {
      const list = own(parent, last);
      if (Array.isArray(list)) list.length = op[2];
    }
  }
  return root as T;
}

/** The delta inside a stored state column, or undefined when the column holds a full state. */
export function storedDelta(value: unknown): DeltaOp[] | undefined {
  return isObject(value) && Array.isArray(value[DELTA_KEY]) ? (value[DELTA_KEY] as DeltaOp[]) : undefined;
}
