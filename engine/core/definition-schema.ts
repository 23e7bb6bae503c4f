/**
 * The workflow definition format: xstate's machine config plus a few declared
 * extensions (roles, data and input schemas, guards, assignments, tasks,
 * deadlines). This zod schema is the single source of truth: types come from
 * `z.infer`, the editors' JSON Schema from `z.toJSONSchema`. Pure.
 */
import { z } from 'zod';
import { DeadlineDurationSchema, NegativeDurationSchema } from './calendar/index.js';
import { ExpressionSchema } from './expression.js';
import { FieldNameSchema, ObjectSchemaSchema } from './field-schema.js';

const CAMEL = /^[a-z][A-Za-z0-9]*$/;
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Text shown to people: a plain string (zh-CN) or zh + en. */
export const LocalizedTextSchema = z.union([z.string().min(1), z.object({ zh: z.string().min(1), en: z.string().min(1).optional() }).strict()]);
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

export const WorkflowIdSchema = z.string().regex(KEBAB, 'a workflow id is kebab-case, e.g. "hazard" or "supervision-letter"');
export const RoleIdSchema = z.string().regex(CAMEL, 'a role id is camelCase, e.g. "inspector"');
export const StateKeySchema = z.string().regex(CAMEL, 'a state key is camelCase, e.g. "rectifying"');
export const EventTypeSchema = z.string().regex(CAMEL, 'an event type is camelCase, e.g. "submitRectification"');

/** A duration: ISO 8601 (`PT1H`, `P60D`) or working days (`5 workdays`). */
export const DurationTextSchema = DeadlineDurationSchema;

export const TemplateIdSchema = z.string().regex(KEBAB, 'a template id is kebab-case, e.g. "task-assigned"');

/**
 * Who receives a notification: everyone holding `role` at an org (the case's
 * org unless `org` computes another; a list of orgs reaches each of them), one
 * user, or the user id(s) / e-mail address(es) held in a data field. Resolved
 * when the notification is sent.
 */
export const RecipientSchema = z.union([
  z.object({ role: RoleIdSchema, org: ExpressionSchema.optional() }).strict(),
  z.object({ user: z.string().min(1) }).strict(),
  z.object({ field: z.string().min(1) }).strict(),
]);
export type Recipient = z.infer<typeof RecipientSchema>;

export const NOTIFICATION_KINDS = ['info', 'actionRequired', 'dueSoon', 'overdue', 'escalated', 'closed', 'acknowledgedWarning'] as const;
export const CHANNELS = ['inbox', 'email', 'webhook'] as const;

/** A notification a step sends: a template, its recipients and channels, optionally requiring acknowledgement (预警"叫应"). */
export const NotifySchema = z
  .object({
    template: TemplateIdSchema,
    to: z.array(RecipientSchema).min(1),
    kind: z.enum(NOTIFICATION_KINDS).optional(),
    channels: z.array(z.enum(CHANNELS)).min(1).optional(),
    /** Sent only when this JSON Logic condition holds (over data, actor, case, children, now) after the step. */
    when: ExpressionSchema.optional(),
    /** Must be acknowledged within `within`; otherwise it goes to the next step of `chain`, and so on. */
    ack: z.object({ within: DeadlineDurationSchema, chain: z.array(z.array(RecipientSchema).min(1)).min(1) }).strict().optional(),
  })
  .strict();
export type NotifyDefinition = z.infer<typeof NotifySchema>;

/** On a reminder or escalation rung: a template id (sent to the role of the state's task) or a full notification. */
export const RungNotifySchema = z.union([TemplateIdSchema, NotifySchema]);

/**
 * A transition: where an event leads, who may send it, what it must carry and
 * what it copies into the case data.
 */
export const TransitionSchema = z
  .object({
    target: z.string().min(1).optional(),
    description: LocalizedTextSchema.optional(),
    roles: z.array(RoleIdSchema).optional(),
    input: ObjectSchemaSchema.optional(),
    guard: ExpressionSchema.optional(),
    /** Human wording of the guard, shown when it refuses. */
    guardMessage: LocalizedTextSchema.optional(),
    /** Payload fields copied by name, or data field → JSON Logic expression over `data`, `payload`, `actor`, `now`. */
    assign: z.union([z.array(FieldNameSchema), z.record(FieldNameSchema, ExpressionSchema)]).optional(),
    /** Re-enter the target (restart its tasks and deadlines) even when it is the current state. */
    reenter: z.boolean().optional(),
    /** Notifications sent when this transition is taken. */
    notify: z.array(NotifySchema).optional(),
  })
  .strict();
export type TransitionDefinition = z.infer<typeof TransitionSchema>;

export const TransitionsSchema = z.union([TransitionSchema, z.array(TransitionSchema).min(1)]);

/** The human task a state opens: offered to `role` at an org (the case's org unless `org` computes another). */
export const TaskSchema = z
  .object({
    title: LocalizedTextSchema,
    role: RoleIdSchema,
    org: ExpressionSchema.optional(),
    /** Events the task's form offers, in order (all the state's events when omitted). */
    events: z.array(EventTypeSchema).optional(),
  })
  .strict();

/** A reminder before a deadline falls due. */
export const ReminderSchema = z.object({ before: NegativeDurationSchema, event: EventTypeSchema.optional(), notify: RungNotifySchema.optional() }).strict();
/** One rung of the escalation ladder after a deadline has passed. */
export const EscalationSchema = z.object({ after: DurationTextSchema, event: EventTypeSchema.optional(), notify: RungNotifySchema.optional() }).strict();

/**
 * Child cases a state starts on entry: one per item of a list in the case
 * data, each in its own org, with its own tasks and deadlines. When a child
 * reaches a final state the parent records it and, if given, receives
 * `onChildDone` (sent by the system).
 */
export const SpawnSchema = z
  .object({
    workflow: WorkflowIdSchema,
    /** A data field holding an array; one child per item. */
    forEach: z.string().min(1),
    /** The child's org: an expression over `item`, `data`, `case` (the parent's org by default). It must lie in the subtree of the definition's owner org. */
    org: ExpressionSchema.optional(),
    /**
     * Instead of `org`: hand the child over to another jurisdiction by a rule.
     * `regulatorOf`: the regulator office (county level or above) that governs
     * the org `org` computes — e.g. the reported party's grid → its district.
     * The receiving org sees the child as an incoming case.
     */
    handOver: z.object({ to: z.literal('regulatorOf'), org: ExpressionSchema }).strict().optional(),
    /** Child data field → expression over `item` (the list item), `data` and `case` (the parent). */
    input: z.record(FieldNameSchema, ExpressionSchema).default({}),
    onChildDone: EventTypeSchema.optional(),
  })
  .strict();
export type SpawnDefinition = z.infer<typeof SpawnSchema>;

/** A deadline a state runs while it is active. */
export const DeadlineSchema = z
  .object({
    id: z.string().regex(CAMEL, 'a deadline id is camelCase'),
    title: LocalizedTextSchema.optional(),
    duration: DurationTextSchema,
    /** When the clock starts: on entry to the state (default) or at a date/date-time field of the case data. */
    anchor: z.union([z.literal('entry'), z.object({ field: z.string().min(1) }).strict()]).default('entry'),
    /** Or the due date itself lives in a data field (e.g. the order's deadline); when set it wins over `duration`, which stays the default. */
    dueField: z.string().min(1).optional(),
    rollover: z.boolean().optional(),
    calendar: z.string().optional(),
    legalBasis: LocalizedTextSchema.optional(),
    /** Event sent by `system:timer` when the deadline falls due. */
    onExpire: EventTypeSchema.optional(),
    /** Notification sent when the deadline falls due (overdue). */
    notify: RungNotifySchema.optional(),
    remind: z.array(ReminderSchema).optional(),
    escalate: z.array(EscalationSchema).optional(),
    /** States (by key path) during which the clock stops. */
    pause: z.array(z.string()).optional(),
    extension: z.object({ roles: z.array(RoleIdSchema).min(1), max: DurationTextSchema, times: z.number().int().positive().optional() }).strict().optional(),
  })
  .strict();
export type DeadlineDefinition = z.infer<typeof DeadlineSchema>;

export interface StateDefinition {
  type?: 'atomic' | 'compound' | 'parallel' | 'final' | undefined;
  title?: LocalizedText | undefined;
  description?: LocalizedText | undefined;
  initial?: string | undefined;
  states?: Record<string, StateDefinition> | undefined;
  on?: Record<string, TransitionDefinition | TransitionDefinition[]> | undefined;
  always?: TransitionDefinition | TransitionDefinition[] | undefined;
  onDone?: TransitionDefinition | undefined;
  task?: z.infer<typeof TaskSchema> | undefined;
  deadlines?: z.input<typeof DeadlineSchema>[] | undefined;
  /** Notifications sent on entry. */
  notify?: NotifyDefinition[] | undefined;
  spawn?: z.input<typeof SpawnSchema> | undefined;
  tags?: string[] | undefined;
}

export const StateSchema: z.ZodType<StateDefinition> = z.lazy(() =>
  z
    .object({
      type: z.enum(['atomic', 'compound', 'parallel', 'final']).optional(),
      title: LocalizedTextSchema.optional(),
      description: LocalizedTextSchema.optional(),
      initial: z.string().optional(),
      states: z.record(StateKeySchema, StateSchema).optional(),
      on: z.record(EventTypeSchema, TransitionsSchema).optional(),
      always: TransitionsSchema.optional(),
      onDone: TransitionSchema.optional(),
      task: TaskSchema.optional(),
      deadlines: z.array(DeadlineSchema).optional(),
      notify: z.array(NotifySchema).optional(),
      spawn: SpawnSchema.optional(),
      tags: z.array(z.string().min(1)).optional(),
    })
    .strict(),
);

/** An event's label and help text, for forms and timelines. */
export const EventInfoSchema = z.object({ title: LocalizedTextSchema, description: LocalizedTextSchema.optional() }).strict();

/** A whole workflow definition (JSON or TypeScript). */
export const WorkflowDefinitionSchema = z
  .object({
    $schema: z.string().optional(),
    id: WorkflowIdSchema,
    version: z.number().int().positive(),
    title: LocalizedTextSchema,
    description: LocalizedTextSchema.optional(),
    roles: z.array(RoleIdSchema).min(1),
    data: ObjectSchemaSchema.default({ type: 'object', properties: {} }),
    /** Calendar used by deadlines without their own (default `cn`). */
    calendar: z.string().default('cn'),
    /** Optional event catalogue: labels for forms; when present every handled event must be listed and vice versa. */
    events: z.record(EventTypeSchema, EventInfoSchema).optional(),
    initial: StateKeySchema,
    states: z.record(StateKeySchema, StateSchema),
  })
  .strict();

export type WorkflowDefinition = z.infer<typeof WorkflowDefinitionSchema>;
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinitionSchema>;

/**
 * Declares a workflow in TypeScript with the same format and types as JSON.
 * Returns the definition unchanged (it is validated when registered).
 * @example
 * export const demo = defineWorkflow({ id: 'demo', version: 1, title: '演示', roles: ['clerk'], initial: 'open',
 *   states: { open: { on: { close: { target: 'closed', roles: ['clerk'] } } }, closed: { type: 'final' } } });
 */
export function defineWorkflow<const T extends WorkflowDefinitionInput>(definition: T): T {
  return definition;
}
