/**
 * zod schemas of the API's inputs and answers, shared by the routes and the
 * OpenAPI document. Recursive engine values (state values, definitions, field
 * schemas) are documented as free JSON here; the engine validates them.
 */
import { creditCodeProblem } from './register/credit-code.js';
import { z } from 'zod';
import { ORG_LEVELS } from './people-ports.js';

/** A JSON value whose shape the engine defines (state values, field schemas, titles). */
const Json = () => z.unknown();

export const IdSchema = z.string().min(1).max(200).refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20), 'no control characters');
export const IdParams = z.object({ id: IdSchema });

/** `true`/`false` in a query string. */
export const QueryBool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const TaskSchema = z
  .object({
    taskKey: z.string(),
    caseId: z.string(),
    workflowId: z.string(),
    stateId: z.string(),
    role: z.string(),
    org: z.string(),
    title: Json().describe('a string or { zh, en }'),
    openedAt: z.string(),
    openedSeq: z.number().int(),
    dueAt: z.string().nullable(),
    dueProvisional: z.literal(true).optional().describe('present when the due time rests on a provisional calendar year (it may move when the official notice arrives)'),
    assignee: z.string().nullable().describe('the person holding the task (claim, 转办), or null while it is offered to its role'),
  })
  .meta({ id: 'Task' });

export const DeadlineSchema = z
  .object({
    key: z.string(),
    stateId: z.string(),
    title: Json().optional(),
    legalBasis: Json().optional(),
    dueAt: z.string(),
    dueDate: z.string().optional(),
    status: z.enum(['running', 'paused', 'overdue']),
    paused: z.boolean(),
    overdue: z.boolean(),
    remainingWorkdays: z.number().int().nullable().describe('working days left after today up to the due day; null beyond the loaded calendar years'),
    calendar: z.object({ id: z.string(), version: z.number().int() }),
    provisional: z.literal(true).optional().describe('present when the due date rests on a provisional calendar year'),
    provisionalYears: z.array(z.number().int()).optional(),
    pausedDays: z.number().int(),
    extensions: z.array(Json()),
  })
  .meta({ id: 'Deadline' });

export const AvailableEventSchema = z
  .object({ type: z.string(), input: Json().describe('the JSON-Schema-like input schema of the event payload'), target: z.string().optional() })
  .meta({ id: 'AvailableEvent' });

export const ActorSchema = z
  .object({
    id: z.string(),
    roles: z.array(z.string()),
    org: z.string().optional(),
    name: z.string().optional(),
    issuedBy: z.object({ id: z.string(), name: z.string().optional() }).optional().describe('who issued the token the actor used, when someone else (an admin) did: both are accountable'),
  })
  .meta({ id: 'Actor' });

const SignatureViewSchema = z.object({ slot: z.string(), userId: z.string(), name: z.string().optional(), decision: z.enum(['approve', 'reject']), comment: z.string().optional(), attachments: z.array(z.string()).optional(), at: z.string() });
const SigningSchema = z
  .object({
    task: z.string(),
    title: Json(),
    rule: Json().describe('"all" (会签), "any" (或签) or { share } (票签)'),
    outcome: z.enum(['approved', 'rejected']).optional(),
    slots: z.array(z.object({
      id: z.string(), role: z.string().optional(), org: z.string().optional(), user: z.string().optional(),
      added: z.object({ by: z.string(), at: z.string(), reason: z.string() }).optional(),
      status: z.enum(['pending', 'approved', 'rejected']), signature: SignatureViewSchema.optional(),
    })),
  })
  .meta({ id: 'Signing' });
const CopySchema = z
  .object({
    key: z.string(), stateId: z.string(), at: z.string(),
    to: z.array(z.union([z.object({ role: z.string(), org: z.string() }), z.object({ user: z.string() })])),
    reads: z.array(z.object({ userId: z.string(), at: z.string() })),
  })
  .meta({ id: 'CaseCopy' });

export const CaseSchema = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    workflowVersion: z.number().int(),
    workflowOwner: z.string().nullable().describe('the org the definition version is registered at (null: the root, e.g. a built-in workflow)'),
    org: z.string(),
    status: z.enum(['active', 'done']),
    value: Json().describe('the xstate state value'),
    stateLabel: z.string(),
    data: z.record(z.string(), Json()),
    version: z.number().int(),
    tasks: z.array(TaskSchema),
    deadlines: z.array(DeadlineSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
    availableEvents: z.array(AvailableEventSchema).describe('the events the caller may send now'),
    parent: z
      .object({
        caseId: z.string(), stateId: z.string(), index: z.number().int(),
        handOver: z.object({ rule: z.literal('regulatorOf'), fromOrg: z.string(), named: z.string() }).optional().describe('an incoming case: handed over from `fromOrg` to the regulator of `named`'),
      })
      .nullable()
      .describe('the case that spawned this one'),
    children: z
      .array(z.object({ caseId: z.string(), workflowId: z.string(), org: z.string(), stateId: z.string(), index: z.number().int(), finalState: z.string().nullable(), handOver: z.literal('regulatorOf').optional() }))
      .describe('child cases this one spawned (one per recipient unit, say) and how each ended'),
    signing: z.array(SigningSchema).optional().describe('multi-person tasks (会签 / 或签 / 票签): each signer, signed or pending'),
    delegations: z.array(z.object({ task: z.string(), holder: z.string(), delegate: z.string(), at: z.string(), reason: z.string() })).optional().describe('tasks out on delegation (委派): they come back to the holder'),
    copies: z.array(CopySchema).optional().describe('copies of the case (抄送) and who has read each'),
    taskOps: z
      .object({ sign: z.array(z.string()), manageSigners: z.array(z.string()), delegate: z.array(z.string()), resolve: z.array(z.string()), readCopies: z.array(z.string()) })
      .optional()
      .describe('what the caller may do now: tasks to sign (task.sign), whose signers to change (task.addSigners / task.removeSigner), to delegate (task.delegate), to hand back (task.resolve), copies to read (copy.read)'),
  })
  .meta({ id: 'Case' });

export const CaseSummarySchema = CaseSchema.pick({ id: true, workflowId: true, workflowVersion: true, org: true, status: true, value: true, stateLabel: true, version: true, createdAt: true, updatedAt: true })
  .extend({
    nextDueAt: z.string().nullable().describe('the earliest due time of its running deadlines'),
    overdue: z.boolean(),
    archive: z.object({ id: z.string(), archivedAt: z.string() }).nullable().describe('the archive its history was moved to (`duban archive`), or null; an archived case still reads, verifies and replays'),
  })
  .meta({ id: 'CaseSummary' });

export const EventSchema = z
  .object({
    caseId: z.string(),
    seq: z.number().int(),
    type: z.string(),
    payload: z.record(z.string(), Json()),
    actor: ActorSchema,
    at: z.string(),
    idempotencyKey: z.string().nullable(),
    state: Json().describe('the case state after this event'),
    env: Json(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'Event' });

export const CaseResultSchema = z.object({ case: CaseSchema, event: EventSchema, duplicate: z.boolean() });

export const EnterpriseProfileSchema = z
  .object({
    industry: z.string().describe('行业领域'),
    address: z.string().describe('地址'),
    creditCode: z.string().nullable().optional().describe('统一社会信用代码'),
    supervisors: z.array(z.string()).describe('ids of the departments (orgs) that supervise it'),
    majorHazard: z.boolean().optional().describe('重大危险源: the enterprise holds a major hazard installation (absent: no)'),
  })
  .meta({ id: 'EnterpriseProfile' });

export const OrgSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    parentId: z.string().nullable().describe("for an enterprise: the grid (or office) it sits in"),
    level: z.enum(ORG_LEVELS),
    enterprise: EnterpriseProfileSchema.nullable().optional().describe('an enterprise\'s profile; absent for offices'),
    createdAt: z.string(),
  })
  .meta({ id: 'Org' });

export const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    orgId: z.string(),
    roles: z.array(z.string()),
    locale: z.enum(['zh-CN', 'en']).describe('the language of their notifications'),
    email: z.string().nullable().optional().describe('where e-mail notifications go'),
    webhookUrl: z.string().nullable().optional().describe('where signed webhook notifications are posted'),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

export const IssuedTokenSchema = z.object({
  tokenId: z.string(),
  token: z.string().describe('shown once; only its sha256 is stored'),
});

const OrgIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an org id is 1–64 lowercase letters, digits and hyphens');
const UserIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a user id is 1–64 letters, digits, dots, hyphens and underscores');
const RoleSchema = z.string().regex(/^[a-z][A-Za-z0-9]{0,63}$/, 'a role id is camelCase');
const NameSchema = z.string().trim().min(1).max(200);
/** An e-mail address for notifications (stored lower-case in the domain as given). */
export const EmailSchema = z.string().trim().max(254).pipe(z.email({ message: 'must be an e-mail address' }));
/** An http(s) URL the webhook channel posts to. */
export const WebhookUrlSchema = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000);

/** What an enterprise org records: 行业, 地址, 统一社会信用代码 (optional), 监管部门. */
export const NewEnterpriseProfileSchema = z
  .object({
    industry: NameSchema,
    address: z.string().trim().min(1).max(500),
    creditCode: z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/, 'a unified social credit code is 18 characters (digits and capitals, no I, O, S, V, Z)')
      .refine((c) => creditCodeProblem(c) === undefined, { message: 'the check character of the unified social credit code is wrong (GB 32100-2015)' }).optional(),
    supervisors: z.array(OrgIdSchema).max(20).default([]).describe('ids of the departments (orgs) that supervise it'),
    majorHazard: z.boolean().optional().describe('重大危险源'),
  })
  .strict();

export const NewOrgSchema = z
  .object({ id: OrgIdSchema, name: NameSchema, parentId: OrgIdSchema.nullable(), level: z.enum(ORG_LEVELS), enterprise: NewEnterpriseProfileSchema.optional().describe('required for (and only for) level enterprise') })
  .strict();

/** An org tree as `duban orgs import` reads it: nested `children`. */
export interface OrgTreeNode {
  id: string;
  name: string;
  level: (typeof ORG_LEVELS)[number];
  enterprise?: z.input<typeof NewEnterpriseProfileSchema> | undefined;
  children?: OrgTreeNode[] | undefined;
}
export const OrgTreeSchema: z.ZodType<OrgTreeNode> = z.lazy(() =>
  z.object({ id: OrgIdSchema, name: NameSchema, level: z.enum(ORG_LEVELS), enterprise: NewEnterpriseProfileSchema.optional(), children: z.array(OrgTreeSchema).optional() }).strict(),
);

export const NewUserSchema = z
  .object({
    id: UserIdSchema.optional(),
    name: NameSchema,
    orgId: OrgIdSchema,
    roles: z.array(RoleSchema).min(1).max(20),
    locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
    email: EmailSchema.optional(),
    webhookUrl: WebhookUrlSchema.optional(),
  })
  .strict();

export const CursorPage = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page') });
