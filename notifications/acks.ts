/**
 * Acknowledged warnings (预警"叫应", DOMAIN §4.3): a notification with `ack`
 * must be acknowledged within `ack.within` (the engine's duration rules;
 * `PT30M` is 30 wall-clock minutes) by one of its recipients. Otherwise the
 * sweep sends it to the next step of `ack.chain` (grid officer → township
 * head → county office) and records `notification.escalated` in the case
 * history; an acknowledgement stops the chain and records
 * `notification.acknowledged`, sent as the acknowledging user. This is the
 * only way that event enters a history: the server refuses it on the generic
 * event route (`reserved_event`), so only a recipient acknowledges.
 *
 * Escalating is claimed like a timer and every write is idempotent (the
 * escalation's outbox id, the events' idempotency keys), so a sweep that
 * crashed half-way is finished by the next one without doubling anything.
 */
import { ActorSchema, addDuration, EngineError, type Actor } from '../engine/index.js';
import { calendarOf, errorText, isoAfter, NOTIFICATIONS_ACTOR, type DispatchContext } from './context.js';
import { NotificationError } from './errors.js';
import { escalationId, parseOutboxHead, warningIds, warningOf } from './outbox-row.js';
import { describeRecipient, resolveRecipients } from './recipients.js';
import { type AckRecord } from './outbox-ports.js';

/** What {@link acknowledgeWarning} did. */
export interface AckResult {
  /** The warning (its first notification's id). */
  notificationId: string;
  /** The notification the user acknowledged (the first or an escalation). */
  acknowledgedId: string;
  acknowledgedAt: string;
  /** How far the warning had escalated (0: not at all). */
  step: number;
  /** Whether the `notification.acknowledged` event is in the case history (else the sweep adds it). */
  recorded: boolean;
}

const BATCH = 100;

/**
 * Records that `user` acknowledges a warning (any of its notifications).
 * Refuses with `notification_not_found`, `not_acknowledgeable` (no
 * acknowledgement required), `not_a_recipient` (the user received none of the
 * warning's notifications) or `already_acknowledged` (someone else did).
 * Acknowledging again as the same user returns the first acknowledgement.
 */
export async function acknowledgeWarning(ctx: DispatchContext, notificationId: string, user: Actor, comment?: string): Promise<AckResult> {
  const row = await ctx.outbox.get(notificationId);
  if (!row) throw new NotificationError('notification_not_found', `notification ${notificationId} does not exist`, { notificationId });
  const { rootId } = warningOf(row.id);
  for (let attempt = 0; attempt < 3; attempt++) {
    const ack = await ctx.outbox.acks.get(rootId);
    if (!ack) {
      if (row.ack === null) throw new NotificationError('not_acknowledgeable', `notification ${notificationId} requires no acknowledgement`, { notificationId });
      throw new NotificationError('not_a_recipient', `notification ${notificationId} has not been delivered to ${user.id}`, { notificationId, userId: user.id });
    }
    const ids = warningIds(rootId, ack.step);
    if (!(await ctx.outbox.deliveries.reached(ids, user.id))) throw new NotificationError('not_a_recipient', `${user.id} received none of the notifications of warning ${rootId}`, { notificationId, userId: user.id });
    if (ack.status === 'acknowledged') {
      if (ack.acknowledgedBy !== user.id) throw new NotificationError('already_acknowledged', `warning ${rootId} was acknowledged by ${ack.acknowledgedBy}`, { notificationId: rootId, by: ack.acknowledgedBy });
      return { notificationId: rootId, acknowledgedId: ack.acknowledgedId ?? rootId, acknowledgedAt: ack.acknowledgedAt ?? '', step: ack.step, recorded: await recordAcknowledgement(ctx, ack) };
    }
    if (ack.status === 'cancelled') throw new NotificationError('not_acknowledgeable', `warning ${rootId} ended with its case`, { notificationId: rootId });
    const at = ctx.clock.now().toISOString();
    // The issuer of the token used goes into the history with the acknowledgement, as with any event.
    const actor = ActorSchema.parse({ id: user.id, roles: user.roles, ...(user.org ? { org: user.org } : {}), ...(user.name ? { name: user.name } : {}), ...(user.issuedBy ? { issuedBy: user.issuedBy } : {}) });
    if (!(await ctx.outbox.acks.acknowledge(rootId, { userId: user.id, actor, acknowledgedId: row.id, comment: comment ?? null, at }))) continue; // raced: read again
    await ctx.outbox.inbox.markAcknowledged(user.id, ids, at);
    const done = (await ctx.outbox.acks.get(rootId))!;
    return { notificationId: rootId, acknowledgedId: row.id, acknowledgedAt: at, step: done.step, recorded: await recordAcknowledgement(ctx, done) };
  }
  throw new NotificationError('already_acknowledged', `warning ${rootId} changed while it was being acknowledged`, { notificationId: rootId });
}

/** Appends `notification.acknowledged` (once, by idempotency key); false when it must be retried later. */
async function recordAcknowledgement(ctx: DispatchContext, ack: AckRecord): Promise<boolean> {
  if (ack.recordedAt !== null) return true;
  const actor = ActorSchema.parse(ack.acknowledgedActor);
  const payload = { notification: ack.acknowledgedId ?? ack.notificationId, ...(ack.comment ? { comment: ack.comment } : {}) };
  try {
    await ctx.engine.send(ack.caseId, { type: 'notification.acknowledged', payload, idempotencyKey: `notification.acknowledged:${ack.notificationId}` }, actor);
  } catch (error) {
    // A closed case takes no more events: the acknowledgement stays in the warning's row.
    if (!(error instanceof EngineError && (error.code === 'case_closed' || error.code === 'idempotency_conflict'))) {
      ctx.logger.warn('recording an acknowledgement failed; the sweep retries', { id: ack.notificationId, error: errorText(error) });
      return false;
    }
  }
  await ctx.outbox.acks.markRecorded(ack.notificationId, ctx.clock.now().toISOString());
  return true;
}

/**
 * Escalates every warning whose acknowledgement is overdue to the next step of
 * its chain (or ends it when the chain is used up), and records
 * acknowledgements whose event is missing. Resolves to how many escalated.
 */
export async function sweepWarnings(ctx: DispatchContext): Promise<number> {
  for (const ack of await ctx.outbox.acks.listUnrecorded(BATCH)) await recordAcknowledgement(ctx, ack);
  let escalated = 0;
  const seen = new Set<string>();
  for (;;) {
    const due = (await ctx.outbox.acks.listDue(ctx.clock.now().toISOString(), BATCH)).filter((a) => !seen.has(a.notificationId));
    if (due.length === 0) return escalated;
    for (const ack of due) {
      seen.add(ack.notificationId);
      if (await escalate(ctx, ack)) escalated++;
    }
  }
}

async function escalate(ctx: DispatchContext, ack: AckRecord): Promise<boolean> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  if (!(await ctx.outbox.acks.claim(ack.notificationId, ctx.owner, at, isoAfter(now, ctx.claimTtlMs)))) return false;
  try {
    const root = await ctx.outbox.get(ack.notificationId);
    if (!root) throw new Error(`outbox row ${ack.notificationId} is gone`);
    const payload = parseOutboxHead(root);
    const chain = payload.ack?.chain ?? [];
    const step = ack.step + 1;
    const to = chain[step - 1];
    if (to === undefined) {
      await ctx.outbox.acks.advance(ack.notificationId, ctx.owner, { step: ack.step, dueAt: ack.dueAt, status: 'exhausted', at });
      ctx.logger.warn('warning not acknowledged and its chain is used up', { id: ack.notificationId, steps: chain.length });
      return false;
    }
    const resolved = await resolveRecipients(ctx.directory, to).catch(() => ({ addressees: [], problems: [] }));
    const names = resolved.addressees.length > 0 ? resolved.addressees.map((a) => a.userId ?? a.email ?? a.key) : to.map(describeRecipient);
    try {
      const payloadOfEvent = { notification: root.id, step, to: names.slice(0, 1000) };
      await ctx.engine.send(root.caseId, { type: 'notification.escalated', payload: payloadOfEvent, idempotencyKey: `notification.escalated:${root.id}:${step}` }, NOTIFICATIONS_ACTOR);
    } catch (error) {
      if (error instanceof EngineError && error.code === 'case_closed') {
        await ctx.outbox.acks.advance(ack.notificationId, ctx.owner, { step: ack.step, dueAt: ack.dueAt, status: 'cancelled', at });
        return false;
      }
      // Recorded by an earlier, interrupted sweep (the directory answered differently since).
      if (!(error instanceof EngineError && error.code === 'idempotency_conflict')) throw error;
    }
    const id = escalationId(root.id, step);
    await ctx.outbox.enqueue({
      id, caseId: root.caseId, seq: root.seq, template: root.template, kind: root.kind, channels: payload.channels, recipients: to, ack: payload.ack,
      // The warning's own input, as stored (a row naming its case names it again: nothing is copied).
      vars: root.vars, confidential: root.confidential, input: root.input, createdAt: at, nextAttemptAt: at,
    });
    const dueAt = addDuration(await calendarOf(ctx), now, payload.ack!.within).dueAt.toISOString();
    await ctx.outbox.acks.advance(ack.notificationId, ctx.owner, { step, dueAt, status: 'waiting', at });
    ctx.emitPending([{ id, at, attempts: 0 }]);
    return true;
  } catch (error) {
    // The claim expires and the next sweep tries again.
    ctx.logger.error('escalating a warning failed', { id: ack.notificationId, error: errorText(error) });
    return false;
  }
}
