/**
 * The outbox port's contract (notifications/outbox-ports.ts), run on SQLite
 * and PostgreSQL through the ports only (no SQL here): rows a step commits
 * (through the engine's Store port), claimed by one dispatcher at a time,
 * released, retried, listed and counted; escalations enqueued once; the
 * deliveries, the inbox and the acknowledged warnings.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NotifyEffect } from '../../engine/core/effects.js';
import type { CaseRecord, CommitRequest, Store } from '../../engine/ports.js';
import { createKnexOutboxStore } from '../../notifications/knex-outbox.js';
import type { OutboxStore } from '../../notifications/outbox-ports.js';
import { createCommit, fixtureAt, nextCommit } from '../support/builders.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../support/stores.js';

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

const commit = (store: Store, req: CommitRequest) => store.transaction((tx) => tx.commit(req));
const later = (minutes: number) => new Date(Date.parse(fixtureAt(1)) + minutes * 60_000).toISOString();

/** A notify effect whose vars are not the case's (an arbitrary input), so the row stores them whole. */
function notify(caseId: string, seq: number, index: number, over: Partial<NotifyEffect> = {}): NotifyEffect {
  return {
    type: 'notify', id: `${caseId}/${seq}/${index}`, template: 'task-assigned', kind: 'info', to: [{ role: 'inspector', org: 'district-a' }], channels: ['inbox', 'email'],
    vars: { case: { id: caseId, org: 'district-a', workflowId: 'other', workflowTitle: { zh: '别的', en: 'Other' }, state: 'x', seq }, data: { n: index }, event: { type: 'note', actorId: 'u-x' } },
    confidential: { secret: ['inspector'] },
    ...over,
  };
}

describe.each(backends)('outbox contract on $name', ({ make, enabled }) => {
  let fresh: FreshStore;
  let outbox: OutboxStore;
  beforeEach(async () => {
    if (!enabled) return;
    fresh = await make();
    outbox = createKnexOutboxStore(fresh.store);
  });
  afterEach(async () => {
    if (enabled) await fresh.cleanup();
  });

  /** Creates case `caseId` (in `org`) whose first event notifies `n` times; returns its record. */
  async function caseWith(caseId: string, n: number, org = 'district-a'): Promise<CaseRecord> {
    const req = createCommit(caseId, { org, effects: Array.from({ length: n }, (_, i) => notify(caseId, 1, i)) });
    await commit(fresh.store, req);
    return req.record;
  }

  it.skipIf(!enabled)('holds one pending row per notify effect of a committed step, and none of a step that rolled back', async () => {
    await caseWith('c1', 2);
    const rows = await outbox.list({ caseId: 'c1', limit: 10 });
    expect(rows.map((r) => r.id)).toEqual(['c1/1/0', 'c1/1/1']);
    expect(rows[0]).toMatchObject({
      caseId: 'c1', seq: 1, template: 'task-assigned', kind: 'info', channels: ['inbox', 'email'], recipients: [{ role: 'inspector', org: 'district-a' }], ack: null,
      vars: notify('c1', 1, 0).vars, confidential: { secret: ['inspector'] }, input: null,
      status: 'pending', attempts: 0, nextAttemptAt: fixtureAt(1), claimedBy: null, claimExpiresAt: null, lastError: null, createdAt: fixtureAt(1), sentAt: null,
    });
    expect(await outbox.get('c1/1/1')).toEqual(rows[1]);
    const failing = createCommit('c2', { effects: [notify('c2', 1, 0)] });
    await expect(fresh.store.transaction(async (tx) => {
      await tx.commit(failing);
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    expect(await outbox.get('c2/1/0')).toBeUndefined();
  });

  it.skipIf(!enabled)("stores a row whose input is the case's at its seq without copying it, keeping only the deadline", async () => {
    const created = createCommit('c1', { data: {} });
    await commit(fresh.store, created);
    const data = { description: '泄爆装置缺失', photos: ['a.jpg'] };
    const next = nextCommit(created.record, { type: 'note', data });
    const own = { id: 'c1', org: 'district-a', workflowId: 'hazard', workflowTitle: { zh: '隐患', en: 'Hazard' }, state: 'reported', seq: 2 };
    const deadline = { key: 'k', dueAt: later(60) };
    const event = { type: 'note', actorId: next.event.actor.id, actorName: next.event.actor.name };
    await commit(fresh.store, {
      ...next,
      effects: [
        notify('c1', 2, 0, { vars: { case: own, data, event } }),
        notify('c1', 2, 1, { vars: { case: own, data, event, deadline } }),
        // Not the case's data: stored whole.
        notify('c1', 2, 2, { vars: { case: own, data: { other: true }, event } }),
      ],
    });
    const [a, b, c] = await outbox.list({ caseId: 'c1', limit: 10 });
    expect([a?.input, a?.vars]).toEqual(['case', {}]);
    expect([b?.input, b?.vars]).toEqual(['case', { deadline }]);
    expect([c?.input, c?.vars]).toEqual([null, { case: own, data: { other: true }, event }]);
  });

  it.skipIf(!enabled)('lets one dispatcher claim a due row; another takes it only once the claim expired', async () => {
    await caseWith('c1', 2);
    const now = later(1);
    expect((await outbox.listDue(now, 10)).map((r) => r.id)).toEqual(['c1/1/0', 'c1/1/1']);
    expect(await outbox.listDue(fixtureAt(0), 10)).toEqual([]);
    expect(await outbox.nextDueAt(fixtureAt(0))).toBe(fixtureAt(1));
    expect(await outbox.nextDueAt(now)).toBe(now);

    expect(await outbox.claim('c1/1/0', 'A', now, later(5))).toBe(true);
    expect(await outbox.claim('c1/1/0', 'B', now, later(5))).toBe(false);
    expect(await outbox.get('c1/1/0')).toMatchObject({ status: 'sending', claimedBy: 'A', claimExpiresAt: later(5) });
    expect((await outbox.listDue(now, 10)).map((r) => r.id)).toEqual(['c1/1/1']);
    // A holder that crashed: its claim runs out and B takes the row; A's release then fails.
    expect(await outbox.claim('c1/1/0', 'B', later(5), later(10))).toBe(true);
    expect(await outbox.release('c1/1/0', 'A', { status: 'sent', attempts: 1, lastError: null, sentAt: later(5) })).toBe(false);
    expect(await outbox.release('c1/1/0', 'B', { status: 'sent', attempts: 1, lastError: null, sentAt: later(6) })).toBe(true);
    expect(await outbox.get('c1/1/0')).toMatchObject({ status: 'sent', attempts: 1, sentAt: later(6), claimedBy: null, claimExpiresAt: null });
    expect(await outbox.claim('c1/1/0', 'C', later(20), later(25))).toBe(false);
  });

  it.skipIf(!enabled)('backs a failed row off until its next attempt, and retries only dead or unresolved rows', async () => {
    await caseWith('c1', 2);
    await outbox.claim('c1/1/0', 'A', later(1), later(5));
    expect(await outbox.release('c1/1/0', 'A', { status: 'pending', attempts: 1, nextAttemptAt: later(30), lastError: 'smtp: 451' })).toBe(true);
    expect((await outbox.listDue(later(2), 10)).map((r) => r.id)).toEqual(['c1/1/1']);
    expect((await outbox.listDue(later(30), 10)).map((r) => r.id)).toEqual(['c1/1/1', 'c1/1/0']);
    expect(await outbox.get('c1/1/0')).toMatchObject({ status: 'pending', attempts: 1, lastError: 'smtp: 451' });

    expect(await outbox.retry('c1/1/0', later(31))).toBe(false);
    await outbox.claim('c1/1/0', 'A', later(31), later(35));
    await outbox.release('c1/1/0', 'A', { status: 'dead', attempts: 6, lastError: 'gave up' });
    await outbox.claim('c1/1/1', 'A', later(31), later(35));
    await outbox.release('c1/1/1', 'A', { status: 'unresolved', attempts: 1, lastError: 'nobody' });
    expect(await outbox.count()).toEqual({ pending: 0, sending: 0, sent: 0, dead: 1, unresolved: 1 });
    expect(await outbox.retry('c1/1/0', later(40))).toBe(true);
    expect(await outbox.retry('c1/1/1', later(40))).toBe(true);
    expect(await outbox.get('c1/1/0')).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: later(40) });
    expect(await outbox.count()).toEqual({ pending: 2, sending: 0, sent: 0, dead: 0, unresolved: 0 });
  });

  it.skipIf(!enabled)('enqueues an escalation once, with the input of the row it follows', async () => {
    await caseWith('c1', 1);
    const root = (await outbox.get('c1/1/0'))!;
    const escalation = {
      id: 'c1/1/0/ack1', caseId: 'c1', seq: 1, template: root.template, kind: root.kind, channels: root.channels, recipients: [{ user: 'u-head' }], ack: { within: 'PT30M', chain: [] },
      vars: root.vars, confidential: root.confidential, input: root.input, createdAt: later(30), nextAttemptAt: later(30),
    };
    expect(await outbox.enqueue(escalation)).toBe(true);
    expect(await outbox.enqueue(escalation)).toBe(false);
    expect(await outbox.get('c1/1/0/ack1')).toMatchObject({ status: 'pending', recipients: [{ user: 'u-head' }], ack: { within: 'PT30M', chain: [] }, vars: root.vars, input: null, nextAttemptAt: later(30) });
  });

  it.skipIf(!enabled)('lists rows by status, case and the orgs of their cases, paged by id, and counts them by org', async () => {
    await caseWith('a1', 2, 'district-a');
    await caseWith('b1', 1, 'district-b');
    expect((await outbox.list({ limit: 10 })).map((r) => r.id)).toEqual(['a1/1/0', 'a1/1/1', 'b1/1/0']);
    expect((await outbox.list({ limit: 2 })).map((r) => r.id)).toEqual(['a1/1/0', 'a1/1/1']);
    expect((await outbox.list({ limit: 2, afterId: 'a1/1/1' })).map((r) => r.id)).toEqual(['b1/1/0']);
    expect((await outbox.list({ orgs: ['district-b'], limit: 10 })).map((r) => r.id)).toEqual(['b1/1/0']);
    expect(await outbox.list({ orgs: [], limit: 10 })).toEqual([]);
    await outbox.claim('b1/1/0', 'A', later(1), later(5));
    expect((await outbox.list({ status: 'sending', limit: 10 })).map((r) => r.id)).toEqual(['b1/1/0']);
    expect(await outbox.count({ orgs: ['district-a'] })).toEqual({ pending: 2, sending: 0, sent: 0, dead: 0, unresolved: 0 });
    expect(await outbox.count({ orgs: ['district-b'] })).toEqual({ pending: 0, sending: 1, sent: 0, dead: 0, unresolved: 0 });
  });

  it.skipIf(!enabled)('records deliveries attempt by attempt and tells whether a user was reached', async () => {
    await caseWith('c1', 2);
    const attempt = { outboxId: 'c1/1/0', recipient: 'u1', userId: 'u1', address: 'u1@example.test', channel: 'email' };
    await outbox.deliveries.record({ ...attempt, status: 'failed', error: 'smtp: 451', at: later(1) });
    await outbox.deliveries.record({ ...attempt, status: 'sent', error: null, at: later(2) });
    await outbox.deliveries.record({ ...attempt, channel: 'inbox', address: null, status: 'sent', error: null, at: later(2) });
    expect(await outbox.deliveries.list('c1/1/0')).toEqual([
      { ...attempt, status: 'sent', attempts: 2, lastError: null, deliveredAt: later(2), updatedAt: later(2) },
      { ...attempt, channel: 'inbox', address: null, status: 'sent', attempts: 1, lastError: null, deliveredAt: later(2), updatedAt: later(2) },
    ].sort((x, y) => x.channel.localeCompare(y.channel)));
    expect(await outbox.deliveries.reached(['c1/1/1', 'c1/1/0'], 'u1')).toBe(true);
    expect(await outbox.deliveries.reached(['c1/1/1'], 'u1')).toBe(false);
    expect(await outbox.deliveries.reached([], 'u1')).toBe(false);
  });

  it.skipIf(!enabled)("keeps each user's inbox: added once, newest first, paged, read and acknowledged", async () => {
    await caseWith('c1', 3);
    const item = (n: number, userId = 'u1') => ({ id: `i${n}-${userId}`, userId, outboxId: `c1/1/${n}`, caseId: 'c1', subject: `主题${n}`, body: '正文', kind: 'info', createdAt: later(n), ackRequired: n === 2 });
    for (const n of [0, 1, 2]) expect(await outbox.inbox.add(item(n))).toBe(true);
    expect(await outbox.inbox.add({ ...item(0), id: 'other-id' })).toBe(false);
    await outbox.inbox.add(item(0, 'u2'));
    expect((await outbox.inbox.list('u1')).map((i) => i.id)).toEqual(['i2-u1', 'i1-u1', 'i0-u1']);
    expect((await outbox.inbox.list('u1', { limit: 1, before: { createdAt: later(2), id: 'i2-u1' } })).map((i) => i.id)).toEqual(['i1-u1']);
    expect(await outbox.inbox.get('u1', 'i0-u2')).toBeUndefined();
    expect(await outbox.inbox.get('u2', 'i0-u2')).toMatchObject({ subject: '主题0', readAt: null, ackRequired: false, acknowledgedAt: null });
    expect(await outbox.inbox.countUnread('u1')).toBe(3);
    expect(await outbox.inbox.markRead('u1', 'i1-u1', later(5))).toBe(true);
    expect(await outbox.inbox.markRead('u1', 'i1-u1', later(6))).toBe(false);
    expect(await outbox.inbox.markRead('u1', 'i0-u2', later(6))).toBe(false);
    expect(await outbox.inbox.countUnread('u1')).toBe(2);
    expect((await outbox.inbox.list('u1', { unreadOnly: true })).map((i) => i.id)).toEqual(['i2-u1', 'i0-u1']);
    expect(await outbox.inbox.markAcknowledged('u1', ['c1/1/2', 'c1/1/9'], later(7))).toBe(1);
    expect(await outbox.inbox.markAcknowledged('u1', ['c1/1/2'], later(8))).toBe(0);
    expect(await outbox.inbox.get('u1', 'i2-u1')).toMatchObject({ ackRequired: true, acknowledgedAt: later(7) });
  });

  it.skipIf(!enabled)('waits for an acknowledgement, claims an overdue warning once, escalates, and records the acknowledgement', async () => {
    await caseWith('c1', 1);
    const id = 'c1/1/0';
    expect(await outbox.acks.open({ notificationId: id, caseId: 'c1', dueAt: later(30), createdAt: later(1) })).toBe(true);
    expect(await outbox.acks.open({ notificationId: id, caseId: 'c1', dueAt: later(99), createdAt: later(2) })).toBe(false);
    expect(await outbox.acks.get(id)).toMatchObject({ step: 0, dueAt: later(30), status: 'waiting', claimedBy: null, acknowledgedBy: null });
    expect(await outbox.acks.listDue(later(29), 10)).toEqual([]);
    expect(await outbox.acks.nextDueAt(later(1))).toBe(later(30));
    expect((await outbox.acks.listDue(later(30), 10)).map((a) => a.notificationId)).toEqual([id]);

    expect(await outbox.acks.claim(id, 'A', later(30), later(35))).toBe(true);
    expect(await outbox.acks.claim(id, 'B', later(31), later(36))).toBe(false);
    expect(await outbox.acks.listDue(later(31), 10)).toEqual([]);
    expect(await outbox.acks.advance(id, 'B', { step: 1, dueAt: later(60), status: 'waiting', at: later(31) })).toBe(false);
    expect(await outbox.acks.advance(id, 'A', { step: 1, dueAt: later(60), status: 'waiting', at: later(31) })).toBe(true);
    expect(await outbox.acks.get(id)).toMatchObject({ step: 1, dueAt: later(60), status: 'waiting', claimedBy: null, updatedAt: later(31) });

    const actor = { id: 'u-head', roles: ['townshipHead'], org: 'district-a' };
    expect(await outbox.acks.listUnrecorded(10)).toEqual([]);
    expect(await outbox.acks.acknowledge(id, { userId: 'u-head', actor, acknowledgedId: `${id}/ack1`, comment: '收到', at: later(40) })).toBe(true);
    expect(await outbox.acks.acknowledge(id, { userId: 'u-other', actor, acknowledgedId: id, comment: null, at: later(41) })).toBe(false);
    expect(await outbox.acks.get(id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'u-head', acknowledgedActor: actor, acknowledgedId: `${id}/ack1`, comment: '收到', acknowledgedAt: later(40), recordedAt: null });
    expect((await outbox.acks.listUnrecorded(10)).map((a) => a.notificationId)).toEqual([id]);
    await outbox.acks.markRecorded(id, later(42));
    await outbox.acks.markRecorded(id, later(43));
    expect(await outbox.acks.get(id)).toMatchObject({ recordedAt: later(42) });
    expect(await outbox.acks.listUnrecorded(10)).toEqual([]);
  });

  it.skipIf(!enabled)('ends a warning exhausted or cancelled, and an exhausted one may still be acknowledged', async () => {
    await caseWith('c1', 2);
    await outbox.acks.open({ notificationId: 'c1/1/0', caseId: 'c1', dueAt: later(30), createdAt: later(1) });
    await outbox.acks.open({ notificationId: 'c1/1/1', caseId: 'c1', dueAt: later(30), createdAt: later(1) });
    await outbox.acks.claim('c1/1/0', 'A', later(30), later(35));
    await outbox.acks.advance('c1/1/0', 'A', { step: 0, dueAt: later(30), status: 'exhausted', at: later(30) });
    await outbox.acks.claim('c1/1/1', 'A', later(30), later(35));
    await outbox.acks.advance('c1/1/1', 'A', { step: 0, dueAt: later(30), status: 'cancelled', at: later(30) });
    expect(await outbox.acks.nextDueAt(later(30))).toBeUndefined();
    const ack = { userId: 'u1', actor: { id: 'u1', roles: ['gridOfficer'] }, acknowledgedId: 'c1/1/0', comment: null, at: later(50) };
    expect(await outbox.acks.acknowledge('c1/1/0', ack)).toBe(true);
    expect(await outbox.acks.acknowledge('c1/1/1', { ...ack, acknowledgedId: 'c1/1/1' })).toBe(false);
    expect((await outbox.acks.get('c1/1/1'))?.status).toBe('cancelled');
  });
});
