/**
 * An outbox row parsed at the boundary (the database hands back JSON), the
 * rendering input of a row that names the case instead of copying it
 * (migration 015), and the naming of a warning's escalations.
 */
import { z } from 'zod';
import { CHANNELS, ConfidentialSchema, formatStateValue, NotifyEffectSchema, ResolvedRecipientSchema, stateTitleOf, type Engine } from '../engine/index.js';
import type { OutboxRecord } from './outbox-ports.js';

const AckSchema = z.object({ within: z.string().min(1), chain: z.array(z.array(ResolvedRecipientSchema)) });

/** The JSON parts of a row, as the dispatcher uses them. */
export const OutboxPayloadSchema = z.object({
  channels: z.array(z.enum(CHANNELS)),
  recipients: z.array(ResolvedRecipientSchema),
  ack: AckSchema.nullable(),
  vars: NotifyEffectSchema.shape.vars,
  confidential: z.record(z.string(), ConfidentialSchema),
});
export type OutboxPayload = z.infer<typeof OutboxPayloadSchema>;

/** What a row of `input: 'case'` does not store: the case, its data and the event, as they were at the row's seq. */
export type CaseInput = Pick<OutboxPayload['vars'], 'case' | 'data' | 'event'>;

/**
 * The case, its data and the event at `seq`, read back through the engine
 * (replay to that seq), shaped as the step's `notify` effect had them. Throws
 * what the engine throws (a database that does not answer: retry later).
 */
export async function caseInput(engine: Pick<Engine, 'replay' | 'findCase' | 'registry'>, caseId: string, seq: number): Promise<CaseInput> {
  const record = await engine.findCase(caseId);
  if (!record) throw new Error(`case ${caseId} of an outbox row is gone`);
  const [{ state, event }, wf] = await Promise.all([engine.replay(caseId, { atSeq: seq }), engine.registry.get(record.workflowId, record.workflowVersion)]);
  return {
    case: { id: state.caseId, org: state.org, workflowId: wf.definition.id, workflowTitle: wf.definition.title, state: formatStateValue(state.value), stateTitle: stateTitleOf(wf, state), seq: state.seq },
    data: state.data,
    event: { type: event.type, actorId: event.actor.id, ...(event.actor.name ? { actorName: event.actor.name } : {}) },
  };
}

/** The rendering input a row needs read back (its case at `seq`), or undefined when the row carries it. */
export function loadCaseInput(engine: Pick<Engine, 'replay' | 'findCase' | 'registry'>, row: OutboxRecord): Promise<CaseInput | undefined> {
  return row.input === 'case' ? caseInput(engine, row.caseId, row.seq) : Promise.resolve(undefined);
}

/** The recipients, channels and acknowledgement of a row (all an escalation needs); throws a readable message when they do not match. */
export function parseOutboxHead(row: OutboxRecord): Pick<OutboxPayload, 'channels' | 'recipients' | 'ack'> {
  const r = OutboxPayloadSchema.pick({ channels: true, recipients: true, ack: true }).safeParse({ channels: row.channels, recipients: row.recipients, ack: row.ack ?? null });
  if (!r.success) throw new Error(`outbox row ${row.id} is malformed: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/**
 * Parses a row's JSON columns, with `fromCase` (see {@link loadCaseInput})
 * for a row of `input: 'case'`; throws a readable message when they do not match.
 */
export function parseOutboxRow(row: OutboxRecord, fromCase?: CaseInput): OutboxPayload {
  if (row.input === 'case' && !fromCase) throw new Error(`outbox row ${row.id} renders with its case at seq ${row.seq}: read it first (loadCaseInput)`);
  const vars = row.input === 'case' && fromCase ? { ...(typeof row.vars === 'object' && row.vars !== null ? row.vars : {}), ...fromCase } : row.vars;
  const r = OutboxPayloadSchema.safeParse({ channels: row.channels, recipients: row.recipients, ack: row.ack ?? null, vars, confidential: row.confidential });
  if (!r.success) throw new Error(`outbox row ${row.id} is malformed: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

const ESCALATION = /^(.*)\/ack(\d+)$/;

/**
 * The outbox id of the k-th escalation (1-based) of a warning. Effect ids end
 * in `/<number>`, so `/ack<k>` never collides with one.
 */
export function escalationId(rootId: string, step: number): string {
  return `${rootId}/ack${step}`;
}

/** The warning a notification belongs to (itself, unless it is an escalation) and its step. */
export function warningOf(notificationId: string): { rootId: string; step: number } {
  const m = ESCALATION.exec(notificationId);
  return m ? { rootId: m[1]!, step: Number(m[2]) } : { rootId: notificationId, step: 0 };
}

/** Every notification of a warning up to `step`: the first, then its escalations. */
export function warningIds(rootId: string, step: number): string[] {
  return [rootId, ...Array.from({ length: step }, (_, i) => escalationId(rootId, i + 1))];
}
