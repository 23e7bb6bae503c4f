/**
 * The recorded state of one running deadline. Pure.
 */
import { z } from 'zod';
import { LocalizedTextSchema } from './definition-schema.js';

export const DeadlineStateSchema = z
  .object({
    /** `stateId#deadlineId`. */
    key: z.string(),
    stateId: z.string(),
    deadlineId: z.string(),
    /** Seq of the event that started it (keys its timers apart from an earlier entry). */
    startSeq: z.number().int(),
    title: LocalizedTextSchema.optional(),
    legalBasis: LocalizedTextSchema.optional(),
    calendar: z.object({ id: z.string(), version: z.number().int() }),
    startedAt: z.string(),
    /** Due instant as first computed, before pauses and extensions. */
    baseDueAt: z.string(),
    dueAt: z.string(),
    /** Local last day, for day-based deadlines. */
    dueDate: z.string().optional(),
    status: z.enum(['running', 'paused', 'overdue']),
    pausedAt: z.string().optional(),
    /** Whole local days (day-based) or ms (clock-based) the clock stood still so far. */
    pausedDays: z.number().int().default(0),
    pausedMs: z.number().int().default(0),
    extensions: z.array(z.object({ by: z.string(), reason: z.string().optional(), at: z.string(), actor: z.string() })).default([]),
    reminded: z.number().int().default(0),
    escalated: z.number().int().default(0),
    /** Present when the due date rests on a provisional calendar year (see `provisionalYears`). */
    provisional: z.literal(true).optional(),
    /** The provisional years the due date rests on. */
    provisionalYears: z.array(z.number().int()).optional(),
    /** Bumped whenever the due date moves, so timers of the old date are replaced. */
    generation: z.number().int().default(0),
  })
  .strict();
export type DeadlineState = z.infer<typeof DeadlineStateSchema>;

