/**
 * Document numbers (文号): which transition takes one, and how it is written.
 * The number itself comes from the store's per-org counter inside the step's
 * transaction (the runtime asks); this module is pure.
 */
import type { CompiledWorkflow } from './compile.js';
import type { DocNumberDefinition } from './definition-schema.js';
import type { ObjectSchema } from './field-schema.js';
import { activeNodeIds } from './state-tree.js';
import type { StateValue } from './types.js';

/** Longest document number a counter writes (prefix, year, sequence). */
export const MAX_DOC_NUMBER_LENGTH = 80;

/**
 * The document number an event takes in the given state: the `docNumber` of
 * the first transition of an active state that handles it, or undefined. Pure.
 * @example
 * docNumberFor(wf, 'signing', 'sign'); // { field: 'docNo', series: 'circular' }
 */
export function docNumberFor(wf: CompiledWorkflow, value: StateValue, event: string): DocNumberDefinition | undefined {
  for (const id of activeNodeIds(value)) {
    for (const t of wf.on.get(id)?.get(event) ?? []) if (t.info.def.docNumber) return t.info.def.docNumber;
  }
  return undefined;
}

/** The input schema of a transition that takes a number: the number's field is accepted (the runtime writes it). Pure. */
export function withDocNumberField(input: ObjectSchema, docNumber: DocNumberDefinition | undefined): ObjectSchema {
  if (!docNumber) return input;
  return { ...input, properties: { ...(input.properties ?? {}), [docNumber.field]: { type: 'string', minLength: 1, maxLength: MAX_DOC_NUMBER_LENGTH } } };
}

/** The year a number belongs to: the year in Beijing time at `now`. Pure. */
export function docNumberYear(now: Date): number {
  return new Date(now.getTime() + 8 * 3_600_000).getUTCFullYear();
}

/**
 * Writes a document number as GB/T 9704 has it: prefix, the year in 六角括号,
 * the sequence without leading zeros, 号. Pure.
 * @example
 * formatDocNumber('江应急通', 2026, 12); // '江应急通〔2026〕12号'
 */
export function formatDocNumber(prefix: string, year: number, seq: number): string {
  return `${prefix}〔${year}〕${seq}号`;
}
