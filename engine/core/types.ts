/**
 * Shared value types of the core: ids, actors, case state, commands. Pure.
 */
import { z } from 'zod';
import { DeadlineStateSchema } from './deadline-state.js';
import { AssignmentSchema } from './task-assignment.js';
import { CopyStateSchema, SignStateSchema } from './sign-state.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type CaseId = Brand<string, 'CaseId'>;
export type UserId = Brand<string, 'UserId'>;
export type OrgId = Brand<string, 'OrgId'>;

/**
 * Who sends a command: a person with roles in an org, or `system:*` with role
 * `system`. `issuedBy` names whoever issued the token the person acted with
 * when that was someone else (an admin), so the history shows both: the
 * account that acted and who else held its token.
 */
export const ActorSchema = z
  .object({
    id: z.string().min(1).max(200),
    roles: z.array(z.string().min(1).max(100)).max(50),
    org: z.string().min(1).max(200).optional(),
    name: z.string().max(200).optional(),
    issuedBy: z.object({ id: z.string().min(1).max(200), name: z.string().max(200).optional() }).strict().optional(),
  })
  .strict();
export type Actor = z.infer<typeof ActorSchema>;

/** The actor that fires timers. */
export const TIMER_ACTOR: Actor = { id: 'system:timer', roles: ['system'] };

/** An xstate state value as JSON: `"reported"` or `{ "major": "planReview" }`. */
export type StateValue = string | { [key: string]: StateValue };
export const StateValueSchema: z.ZodType<StateValue> = z.lazy(() => z.union([z.string(), z.record(z.string(), StateValueSchema)]));

/** A child case as its parent records it. */
export const ChildRefSchema = z
  .object({
    caseId: z.string(), workflowId: z.string(), org: z.string(), stateId: z.string(), index: z.number().int(), finalState: z.string().nullable(),
    /** Set when the child was handed over to another org's jurisdiction by the spawn's rule. */
    handOver: z.literal('regulatorOf').optional(),
    /** The child data fields the spawn's `collect` names, as they were when the child ended. */
    result: z.record(z.string(), z.json()).optional(),
  })
  .strict();
export type ChildRef = z.infer<typeof ChildRefSchema>;

/**
 * Who is responsible for a case in practice (网格、乡镇、行业主管部门), as the
 * last `case.routed` decided: `orgs` may read the case and find it in their
 * lists; `taskOrg` is the org the definition's routed tasks (`case.routedOrg`)
 * are offered at (null: the case's own org).
 */
export const ResponsibleSchema = z
  .object({ taskOrg: z.string().min(1).max(64).nullable(), orgs: z.array(z.string().min(1).max(64)).max(30) })
  .strict();
export type Responsible = z.infer<typeof ResponsibleSchema>;

/** The state of a case after its last event; all of it is JSON. */
export const CaseStateSchema = z
  .object({
    caseId: z.string(),
    org: z.string(),
    /** The orgs above `org`, nearest first, as the org tree said when the case was opened (guards read `case.orgAncestors`). */
    orgAncestry: z.array(z.string()).optional(),
    value: StateValueSchema,
    data: z.record(z.string(), z.json()),
    status: z.enum(['active', 'done']),
    /** Seq of the last event applied (1 = creation). */
    seq: z.number().int().nonnegative(),
    /** Deadlines of the active states, with everything that moved them. */
    deadlines: z.array(DeadlineStateSchema),
    /** The case that spawned this one. */
    parent: z
      .object({
        caseId: z.string(), stateId: z.string(), index: z.number().int(),
        /** An incoming case: the parent's org handed it over to this org's jurisdiction by the named rule. */
        handOver: z.object({ rule: z.literal('regulatorOf'), fromOrg: z.string(), named: z.string() }).strict().optional(),
      })
      .strict()
      .optional(),
    /** Cases this one spawned, and how each ended. */
    children: z.array(ChildRefSchema).optional(),
    /** Who holds which task (task state id → assignment), by claim or transfer. */
    assignments: z.record(z.string(), AssignmentSchema).optional(),
    /** Set when the case was ended early (终止): who, when and why. */
    terminated: z.object({ at: z.string(), by: z.string(), reason: z.string() }).strict().optional(),
    /** Multi-person tasks (会签 / 或签 / 票签): task state id → its slots and signatures. */
    signs: z.record(z.string(), SignStateSchema).optional(),
    /** Copies (抄送) the case made, and who has read each. */
    copies: z.array(CopyStateSchema).optional(),
    /** Who is responsible for the case in practice, as its last routing (`case.routed`) decided. */
    responsible: ResponsibleSchema.optional(),
  })
  .strict();
export type CaseState = z.infer<typeof CaseStateSchema>;

/** A command: an event type, its payload and who sends it. */
export interface Command {
  type: string;
  payload?: Record<string, unknown> | undefined;
  actor: Actor;
}

/** Formats a state value as `major.planReview` or `{a.x, b.y}` for messages. */
export function formatStateValue(value: StateValue): string {
  if (typeof value === 'string') return value;
  const parts = Object.entries(value).map(([k, v]) => (typeof v === 'string' ? `${k}.${v}` : `${k}.${formatStateValue(v)}`));
  return parts.length === 1 ? parts[0]! : `{${parts.join(', ')}}`;
}
