/**
 * Values for the engine's field schemas (the JSON Schema subset of
 * `engine/core/field-schema.ts`): fast-check arbitraries of valid values, of
 * deliberately wrong payloads, and a few deterministic representative samples
 * for graph traversals.
 */
import fc from 'fast-check';
import type { FieldSchema, ObjectSchema } from '../../engine/core/field-schema.js';

type AnySchema = FieldSchema | ObjectSchema;

const EMPTY_INPUT: ObjectSchema = { type: 'object', properties: {}, additionalProperties: false };

/** Generation options. */
export interface ArbitraryOptions {
  /**
   * Range of generated dates and date-times. Keep it inside the years the
   * calendars cover (deadlines read date fields), with a margin for reminders
   * counted back from a due date.
   */
  dates: { min: Date; max: Date };
}

export const DEFAULT_ARBITRARY_OPTIONS: ArbitraryOptions = {
  dates: { min: new Date('2025-02-01T00:00:00.000Z'), max: new Date('2026-11-30T23:59:59.999Z') },
};
/** Single UTF-16 code units, so string lengths are exact; some Chinese to look like real input. */
const CHAR = fc.oneof(fc.constantFrom(...'隐患整改督办挂牌销号'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }));
const WORD = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 8 });

/** An arbitrary of values that satisfy `schema`. */
export function arbitraryFor(schema: AnySchema, opts: ArbitraryOptions = DEFAULT_ARBITRARY_OPTIONS): fc.Arbitrary<unknown> {
  if ('enum' in schema && schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return stringArbitrary(schema, opts);
    case 'number': {
      const [min, max] = bounds(schema);
      // -0 is excluded: JSON turns it into 0, and payloads arrive as JSON.
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v));
    }
    case 'integer': {
      const [min, max] = bounds(schema);
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const f = schema as FieldSchema;
      const minLength = f.minItems ?? 0;
      return fc.array(arbitraryFor(f.items ?? { type: 'string' }, opts), { minLength, maxLength: f.maxItems ?? minLength + 3 });
    }
    case 'object':
      return objectArbitrary(schema, opts);
  }
}

/** An arbitrary of payloads for an event input (an empty object when the transition takes none). */
export function payloadArbitrary(input: ObjectSchema | undefined, opts: ArbitraryOptions = DEFAULT_ARBITRARY_OPTIONS): fc.Arbitrary<Record<string, unknown>> {
  return arbitraryFor(input ?? EMPTY_INPUT, opts) as fc.Arbitrary<Record<string, unknown>>;
}

/**
 * An arbitrary of payloads that are usually invalid for `input`: a required
 * field dropped, an unknown field added, a field of the wrong type or outside
 * its enum, an impossible date.
 */
export function wrongPayloadArbitrary(input: ObjectSchema | undefined, opts: ArbitraryOptions = DEFAULT_ARBITRARY_OPTIONS): fc.Arbitrary<Record<string, unknown>> {
  const schema = input ?? EMPTY_INPUT;
  const props = Object.entries(schema.properties ?? {});
  const required = (schema.required ?? []).filter((k) => props.some(([name]) => name === k));
  const valid = payloadArbitrary(schema, opts);
  const mutations: fc.Arbitrary<Record<string, unknown>>[] = [valid.map((p) => ({ ...p, unexpectedField: 'x' }))];
  if (required.length > 0) {
    mutations.push(fc.tuple(valid, fc.constantFrom(...required)).map(([p, k]) => Object.fromEntries(Object.entries(p).filter(([name]) => name !== k))));
  }
  if (props.length > 0) {
    mutations.push(fc.tuple(valid, fc.constantFrom(...props)).map(([p, [name, field]]) => ({ ...p, [name]: wrongValue(field) })));
  }
  return fc.oneof(...mutations);
}

/**
 * A few deterministic valid payloads that exercise the branches a guard may
 * take: every field filled, only the required ones, each enum value and each
 * boolean value in turn, plus two seeded random ones.
 */
export function samplePayloads(input: ObjectSchema | undefined, seed = 42): Record<string, unknown>[] {
  const schema = input ?? EMPTY_INPUT;
  const full = canonical(schema, true) as Record<string, unknown>;
  const out = [full, canonical(schema, false) as Record<string, unknown>];
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const values = field.enum ?? (field.type === 'boolean' ? [true, false] : []);
    for (const v of values) out.push({ ...full, [name]: v });
  }
  out.push(...fc.sample(payloadArbitrary(schema), { seed, numRuns: 2 }));
  const seen = new Set<string>();
  return out.filter((p) => {
    const key = JSON.stringify(p);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function stringArbitrary(f: FieldSchema, opts: ArbitraryOptions): fc.Arbitrary<string> {
  const minLength = f.minLength ?? 0;
  const maxLength = f.maxLength ?? Math.max(minLength, 24);
  const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
  switch (f.format) {
    case 'date':
      return fc.date({ ...opts.dates, noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return fc.date({ ...opts.dates, noInvalidDate: true }).map((d) => d.toISOString());
    case 'email':
      return fc.tuple(WORD, WORD).map(([a, b]) => `${a}@${b}.com`).filter(fits);
    case 'uri':
      return WORD.map((w) => `https://example.com/${w}`).filter(fits);
    case 'uuid':
      return fc.uuid({ version: 4 }).filter(fits);
    default:
      if (f.pattern !== undefined) return fc.stringMatching(new RegExp(f.pattern, 'u')).filter(fits);
      return fc.string({ unit: CHAR, minLength, maxLength });
  }
}

function objectArbitrary(schema: AnySchema, opts: ArbitraryOptions): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties ?? {};
  if (Object.keys(props).length === 0) {
    // An open object without declared properties takes any JSON members.
    if (schema.additionalProperties === false) return fc.constant({});
    return fc.dictionary(WORD, fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 });
  }
  const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arbitraryFor(v, opts)]));
  const requiredKeys = (schema.required ?? []).filter((k) => k in props);
  return fc.record(model, { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
}

function bounds(f: AnySchema): [number, number] {
  const s = f as FieldSchema;
  const min = s.minimum ?? (s.maximum !== undefined ? s.maximum - 1e6 : -1e6);
  return [min, s.maximum ?? min + 2e6];
}

function wrongValue(f: FieldSchema): unknown {
  if (f.enum) return 'notInTheEnum';
  switch (f.type) {
    case 'string':
      return f.format === 'date' || f.format === 'date-time' ? '2026-02-30' : 42;
    case 'number':
    case 'integer':
      return 'not a number';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not an array';
    case 'object':
      return 7;
  }
}

/** A fixed valid value: every optional field too when `full`. */
function canonical(f: AnySchema, full: boolean): unknown {
  if ('enum' in f && f.enum) return f.enum[0];
  const s = f as FieldSchema;
  switch (f.type) {
    case 'string':
      return canonicalString(s);
    case 'number':
    case 'integer': {
      const v = s.minimum ?? (s.maximum !== undefined ? Math.min(s.maximum, 1) : 1);
      return f.type === 'integer' ? Math.ceil(v) : v;
    }
    case 'boolean':
      return true;
    case 'array': {
      const n = Math.min(Math.max(1, s.minItems ?? 0), s.maxItems ?? Infinity);
      return Array.from({ length: n }, () => canonical(s.items ?? { type: 'string' }, full));
    }
    case 'object': {
      const required = new Set(f.required ?? []);
      const entries = Object.entries(f.properties ?? {}).filter(([k]) => full || required.has(k));
      return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v, full)]));
    }
  }
}

function canonicalString(f: FieldSchema): string {
  switch (f.format) {
    case 'date':
      return '2026-06-30';
    case 'date-time':
      return '2026-06-30T08:00:00.000Z';
    case 'email':
      return 'sample@example.com';
    case 'uri':
      return 'https://example.com/sample';
    case 'uuid':
      return '123e4567-e89b-42d3-a456-426614174000';
    default: {
      if (f.pattern !== undefined) return fc.sample(stringArbitrary(f, DEFAULT_ARBITRARY_OPTIONS), { seed: 1, numRuns: 1 })[0]!;
      const min = f.minLength ?? 0;
      return 'sample'.padEnd(min, 'x').slice(0, f.maxLength ?? Infinity);
    }
  }
}
