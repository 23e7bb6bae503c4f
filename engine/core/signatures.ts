/**
 * Multi-person tasks (会签 / 或签 / 票签): the slots a task opens on entry,
 * and the built-in events that sign (`task.sign`), add signers (加签,
 * `task.addSigners`) and remove them (减签, `task.removeSigner`). Each is its
 * own history event; who may send it is decided here, per action. When the
 * rule decides, the step names the definition's `onApprove` / `onReject`
 * event for the caller to take as the system, once: the outcome is recorded
 * and later signatures are refused. Pure.
 */
import { z } from 'zod';
import { ForbiddenError, InvalidInputError } from '../errors.js';
import type { CompiledWorkflow } from './compile.js';
import type { SignDefinition } from './definition-schema.js';
import type { Effect } from './effects.js';
import { zodIssues } from './field-schema.js';
import { resolveRecipients } from './step-effects.js';
import { signOutcome, slotMatches, slotTaskKey, type SignSlot, type SignState } from './sign-state.js';
import { activeNodeIds } from './state-tree.js';
import { TaskConflictError } from './task-events.js';
import type { Actor, CaseState, Command } from './types.js';

export const SIGN_EVENTS = ['task.sign', 'task.addSigners', 'task.removeSigner'] as const;
export type SignEvent = (typeof SIGN_EVENTS)[number];

/** The actor the outcome's event is sent as: the definition's transition lists "system". */
export const SIGNATURES_ACTOR: Actor = { id: 'system:signatures', roles: ['system'] };

const TaskRef = z.string().min(1).max(300);
export const SignPayloadSchema = z.object({
  task: TaskRef,
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
  attachments: z.array(z.string().min(1).max(1000)).max(20).optional(),
}).strict();
const NewSignerSchema = z.union([
  z.object({ role: z.string().min(1).max(100), org: z.string().min(1).max(200) }).strict(),
  z.object({ user: z.string().min(1).max(200) }).strict(),
]);
export const AddSignersPayloadSchema = z.object({ task: TaskRef, signers: z.array(NewSignerSchema).min(1).max(20), reason: z.string().min(1).max(2000) }).strict();
export const RemoveSignerPayloadSchema = z.object({ task: TaskRef, slot: z.string().min(1).max(50), reason: z.string().min(1).max(2000) }).strict();

export { slotTaskKey } from './sign-state.js';

/** The signing definition of an active task, or task_conflict. */
export function openSigning(wf: CompiledWorkflow, state: CaseState, task: string): { sign: SignDefinition; current: SignState } {
  const sign = wf.tree.byId.get(task)?.def.task?.sign;
  const current = state.signs?.[task];
  if (!sign || !current || !activeNodeIds(state.value).includes(task)) {
    const open = Object.keys(state.signs ?? {});
    throw new TaskConflictError(`case ${state.caseId} has no open multi-person task "${task}"`, { task, open });
  }
  return { sign, current };
}

/** The slots a signing task opens with: one per resolved signer, duplicates merged. */
export function initialSlots(wf: CompiledWorkflow, state: CaseState, stateId: string, actor: Actor, now: Date): SignState {
  const sign = wf.tree.byId.get(stateId)!.def.task!.sign!;
  const seen = new Set<string>();
  const slots: SignSlot[] = [];
  const push = (s: Omit<SignSlot, 'id'>) => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return;
    seen.add(key);
    slots.push({ id: `s${slots.length + 1}`, ...s });
  };
  for (const r of resolveRecipients(sign.signers, state, { type: 'entered', actor }, now)) {
    if ('role' in r) push({ role: r.role, org: r.org });
    else if ('user' in r) push({ user: r.user });
    else for (const v of r.values) push({ user: v });
  }
  return { slots, signatures: [], nextSlot: slots.length + 1 };
}

/** The worklist rows of slots: one open-task per slot (a user slot is assigned to that user). */
export function openSlotEffects(wf: CompiledWorkflow, state: CaseState, stateId: string, slots: SignSlot[], nextId: () => string): Effect[] {
  const task = wf.tree.byId.get(stateId)!.def.task!;
  return slots.flatMap((slot): Effect[] => {
    const taskKey = slotTaskKey(state.caseId, stateId, slot.id);
    const open: Effect = { type: 'open-task', id: nextId(), taskKey, stateId, role: slot.role ?? task.role, org: slot.org ?? state.org, title: task.title };
    return slot.user === undefined ? [open] : [open, { type: 'assign-task', id: nextId(), taskKey, assignee: slot.user }];
  });
}

/** The worklist rows a left signing task closes: every slot's (closing one already gone is harmless). */
export function closeSlotEffects(state: CaseState, stateId: string, sign: SignState, nextId: () => string): Effect[] {
  return sign.slots.map((s) => ({ type: 'close-task', id: nextId(), taskKey: slotTaskKey(state.caseId, stateId, s.id), stateId }));
}

/** What a signing event changed: the next state (same seq), its payload, worklist effects and the outcome's event, if it decided. */
export interface SignStep {
  state: CaseState;
  payload: Record<string, unknown>;
  effects: Effect[];
  followUp?: string;
}

export function parse<T>(schema: z.ZodType<T>, payload: unknown, type: string): T {
  const r = schema.safeParse(payload ?? {});
  if (!r.success) throw new InvalidInputError(`payload of "${type}" is invalid`, zodIssues(r.error, ['payload']), { event: type });
  return r.data;
}

/**
 * Applies `task.sign`, `task.addSigners` or `task.removeSigner`. Signing needs
 * an unsigned slot the actor fills (a slot's role at its org, or its user);
 * adding and removing need a role of the definition's `manage`, and only a
 * slot not yet signed may be removed, never the last one. Throws `forbidden`
 * or `task_conflict` otherwise. Pure.
 */
export function stepSignEvent(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, nextId: () => string): SignStep {
  const type = cmd.type as SignEvent;
  const at = now.toISOString();
  const actor = cmd.actor;
  let payload: Record<string, unknown>;
  let task: string;
  let next: SignState;
  const effects: Effect[] = [];
  if (type === 'task.sign') {
    const p = parse(SignPayloadSchema, cmd.payload, type);
    const { current: sign } = openSigning(wf, current, p.task);
    assertUndecided(sign, p.task);
    const signed = new Set(sign.signatures.map((s) => s.slot));
    const mine = sign.slots.filter((s) => slotMatches(s, actor));
    if (mine.length === 0) throw new ForbiddenError(`${actor.id} is not a signer of task "${p.task}"`, { task: p.task, event: type });
    const slot = mine.find((s) => !signed.has(s.id));
    if (!slot) throw new TaskConflictError(`${actor.id} has already signed task "${p.task}"`, { task: p.task });
    next = { ...sign, signatures: [...sign.signatures, { slot: slot.id, userId: actor.id, ...(actor.name ? { name: actor.name } : {}), decision: p.decision, ...(p.comment ? { comment: p.comment } : {}), ...(p.attachments?.length ? { attachments: p.attachments } : {}), at }] };
    effects.push({ type: 'close-task', id: nextId(), taskKey: slotTaskKey(current.caseId, p.task, slot.id), stateId: p.task });
    payload = p;
    task = p.task;
  } else if (type === 'task.addSigners') {
    const p = parse(AddSignersPayloadSchema, cmd.payload, type);
    const { sign: def, current: sign } = openSigning(wf, current, p.task);
    assertManager(def, actor, p.task, type);
    assertUndecided(sign, p.task);
    const have = new Set(sign.slots.map((s) => JSON.stringify({ role: s.role, org: s.org, user: s.user })));
    const added: SignSlot[] = [];
    let n = sign.nextSlot;
    for (const s of p.signers) {
      const key = JSON.stringify({ role: 'role' in s ? s.role : undefined, org: 'org' in s ? s.org : undefined, user: 'user' in s ? s.user : undefined });
      if (have.has(key)) throw new TaskConflictError(`that signer already signs task "${p.task}"`, { task: p.task, signer: s });
      if ('role' in s && !wf.definition.roles.includes(s.role)) throw new InvalidInputError(`role ${s.role} is not a role of ${wf.ref}`, [{ code: 'unknown_role', path: ['payload', 'signers'], message: 'not a role of the workflow' }]);
      have.add(key);
      added.push({ id: `s${n++}`, ...s, added: { by: actor.id, at, reason: p.reason } });
    }
    next = { ...sign, slots: [...sign.slots, ...added], nextSlot: n };
    effects.push(...openSlotEffects(wf, current, p.task, added, nextId));
    payload = p;
    task = p.task;
  } else {
    const p = parse(RemoveSignerPayloadSchema, cmd.payload, type);
    const { sign: def, current: sign } = openSigning(wf, current, p.task);
    assertManager(def, actor, p.task, type);
    assertUndecided(sign, p.task);
    const slot = sign.slots.find((s) => s.id === p.slot);
    if (!slot) throw new TaskConflictError(`task "${p.task}" has no signer ${p.slot}`, { task: p.task, slot: p.slot });
    if (sign.signatures.some((s) => s.slot === p.slot)) throw new TaskConflictError(`signer ${p.slot} has already signed; a signature stays`, { task: p.task, slot: p.slot });
    if (sign.slots.length === 1) throw new TaskConflictError(`signer ${p.slot} is the last one of task "${p.task}"`, { task: p.task, slot: p.slot });
    next = { ...sign, slots: sign.slots.filter((s) => s.id !== p.slot) };
    effects.push({ type: 'close-task', id: nextId(), taskKey: slotTaskKey(current.caseId, p.task, p.slot), stateId: p.task });
    payload = p;
    task = p.task;
  }
  const def = wf.tree.byId.get(task)!.def.task!.sign!;
  const outcome = signOutcome(def.rule, next);
  if (outcome) next = { ...next, outcome };
  const state: CaseState = { ...current, signs: { ...current.signs, [task]: next } };
  return { state, payload, effects, ...(outcome ? { followUp: outcome === 'approved' ? def.onApprove : def.onReject } : {}) };
}

function assertUndecided(sign: SignState, task: string): void {
  if (sign.outcome) throw new TaskConflictError(`task "${task}" is already decided (${sign.outcome === 'approved' ? '通过' : '未通过'})`, { task, outcome: sign.outcome });
}

function assertManager(def: SignDefinition, actor: Actor, task: string, event: string): void {
  const roles = def.manage ?? [];
  if (!roles.some((r) => actor.roles.includes(r))) throw new ForbiddenError(`changing the signers of task "${task}" needs one of the roles ${roles.join(', ') || '(none declared)'}`, { task, event, roles, actorRoles: actor.roles });
}
