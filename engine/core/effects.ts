/**
 * Effects: what a step decided should happen outside the pure core. A zod
 * discriminated union, so each one parses at the boundary. Effect ids are
 * deterministic (`caseId/seq/index`), so running one twice is harmless. Pure.
 */
import { z } from 'zod';
import { ConfidentialSchema } from './confidential.js';
import { LocalizedTextSchema } from './definition-schema.js';
import { HAND_OVER_RULES } from './jurisdiction.js';

export const OpenTaskEffectSchema = z.object({
  type: z.literal('open-task'),
  id: z.string(),
  /** Stable key of the task: `caseId:stateId`. */
  taskKey: z.string(),
  stateId: z.string(),
  role: z.string(),
  org: z.string(),
  title: LocalizedTextSchema,
  /** Present when the definition requires the org to lie strictly below the case's org. */
  orgScope: z.literal('below').optional(),
});

export const CloseTaskEffectSchema = z.object({
  type: z.literal('close-task'),
  id: z.string(),
  taskKey: z.string(),
  stateId: z.string(),
});

export const CaseClosedEffectSchema = z.object({
  type: z.literal('case-closed'),
  id: z.string(),
  finalState: z.string(),
});

/** A durable timer to arm: fires the built-in `deadline.<kind>` event at `dueAt`. */
export const SetTimerEffectSchema = z.object({
  type: z.literal('set-timer'),
  id: z.string(),
  timerKey: z.string(),
  kind: z.enum(['remind', 'due', 'escalate']),
  deadlineKey: z.string(),
  index: z.number().int(),
  generation: z.number().int(),
  dueAt: z.string(),
});

export const CancelTimerEffectSchema = z.object({
  type: z.literal('cancel-timer'),
  id: z.string(),
  timerKey: z.string(),
});

/** A recipient with its org expression already evaluated. */
export const ResolvedRecipientSchema = z.union([
  z.object({ role: z.string(), org: z.string() }).strict(),
  z.object({ user: z.string() }).strict(),
  z.object({ field: z.string(), values: z.array(z.string()) }).strict(),
]);
export type ResolvedRecipient = z.infer<typeof ResolvedRecipientSchema>;

/** A notification to send after commit: becomes an outbox row in the step's transaction. */
export const NotifyEffectSchema = z.object({
  type: z.literal('notify'),
  id: z.string(),
  template: z.string(),
  kind: z.string(),
  to: z.array(ResolvedRecipientSchema),
  channels: z.array(z.enum(['inbox', 'email', 'webhook'])),
  ack: z.object({ within: z.string(), chain: z.array(z.array(ResolvedRecipientSchema)) }).optional(),
  /** What the template is rendered with (confidential data fields still included; the dispatcher filters them per recipient). */
  vars: z.object({
    case: z.object({ id: z.string(), org: z.string(), workflowId: z.string(), workflowTitle: LocalizedTextSchema, state: z.string(), stateTitle: LocalizedTextSchema.optional(), seq: z.number().int() }),
    data: z.record(z.string(), z.json()),
    event: z.object({ type: z.string(), actorId: z.string(), actorName: z.string().optional() }),
    deadline: z.record(z.string(), z.json()).optional(),
  }),
  /** Data field → roles allowed to see it (in their jurisdiction), or `{ roles, org }` with a narrower org scope. */
  confidential: z.record(z.string(), ConfidentialSchema),
});
export type NotifyEffect = z.infer<typeof NotifyEffectSchema>;

/** A child case to create in the same transaction. */
export const SpawnCaseEffectSchema = z.object({
  type: z.literal('spawn-case'),
  id: z.string(),
  parentCaseId: z.string(),
  childCaseId: z.string(),
  workflowId: z.string(),
  org: z.string(),
  data: z.record(z.string(), z.json()),
  stateId: z.string(),
  index: z.number().int(),
  /** Set when the child goes to a foreign subtree through the spawn's hand-over rule: the rule and the org it was applied to. */
  handOver: z.object({ rule: z.enum(HAND_OVER_RULES), named: z.string(), scope: z.literal('below').optional() }).strict().optional(),
});

/** Tell the parent case that this child reached a final state (a durable signal, delivered once). */
export const SignalParentEffectSchema = z.object({
  type: z.literal('signal-parent'),
  id: z.string(),
  parentCaseId: z.string(),
  childCaseId: z.string(),
  finalState: z.string(),
});

/** A task now held by a person (null: offered to its role again). */
export const AssignTaskEffectSchema = z.object({
  type: z.literal('assign-task'),
  id: z.string(),
  taskKey: z.string(),
  assignee: z.string().nullable(),
});

/** 抄送: the case copied to people who must read it (a row per recipient in the 抄送我的 lists). */
export const CopyCaseEffectSchema = z.object({
  type: z.literal('copy-case'),
  id: z.string(),
  copyKey: z.string(),
  stateId: z.string(),
  title: LocalizedTextSchema,
  to: z.array(z.union([z.object({ role: z.string(), org: z.string() }).strict(), z.object({ user: z.string() }).strict()])),
});

/** A recipient read a copy. */
export const CopyReadEffectSchema = z.object({
  type: z.literal('copy-read'),
  id: z.string(),
  copyKey: z.string(),
  userId: z.string(),
});

export const EffectSchema = z.discriminatedUnion('type', [
  CopyCaseEffectSchema,
  CopyReadEffectSchema,
  AssignTaskEffectSchema,
  OpenTaskEffectSchema,
  CloseTaskEffectSchema,
  CaseClosedEffectSchema,
  SetTimerEffectSchema,
  CancelTimerEffectSchema,
  NotifyEffectSchema,
  SpawnCaseEffectSchema,
  SignalParentEffectSchema,
]);
export type SpawnCaseEffect = z.infer<typeof SpawnCaseEffectSchema>;
export type SetTimerEffect = z.infer<typeof SetTimerEffectSchema>;
export type Effect = z.infer<typeof EffectSchema>;
export type OpenTaskEffect = z.infer<typeof OpenTaskEffectSchema>;
