/**
 * Delivering one outbox row: claim it (one conditional UPDATE, so a row is
 * worked on by one dispatcher at a time; a crashed holder's claim expires),
 * resolve the recipients now, render per recipient (locale, confidential
 * fields), deliver per channel, record each recipient × channel, and leave
 * the row `sent`, `pending` (retry after backoff), `dead` or `unresolved`.
 *
 * Deliveries already recorded `sent` are skipped, so a retry after a partial
 * failure or a crash re-sends to nobody who already got it. A crash between
 * a channel accepting a message and its delivery row being written is the one
 * window in which a recipient may get a message twice (at-least-once).
 */
import { addDuration, type OrgStep } from '../engine/index.js';
import type { Channel, OutgoingMessage } from './channel.js';
import { ackUrl, calendarOf, errorText, isoAfter, type CaseDescriber, type DispatchContext } from './context.js';
import { loadCaseInput, parseOutboxRow, warningOf, type OutboxPayload } from './outbox-row.js';
import { dataFor, resolveRecipients, type Addressee } from './recipients.js';
import { caseUrl } from './helpers.js';
import type { TemplateContext } from './templates.js';
import { type OutboxRecord, type OutboxRelease } from './outbox-ports.js';

/** How a delivery attempt left the row. `skipped`: not claimable (another dispatcher has it, or it is not due). */
export type DeliveryOutcome =
  | { status: 'sent' | 'dead' | 'unresolved'; attempts: number }
  | { status: 'retry'; attempts: number; nextAttemptAt: string }
  | { status: 'skipped' };

/** Claims and delivers one row. Never throws for a delivery failure: it is recorded on the row. */
export async function deliverRow(ctx: DispatchContext, id: string): Promise<DeliveryOutcome> {
  const now = ctx.clock.now();
  if (!(await ctx.outbox.claim(id, ctx.owner, now.toISOString(), isoAfter(now, ctx.claimTtlMs)))) return { status: 'skipped' };
  const row = await ctx.outbox.get(id);
  if (!row) return { status: 'skipped' };
  try {
    return await deliverClaimed(ctx, row, now);
  } catch (error) {
    // The directory, the store or the calendar failed: retry the row later like a failed delivery.
    ctx.logger.warn('delivering a notification failed', { id, error: errorText(error) });
    return release(ctx, row, now, { failures: [errorText(error)], permanent: false });
  }
}

async function deliverClaimed(ctx: DispatchContext, row: OutboxRecord, now: Date): Promise<DeliveryOutcome> {
  let payload: OutboxPayload;
  // Reading the case back may fail like the store does (retried); a row that does not parse never will (dead).
  const fromCase = await loadCaseInput(ctx.engine, row);
  try {
    payload = parseOutboxRow(row, fromCase);
  } catch (error) {
    return release(ctx, row, now, { failures: [errorText(error)], permanent: true });
  }
  let ackDueAt: string | null = null;
  if (payload.ack) {
    ackDueAt = addDuration(await calendarOf(ctx), new Date(row.createdAt), payload.ack.within).dueAt.toISOString();
    // The window starts when the step committed, so a late or failing delivery does not delay the escalation.
    if (warningOf(row.id).step === 0) await ctx.outbox.acks.open({ notificationId: row.id, caseId: row.caseId, dueAt: ackDueAt, createdAt: row.createdAt });
  }
  const { addressees, problems } = await resolveRecipients(ctx.directory, payload.recipients);
  const done = new Set((await ctx.outbox.deliveries.list(row.id)).filter((d) => d.status === 'sent').map((d) => `${d.recipient}|${d.channel}`));
  const fields = ctx.templates.variables(row.template).some((v) => v.startsWith('data.')) ? await dataFields(ctx, row.caseId) : [];
  // The org scope of confidential fields is judged on the case's org ancestry, read once per row.
  const caseOrgPath = Object.keys(payload.confidential).length > 0 && ctx.directory.orgPath ? await ctx.directory.orgPath(payload.vars.case.org) : undefined;
  const calendar = await calendarOf(ctx);
  const failures: string[] = [];
  const permanent: string[] = [];
  let reached = 0;

  for (const a of addressees) {
    const channels = payload.channels.map((n) => ctx.channels.get(n)).filter((c): c is Channel => c !== undefined && c.reaches(a));
    if (channels.length === 0) {
      problems.push(`${a.key}: none of ${payload.channels.join(', ')} reaches them`);
      continue;
    }
    reached++;
    const todo = channels.filter((c) => !done.has(`${a.key}|${c.name}`));
    if (todo.length === 0) continue;
    const record = (channel: string, status: 'sent' | 'failed', error: string | null, address: string | null) =>
      ctx.outbox.deliveries.record({ outboxId: row.id, recipient: a.key, userId: a.userId, address, channel, status, error, at: ctx.clock.now().toISOString() });
    let message: OutgoingMessage;
    try {
      const described = ctx.describeCase ? await ctx.describeCase(row.caseId, payload.vars.case.state, a.locale).catch(() => undefined) : undefined;
      const rendered = ctx.templates.render(row.template, a.locale, contextFor(ctx, row, payload, a, ackDueAt, fields, caseOrgPath, described), { now, calendar });
      message = { notificationId: row.id, caseId: row.caseId, kind: row.kind, template: row.template, ...rendered, ackRequired: payload.ack !== null, ackUrl: payload.ack ? ackUrl(ctx.app, row.id) : null, ackDueAt, createdAt: row.createdAt };
    } catch (error) {
      // Rendering is deterministic: retrying cannot help, so the row goes dead with the reason.
      permanent.push(`${a.key}: ${errorText(error)}`);
      for (const c of todo) await record(c.name, 'failed', errorText(error), null);
      continue;
    }
    for (const c of todo) {
      const address = c.name === 'email' ? a.email : c.name === 'webhook' ? a.webhookUrl : null;
      try {
        await c.deliver(message, a);
        await record(c.name, 'sent', null, address);
      } catch (error) {
        failures.push(`${c.name} → ${a.key}: ${errorText(error)}`);
        await record(c.name, 'failed', errorText(error), address);
      }
    }
  }
  if (reached === 0) return finish(ctx, row, { status: 'unresolved', attempts: row.attempts + 1, lastError: problems.join('; ') || 'no recipients' });
  return release(ctx, row, now, { failures, permanent: permanent.length > 0, notes: [...permanent, ...problems.map((p) => `not reached: ${p}`)] });
}

/** Leaves the row after an attempt: sent, dead (permanent or out of attempts) or pending with backoff. */
async function release(ctx: DispatchContext, row: OutboxRecord, now: Date, r: { failures: string[]; permanent: boolean; notes?: string[] }): Promise<DeliveryOutcome> {
  const attempts = row.attempts + 1;
  const lastError = [...r.failures, ...(r.notes ?? [])].join('; ') || null;
  if (r.failures.length === 0 && !r.permanent) return finish(ctx, row, { status: 'sent', attempts, lastError, sentAt: ctx.clock.now().toISOString() });
  if (r.permanent || attempts >= ctx.maxAttempts) return finish(ctx, row, { status: 'dead', attempts, lastError });
  const nextAttemptAt = isoAfter(now, ctx.backoffMs(attempts));
  await ctx.outbox.release(row.id, ctx.owner, { status: 'pending', attempts, nextAttemptAt, lastError });
  return { status: 'retry', attempts, nextAttemptAt };
}

async function finish(ctx: DispatchContext, row: OutboxRecord, outcome: OutboxRelease & { status: 'sent' | 'dead' | 'unresolved' }): Promise<DeliveryOutcome> {
  if (!(await ctx.outbox.release(row.id, ctx.owner, outcome))) ctx.logger.warn('lost the claim on a notification before releasing it', { id: row.id, status: outcome.status });
  if (outcome.status === 'dead') ctx.logger.error('notification is dead', { id: row.id, attempts: outcome.attempts, error: outcome.lastError });
  return { status: outcome.status, attempts: outcome.attempts };
}

/** The case's data schema fields, so a strict template can read an optional field that is unset. */
async function dataFields(ctx: DispatchContext, caseId: string): Promise<string[]> {
  const record = await ctx.engine.findCase(caseId);
  if (!record) return [];
  const wf = await ctx.engine.registry.get(record.workflowId, record.workflowVersion);
  return Object.keys(wf.definition.data.properties);
}

/** What one recipient's copy is rendered with. */
function contextFor(
  ctx: DispatchContext, row: OutboxRecord, p: OutboxPayload, a: Addressee, ackDueAt: string | null, fields: readonly string[], caseOrgPath: readonly OrgStep[] | undefined,
  described?: Awaited<ReturnType<CaseDescriber>>,
): TemplateContext {
  const v = p.vars;
  return {
    // Rows written before `stateTitle` existed name the state by its key.
    case: { ...v.case, stateTitle: v.case.stateTitle ?? v.case.state, link: caseUrl(ctx.app.url, v.case.id), ...(described ? { title: described.title, due: described.due ?? null, ...(described.state ? { state: described.state } : {}) } : {}) },
    data: dataFor(v.data, p.confidential, a.roles, fields, caseOrgPath && { org: a.orgId, caseOrgPath, locale: a.locale }),
    event: { type: v.event.type, actorId: v.event.actorId, actorName: v.event.actorName ?? null },
    ...(v.deadline ? { deadline: v.deadline } : {}),
    recipient: { id: a.userId ?? a.email ?? a.key, name: a.name, locale: a.locale, org: a.orgId, roles: a.roles },
    notification: { id: row.id, kind: row.kind, ackUrl: p.ack ? ackUrl(ctx.app, row.id) : null, ackDueAt },
    app: ctx.app,
  };
}
