/**
 * Cases: open, list, read, send events, history, replay, export.
 * Reads are limited to the caller's subtree; writes also need a role the
 * transition allows (checked by the engine) and are refused to auditors.
 */
import { z } from 'zod';
import { availableEvents, formatStateValue, takesPart, taskOpsFor, type CaseRecord, type CaseView, type Engine } from '../../engine/index.js';
import { assertVisible, assertWriter, visibleOrg, type Principal } from '../access.js';
import { buildCaseFile, CaseFileSchema } from '../case-file.js';
import { redactorFor, searchExcludedFields, type CaseRedactor } from '../confidential.js';
import { HttpError } from '../http-errors.js';
import { markOpenedTasks } from '../task-views.js';
import { Reply, route, type Route } from '../routing.js';
import { archiveRefs } from '../archive/archived-engine.js';
import { CaseResultSchema, CaseSchema, CaseSummarySchema, CursorPage, EventSchema, IdParams, QueryBool } from '../schemas.js';
import type { RouteDeps } from './deps.js';
import { sqlKnex, visibleCampaign } from '../campaigns/access.js';
import { checkCampaignFit, joinCampaign } from '../campaigns/membership.js';
import { caseRoute, routeNewCase } from '../responsibility/route-case.js';
import type { Logger } from '../logger.js';

/**
 * Routes a case just opened by the rule that governs it. The case is opened
 * whatever happens here: a routing that fails (a rule naming an org deleted
 * since) is logged and leaves the case unrouted, for a person to assign.
 */
export async function routeOpenedCase(engine: Engine, orgs: RouteDeps['orgs'], logger: Logger, caseId: string): Promise<boolean> {
  try {
    const record = await engine.findCase(caseId);
    return record !== undefined && (await routeNewCase(engine, orgs, sqlKnex(engine), record)) !== undefined;
  } catch (err) {
    logger.warn({ err, caseId }, 'routing a new case failed; it stays unrouted');
    return false;
  }
}

/**
 * Whether a case is still new enough to be routed by rule: opened and at most
 * its start form sent (a hazard names its enterprise and industry in the
 * form it is started with, after it is opened), and not routed yet.
 */
export async function routableNow(engine: Engine, caseId: string, version: number): Promise<boolean> {
  return version <= 2 && (await caseRoute(sqlKnex(engine), caseId)) === undefined;
}

const IdempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'an Idempotency-Key is 1–200 printable ASCII characters').optional();
const idempotencyHeader = { name: 'Idempotency-Key', description: 'retrying with the same key returns the first result and records nothing new' };

/** Reads the Idempotency-Key header (validated). */
function idempotencyKey(header: unknown): string | undefined {
  const r = IdempotencyKeySchema.safeParse(header);
  if (!r.success) throw new HttpError('invalid_request', 'the Idempotency-Key header is invalid', [{ code: 'invalid_header', path: ['headers', 'idempotency-key'], message: r.error.issues[0]?.message ?? 'invalid' }]);
  return r.data;
}

/** Loads a case the caller may see; `case_not_found` alike when it does not exist and when it lies outside the caller's subtree. */
export async function visibleCase(engine: Engine, p: Principal, caseId: string): Promise<CaseRecord> {
  const record = await engine.findCase(caseId);
  // A signer, a copy's recipient or a delegate outside the subtree reads the case they take part in.
  if (record && !p.subtree.has(record.org) && takesPart(record.state, p.actor)) return record;
  // A case routed to an org of the caller's subtree (its grid, township or a supervising department) is theirs in practice.
  if (record && !p.subtree.has(record.org) && routedWithin(record, p.subtree)) return record;
  // Or a case above the caller's org is theirs to see while it offers them a task (e.g. the interviewed unit's
  // confirmation of an interview the district opened): the task's org lies in their subtree and its role is theirs.
  if (record && !p.subtree.has(record.org) && (await offersTask(engine, p, caseId))) return record;
  assertVisible(p, record?.org, () => new HttpError('case_not_found', `case ${caseId} does not exist`));
  return record!;
}

/** Whether the case is routed (`case.routed`) to an org of `subtree`. */
export function routedWithin(record: CaseRecord, subtree: ReadonlySet<string>): boolean {
  return (record.state.responsible?.orgs ?? []).some((o) => subtree.has(o));
}

/** Whether an open task of the case is offered to one of the caller's roles at an org of their subtree. */
async function offersTask(engine: Engine, p: Principal, caseId: string): Promise<boolean> {
  const tasks = await engine.listTasks({ caseId, roles: p.user.roles, orgs: [...p.subtree] });
  return tasks.length > 0;
}

/**
 * A client-chosen case id lives in the namespace of the case's org: `HZ-1`
 * opened in `donghu` is the case `donghu:HZ-1`. It can then only meet a case
 * of that org, which the caller sees anyway, never tell whether another
 * district used the same id. (Org ids hold no `:`, so namespaces never overlap;
 * generated ids are UUIDs and spawned ones contain `/`, which client ids cannot.)
 */
export function scopedCaseId(org: string, clientId: string): string {
  return `${org}:${clientId}`;
}

/**
 * An `Idempotency-Key` on opening a case is the caller's own: stored as
 * `<userId>:<key>`, so the same key from another user (another district)
 * opens its own case instead of answering with, or conflicting with, someone
 * else's. (User ids hold no `:`.)
 */
export function scopedCreationKey(p: Principal, key: string): string {
  return `${p.user.id}:${key}`;
}

/** The API form of a case view: confidential fields the caller may not read redacted, what the caller may send now (nothing for auditors). */
function toApiCase(view: CaseView, p: Principal, r: CaseRedactor) {
  return { ...view, data: r.data(view.data), availableEvents: p.isAuditor ? [] : (view.availableEvents ?? []), ...(p.isAuditor && view.taskOps ? { taskOps: { sign: [], manageSigners: [], delegate: [], resolve: [], readCopies: [] } } : {}) };
}

/** 委派 hands a task to a named person for a while: they must exist inside the caller's jurisdiction (any role: they act and hand it back). */
async function checkDelegateTarget(people: RouteDeps['people'], p: Principal, payload: Record<string, unknown> | undefined): Promise<void> {
  const to = typeof payload?.to === 'string' ? payload.to : undefined;
  if (!to) return; // the engine reports the malformed payload
  const target = await people.getUser(to);
  assertVisible(p, target?.orgId, () => new HttpError('user_not_found', `user ${to} does not exist`));
}

/**
 * 转办 hands a task to a named person: the server checks that person exists,
 * holds the task's role and works inside the caller's jurisdiction (the engine
 * checks the rest: the task is open and the caller may hand it on).
 */
async function checkTransferTarget(engine: Engine, people: RouteDeps['people'], p: Principal, record: CaseRecord, payload: Record<string, unknown> | undefined): Promise<void> {
  const to = typeof payload?.to === 'string' ? payload.to : undefined;
  const task = typeof payload?.task === 'string' ? payload.task : undefined;
  if (!to || !task) return; // the engine reports the malformed payload
  const target = await people.getUser(to);
  assertVisible(p, target?.orgId, () => new HttpError('user_not_found', `user ${to} does not exist`));
  if (!target) return;
  const wf = await engine.registry.get(record.workflowId, record.workflowVersion);
  const role = wf.tree.byId.get(task)?.def.task?.role;
  if (role && !target.roles.includes(role)) throw new HttpError('forbidden', `user ${to} does not hold role ${role}, which task "${task}" needs`);
}

/**
 * Built-in events a person sends only through their own route, which checks
 * what the generic one cannot: an acknowledgement needs the caller to be a
 * recipient of the warning (`POST /api/v1/notifications/{id}/ack`).
 */
const RESERVED_EVENTS: ReadonlyMap<string, string> = new Map([
  ['notification.acknowledged', 'acknowledge a warning you received with POST /api/v1/notifications/{id}/ack'],
  ['case.routed', 'routing rules route new cases; reassign one with a reason with POST /api/v1/cases/{id}/reassign'],
  ['case.migrated', 'an admin migrates cases with POST /api/v1/admin/migrations'],
]);

/** Opaque keyset cursor: base64url of `[createdAt, id]`. */
function encodeCursor(r: CaseRecord): string {
  return Buffer.from(JSON.stringify([r.createdAt, r.id]), 'utf8').toString('base64url');
}
function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { createdAt: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new HttpError('invalid_request', 'the cursor is invalid', [{ code: 'invalid_cursor', path: ['query', 'cursor'], message: 'pass back a nextCursor unchanged' }]);
}

function summary(r: CaseRecord, now: Date) {
  const running = (r.state.deadlines ?? []).filter((d) => d.status !== 'paused');
  const nextDueAt = running.map((d) => d.dueAt).sort()[0] ?? null;
  return {
    id: r.id, workflowId: r.workflowId, workflowVersion: r.workflowVersion, org: r.org, status: r.status, value: r.state.value,
    stateLabel: formatStateValue(r.state.value), version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt,
    nextDueAt, overdue: running.some((d) => d.status === 'overdue' || Date.parse(d.dueAt) <= now.getTime()),
  };
}

export function caseRoutes({ engine, orgs, people, attachments, logger, archives }: RouteDeps): Route[] {
  return [
    route(
      {
        method: 'post', path: '/api/v1/cases', tag: 'cases', auth: 'user', status: 201,
        summary: 'Open a case of a workflow in an org of your subtree (your own org by default). It runs the latest version registered nearest up that org\'s ancestry (a `version` must be one of those); the case records which (`workflowVersion`, `workflowOwner`)',
        body: z.object({
          workflowId: z.string().min(1).max(100),
          version: z.number().int().positive().optional(),
          org: z.string().min(1).max(64).optional(),
          data: z.record(z.string(), z.unknown()).optional(),
          caseId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/).optional().describe("your own id for the case: it becomes `<org>:<caseId>` (the org's namespace)"),
          campaignId: z.string().min(1).max(64).optional().describe('the campaign (专项整治) the case belongs to: it must be active and cover the org and the industry; checked before anything is opened'),
        }).strict(),
        headers: [{ ...idempotencyHeader, description: `${idempotencyHeader.description} (keys are yours alone: another user's same key opens its own case)` }],
        response: CaseResultSchema,
        errors: ['read_only', 'forbidden', 'org_not_found', 'org_out_of_jurisdiction', 'workflow_not_found', 'parent_case_required', 'invalid_input', 'idempotency_conflict', 'version_conflict', 'expression_budget_exceeded', 'campaign_not_found', 'campaign_not_applicable'],
      },
      async ({ req, body, principal }) => {
        const p = principal!;
        assertWriter(p);
        const org = (await visibleOrg(p, orgs, body.org ?? p.user.orgId)).id;
        // The definition that governs the org (the nearest owner up its ancestry); a pinned version must be owned there too.
        const { workflow: wf } = await engine.resolveWorkflow(body.workflowId, org, body.version);
        if (!p.user.roles.some((r) => wf.definition.roles.includes(r))) {
          throw new HttpError('forbidden', `opening a ${wf.ref} case needs one of the roles ${wf.definition.roles.join(', ')}`);
        }
        // Fields the server sets (a tip-off's query-code hash) are not the caller's to choose.
        const props = (wf.definition.data?.properties ?? {}) as Record<string, { readOnly?: boolean }>;
        const readOnly = Object.keys(body.data ?? {}).filter((k) => props[k]?.readOnly === true);
        if (readOnly.length > 0) throw new HttpError('invalid_input', `data field ${readOnly.join(', ')} is set by the server, not by the caller`, readOnly.map((k) => ({ path: ['data', k], code: 'read_only_field', message: 'set by the server' })));
        const key = idempotencyKey(req.headers['idempotency-key']);
        const campaign = body.campaignId === undefined ? undefined : await visibleCampaign(sqlKnex(engine), p, orgs, body.campaignId);
        const district = campaign && (await checkCampaignFit(engine, orgs, campaign, { workflowId: wf.definition.id, workflowVersion: wf.definition.version, org, data: body.data ?? {} }));
        const r = await engine.createCase({
          workflowId: body.workflowId, version: body.version, org, data: body.data, actor: p.actor,
          caseId: body.caseId === undefined ? undefined : scopedCaseId(org, body.caseId),
          idempotencyKey: key === undefined ? undefined : scopedCreationKey(p, key),
        });
        if (campaign && district) await joinCampaign(sqlKnex(engine), engine, campaign, r.case.id, r.case.workflowId, district, p.user.id);
        if (!r.duplicate) await routeOpenedCase(engine, orgs, logger, r.case.id);
        const view = await engine.getCase(r.case.id, p.actor);
        const red = await redactorFor(engine, orgs, p.actor, view);
        return new Reply(r.duplicate ? 200 : 201, { case: toApiCase(view, p, red), event: red.event(r.event), duplicate: r.duplicate });
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/cases', tag: 'cases', auth: 'user',
        summary: 'List the cases of your subtree and those routed to it (its grids, townships or departments are responsible), newest first, with filters and cursor pagination',
        query: z.object({
          workflow: z.string().max(100).optional(),
          state: z.string().regex(/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/, 'a state key or a dotted path of keys').optional().describe('cases where this state is active'),
          status: z.enum(['active', 'done']).optional(),
          org: z.string().max(64).optional().describe("an org of your subtree: its subtree's cases"),
          overdue: QueryBool.optional().describe('true: a running deadline has passed; false: none has'),
          dueBefore: z.iso.datetime({ offset: true }).optional().describe('a running deadline falls due at or before this instant'),
          text: z.string().min(1).max(100).optional().describe('in the case id or data'),
          assignee: z.string().min(1).max(64).optional().describe("cases with an open task held by this user ('me' for yourself)"),
          cursor: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
        }),
        response: CursorPage(CaseSummarySchema),
        errors: ['org_not_found'],
      },
      async ({ query, principal }) => {
        const p = principal!;
        let scope = p.subtree;
        if (query.org !== undefined) scope = await orgs.subtree((await visibleOrg(p, orgs, query.org)).id);
        const now = engine.clock.now();
        const rows = await engine.listCases({
          workflowId: query.workflow, state: query.state, status: query.status, orgs: [...scope], routedTo: [...scope], text: query.text,
          textExcludes: query.text === undefined ? undefined : await searchExcludedFields(engine),
          assignee: query.assignee === 'me' ? p.user.id : query.assignee,
          dueBefore: query.dueBefore !== undefined ? new Date(query.dueBefore).toISOString() : query.overdue === true ? now.toISOString() : undefined,
          notDueBefore: query.overdue === false ? now.toISOString() : undefined,
          after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
          limit: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        const archived = await archiveRefs(archives, page.filter((r) => r.status === 'done').map((r) => r.id));
        return { items: page.map((r) => ({ ...summary(r, now), archive: archived.get(r.id) ?? null })), nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/cases/:id', tag: 'cases', auth: 'user', params: IdParams,
        summary: 'A case: state, data (confidential fields you may not read as `{"redacted":true}`), open tasks, deadlines, the events you may send now with their input schemas',
        response: CaseSchema, errors: ['case_not_found'],
      },
      async ({ params, principal }) => {
        const record = await visibleCase(engine, principal!, params.id);
        await markOpenedTasks(engine, principal!, params.id);
        return toApiCase(await engine.getCase(params.id, principal!.actor), principal!, await redactorFor(engine, orgs, principal!.actor, record));
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/cases/:id/events', tag: 'cases', auth: 'user', params: IdParams,
        summary: 'Send an event to a case: a workflow event, or a task operation (`task.claim` {task}, `task.transfer` {task, to, reason} — 转办, `task.withdraw` {seq, reason?} — 撤回 one\'s own last action before anyone acts), or an administrative move (`case.terminate` {reason} — 终止, by the roles the definition names; `case.jump` {to, reason} — 跳转, admins; `case.sendBack` {to, reason, from?} — 退回 to an earlier state the definition allows; `task.takeBack` {seq, reason} — 拿回 before the next handler opened the task), or a signing/delegation/copy operation (`task.sign` {task, decision: approve|reject, comment?, attachments?} — 会签/或签/票签, `task.addSigners` {task, signers, reason} — 加签, `task.removeSigner` {task, slot, reason} — 减签, `task.delegate` {task, to, reason} — 委派, `task.resolve` {task, comment} — hand a delegated task back, `copy.read` {copy} — 抄送 read)',
        body: z.object({
          type: z.string().min(1).max(100),
          payload: z.record(z.string(), z.unknown()).optional(),
          expectedVersion: z.number().int().min(0).optional().describe('the version you last saw; a stale one answers 409 version_conflict'),
        }).strict(),
        headers: [idempotencyHeader],
        response: CaseResultSchema,
        errors: ['case_not_found', 'read_only', 'forbidden', 'reserved_event', 'system_only_event', 'invalid_transition', 'invalid_input', 'invalid_data', 'guard_failed', 'version_conflict', 'idempotency_conflict', 'case_closed', 'calendar_out_of_range', 'task_conflict', 'user_not_found', 'org_not_found', 'org_out_of_jurisdiction', 'expression_budget_exceeded'],
      },
      async ({ req, params, body, principal }) => {
        const p = principal!;
        const record = await visibleCase(engine, p, params.id);
        assertWriter(p);
        const reserved = RESERVED_EVENTS.get(body.type);
        if (reserved !== undefined) throw new HttpError('reserved_event', `"${body.type}" cannot be sent here: ${reserved}`);
        if (body.type === 'task.transfer') await checkTransferTarget(engine, people, p, record, body.payload);
        if (body.type === 'task.delegate') await checkDelegateTarget(people, p, body.payload);
        const r = await engine.send(params.id, { type: body.type, payload: body.payload, expectedVersion: body.expectedVersion, idempotencyKey: idempotencyKey(req.headers['idempotency-key']) }, p.actor);
        const red = await redactorFor(engine, orgs, p.actor, record);
        if (r.duplicate) return { case: toApiCase(await engine.getCase(params.id, p.actor), p, red), event: red.event(r.event), duplicate: true };
        if ((await routableNow(engine, params.id, r.case.version)) && (await routeOpenedCase(engine, orgs, logger, params.id))) {
          return { case: toApiCase(await engine.getCase(params.id, p.actor), p, red), event: red.event(r.event), duplicate: false };
        }
        // The event records the state after the step: enough to say what the caller may send next without reading again.
        const wf = await engine.registry.get(r.case.workflowId, r.case.workflowVersion);
        const next = availableEvents(wf, r.event.state, p.actor, engine.clock.now());
        return { case: toApiCase({ ...r.case, availableEvents: next, taskOps: taskOpsFor(wf, r.event.state, p.actor) }, p, red), event: red.event(r.event), duplicate: false };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/cases/:id/history', tag: 'cases', auth: 'user', params: IdParams,
        summary: 'The events of a case in order, with actor, time, the state after each and the hash chain; confidential values you may not read appear as `{"redacted":true,"commitment":…}`',
        response: z.object({ items: z.array(EventSchema) }), errors: ['case_not_found'],
      },
      async ({ params, principal }) => {
        const record = await visibleCase(engine, principal!, params.id);
        const red = await redactorFor(engine, orgs, principal!.actor, record);
        return { items: (await engine.history(params.id)).map(red.event) };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/cases/:id/replay', tag: 'cases', auth: 'user', params: IdParams,
        summary: 'Replay a case through its pinned definition and return its state at a seq (the latest by default)',
        query: z.object({ at: z.coerce.number().int().min(1).optional() }),
        response: z.object({ caseId: z.string(), seq: z.number().int(), state: z.unknown(), event: EventSchema }),
        errors: ['case_not_found', 'invalid_input', 'replay_diverged'],
      },
      async ({ params, query, principal }) => {
        const record = await visibleCase(engine, principal!, params.id);
        const red = await redactorFor(engine, orgs, principal!.actor, record);
        const r = await engine.replay(params.id, query.at === undefined ? {} : { atSeq: query.at });
        return { ...r, state: { ...r.state, data: red.data(r.state.data) }, event: red.event(r.event) };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/cases/:id/export', tag: 'audit', auth: 'user', params: IdParams,
        summary: 'The case file: history with hashes and states, the pinned definition and custom calendars; check it offline with `duban audit verify-file`. Confidential values you may not read are replaced by their salted commitments (a redacted file, which still verifies); those you may read come with their salts',
        response: CaseFileSchema, errors: ['case_not_found'],
      },
      async ({ res, params, principal }) => {
        const record = await visibleCase(engine, principal!, params.id);
        const file = await buildCaseFile(engine, params.id, await redactorFor(engine, orgs, principal!.actor, record), attachments);
        res.setHeader('Content-Disposition', `attachment; filename="case-${encodeURIComponent(params.id)}.json"`);
        return file;
      },
    ),
  ];
}
