/**
 * The `OutboxStore` port over knex, on the store's database: outbox rows
 * (inserted by the engine's `commit` in the step's transaction, see
 * engine/adapters/knex-tx.ts), deliveries, the inbox and acknowledged warnings. Claiming
 * is one conditional UPDATE, as for timers (knex-time.ts), so of two
 * dispatchers racing for a row exactly one sees its update take effect, and a
 * claim whose holder crashed expires and is taken again.
 */
import type { Knex } from 'knex';
import type { AckRecord, AckStore, DeliveryRecord, DeliveryStore, InboxItem, InboxStore, OutboxRecord, OutboxStatus, OutboxStore } from './outbox-ports.js';

type Dialect = 'sqlite' | 'postgres';
/** JSON for a column (text on SQLite; pg casts text to jsonb). */
const encodeJson = (value: unknown): string => JSON.stringify(value ?? null);
/** A JSON column's value: text on SQLite, already parsed on PostgreSQL. */
const decodeJson = (dialect: Dialect, value: unknown): unknown => (dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value);

/** The database the outbox lives in: the store's knex and dialect (a `KnexStore` is one), and optionally a second connection for plain reads. */
export interface OutboxDatabase {
  readonly knex: Knex;
  readonly dialect: Dialect;
  /** SQLite: a second connection for reads outside transactions (default: `knex`). */
  readonly reader?: Knex | undefined;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string => String(v);
const opt = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'sent', 'dead', 'unresolved'];

function rowToOutbox(dialect: Dialect, r: Row): OutboxRecord {
  return {
    id: str(r.id),
    caseId: str(r.case_id),
    seq: Number(r.seq),
    template: str(r.template),
    kind: str(r.kind),
    channels: decodeJson(dialect, r.channels),
    recipients: decodeJson(dialect, r.recipients),
    ack: r.ack === null || r.ack === undefined ? null : decodeJson(dialect, r.ack),
    vars: decodeJson(dialect, r.vars),
    confidential: decodeJson(dialect, r.confidential),
    input: r.input === 'case' ? 'case' : null,
    status: str(r.status) as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: str(r.next_attempt_at),
    claimedBy: opt(r.claimed_by),
    claimExpiresAt: opt(r.claim_expires_at),
    lastError: opt(r.last_error),
    createdAt: str(r.created_at),
    sentAt: opt(r.sent_at),
  };
}

function rowToDelivery(r: Row): DeliveryRecord {
  return {
    outboxId: str(r.outbox_id), recipient: str(r.recipient), userId: opt(r.user_id), address: opt(r.address), channel: str(r.channel),
    status: str(r.status) as DeliveryRecord['status'], attempts: Number(r.attempts), lastError: opt(r.last_error), deliveredAt: opt(r.delivered_at), updatedAt: str(r.updated_at),
  };
}

function rowToInbox(r: Row): InboxItem {
  return {
    id: str(r.id), userId: str(r.user_id), outboxId: str(r.outbox_id), caseId: str(r.case_id), subject: str(r.subject), body: str(r.body), kind: str(r.kind),
    createdAt: str(r.created_at), readAt: opt(r.read_at), ackRequired: Boolean(r.ack_required), acknowledgedAt: opt(r.acknowledged_at),
  };
}

function rowToAck(dialect: Dialect, r: Row): AckRecord {
  return {
    notificationId: str(r.notification_id), caseId: str(r.case_id), step: Number(r.step), dueAt: str(r.due_at), status: str(r.status) as AckRecord['status'],
    claimedBy: opt(r.claimed_by), claimExpiresAt: opt(r.claim_expires_at), acknowledgedBy: opt(r.acknowledged_by),
    acknowledgedActor: r.acknowledged_actor === null || r.acknowledged_actor === undefined ? null : decodeJson(dialect, r.acknowledged_actor),
    acknowledgedId: opt(r.acknowledged_id), comment: opt(r.comment), acknowledgedAt: opt(r.acknowledged_at), recordedAt: opt(r.recorded_at), createdAt: str(r.created_at), updatedAt: str(r.updated_at),
  };
}

/** Rows a dispatcher may take now: pending and due, or claimed by someone whose claim ran out. */
function claimable(q: Knex.QueryBuilder, now: string): Knex.QueryBuilder {
  return q.where((w) => w.where((x) => x.where('status', 'pending').andWhere('next_attempt_at', '<=', now)).orWhere((x) => x.where('status', 'sending').andWhere('claim_expires_at', '<=', now)));
}

/** Warnings whose acknowledgement is overdue and that no live claim holds. */
function ackDue(q: Knex.QueryBuilder, now: string): Knex.QueryBuilder {
  return q.where('status', 'waiting').andWhere('due_at', '<=', now).andWhere((w) => w.whereNull('claim_expires_at').orWhere('claim_expires_at', '<=', now));
}

/** The ids of the cases of these orgs, as a subquery (an empty list matches nothing). */
function inOrgs(reader: Knex, orgs: readonly string[]): Knex.QueryBuilder {
  return reader('cases').select('id').whereIn('org', [...orgs]);
}

/**
 * Creates the outbox store on the database of a knex store (call the store's
 * `migrate()` first: migrations 004, 005 and 015 make the tables).
 * @example
 * const outbox = createKnexOutboxStore(store);
 * const due = await outbox.listDue(new Date().toISOString(), 100);
 */
export function createKnexOutboxStore(db: OutboxDatabase): OutboxStore {
  const { knex: writer, dialect } = db;
  const reader = db.reader ?? writer;
  const deliveries: DeliveryStore = {
    async list(outboxId) {
      return ((await reader('deliveries').where({ outbox_id: outboxId }).orderBy([{ column: 'recipient' }, { column: 'channel' }])) as Row[]).map(rowToDelivery);
    },
    async record(a) {
      const row = {
        outbox_id: a.outboxId, recipient: a.recipient, user_id: a.userId, address: a.address, channel: a.channel, status: a.status,
        attempts: 1, last_error: a.error?.slice(0, 2000) ?? null, delivered_at: a.status === 'sent' ? a.at : null, updated_at: a.at,
      };
      await writer('deliveries')
        .insert(row)
        .onConflict(['outbox_id', 'recipient', 'channel'])
        .merge({ status: row.status, address: row.address, last_error: row.last_error, delivered_at: row.delivered_at, updated_at: row.updated_at, attempts: writer.raw('deliveries.attempts + 1') });
    },
    async reached(outboxIds, userId) {
      if (outboxIds.length === 0) return false;
      return (await writer('deliveries').select('outbox_id').whereIn('outbox_id', [...outboxIds]).andWhere({ user_id: userId }).first()) !== undefined;
    },
  };

  const inbox: InboxStore = {
    async add(item) {
      const row = { id: item.id, user_id: item.userId, outbox_id: item.outboxId, case_id: item.caseId, subject: item.subject, body: item.body, kind: item.kind, created_at: item.createdAt, ack_required: dialect === 'sqlite' ? Number(item.ackRequired) : item.ackRequired, read_at: null, acknowledged_at: null };
      return (await writer('inbox_items').insert(row).onConflict(['outbox_id', 'user_id']).ignore().returning('id')).length === 1;
    },
    async get(userId, itemId) {
      const row = (await reader('inbox_items').where({ id: itemId, user_id: userId }).first()) as Row | undefined;
      return row && rowToInbox(row);
    },
    async list(userId, opts = {}) {
      const q = reader('inbox_items').where({ user_id: userId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(opts.limit ?? 50);
      if (opts.unreadOnly) q.whereNull('read_at');
      if (opts.before) {
        const { createdAt, id } = opts.before;
        q.where((w) => w.where('created_at', '<', createdAt).orWhere((x) => x.where('created_at', createdAt).andWhere('id', '<', id)));
      }
      return ((await q) as Row[]).map(rowToInbox);
    },
    async markRead(userId, itemId, at) {
      return (await writer('inbox_items').where({ id: itemId, user_id: userId }).whereNull('read_at').update({ read_at: at })) === 1;
    },
    async countUnread(userId) {
      const row = (await reader('inbox_items').where({ user_id: userId }).whereNull('read_at').count({ n: '*' }).first()) as { n?: string | number } | undefined;
      return Number(row?.n ?? 0);
    },
    async markAcknowledged(userId, outboxIds, at) {
      if (outboxIds.length === 0) return 0;
      return writer('inbox_items').where({ user_id: userId }).whereIn('outbox_id', [...outboxIds]).whereNull('acknowledged_at').update({ acknowledged_at: at });
    },
  };

  const acks: AckStore = {
    async open(row) {
      const inserted = await writer('notification_acks')
        .insert({ notification_id: row.notificationId, case_id: row.caseId, step: 0, due_at: row.dueAt, status: 'waiting', created_at: row.createdAt, updated_at: row.createdAt })
        .onConflict('notification_id')
        .ignore()
        .returning('notification_id');
      return inserted.length === 1;
    },
    async get(id) {
      const row = (await writer('notification_acks').where({ notification_id: id }).first()) as Row | undefined;
      return row && rowToAck(dialect, row);
    },
    async listDue(now, limit) {
      return ((await ackDue(reader('notification_acks'), now).orderBy([{ column: 'due_at' }, { column: 'notification_id' }]).limit(limit)) as Row[]).map((r) => rowToAck(dialect, r));
    },
    async nextDueAt(now) {
      const row = (await reader('notification_acks').where('status', 'waiting').andWhere((w) => w.whereNull('claim_expires_at').orWhere('claim_expires_at', '<=', now)).min({ at: 'due_at' }).first()) as { at?: string | null } | undefined;
      return row?.at ?? undefined;
    },
    async claim(id, owner, now, until) {
      return (await ackDue(writer('notification_acks').where({ notification_id: id }), now).update({ claimed_by: owner, claim_expires_at: until })) === 1;
    },
    async advance(id, owner, next) {
      const n = await writer('notification_acks')
        .where({ notification_id: id, claimed_by: owner, status: 'waiting' })
        .update({ step: next.step, due_at: next.dueAt, status: next.status, claimed_by: null, claim_expires_at: null, updated_at: next.at });
      return n === 1;
    },
    async acknowledge(id, ack) {
      const n = await writer('notification_acks')
        .where({ notification_id: id })
        .whereIn('status', ['waiting', 'exhausted'])
        .update({ status: 'acknowledged', acknowledged_by: ack.userId, acknowledged_actor: encodeJson(ack.actor), acknowledged_id: ack.acknowledgedId, comment: ack.comment, acknowledged_at: ack.at, claimed_by: null, claim_expires_at: null, updated_at: ack.at });
      return n === 1;
    },
    async markRecorded(id, at) {
      await writer('notification_acks').where({ notification_id: id }).whereNull('recorded_at').update({ recorded_at: at });
    },
    async listUnrecorded(limit) {
      return ((await reader('notification_acks').where({ status: 'acknowledged' }).whereNull('recorded_at').orderBy('acknowledged_at').limit(limit)) as Row[]).map((r) => rowToAck(dialect, r));
    },
  };

  return {
    deliveries,
    inbox,
    acks,
    async listDue(now, limit) {
      const rows = (await claimable(reader('outbox'), now).orderBy([{ column: 'next_attempt_at' }, { column: 'id' }]).limit(limit)) as Row[];
      return rows.map((r) => rowToOutbox(dialect, r));
    },
    async nextDueAt(now) {
      const pending = (await reader('outbox').where('status', 'pending').min({ at: 'next_attempt_at' }).first()) as { at?: string | null } | undefined;
      const expiring = (await reader('outbox').where('status', 'sending').min({ at: 'claim_expires_at' }).first()) as { at?: string | null } | undefined;
      const times = [pending?.at, expiring?.at].filter((t): t is string => typeof t === 'string');
      if (times.length === 0) return undefined;
      const first = times.sort()[0]!;
      return first < now ? now : first;
    },
    async claim(id, owner, now, until) {
      return (await claimable(writer('outbox').where({ id }), now).update({ status: 'sending', claimed_by: owner, claim_expires_at: until })) === 1;
    },
    async release(id, owner, outcome) {
      const n = await writer('outbox')
        .where({ id, claimed_by: owner, status: 'sending' })
        .update({
          status: outcome.status,
          attempts: outcome.attempts,
          last_error: outcome.lastError?.slice(0, 4000) ?? null,
          claimed_by: null,
          claim_expires_at: null,
          ...(outcome.nextAttemptAt === undefined ? {} : { next_attempt_at: outcome.nextAttemptAt }),
          ...(outcome.sentAt === undefined ? {} : { sent_at: outcome.sentAt }),
        });
      return n === 1;
    },
    async enqueue(row) {
      const inserted = await writer('outbox')
        .insert({
          id: row.id, case_id: row.caseId, seq: row.seq, template: row.template, kind: row.kind,
          channels: encodeJson(row.channels), recipients: encodeJson(row.recipients), ack: row.ack === null || row.ack === undefined ? null : encodeJson(row.ack),
          vars: encodeJson(row.vars), confidential: encodeJson(row.confidential), input: row.input ?? null,
          status: 'pending', attempts: 0, next_attempt_at: row.nextAttemptAt, created_at: row.createdAt,
        })
        .onConflict('id')
        .ignore()
        .returning('id');
      return inserted.length === 1;
    },
    async get(id) {
      const row = (await writer('outbox').where({ id }).first()) as Row | undefined;
      return row && rowToOutbox(dialect, row);
    },
    async list(filter) {
      const q = reader('outbox').orderBy('id').limit(filter.limit);
      if (filter.status !== undefined) q.where({ status: filter.status });
      if (filter.caseId !== undefined) q.where({ case_id: filter.caseId });
      if (filter.orgs !== undefined) q.whereIn('case_id', inOrgs(reader, filter.orgs));
      if (filter.afterId !== undefined) q.where('id', '>', filter.afterId);
      return ((await q) as Row[]).map((r) => rowToOutbox(dialect, r));
    },
    async retry(id, now) {
      const n = await writer('outbox').where({ id }).whereIn('status', ['dead', 'unresolved']).update({ status: 'pending', attempts: 0, next_attempt_at: now, claimed_by: null, claim_expires_at: null });
      return n === 1;
    },
    async count(filter = {}) {
      const q = reader('outbox');
      if (filter.orgs !== undefined) q.whereIn('case_id', inOrgs(reader, filter.orgs));
      const rows = (await q.select('status').count({ n: '*' }).groupBy('status')) as { status: string; n: string | number }[];
      const by = new Map(rows.map((r) => [r.status, Number(r.n)]));
      return Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, by.get(s) ?? 0])) as Record<OutboxStatus, number>;
    },
  };
}
