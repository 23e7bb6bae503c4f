/**
 * What changed between two case states, as stored in an event row instead of
 * the whole state (the full state is kept in `case_snapshots` every N events,
 * and in the case row; event 1 keeps its full state). The delta is exact on
 * the JSON form: applying it to the JSON of the state before gives the JSON of
 * the state after, key order aside (canonical JSON, which the hash uses,
 * sorts keys). The hash covers the full state, never this encoding, so the
 * encoding may change from one version to the next as long as every stored
 * form stays readable.
 *
 * Two stored forms in `case_events.state` (a full state is always an object):
 * - since migration 027, the ops as a bare JSON array `[op, …]`, paths written
 *   `"data.note"` (keys joined by dots; an array path when a key holds a dot,
 *   `[]` for the root), with the grouped ops 6–9 below;
 * - from migration 014 to 026, `{ "$delta": [op, …] }`, paths as arrays.
 *
 * Ops (a path names a member; an array index is a key like any other):
 * - `[0, path, value]`: set the value at path;
 * - `[1, path]`: delete the object key at path;
 * - `[2, path, length]`: cut the array at path to `length`;
 * - `[3, "data.key"]`: set the data field to the event payload's field of the same name
 *   (a step that copies its input into the case data stores it once, in the payload);
 * - `[4, path]`: set the value at path to the event's time (`at`), and `[5, path]` to its actor's id
 *   (steps record who and when in the data: `acceptedBy`, `acceptedAt`); stored once, in the event;
 * - `[6, path, { key: value, … }]`: set these members of the object at path (one op for the many
 *   fields a step sets, instead of one op and one path each);
 * - `[7, "data", [key, …]]`: op 3 for each key; `[7, "data"]`: for every key of the payload;
 * - `[8, path, [key, …]]` and `[9, path, [key, …]]`: ops 4 and 5 for these members of the object at path;
 * - `[10, path, members]`: set a deadline this event started (see `started-deadline.ts`): the members
 *   that differ from what a fresh deadline holds, the rest implied by the event (its seq and time).
 */

import { startedDeadline, startedDeadlineMembers } from './started-deadline.js';

/** The key the delta was wrapped in from migration 014 to 026 (still read). */
export const DELTA_KEY = '$delta';

type Path = (string | number)[] | string;
export type DeltaOp =
  | [0, Path, unknown]
  | [1, Path]
  | [2, Path, number]
  | [3, Path]
  | [4, Path]
  | [5, Path]
  | [6, Path, Record<string, unknown>]
  | [7, Path, string[]?]
  | [8 | 9, Path, string[]]
  | [10, Path, Record<string, unknown>];

/** The event fields ops 4, 5, 8, 9 and 10 refer to. */
export interface DeltaRefs {
  at: string;
  actorId: string;
  /** The event's seq (op 10); optional for rows stored before op 10 existed. */
  seq?: number;
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

/** Internal paths are arrays of keys; see {@link encodePath} for the stored form. */
type Keys = (string | number)[];

/** A path as stored: keys joined by dots, or the array when a key holds a dot (and `[]` for the root). */
function encodePath(keys: Keys): Path {
  if (keys.length === 0) return [];
  for (const k of keys) if (typeof k === 'string' && k.includes('.')) return keys;
  return keys.join('.');
}

/** A stored path back to its keys (an array index is the key `"0"`, which an array answers to as to `0`). */
function decodePath(path: Path): Keys {
  return typeof path === 'string' ? path.split('.') : path;
}

/** Sets an own member: a data key may be `__proto__`, never assigned through the prototype's setter. */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Whether two containers are of the same kind (both objects, or both arrays): diffed member by member. */
const sameKind = (a: Json, b: Json): boolean => (isObject(a) && isObject(b)) || (Array.isArray(a) && Array.isArray(b));

function diffInto(ops: DeltaOp[], path: Keys, a: Json, b: Json, payload: Record<string, unknown> | undefined, refs: DeltaRefs | undefined): void {
  if (same(a, b)) return;
  if (isObject(a) && isObject(b)) return diffObject(ops, path, a, b, payload, refs);
  if (Array.isArray(a) && Array.isArray(b)) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) {
      const [x, y] = [a[i] ?? null, b[i] ?? null];
      // A replaced element (a deadline restarted in a new state) may be shorter stored whole.
      if (isObject(x) && isObject(y) && !same(x, y)) ops.push(...shorter(diffed([...path, i], x, y, payload, refs), setOp([...path, i], y, refs)));
      else diffInto(ops, [...path, i], x, y, payload, refs);
    }
    if (b.length < a.length) ops.push([2, encodePath(path), b.length]);
    for (let i = common; i < b.length; i++) ops.push(setOp([...path, i], b[i] ?? null, refs));
    return;
  }
  if (refs && path.length > 0 && typeof b === 'string' && b === refs.at) ops.push([4, encodePath(path)]);
  else if (refs && path.length > 0 && typeof b === 'string' && b === refs.actorId) ops.push([5, encodePath(path)]);
  else ops.push([0, encodePath(path), b]);
}

/**
 * The members of an object that changed: removed keys, containers diffed further (unless their
 * ops would be longer than the new value itself), and the plain values set, grouped by what they
 * refer to (the payload, the event's time, its actor) so a step setting many fields costs one op.
 */
function diffObject(ops: DeltaOp[], path: Keys, a: Record<string, unknown>, b: Record<string, unknown>, payload: Record<string, unknown> | undefined, refs: DeltaRefs | undefined): void {
  for (const k of Object.keys(a)) if (a[k] !== undefined && own(b, k) === undefined) ops.push([1, encodePath([...path, k])]);
  const copies: string[] = [];
  const ats: string[] = [];
  const actors: string[] = [];
  const sets: Record<string, unknown> = {};
  let setCount = 0;
  let setKey = '';
  const inData = payload !== undefined && path.length === 1 && path[0] === 'data';
  for (const k of Object.keys(b)) {
    const v = b[k];
    if (v === undefined) continue;
    const old = own(a, k);
    if (same(old, v)) continue;
    if (inData && Object.hasOwn(payload, k) && same(own(payload, k), v)) copies.push(k);
    else if (sameKind(old, v)) {
      const sub = diffed([...path, k], old, v, payload, refs);
      // Below the top level (a deadline, a nested value), a whole value shorter than its ops is stored whole.
      const whole = path.length === 0 ? undefined : setOp([...path, k], v, refs);
      if (whole === undefined || shorter(sub, whole) === sub) ops.push(...sub);
      else if (whole[0] === 10) ops.push(whole);
      else {
        define(sets, k, v);
        setCount++;
        setKey = k;
      }
    } else if (refs && typeof v === 'string' && v === refs.at) ats.push(k);
    else if (refs && typeof v === 'string' && v === refs.actorId) actors.push(k);
    else {
      define(sets, k, v);
      setCount++;
      setKey = k;
    }
  }
  const at = encodePath(path);
  if (copies.length === 1) ops.push([3, encodePath([...path, copies[0]!])]);
  else if (copies.length > 1) ops.push(copies.length === Object.keys(payload!).length ? [7, at] : [7, at, copies]);
  if (ats.length === 1) ops.push([4, encodePath([...path, ats[0]!])]);
  else if (ats.length > 1) ops.push([8, at, ats]);
  if (actors.length === 1) ops.push([5, encodePath([...path, actors[0]!])]);
  else if (actors.length > 1) ops.push([9, at, actors]);
  if (setCount === 1) ops.push([0, encodePath([...path, setKey]), sets[setKey]]);
  else if (setCount > 1) ops.push([6, at, sets]);
}

/** The ops turning `a` into `b` at `path`. */
function diffed(path: Keys, a: Json, b: Json, payload: Record<string, unknown> | undefined, refs: DeltaRefs | undefined): DeltaOp[] {
  const sub: DeltaOp[] = [];
  diffInto(sub, path, a, b, payload, refs);
  return sub;
}

/** Of some ops and one op doing the same, the shorter as stored. */
function shorter(ops: DeltaOp[], op: DeltaOp): DeltaOp[] {
  return JSON.stringify(ops).length <= JSON.stringify(op).length ? ops : [op];
}

/** The op setting `value` at `path`: op 10 for a deadline this event started, op 0 otherwise. */
function setOp(path: Keys, value: Json, refs: DeltaRefs | undefined): DeltaOp {
  const members = refs?.seq === undefined ? undefined : startedDeadlineMembers(value, refs.seq, refs.at);
  return members ? [10, encodePath(path), members] : [0, encodePath(path), value];
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

/** The member at `keys` below `root` (own members only). */
function walk(root: Json, keys: Keys, length: number): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (let i = 0; i < length; i++) node = own(node, keys[i]!) as Record<string | number, unknown>;
  return node;
}

/**
 * Applies `ops` to a copy of `before` (which is left as it was); `payload` is the event's, which ops 3
 * and 7 refer to, `refs` its time and actor id (ops 4, 5, 8 and 9). An op that refers to what was not
 * given throws a `TypeError`.
 */
export function applyDelta<T>(before: T, ops: readonly DeltaOp[], payload?: Record<string, unknown>, refs?: DeltaRefs): T {
  let root = clone(before);
  for (const op of ops) {
    const kind = op[0];
    const keys = decodePath(op[1]);
    if ((kind === 4 || kind === 5 || kind === 8 || kind === 9) && !refs) throw new TypeError('a delta op refers to the event time or actor, which were not given');
    if ((kind === 3 || kind === 7) && !payload) throw new TypeError('a delta op refers to the event payload, which was not given');
    if (kind === 10 && refs?.seq === undefined) throw new TypeError('a delta op refers to the event seq and time, which were not given');
    if (kind === 10) {
      const parent = walk(root, keys, keys.length - 1);
      define(parent, keys[keys.length - 1]!, startedDeadline(clone(op[2]) as Record<string, unknown>, refs!.seq!, refs!.at));
      continue;
    }
    if (kind >= 6) {
      const target = walk(root, keys, keys.length);
      if (kind === 6) for (const [k, v] of Object.entries(op[2] as Record<string, unknown>)) define(target, k, clone(v));
      else if (kind === 7) for (const k of (op[2] as string[] | undefined) ?? Object.keys(payload!)) define(target, k, clone(own(payload!, k)));
      else for (const k of op[2] as string[]) define(target, k, kind === 8 ? refs!.at : refs!.actorId);
      continue;
    }
    if (keys.length === 0) {
      if (kind === 0) root = clone(op[2]);
      continue;
    }
    const parent = walk(root, keys, keys.length - 1);
    const last = keys[keys.length - 1]!;
    if (kind === 0) define(parent, last, clone(op[2]));
    else if (kind === 3) define(parent, last, clone(own(payload!, String(last))));
    else if (kind === 4) define(parent, last, refs!.at);
    else if (kind === 5) define(parent, last, refs!.actorId);
    else if (kind === 1) delete parent[last];
    else if (kind === 2) {
      const list = own(parent, last);
      if (Array.isArray(list)) list.length = op[2];
    }
  }
  return root as T;
}

/**
 * The delta inside a stored state column, or undefined when the column holds a full state (always an
 * object): a bare array (migration 027 on), or the ops wrapped in `$delta` (migrations 014–026).
 */
export function storedDelta(value: unknown): DeltaOp[] | undefined {
  if (Array.isArray(value)) return value as DeltaOp[];
  return isObject(value) && Array.isArray(value[DELTA_KEY]) ? (value[DELTA_KEY] as DeltaOp[]) : undefined;
}
