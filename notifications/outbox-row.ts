/**
 * An outbox row parsed at the boundary (the database hands back JSON), and
 * the naming of a warning's escalations. Pure.
 */
import { z } from 'zod';
import { CHANNELS, ConfidentialSchema, NotifyEffectSchema, ResolvedRecipientSchema, type OutboxRecord } from '../engine/index.js';

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

/** Parses a row's JSON columns; throws a readable message when they do not match. */
export function parseOutboxRow(row: OutboxRecord): OutboxPayload {
  const r = OutboxPayloadSchema.safeParse({ channels: row.channels, recipients: row.recipients, ack: row.ack ?? null, vars: row.vars, confidential: row.confidential });
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
