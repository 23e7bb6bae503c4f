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
    template: TemplateIdSchema.describe('the template rendered for each recipient (see the template ids in the README)'),
    to: z.array(RecipientSchema).min(1).describe('who receives it; resolved when it is sent'),
    kind: z.enum(NOTIFICATION_KINDS).optional().describe('what the message is about (the inbox groups and styles by it)'),
    channels: z.array(z.enum(CHANNELS)).min(1).optional().describe('limit the channels; all enabled channels when omitted').meta({ examples: [['inbox', 'email']] }),
    /** Sent only when this JSON Logic condition holds (over data, actor, case, children, now) after the step. */
    when: ExpressionSchema.optional().describe('sent only when this holds after the step').meta({ examples: [{ '==': [{ var: 'data.grade' }, 'major'] }] }),
    /** Must be acknowledged within `within`; otherwise it goes to the next step of `chain`, and so on. */
    ack: z.object({ within: DeadlineDurationSchema, chain: z.array(z.array(RecipientSchema).min(1)).min(1) }).strict().optional().describe('a warning that must be acknowledged (叫应) within `within`, else it goes to the next group of `chain`'),
  })
  .strict();
export type NotifyDefinition = z.infer<typeof NotifySchema>;

/** On a reminder or escalation rung: a template id (sent to the role of the state's task) or a full notification. */
export const RungNotifySchema = z.union([TemplateIdSchema, NotifySchema]);

/**
 * Child cases a state starts on entry: one per item of a list in the case
 * data, each in its own org, with its own tasks and deadlines. When a child
 * reaches a final state the parent records it and, if given, receives
 * `onChildDone` (sent by the system).
 */
export const SpawnSchema = z
  .object({
    workflow: WorkflowIdSchema.describe('the child cases\' workflow (registered before this one)'),
    /** A data field holding an array; one child per item. */
    forEach: z.string().min(1).describe('a data field holding a list: one child per item'),
    /** The child's org: an expression over `item`, `data`, `case` (the parent's org by default). It must lie in the subtree of the definition's owner org. */
    org: ExpressionSchema.optional().describe('the child\'s org, an expression over item, data and case; the parent\'s org when omitted; it must lie in the subtree of the definition\'s owner org'),
    /**
     * Instead of `org`: hand the child over to another jurisdiction by a rule.
     * `regulatorOf`: the regulator office (county level or above) that governs
     * the org `org` computes — e.g. the reported party's grid → its district.
     * The receiving org sees the child as an incoming case.
     */
    handOver: z
      .object({
        to: z.literal('regulatorOf'),
        org: ExpressionSchema,
        scope: z.enum(['below']).optional().describe('"below": the org named must lie strictly below the case\'s org (a city hands a follow-up to a district of its own, not to a neighbour); checked when the child is opened'),
      })
      .strict()
      .optional()
      .describe('instead of org: hand the child over to another jurisdiction; regulatorOf gives the regulator office (county level or above) that governs the org the expression names'),
    /** Child data field → expression over `item` (the list item), `data` and `case` (the parent). */
    input: z.record(FieldNameSchema, ExpressionSchema).default({}).describe('child data field → expression over item, data and case'),
    onChildDone: EventTypeSchema.optional().describe('an event the parent receives (from "system") when a child ends'),
    /** Child data fields the parent records when the child ends (in `children[].result`), e.g. an enforcement case's fine. */
    collect: z.array(FieldNameSchema).max(20).optional().describe('child data fields the parent records when the child ends (children[].result), e.g. the fine an enforcement case decided'),
  })
  .strict();
export type SpawnDefinition = z.infer<typeof SpawnSchema>;

/**
 * A linked case a transition opens when it is taken: one child (or one per
 * item of `forEach`), e.g. an escalation that opens an interview or a
 * circular. The same fields as a state's `spawn`; `item` is `null` without
 * `forEach`.
 */
export const TransitionSpawnSchema = SpawnSchema.extend({
  forEach: z.string().min(1).optional().describe('a data field holding a list: one child per item; one child when omitted'),
}).describe('a linked case opened when the transition is taken');
export type TransitionSpawnDefinition = z.infer<typeof TransitionSpawnSchema>;

/**
 * A document number (文号) the engine takes from the org's counter of a
 * series when the transition is taken (e.g. 江应急通〔2026〕12号): written
 * into the payload field `field` (the caller may not give it) and so stored
 * in the event; replay reads it from there and never takes another.
 */
export const DocNumberSchema = z
  .object({
    field: FieldNameSchema.describe('the payload field the number is written to (copy it into the data with assign)'),
    series: z.string().regex(/^[a-z][a-zA-Z0-9]{0,39}$/, 'a series is camelCase, e.g. "circular"').describe('the series whose counter gives the number; each org sets its prefix per series'),
    org: z.enum(['case', 'actor']).optional().describe('whose counter: the case\'s org (default), or the org of the person taking the transition — the issuing authority, e.g. the inspector\'s bureau for a company\'s hazard'),
  })
  .strict();
export type DocNumberDefinition = z.infer<typeof DocNumberSchema>;

/**
 * A transition: where an event leads, who may send it, what it must carry and
 * what it copies into the case data.
 */
export const TransitionSchema = z
  .object({
    target: z.string().min(1).optional().describe('the state to go to: a sibling key, or a path such as "closing.archive"; stays in the state when omitted'),
    description: LocalizedTextSchema.optional().describe('what the event means, shown on forms'),
    roles: z.array(RoleIdSchema).optional().describe('who may send the event; an event sent by the system (onExpire, timers, onChildDone) must list "system"'),
    input: ObjectSchemaSchema.optional().describe('the payload the event must carry; the form is built from it'),
    guard: ExpressionSchema.optional().describe('the event is refused (guard_failed) unless this holds; it reads data.*, payload.*, actor.id|roles|org, case.id|org|parentId|orgAncestors (the orgs above the case\'s org, e.g. to require an approver from a higher level), children and now'),
    /** Human wording of the guard, shown when it refuses. */
    guardMessage: LocalizedTextSchema.optional().describe('the wording shown when the guard refuses'),
    /** Payload fields copied by name, or data field → JSON Logic expression over `data`, `payload`, `actor`, `now`. */
    assign: z.union([z.array(FieldNameSchema), z.record(FieldNameSchema, ExpressionSchema)]).optional().describe('payload fields copied by name, or data field → expression'),
    /** Re-enter the target (restart its tasks and deadlines) even when it is the current state. */
    reenter: z.boolean().optional().describe('re-enter the target even when it is the current state (restarts its task and deadlines)'),
    /** Notifications sent when this transition is taken. */
    notify: z.array(NotifySchema).optional().describe('notifications sent when the transition is taken'),
    /** A linked case opened when the transition is taken. */
    spawn: TransitionSpawnSchema.optional().describe('a linked case opened when the transition is taken (one, or one per item of forEach), after its assignments: e.g. an escalation opening an interview'),
    /** A document number taken from the org's counter when the transition is taken. */
    docNumber: DocNumberSchema.optional().describe('a document number (文号) taken from the org\'s counter of a series when the transition is taken, written into the payload field'),
  })
  .strict();
export type TransitionDefinition = z.infer<typeof TransitionSchema>;

export const TransitionsSchema = z.union([TransitionSchema, z.array(TransitionSchema).min(1)]);

/**
 * The completion rule of a multi-person task: `all` (会签: every signer
 * approves), `any` (或签: one approval suffices) or `{ share }` (票签: at least
 * that share of the signers approve, e.g. 2/3).
 */
export const SignRuleSchema = z.union([z.enum(['all', 'any']), z.object({ share: z.number().gt(0).max(1).describe('the share of signers that must approve, e.g. 0.6667 for two thirds') }).strict()]);
export type SignRule = z.infer<typeof SignRuleSchema>;

/**
 * A task several people sign (会签 / 或签 / 票签): one signature slot per
 * signer (a role at an org — a list of orgs gives one slot per org — a user,
 * or the user ids in a data field). When the rule holds the system sends
 * `onApprove`; when it can no longer hold, `onReject` (their transitions must
 * list "system"). `manage` names the roles that may add (加签) or remove (减签)
 * signers while it is open.
 */
export const SignSchema = z
  .object({
    signers: z.array(RecipientSchema).min(1).describe('who signs: { role, org? } (one slot per org when org computes a list), { user } or { field } (user ids)'),
    rule: SignRuleSchema.describe('"all" (会签), "any" (或签) or { share } (票签)'),
    onApprove: EventTypeSchema.describe('sent by the system when the rule holds; its transition must list "system"'),
    onReject: EventTypeSchema.describe('sent by the system when the rule can no longer hold (reject, send back); its transition must list "system"'),
    manage: z.array(RoleIdSchema).optional().describe('roles that may add (加签) or remove (减签) signers while the task is open; nobody when omitted'),
  })
  .strict();
export type SignDefinition = z.infer<typeof SignSchema>;

/** 抄送: on entry the state copies the case to people who must read it; their reading is recorded, no action is needed. */
export const CopySchema = z
  .object({
    title: LocalizedTextSchema.optional().describe('what the 抄送我的 list shows (the state title when omitted)'),
    to: z.array(RecipientSchema).min(1).describe('who receives the copy: { role, org? } (a list of orgs reaches each), { user } or { field }'),
  })
  .strict();
export type CopyDefinition = z.infer<typeof CopySchema>;

/** The human task a state opens: offered to `role` at an org (the case's org unless `org` computes another). */
export const TaskSchema = z
  .object({
    title: LocalizedTextSchema.describe('what the worklist shows; without it pages would show the state key'),
    role: RoleIdSchema.describe('the role the task is offered to'),
    org: ExpressionSchema.optional().describe('the org whose users see the task; the case\'s org when omitted'),
    orgScope: z
      .enum(['below'])
      .optional()
      .describe('"below": the task\'s org must lie strictly below the case\'s org (a district interviews its townships and enterprises, not a neighbour or its superior); checked when the task opens'),
    /** Events the task's form offers, in order (all the state's events when omitted). */
    events: z.array(EventTypeSchema).optional().describe('the events the task\'s form offers, in order; all the state\'s events when omitted').meta({ examples: [['approve', 'sendBack']] }),
    sign: SignSchema.optional().describe('a multi-person task (会签 / 或签 / 票签): the signers, the rule and the events it leads to'),
  })
  .strict();

/** A reminder before a deadline falls due. */
export const ReminderSchema = z
  .object({
    before: NegativeDurationSchema.describe('how long before the due time: negative, e.g. "-2 workdays"'),
    event: EventTypeSchema.optional().describe('an event sent by the system then (its transition must allow "system")').meta({ examples: ['remindUnit'] }),
    notify: RungNotifySchema.optional().describe('a template id (sent to the role of the state\'s task) or a full notification'),
  })
  .strict();
/** One rung of the escalation ladder after a deadline has passed. */
export const EscalationSchema = z
  .object({
    after: DurationTextSchema.describe('how long after the due time: positive, e.g. "1 workday"'),
    event: EventTypeSchema.optional().describe('an event sent by the system then (its transition must allow "system")').meta({ examples: ['escalateToLeader'] }),
    notify: RungNotifySchema.optional().describe('a template id (sent to the role of the state\'s task) or a full notification'),
  })
  .strict();


/** A deadline a state runs while it is active. */
export const DeadlineSchema = z
  .object({
    id: z.string().regex(CAMEL, 'a deadline id is camelCase').describe('names the deadline in the history and in deadline.extend; unique in the state'),
    title: LocalizedTextSchema.optional().describe('what pages show for it'),
    duration: DurationTextSchema.describe('how long: working days ("5 workdays"), calendar days ("P15D"), hours ("PT4H")'),
    /** When the clock starts: on entry to the state (default) or at a date/date-time field of the case data. */
    anchor: z.union([z.literal('entry'), z.object({ field: z.string().min(1) }).strict()]).default('entry').describe('when the clock starts: on entry to the state, or at a date field of the case data'),
    /** Or the due date itself lives in a data field (e.g. the order's deadline); when set it wins over `duration`, which stays the default. */
    dueField: z.string().min(1).optional().describe('a data field holding the due date itself; wins over duration when set'),
    rollover: z.boolean().optional().describe('a calendar-day deadline ending on a rest day moves to the next working day'),
    calendar: z.string().optional().describe('the working-day calendar; the workflow\'s when omitted').meta({ examples: ['cn'] }),
    legalBasis: LocalizedTextSchema.optional().describe('the rule the limit comes from, shown beside it'),
    /** Event sent by `system:timer` when the deadline falls due. */
    onExpire: EventTypeSchema.optional().describe('an event sent by the system when the deadline falls due; its transition must list "system" in roles'),
    /** Notification sent when the deadline falls due (overdue). */
    notify: RungNotifySchema.optional().describe('sent when the deadline falls due (overdue)'),
    remind: z.array(ReminderSchema).optional().describe('reminders before the due time'),
    escalate: z.array(EscalationSchema).optional().describe('the escalation ladder after the due time'),
    /** States (by key path) during which the clock stops. */
    pause: z.array(z.string()).optional().describe('states (key paths) during which the clock stops'),
    extension: z
      .object({
        roles: z.array(RoleIdSchema).min(1),
        max: DurationTextSchema,
        times: z.number().int().positive().optional(),
        event: EventTypeSchema.optional().describe('the workflow event that records the approval: deadline.extend then takes it in the same step (refused unless it is accepted now), and it cannot be sent on its own'),
      })
      .strict()
      .optional()
      .describe('who may extend it with deadline.extend, by how much in all, how many times, and the event that records the approval'),
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
  /** 抄送: people the case is copied to on entry. */
  copy?: CopyDefinition | undefined;
  tags?: string[] | undefined;
  /** 退回: the earlier states a holder of this state's task may send the case back to. */
  sendBack?: z.infer<typeof SendBackSchema> | undefined;
  /** 拿回: whoever moved the case here may take it back while the task here is unopened. */
  takeBack?: boolean | undefined;
}

/** 退回 to an earlier state: the targets (state paths from the root) and who may send back (the task's role when omitted). */
export const SendBackSchema = z
  .object({
    to: z.array(z.string().min(1).max(300)).min(1).max(50).describe('earlier states (dotted paths from the root, e.g. "reported" or "major.planReview") the case may be sent back to').meta({ examples: [['reported']] }),
    roles: z.array(RoleIdSchema).min(1).optional().describe('who may send back; the role of the state\'s task when omitted'),
  })
  .strict();

/** 终止: who may end a running case early, with a reason. */
export const TerminateSchema = z
  .object({ roles: z.array(RoleIdSchema).min(1).describe('the roles that may terminate a case (终止) with a reason') })
  .strict();

export const StateSchema: z.ZodType<StateDefinition> = z.lazy(() =>
  z
    .object({
      type: z.enum(['atomic', 'compound', 'parallel', 'final']).optional().describe('"final" ends the case (or its parallel region); otherwise inferred'),
      title: LocalizedTextSchema.optional().describe('what pages show for the state; without it they show the key'),
      description: LocalizedTextSchema.optional().describe('a longer explanation'),
      initial: z.string().optional().describe('the child state entered first (compound states)'),
      states: z.record(StateKeySchema, StateSchema).optional().describe('child states'),
      on: z.record(EventTypeSchema, TransitionsSchema).optional().describe('event type → what it does here'),
      always: TransitionsSchema.optional().describe('taken as soon as its guard holds, without an event'),
      onDone: TransitionSchema.optional().describe('taken when the compound or parallel state reaches its final state(s)'),
      task: TaskSchema.optional().describe('the task the state opens: an object { title, role }'),
      deadlines: z.array(DeadlineSchema).optional().describe('time limits while the state is active'),
      notify: z.array(NotifySchema).optional().describe('notifications sent on entry'),
      spawn: SpawnSchema.optional().describe('child cases started on entry'),
      copy: CopySchema.optional().describe('抄送: copies the case on entry to people who must read it (no action needed; reading is recorded)'),
      tags: z.array(z.string().min(1)).optional().describe('free labels (e.g. "closed")'),
      sendBack: SendBackSchema.optional().describe('退回: the earlier states a holder of this state\'s task may send the case back to, with a reason'),
      takeBack: z.boolean().optional().describe('拿回: whoever moved the case into this state may take it back while nobody has opened its task'),
    })
    .strict(),
);

/** Who may open a workflow's case: anyone whose roles start it, or only a parent case's spawn. */
export const STARTED_BY = ['anyone', 'parent'] as const;

/** An event's label and help text, for forms and timelines. */
export const EventInfoSchema = z.object({ title: LocalizedTextSchema, description: LocalizedTextSchema.optional() }).strict();

/** A whole workflow definition (JSON or TypeScript). */
export const WorkflowDefinitionSchema = z
  .object({
    $schema: z.string().optional().describe('the JSON Schema editors check against'),
    id: WorkflowIdSchema.describe('the workflow\'s id; cases name it'),
    version: z.number().int().positive().describe('1, 2, …; a stored version never changes, new content needs a new version'),
    title: LocalizedTextSchema.describe('the workflow\'s name on pages'),
    description: LocalizedTextSchema.optional().describe('what it is for'),
    caseTitle: z.string().min(1).max(500).optional().describe('how pages, worklists and mail subjects name a case: a template over its data, e.g. "{{enterpriseId}} · {{location}}"; fields render with their enumTitles; an empty result falls back to the workflow title').meta({ examples: ['{{location}} {{description}}'] }),
    roles: z.array(RoleIdSchema).min(1).describe('every role a transition or task names ("system" included when the system sends events)'),
    data: ObjectSchemaSchema.default({ type: 'object', properties: {} }).describe('the schema of the case data'),
    /** Calendar used by deadlines without their own (default `cn`). */
    calendar: z.string().default('cn').describe('the working-day calendar of its deadlines'),
    /** Optional event catalogue: labels for forms; when present every handled event must be listed and vice versa. */
    events: z.record(EventTypeSchema, EventInfoSchema).optional().describe('labels for forms; when present every handled event is listed'),
    initial: StateKeySchema.describe('the state a new case starts in'),
    states: z.record(StateKeySchema, StateSchema).describe('state key → state'),
    terminate: TerminateSchema.optional().describe('终止: the roles that may end a running case early, with a reason (nobody when omitted)'),
    /**
     * Who opens a case: `anyone` whose roles start it (the default), or only a
     * `parent` case's spawn (a follow-up that exists only as a linked child,
     * e.g. the four no-let-go case of an accident). Opening a `parent`
     * workflow's case directly is refused with `parent_case_required`.
     */
    startedBy: z.enum(STARTED_BY).optional().describe('who opens a case: anyone whose roles start it (default), or only a parent case\'s spawn ("parent": opening one directly is refused with parent_case_required, and the 新建 page does not offer it)'),
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
