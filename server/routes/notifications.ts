/**
 * Notifications: my in-app inbox (read, mark read, acknowledge a warning —
 * 预警"叫应"), and for admins the outbox rows that did not go out (dead after
 * their retries, or unresolved: nobody to send to), with their last error and
 * a retry.
 *
 * A notification's id is its outbox id (`<caseId>/<seq>/<index>`, escalations
 * `…/ack<k>`): it contains slashes, so it is URL-encoded in paths
 * (`/notifications/c-1%2F2%2F0/ack`).
 */
import { z } from 'zod';
import type { Engine } from '../../engine/index.js';
import { inboxItemId, NotificationError, warningOf, type Dispatcher } from '../../notifications/index.js';
import { assertVisible, assertWriter, type OrgDirectory, type Principal } from '../access.js';
import { confidentialAddresses, scrubValues } from '../confidential.js';
import { HttpError } from '../http-errors.js';
import { route, type Route } from '../routing.js';
import { visibleCase } from './cases.js';
import { CursorPage, IdParams, QueryBool } from '../schemas.js';
import type { RouteDeps } from './deps.js';
import { type AckRecord, type InboxItem, type OutboxRecord, type OutboxStatus, type OutboxStore } from '../../notifications/index.js';

const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'dead', 'unresolved'] as const satisfies readonly OutboxStatus[];

export const NotificationSchema = z
  .object({
    id: z.string().describe('the notification (outbox) id: what `read` and `ack` take, URL-encoded'),
    itemId: z.string().describe('the inbox item id'),
    caseId: z.string(),
    kind: z.string().describe('actionRequired, info, dueSoon, overdue, escalated, closed, acknowledgedWarning…'),
    subject: z.string(),
    body: z.string().describe('the plain-text body'),
    createdAt: z.string(),
    readAt: z.string().nullable(),
    ackRequired: z.boolean().describe('a warning (预警"叫应") its recipients must acknowledge'),
    acknowledgedAt: z.string().nullable().describe('when you acknowledged it'),
    ack: z
      .object({
        status: z.enum(['waiting', 'acknowledged', 'exhausted', 'cancelled']).describe('exhausted: its escalation chain ran out (it can still be acknowledged); cancelled: the case ended'),
        step: z.number().int().describe('how far it escalated (0: not at all)'),
        dueAt: z.string().describe('when the current step must have acknowledged'),
        acknowledgedBy: z.string().nullable(),
        acknowledgedAt: z.string().nullable(),
      })
      .nullable(),
    canAcknowledge: z.boolean().describe('whether you can acknowledge it now'),
  })
  .meta({ id: 'Notification' });
export type NotificationView = z.infer<typeof NotificationSchema>;

export const AckResultSchema = z
  .object({
    notificationId: z.string().describe('the warning: its first notification'),
    acknowledgedId: z.string().describe('the notification acknowledged (the first or an escalation)'),
    acknowledgedAt: z.string(),
    step: z.number().int(),
    recorded: z.boolean().describe('whether `notification.acknowledged` is in the case history yet (else the dispatcher adds it shortly)'),
  })
  .meta({ id: 'AckResult' });

export const OutboxRowSchema = z
  .object({
    id: z.string(),
    caseId: z.string(),
    seq: z.number().int(),
    template: z.string(),
    kind: z.string(),
    channels: z.unknown(),
    recipients: z.unknown().describe('the declared recipients, resolved to role@org, user or data-field values'),
    status: z.enum(OUTBOX_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'OutboxRow' });

const DeliverySchema = z.object({
  recipient: z.string(),
  userId: z.string().nullable(),
  address: z.string().nullable(),
  channel: z.string(),
  status: z.enum(['sent', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  updatedAt: z.string(),
});

const StatsSchema = z.object({ pending: z.number().int(), sending: z.number().int(), sent: z.number().int(), dead: z.number().int(), unresolved: z.number().int() });

/** What the API shows of an outbox row. */
export function outboxRowView(r: OutboxRecord): z.infer<typeof OutboxRowSchema> {
  // Addresses taken from confidential fields (a tipster's e-mail) are not shown to the people managing delivery.
  return scrubValues({ id: r.id, caseId: r.caseId, seq: r.seq, template: r.template, kind: r.kind, channels: r.channels, recipients: r.recipients, status: r.status, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt, lastError: r.lastError, createdAt: r.createdAt, sentAt: r.sentAt }, confidentialAddresses(r));
}

/** An inbox item as its owner sees it, with its warning's state. */
export async function notificationView(outbox: OutboxStore, p: Principal, item: InboxItem, acks = new Map<string, AckRecord | undefined>()): Promise<NotificationView> {
  let ack: AckRecord | undefined;
  if (item.ackRequired) {
    const { rootId } = warningOf(item.outboxId);
    if (!acks.has(rootId)) acks.set(rootId, await outbox.acks.get(rootId));
    ack = acks.get(rootId);
  }
  const open = ack !== undefined && (ack.status === 'waiting' || ack.status === 'exhausted');
  return {
    id: item.outboxId, itemId: item.id, caseId: item.caseId, kind: item.kind, subject: item.subject, body: item.body, createdAt: item.createdAt, readAt: item.readAt,
    ackRequired: item.ackRequired, acknowledgedAt: item.acknowledgedAt,
    ack: ack ? { status: ack.status, step: ack.step, dueAt: ack.dueAt, acknowledgedBy: ack.acknowledgedBy, acknowledgedAt: ack.acknowledgedAt } : null,
    canAcknowledge: open && !p.isAuditor,
  };
}

/** The item of a notification in the caller's inbox, or `notification_not_found`. */
export async function myItem(outbox: OutboxStore, p: Principal, notificationId: string): Promise<InboxItem> {
  const item = await outbox.inbox.get(p.user.id, inboxItemId(notificationId, p.user.id));
  if (!item) throw new HttpError('notification_not_found', `notification ${notificationId} is not in your inbox`);
  return item;
}

/** Marks every unread item of the caller read; resolves to how many changed. */
export async function markAllRead(outbox: OutboxStore, p: Principal, at: string): Promise<number> {
  let marked = 0;
  for (;;) {
    const unread = await outbox.inbox.list(p.user.id, { unreadOnly: true, limit: 200 });
    if (unread.length === 0) return marked;
    for (const item of unread) if (await outbox.inbox.markRead(p.user.id, item.id, at)) marked++;
  }
}

/** Refusals about a notification that tell it exists: hidden from callers who neither see its case nor received it. */
const TELLING = new Set(['not_a_recipient', 'not_acknowledgeable', 'already_acknowledged']);

/**
 * Runs `fn`; when it refuses a notification the caller neither received nor
 * may see the case of (another district's), answers `notification_not_found`
 * exactly as for a missing one (no existence oracle on other districts' ids).
 */
export async function hidingForeign<T>(engine: Engine, outbox: OutboxStore, p: Principal, notificationId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err instanceof NotificationError || err instanceof HttpError) && TELLING.has(err.code)) {
      const row = await outbox.get(notificationId);
      const c = row && (await engine.findCase(row.caseId));
      const received = row !== undefined && (await outbox.deliveries.reached([notificationId], p.user.id));
      if (!received) assertVisible(p, c?.org, () => new HttpError('notification_not_found', `notification ${notificationId} does not exist`));
    }
    throw err;
  }
}

/** Acknowledges a warning as the caller and marks its inbox item read. Auditors change nothing. */
export async function acknowledgeAs(engine: Engine, dispatcher: Dispatcher, outbox: OutboxStore, p: Principal, notificationId: string, comment: string | undefined, at: string) {
  assertWriter(p);
  const result = await hidingForeign(engine, outbox, p, notificationId, () => dispatcher.acknowledge(notificationId, p.actor, comment));
  await outbox.inbox.markRead(p.user.id, inboxItemId(notificationId, p.user.id), at);
  return result;
}

/** The orgs whose cases' rows an admin sees: undefined when that is every org (no filter needed). */
export async function outboxScope(orgs: OrgDirectory, p: Principal): Promise<string[] | undefined> {
  const all = await orgs.list();
  return all.every((o) => p.subtree.has(o.id)) ? undefined : [...p.subtree];
}

/** An outbox row an admin may act on; `notification_not_found` alike when it does not exist and when its case lies outside the admin's subtree. */
export async function adminRow(engine: Engine, outbox: OutboxStore, p: Principal, id: string): Promise<OutboxRecord> {
  const row = await outbox.get(id);
  const c = row && (await engine.findCase(row.caseId));
  assertVisible(p, c?.org, () => new HttpError('notification_not_found', `notification ${id} does not exist`));
  return row!;
}

function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}
function decodeCursor(cursor: string, n: number): string[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // fall through
  }
  throw new HttpError('invalid_request', 'the cursor is invalid', [{ code: 'invalid_cursor', path: ['query', 'cursor'], message: 'pass back a nextCursor unchanged' }]);
}

export function notificationRoutes({ engine, outbox, orgs, dispatcher }: RouteDeps): Route[] {
  const now = () => engine.clock.now().toISOString();
  return [
    route(
      {
        method: 'get', path: '/api/v1/notifications', tag: 'notifications', auth: 'user',
        summary: 'My inbox (站内消息), newest first, with the unread count; warnings say whether they await my acknowledgement',
        query: z.object({
          unread: QueryBool.optional().describe('true: only unread items'),
          cursor: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
        }),
        response: CursorPage(NotificationSchema).extend({ unread: z.number().int().describe('how many items are unread in all') }),
      },
      async ({ query, principal }) => {
        const p = principal!;
        const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 2);
        const rows = await outbox.inbox.list(p.user.id, { unreadOnly: query.unread === true, limit: query.limit + 1, ...(before ? { before: { createdAt: before[0]!, id: before[1]! } } : {}) });
        const page = rows.slice(0, query.limit);
        const acks = new Map<string, AckRecord | undefined>();
        const items: NotificationView[] = [];
        for (const item of page) items.push(await notificationView(outbox, p, item, acks));
        const last = page[page.length - 1];
        return { items, unread: await outbox.inbox.countUnread(p.user.id), nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt, last.id]) : null };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/notifications/read-all', tag: 'notifications', auth: 'user',
        summary: 'Mark every item of my inbox read',
        response: z.object({ marked: z.number().int(), unread: z.number().int() }),
      },
      async ({ principal }) => {
        const marked = await markAllRead(outbox, principal!, now());
        return { marked, unread: await outbox.inbox.countUnread(principal!.user.id) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/notifications/:id/read', tag: 'notifications', auth: 'user', params: IdParams,
        summary: 'Mark a notification of my inbox read (marking it again changes nothing)',
        response: z.object({ notification: NotificationSchema, unread: z.number().int() }),
        errors: ['notification_not_found'],
      },
      async ({ params, principal }) => {
        const p = principal!;
        const item = await myItem(outbox, p, params.id);
        await outbox.inbox.markRead(p.user.id, item.id, now());
        const fresh = (await outbox.inbox.get(p.user.id, item.id)) ?? item;
        return { notification: await notificationView(outbox, p, fresh), unread: await outbox.inbox.countUnread(p.user.id) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/notifications/:id/ack', tag: 'notifications', auth: 'user', params: IdParams,
        summary: 'Acknowledge a warning (预警"叫应") I received: stops its escalation and records `notification.acknowledged` in the case history, as me',
        description: 'Any notification of the warning may be named (the first or an escalation). Acknowledging again as the same user answers the first acknowledgement.',
        body: z.object({ comment: z.string().trim().min(1).max(1000).optional().describe('e.g. 已到岗，正在组织排查') }).strict().optional(),
        response: AckResultSchema,
        errors: ['notification_not_found', 'not_a_recipient', 'already_acknowledged', 'not_acknowledgeable', 'read_only'],
      },
      async ({ params, body, principal }) => acknowledgeAs(engine, dispatcher, outbox, principal!, params.id, body?.comment, now()),
    ),
    route(
      {
        method: 'get', path: '/api/v1/admin/outbox', tag: 'notifications', auth: 'admin',
        summary: 'Outbox rows of the cases of your subtree by status (dead by default), with attempts and the last error',
        query: z.object({
          status: z.enum(OUTBOX_STATUSES).default('dead').describe('dead: retries used up; unresolved: nobody to send to; pending: waiting or backing off'),
          case: z.string().min(1).max(200).optional(),
          cursor: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: CursorPage(OutboxRowSchema),
        errors: ['case_not_found'],
      },
      async ({ query, principal }) => {
        const p = principal!;
        if (query.case !== undefined) await visibleCase(engine, p, query.case);
        const scope = await outboxScope(orgs, p);
        const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 1)[0];
        const rows = await outbox.list({ status: query.status, limit: query.limit + 1, ...(scope ? { orgs: scope } : {}), ...(query.case !== undefined ? { caseId: query.case } : {}), ...(afterId !== undefined ? { afterId } : {}) });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return { items: page.map(outboxRowView), nextCursor: rows.length > query.limit && last ? encodeCursor([last.id]) : null };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/admin/outbox/stats', tag: 'notifications', auth: 'admin',
        summary: 'How many outbox rows of the cases of your subtree are in each status',
        response: StatsSchema,
      },
      async ({ principal }) => {
        const scope = await outboxScope(orgs, principal!);
        return outbox.count(scope ? { orgs: scope } : {});
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/admin/outbox/:id', tag: 'notifications', auth: 'admin', params: IdParams,
        summary: 'One outbox row with its deliveries (one per recipient and channel, each with its own last error)',
        response: z.object({ row: OutboxRowSchema, deliveries: z.array(DeliverySchema) }),
        errors: ['notification_not_found'],
      },
      async ({ params, principal }) => {
        const row = await adminRow(engine, outbox, principal!, params.id);
        const deliveries = scrubValues((await outbox.deliveries.list(row.id)).map(({ outboxId: _o, ...d }) => d), confidentialAddresses(row));
        return { row: outboxRowView(row), deliveries };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/admin/outbox/:id/retry', tag: 'notifications', auth: 'admin', params: IdParams,
        summary: 'Put a dead or unresolved row back to pending with fresh attempts (recipients who already got it are skipped)',
        response: z.object({ row: OutboxRowSchema }),
        errors: ['notification_not_found', 'not_retryable'],
      },
      async ({ params, principal }) => {
        await adminRow(engine, outbox, principal!, params.id);
        await dispatcher.retryDead(params.id);
        return { row: outboxRowView((await outbox.get(params.id))!) };
      },
    ),
  ];
}
