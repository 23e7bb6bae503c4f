/**
 * A deadline entry as a step starts it (`startDeadlines` in `engine/core/deadlines.ts`), told by
 * what differs from a fresh one: most of its members follow from the event that started it (the
 * seq, the time) or from one another (the key, the base due time), or are the fresh values (running,
 * nothing paused, extended, reminded or escalated). A state delta stores only the rest (op 10 of
 * `state-delta.ts`), about 150 bytes instead of 400 per deadline started.
 *
 * The implied members are part of the stored format: rows written with op 10 are rebuilt with
 * exactly these, whatever later versions of the core put in a fresh deadline. The writer checks
 * that the rebuilt entry equals the real one, and stores the whole value otherwise.
 */

type Members = Record<string, unknown>;

const isObject = (v: unknown): v is Members => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets an own member (a key such as `__proto__` stays a plain key). */
function define(target: Members, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A fresh deadline started at `seq`/`at` with these members (which win over the implied ones). */
export function startedDeadline(members: Members, seq: number, at: string): Members {
  const entry: Members = {
    key: `${String(members.stateId)}#${String(members.deadlineId)}`,
    stateId: members.stateId,
    deadlineId: members.deadlineId,
    startSeq: seq,
    startedAt: at,
    baseDueAt: members.dueAt,
    dueAt: members.dueAt,
    status: 'running',
    pausedDays: 0,
    pausedMs: 0,
    extensions: [],
    reminded: 0,
    escalated: 0,
    generation: 0,
  };
  for (const [k, v] of Object.entries(members)) define(entry, k, v);
  return entry;
}

/** JSON equality of two decoded values (member order aside). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

/**
 * The members to store for `value` when it is a deadline started at `seq`/`at` (it has every
 * implied member, and {@link startedDeadline} rebuilds it exactly), or undefined when it is not.
 */
export function startedDeadlineMembers(value: unknown, seq: number, at: string): Members | undefined {
  if (!isObject(value) || typeof value.stateId !== 'string' || typeof value.deadlineId !== 'string' || typeof value.dueAt !== 'string') return undefined;
  const implied = startedDeadline({ stateId: value.stateId, deadlineId: value.deadlineId, dueAt: value.dueAt }, seq, at);
  // Every implied member must be there: a rebuilt entry never gains one the real entry lacks.
  for (const k of Object.keys(implied)) if (value[k] === undefined) return undefined;
  const members: Members = { stateId: value.stateId, deadlineId: value.deadlineId, dueAt: value.dueAt };
  for (const [k, v] of Object.entries(value)) if (v !== undefined && !same(v, implied[k])) define(members, k, v);
  return same(startedDeadline(members, seq, at), value) ? members : undefined;
}
