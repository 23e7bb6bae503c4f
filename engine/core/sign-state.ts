/**
 * What a case records of its multi-person tasks (会签 / 或签 / 票签), its
 * copies (抄送) and delegations (委派), and the completion rule as one pure
 * function. Pure.
 */
import { z } from 'zod';
import type { SignRule } from './definition-schema.js';

/** One signature slot: a role at an org (a department) or one user. */
export const SignSlotSchema = z
  .object({
    id: z.string(),
    role: z.string().optional(),
    org: z.string().optional(),
    user: z.string().optional(),
    /** Set on a slot added while the task was open (加签): who added it, when and why. */
    added: z.object({ by: z.string(), at: z.string(), reason: z.string() }).strict().optional(),
  })
  .strict();
export type SignSlot = z.infer<typeof SignSlotSchema>;

export const SignatureSchema = z
  .object({
    slot: z.string(),
    userId: z.string(),
    name: z.string().optional(),
    decision: z.enum(['approve', 'reject']),
    comment: z.string().optional(),
    attachments: z.array(z.string()).optional(),
    at: z.string(),
  })
  .strict();
export type Signature = z.infer<typeof SignatureSchema>;

/** The task key of one signature slot's worklist row. */
export function slotTaskKey(caseId: string, stateId: string, slotId: string): string {
  return `${caseId}:${stateId}#${slotId}`;
}

/** The signing of one task: its slots, the signatures given, and the outcome once the rule decided. */
export const SignStateSchema = z
  .object({
    slots: z.array(SignSlotSchema),
    signatures: z.array(SignatureSchema),
    /** Numbers new slots, so a removed slot's id is never reused. */
    nextSlot: z.number().int().nonnegative(),
    outcome: z.enum(['approved', 'rejected']).optional(),
  })
  .strict();
export type SignState = z.infer<typeof SignStateSchema>;

/** A copy (抄送) of the case: to whom, from which state, and who has read it. */
export const CopyRecipientSchema = z.union([
  z.object({ role: z.string(), org: z.string() }).strict(),
  z.object({ user: z.string() }).strict(),
]);
export type CopyRecipient = z.infer<typeof CopyRecipientSchema>;
export const CopyStateSchema = z
  .object({
    key: z.string(),
    stateId: z.string(),
    to: z.array(CopyRecipientSchema),
    at: z.string(),
    reads: z.array(z.object({ userId: z.string(), at: z.string() }).strict()),
  })
  .strict();
export type CopyState = z.infer<typeof CopyStateSchema>;

/** A task handed to someone who acts and hands it back (委派). */
export const DelegationSchema = z.object({ userId: z.string(), at: z.string(), reason: z.string() }).strict();

/** How many approvals a rule needs out of `n` slots. Pure. */
export function approvalsNeeded(rule: SignRule, n: number): number {
  if (rule === 'all') return n;
  if (rule === 'any') return Math.min(1, n);
  // A share of 2/3 is written 0.6667: 2 of 3 must meet it, so a product within a thousandth above a whole number counts as it.
  return Math.ceil(rule.share * n - 1e-3);
}

/**
 * The outcome of a signing: `approved` once the approvals reach what the rule
 * needs, `rejected` once they no longer can (every pending slot approving
 * would still fall short), otherwise undefined (still open). Pure.
 */
export function signOutcome(rule: SignRule, sign: Pick<SignState, 'slots' | 'signatures'>): 'approved' | 'rejected' | undefined {
  const live = new Set(sign.slots.map((s) => s.id));
  const given = sign.signatures.filter((s) => live.has(s.slot));
  const approvals = given.filter((s) => s.decision === 'approve').length;
  const rejections = given.length - approvals;
  const need = approvalsNeeded(rule, sign.slots.length);
  if (need > 0 && approvals >= need) return 'approved';
  if (sign.slots.length - rejections < need || need === 0) return 'rejected';
  return undefined;
}

/** Whether a person (id, roles, org) may sign for a slot. Pure. */
export function slotMatches(slot: SignSlot, actor: { id: string; roles: readonly string[]; org?: string | undefined }): boolean {
  if (slot.user !== undefined) return slot.user === actor.id;
  return slot.role !== undefined && actor.roles.includes(slot.role) && actor.org !== undefined && actor.org === slot.org;
}

/** Whether a person receives a copy. Pure. */
export function copyReaches(copy: Pick<CopyState, 'to'>, actor: { id: string; roles: readonly string[]; org?: string | undefined }): boolean {
  return copy.to.some((r) => ('user' in r ? r.user === actor.id : actor.roles.includes(r.role) && actor.org === r.org));
}
