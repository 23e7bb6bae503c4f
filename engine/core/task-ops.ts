/**
 * The approval patterns beside a task's own events, as one entry point for
 * `decide`: signatures (会签 / 或签 / 票签, 加签, 减签), delegation (委派) and
 * reading a copy (抄送). Each is a built-in history event decided here —
 * who may send it included — and replays like any other event. Pure.
 */
import { CaseClosedError, ForbiddenError } from '../errors.js';
import { isAuditor } from './access.js';
import type { CompiledWorkflow } from './compile.js';
import { COPY_READ, copyOnEntry, stepCopyRead } from './copies.js';
import { DELEGATION_EVENTS, stepDelegation } from './delegation.js';
import type { Effect } from './effects.js';
import { closeSlotEffects, initialSlots, openSlotEffects, SIGN_EVENTS, stepSignEvent, type SignStep } from './signatures.js';
import type { CopyState, SignState } from './sign-state.js';
import { formatStateValue, type Actor, type CaseState, type Command } from './types.js';

export const TASK_OP_EVENTS = [...SIGN_EVENTS, ...DELEGATION_EVENTS, COPY_READ] as const;
export type TaskOpEvent = (typeof TASK_OP_EVENTS)[number];

export function isTaskOpEvent(type: string): type is TaskOpEvent {
  return (TASK_OP_EVENTS as readonly string[]).includes(type);
}

/**
 * Applies one of {@link TASK_OP_EVENTS}. Effect ids carry an `o` so they never
 * meet those of the transition a signature's outcome takes in the same step.
 */
export function stepTaskOp(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date): SignStep {
  const seq = current.seq + 1;
  let n = 0;
  const nextId = () => `${current.caseId}/${seq}/o${n++}`;
  // Reading a copy is allowed after the case ended: the copy is still there to read.
  if (cmd.type === COPY_READ) return stepCopyRead(current, cmd, now, nextId);
  if (current.status === 'done') throw new CaseClosedError(current.caseId, formatStateValue(current.value));
  if (isAuditor(cmd.actor)) throw new ForbiddenError(`an auditor reads and sends nothing`, { event: cmd.type });
  if ((DELEGATION_EVENTS as readonly string[]).includes(cmd.type)) return stepDelegation(wf, current, cmd, now, nextId);
  return stepSignEvent(wf, current, cmd, now, nextId);
}

/** The signings and copies a step carries, as `finish` updates them while states are left and entered. */
export interface PeopleState {
  signs: Record<string, SignState> | undefined;
  copies: CopyState[] | undefined;
}

/**
 * What entering or leaving state `id` does to signings and copies: a signing
 * task opens its slots (instead of one task row) and closes them all when
 * left; a state with `copy` copies the case on entry. Pushes effects; returns
 * whether the state's task is a signing task (then `finish` opens no plain task). Pure.
 */
export function peopleOnStateChange(wf: CompiledWorkflow, next: CaseState, id: string, change: 'entered' | 'exited', people: PeopleState, actor: Actor, now: Date, effects: Effect[], nextId: () => string): boolean {
  const def = wf.tree.byId.get(id)?.def;
  if (change === 'exited') {
    const sign = people.signs?.[id];
    if (sign) {
      effects.push(...closeSlotEffects(next, id, sign, nextId));
      const { [id]: _left, ...rest } = people.signs!;
      people.signs = Object.keys(rest).length > 0 ? rest : undefined;
    }
    return def?.task?.sign !== undefined;
  }
  const copied = copyOnEntry(wf, next, id, actor, now, nextId);
  if (copied) {
    effects.push(copied.effect);
    people.copies = [...(people.copies ?? []), copied.copy];
  }
  if (!def?.task?.sign) return false;
  const sign = initialSlots(wf, next, id, actor, now);
  people.signs = { ...people.signs, [id]: sign };
  effects.push(...openSlotEffects(wf, next, id, sign.slots, nextId));
  return true;
}
