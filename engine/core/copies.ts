/**
 * 抄送: a state copies the case on entry to people who must read it. The copy
 * is recorded in the case state (and as a `copy-case` effect, so the store
 * can list it under 抄送我的); a recipient's reading is its own history event
 * (`copy.read`), allowed after the case ended too. No action is needed. Pure.
 */
import { z } from 'zod';
import { ForbiddenError } from '../errors.js';
import { isAuditor } from './access.js';
import type { CompiledWorkflow } from './compile.js';
import type { LocalizedText } from './definition-schema.js';
import type { Effect } from './effects.js';
import { copyReaches, type CopyRecipient, type CopyState } from './sign-state.js';
import { parse } from './signatures.js';
import { resolveRecipients, stateTitleOf } from './step-effects.js';
import { TaskConflictError } from './task-events.js';
import type { Actor, CaseState, Command } from './types.js';

export const COPY_READ = 'copy.read';
export const CopyReadPayloadSchema = z.object({ copy: z.string().min(1).max(300) }).strict();

/** The copy a state makes on entry: its record in the case state and the effect that lists it. */
export function copyOnEntry(wf: CompiledWorkflow, state: CaseState, stateId: string, actor: Actor, now: Date, nextId: () => string): { copy: CopyState; effect: Effect } | undefined {
  const def = wf.tree.byId.get(stateId)?.def.copy;
  if (!def) return undefined;
  const seen = new Set<string>();
  const to: CopyRecipient[] = [];
  for (const r of resolveRecipients(def.to, state, { type: 'entered', actor }, now)) {
    const list: CopyRecipient[] = 'role' in r ? [r] : 'user' in r ? [r] : r.values.map((user) => ({ user }));
    for (const c of list) {
      const key = JSON.stringify(c);
      if (seen.has(key)) continue;
      seen.add(key);
      to.push(c);
    }
  }
  // Nobody named (an empty list of units): no copy.
  if (to.length === 0) return undefined;
  const key = `${state.caseId}:${stateId}:${state.seq}`;
  const node = wf.tree.byId.get(stateId)!;
  const title: LocalizedText = def.title ?? node.def.title ?? stateTitleOf(wf, state);
  return { copy: { key, stateId, to, at: now.toISOString(), reads: [] }, effect: { type: 'copy-case', id: nextId(), copyKey: key, stateId, title, to } };
}

/** Records that a recipient read a copy. Throws `forbidden` unless the copy reached them, `task_conflict` if they read it already. */
export function stepCopyRead(current: CaseState, cmd: Command, now: Date, nextId: () => string): { state: CaseState; payload: Record<string, unknown>; effects: Effect[] } {
  const p = parse(CopyReadPayloadSchema, cmd.payload, cmd.type);
  const copy = current.copies?.find((c) => c.key === p.copy);
  if (!copy) throw new TaskConflictError(`case ${current.caseId} has no copy ${p.copy}`, { copy: p.copy });
  if (isAuditor(cmd.actor) || !copyReaches(copy, cmd.actor)) throw new ForbiddenError(`the copy ${p.copy} was not sent to ${cmd.actor.id}`, { copy: p.copy, event: cmd.type });
  if (copy.reads.some((r) => r.userId === cmd.actor.id)) throw new TaskConflictError(`${cmd.actor.id} has already read copy ${p.copy}`, { copy: p.copy });
  const at = now.toISOString();
  const copies = (current.copies ?? []).map((c) => (c.key === p.copy ? { ...c, reads: [...c.reads, { userId: cmd.actor.id, at }] } : c));
  return { state: { ...current, copies }, payload: p, effects: [{ type: 'copy-read', id: nextId(), copyKey: p.copy, userId: cmd.actor.id }] };
}
