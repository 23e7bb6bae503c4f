/**
 * Effects: what a step decided should happen outside the pure core. A zod
 * discriminated union, so each one parses at the boundary. Effect ids are
 * deterministic (`caseId/seq/index`), so running one twice is harmless. Pure.
 */
import { z } from 'zod';
import { LocalizedTextSchema } from './definition-schema.js';

export const OpenTaskEffectSchema = z.object({
  type: z.literal('open-task'),
  id: z.string(),
  /** Stable key of the task: `caseId:stateId`. */
  taskKey: z.string(),
  stateId: z.string(),
  role: z.string(),
  org: z.string(),
  title: LocalizedTextSchema,
});

export const CloseTaskEffectSchema = z.object({
  type: z.literal('close-task'),
  id: z.string(),
  taskKey: z.string(),
  stateId: z.string(),
});

export const CaseClosedEffectSchema = z.object({
  type: z.literal('case-closed'),
  id: z.string(),
  finalState: z.string(),
});

/** A durable timer to arm: fires the built-in `deadline.<kind>` event at `dueAt`. */
export const SetTimerEffectSchema = z.object({
  type: z.literal('set-timer'),
  id: z.string(),
  timerKey: z.string(),
  kind: z.enum(['remind', 'due', 'escalate']),
  deadlineKey: z.string(),
  index: z.number().int(),
  generation: z.number().int(),
  dueAt: z.string(),
});

export const CancelTimerEffectSchema = z.object({
  type: z.literal('cancel-timer'),
  id: z.string(),
  timerKey: z.string(),
});

export const EffectSchema = z.discriminatedUnion('type', [OpenTaskEffectSchema, CloseTaskEffectSchema, CaseClosedEffectSchema, SetTimerEffectSchema, CancelTimerEffectSchema]);
export type SetTimerEffect = z.infer<typeof SetTimerEffectSchema>;
export type Effect = z.infer<typeof EffectSchema>;
export type OpenTaskEffect = z.infer<typeof OpenTaskEffectSchema>;
