/**
 * What a case's multi-person tasks, delegations and copies look like to a
 * reader, and which of those operations a given person may perform now. The
 * API, the case page and the 抄送 list ask this; they never re-derive who may
 * sign. Pure.
 */
import { isAuditor } from './access.js';
import type { CompiledWorkflow } from './compile.js';
import type { LocalizedText, SignRule } from './definition-schema.js';
import { copyReaches, slotMatches, type CopyState, type Signature, type SignSlot } from './sign-state.js';
import { activeNodeIds } from './state-tree.js';
import type { Actor, CaseState } from './types.js';

/** One signer of a multi-person task and where they stand. */
export interface SlotView extends SignSlot {
  status: 'pending' | 'approved' | 'rejected';
  signature?: Signature;
}

/** The progress of one multi-person task: who has signed, who is pending. */
export interface SigningView {
  task: string;
  title: LocalizedText;
  rule: SignRule;
  slots: SlotView[];
  outcome?: 'approved' | 'rejected';
}

/** A task out on delegation (委派). */
export interface DelegationView {
  task: string;
  holder: string;
  delegate: string;
  at: string;
  reason: string;
}

/** The operations a person may perform on a case now, each by task or copy. */
export interface TaskOpsAllowed {
  /** Tasks with an unsigned slot the person fills. */
  sign: string[];
  /** Tasks whose signers the person may add (加签) or remove (减签). */
  manageSigners: string[];
  /** Open single-person tasks the person may delegate (委派). */
  delegate: string[];
  /** Tasks delegated to the person, to hand back. */
  resolve: string[];
  /** Copies sent to the person that they have not read. */
  readCopies: string[];
}

/** The signing progress of every open multi-person task. Pure. */
export function signingProgress(wf: CompiledWorkflow, state: CaseState): SigningView[] {
  return Object.entries(state.signs ?? {}).map(([task, sign]) => {
    const def = wf.tree.byId.get(task)!.def.task!;
    const slots = sign.slots.map((slot): SlotView => {
      const signature = sign.signatures.find((s) => s.slot === slot.id);
      return { ...slot, status: signature ? (signature.decision === 'approve' ? 'approved' : 'rejected') : 'pending', ...(signature ? { signature } : {}) };
    });
    return { task, title: def.title, rule: def.sign!.rule, slots, ...(sign.outcome ? { outcome: sign.outcome } : {}) };
  });
}

/** The tasks out on delegation. Pure. */
export function delegations(state: CaseState): DelegationView[] {
  return Object.entries(state.assignments ?? {}).flatMap(([task, a]) => (a.delegatedTo ? [{ task, holder: a.userId, delegate: a.delegatedTo.userId, at: a.delegatedTo.at, reason: a.delegatedTo.reason }] : []));
}

/** The copies of a case (抄送), with their readings. Pure. */
export function copiesOf(state: CaseState): CopyState[] {
  return state.copies ?? [];
}

/** What `actor` may do now among signing, delegating and reading copies (the engine checks the same when it is done). Pure. */
export function taskOpsFor(wf: CompiledWorkflow, state: CaseState, actor: Actor): TaskOpsAllowed {
  const none: TaskOpsAllowed = { sign: [], manageSigners: [], delegate: [], resolve: [], readCopies: [] };
  if (isAuditor(actor)) return none;
  const readCopies = copiesOf(state).filter((c) => copyReaches(c, actor) && !c.reads.some((r) => r.userId === actor.id)).map((c) => c.key);
  if (state.status === 'done') return { ...none, readCopies };
  const sign: string[] = [];
  const manageSigners: string[] = [];
  for (const [task, s] of Object.entries(state.signs ?? {})) {
    if (s.outcome) continue;
    const signed = new Set(s.signatures.map((x) => x.slot));
    if (s.slots.some((slot) => !signed.has(slot.id) && slotMatches(slot, actor))) sign.push(task);
    const manage = wf.tree.byId.get(task)?.def.task?.sign?.manage ?? [];
    if (manage.some((r) => actor.roles.includes(r))) manageSigners.push(task);
  }
  const delegate: string[] = [];
  const resolve: string[] = [];
  for (const id of activeNodeIds(state.value)) {
    const def = wf.tree.byId.get(id)?.def.task;
    if (!def || def.sign) continue;
    const a = state.assignments?.[id];
    if (a?.delegatedTo) {
      if (a.delegatedTo.userId === actor.id) resolve.push(id);
    } else if (a ? a.userId === actor.id : actor.roles.includes(def.role)) delegate.push(id);
  }
  return { sign, manageSigners, delegate, resolve, readCopies };
}

/**
 * Whether a person takes part in a case through a signature slot, a copy or a
 * delegation: they may then read it even outside their jurisdiction (a
 * department signing a joint acceptance, a unit a circular is copied to). Pure.
 */
export function takesPart(state: CaseState, actor: Actor): boolean {
  if (copiesOf(state).some((c) => copyReaches(c, actor))) return true;
  if (Object.values(state.signs ?? {}).some((s) => s.slots.some((slot) => slotMatches(slot, actor)))) return true;
  return Object.values(state.assignments ?? {}).some((a) => a.delegatedTo?.userId === actor.id);
}
