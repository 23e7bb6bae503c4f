/**
 * The schema language for case data and event inputs: a small, checkable
 * subset of JSON Schema (draft 2020-12 keywords only), so a definition stays
 * plain JSON and standard editors understand it. Pure.
 */
import { RE2 } from 're2-wasm';
import { z } from 'zod';
import type { Issue } from '../errors.js';
import { ConfidentialSchema, type ConfidentialDeclaration } from './confidential.js';

export const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;
export const STRING_FORMATS = ['date', 'date-time', 'email', 'uri', 'uuid'] as const;

/** One field of a data or input schema. */
export interface FieldSchema {
  type: (typeof FIELD_TYPES)[number];
  title?: string | undefined;
  description?: string | undefined;
  enum?: (string | number | boolean)[] | undefined;
  format?: (typeof STRING_FORMATS)[number] | undefined;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  pattern?: string | undefined;
  minimum?: number | undefined;
  maximum?: number | undefined;
  items?: FieldSchema | undefined;
  minItems?: number | undefined;
  maxItems?: number | undefined;
  properties?: Record<string, FieldSchema> | undefined;
  required?: string[] | undefined;
  additionalProperties?: boolean | undefined;
  default?: unknown;
  /** What pages show for each enum value (value → label, e.g. `{ "selfCheck": "企业自查" }`); pages show the value itself without one. */
  enumTitles?: Record<string, string> | undefined;
  /** Set by the server, never by a caller opening a case (standard JSON Schema keyword): e.g. the hash of a tip-off's query code. */
  readOnly?: boolean | undefined;
  /**
   * The media type of a file field (standard JSON Schema keyword): on a string field or the items of a list
   * of strings it makes the field an attachment — the web forms offer an upload (`image/*` opens the camera on
   * a phone) and store an attachment reference (see `server/attachments.ts`).
   */
  contentMediaType?: string | undefined;
  /** The field holds the id of an org (`org`; `enterprise`: an enterprise org) or of a user: pages show the name, forms offer a picker within the user's jurisdiction. */
  refersTo?: 'org' | 'enterprise' | 'user' | undefined;
  /**
   * Only these readers may see the field (e.g. a tipster's identity): `{ roles, org }` with `org` one of
   * `sameOrg`, `jurisdiction` (default) or `{ levels }`, or a plain list of roles. Top-level data fields
   * only; everyone else sees it redacted (API, history, exports, pages, search, notifications), and the
   * hash chain commits to a salted hash of each value. See `engine/core/confidential.ts`.
   */
  confidential?: ConfidentialDeclaration | undefined;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A property name usable in data and payloads (no prototype keys). */
export const FieldNameSchema = z
  .string()
  .regex(FIELD_NAME, 'a field name is letters, digits and _ and does not start with a digit')
  .refine((s) => !FORBIDDEN_KEYS.has(s), 'reserved name');

export const FieldSchemaSchema: z.ZodType<FieldSchema> = z.lazy(() =>
  z
    .object({
      type: z.enum(FIELD_TYPES),
      title: z.string().optional(),
      description: z.string().optional(),
      enum: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional(),
      format: z.enum(STRING_FORMATS).optional(),
      minLength: z.number().int().nonnegative().optional(),
      maxLength: z.number().int().nonnegative().optional(),
      pattern: z.string().optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      items: FieldSchemaSchema.optional(),
      minItems: z.number().int().nonnegative().optional(),
      maxItems: z.number().int().nonnegative().optional(),
      properties: z.record(FieldNameSchema, FieldSchemaSchema).optional(),
      required: z.array(z.string()).optional(),
      additionalProperties: z.boolean().optional(),
      default: z.json().optional(),
      enumTitles: z.record(z.string(), z.string().min(1)).optional(),
      readOnly: z.boolean().optional(),
      contentMediaType: z.string().regex(/^[a-z]+\/([a-z0-9.+-]+|\*)$/, 'a media type such as image/* or application/pdf').optional(),
      refersTo: z.enum(['org', 'enterprise', 'user']).optional(),
      confidential: ConfidentialSchema.optional(),
    })
    .strict(),
);

/** The schema of a whole object: case data, or an event's input payload. */
export const ObjectSchemaSchema = z
  .object({
    type: z.literal('object'),
    title: z.string().optional(),
    description: z.string().optional(),
    properties: z.record(FieldNameSchema, FieldSchemaSchema).default({}),
    required: z.array(z.string()).optional(),
    additionalProperties: z.boolean().optional(),
  })
  .strict();
export type ObjectSchema = z.infer<typeof ObjectSchemaSchema>;

/**
 * Semantic checks a structural parse cannot make: `required` names that are not
 * properties, bounds the wrong way round, enum values of the wrong type, a bad
 * regular expression, type-specific keywords on the wrong type.
 */
export function checkFieldSchema(schema: FieldSchema | ObjectSchema, path: (string | number)[]): Issue[] {
  const issues: Issue[] = [];
  const add = (p: (string | number)[], message: string) => issues.push({ code: 'invalid_schema', path: [...path, ...p], message });
  const props = schema.properties ?? {};
  schema.required?.forEach((name, i) => {
    if (!(name in props)) add(['required', i], `required field "${name}" is not among the properties`);
  });
  if (schema.type !== 'object' && schema.properties) add(['properties'], `"properties" only applies to type object, not ${schema.type}`);
  if ('items' in schema && schema.items && schema.type !== 'array') add(['items'], `"items" only applies to type array`);
  if (schema.type === 'array' && !('items' in schema && schema.items)) add([], 'an array field needs "items"');
  if ('minimum' in schema && schema.minimum !== undefined && schema.maximum !== undefined && schema.minimum > schema.maximum) add(['minimum'], 'minimum is greater than maximum');
  if ('minLength' in schema && schema.minLength !== undefined && schema.maxLength !== undefined && schema.minLength > schema.maxLength) add(['minLength'], 'minLength is greater than maxLength');
  if ('minItems' in schema && schema.minItems !== undefined && schema.maxItems !== undefined && schema.minItems > schema.maxItems) add(['minItems'], 'minItems is greater than maxItems');
  if ('format' in schema && schema.format && schema.type !== 'string') add(['format'], `"format" only applies to strings`);
  if ('pattern' in schema && schema.pattern !== undefined) {
    if (schema.type !== 'string') add(['pattern'], `"pattern" only applies to strings`);
    try {
      new RegExp(schema.pattern, 'u');
      try {
        new RE2(schema.pattern, 'u');
      } catch {
        issues.push({ code: 'unsupported_pattern', path: [...path, 'pattern'], message: `"${schema.pattern}" uses a feature the linear-time matcher (RE2) does not have: backreferences (\\1), lookaround ((?=…), (?<=…)) or \\p{Script=…} (write \\p{Han})` });
      }
    } catch {
      add(['pattern'], `"${schema.pattern}" is not a valid regular expression`);
    }
  }
  if ('enum' in schema && schema.enum) {
    schema.enum.forEach((v, i) => {
      if (!valueMatchesType(v, schema.type)) add(['enum', i], `enum value ${JSON.stringify(v)} is not of type ${schema.type}`);
    });
  }
  if ('enumTitles' in schema && schema.enumTitles) {
    const values = new Set((schema.enum ?? (schema.type === 'boolean' ? [true, false] : [])).map(String));
    for (const key of Object.keys(schema.enumTitles)) if (!values.has(key)) add(['enumTitles', key], `"${key}" is not one of the field's values`);
  }
  for (const [name, child] of Object.entries(props)) issues.push(...checkFieldSchema(child, [...path, 'properties', name]));
  if ('items' in schema && schema.items) issues.push(...checkFieldSchema(schema.items, [...path, 'items']));
  return issues;
}

function valueMatchesType(v: unknown, type: FieldSchema['type']): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

/** Reads the value at a dotted path of case data (`site.grid`, with or without a `data.` prefix). Pure. */
export function readDataPath(data: Record<string, unknown>, field: string): unknown {
  return field
    .replace(/^data\./, '')
    .split('.')
    .reduce<unknown>((o, k) => (o && typeof o === 'object' && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined), data);
}

/** Finds the field schema at a dotted path (`site.grid`), or undefined. */
export function fieldAt(schema: ObjectSchema | FieldSchema | undefined, path: readonly string[]): FieldSchema | ObjectSchema | undefined {
  let cur: ObjectSchema | FieldSchema | undefined = schema;
  for (const key of path) {
    if (!cur) return undefined;
    if (cur.type === 'array' && /^\d+$/.test(key)) {
      cur = (cur as FieldSchema).items;
      continue;
    }
    if (cur.type !== 'object') return undefined;
    // An open object (no declared properties) accepts any key below it.
    if (!cur.properties || Object.keys(cur.properties).length === 0) return cur.additionalProperties === false ? undefined : { type: 'object' };
    if (!Object.hasOwn(cur.properties, key)) return undefined;
    cur = cur.properties[key];
  }
  return cur;
}

const compiledCache = new WeakMap<object, z.ZodType>();

/** {@link toZod}, memoised per schema object (definitions are immutable once compiled). */
export function validatorFor(schema: FieldSchema | ObjectSchema): z.ZodType {
  let v = compiledCache.get(schema);
  if (!v) {
    v = toZod(schema);
    compiledCache.set(schema, v);
  }
  return v;
}

/**
 * Turns a field schema into a zod validator. Objects are strict unless
 * `additionalProperties` is true, so an unexpected key is reported, not stored.
 */
export function toZod(schema: FieldSchema | ObjectSchema, opts: { partial?: boolean } = {}): z.ZodType {
  let t: z.ZodType;
  switch (schema.type) {
    case 'string': {
      let s = z.string();
      const f = schema as FieldSchema;
      if (f.format === 'date') s = s.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD').refine((v) => isValidDate(v), 'not a calendar date');
      if (f.format === 'date-time') s = s.refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 date-time with offset');
      if (f.format === 'email') s = s.check(z.email());
      if (f.format === 'uri') s = s.check(z.url());
      if (f.format === 'uuid') s = s.check(z.uuid());
      if (f.minLength !== undefined) s = s.min(f.minLength);
      if (f.maxLength !== undefined) s = s.max(f.maxLength);
      if (f.pattern !== undefined) s = s.regex(linearPattern(f.pattern));
      t = s;
      break;
    }
    case 'number':
    case 'integer': {
      let n = schema.type === 'integer' ? z.number().int() : z.number();
      const f = schema as FieldSchema;
      if (f.minimum !== undefined) n = n.min(f.minimum);
      if (f.maximum !== undefined) n = n.max(f.maximum);
      t = n;
      break;
    }
    case 'boolean':
      t = z.boolean();
      break;
    case 'array': {
      const f = schema as FieldSchema;
      let a = z.array(f.items ? toZod(f.items) : z.unknown());
      if (f.minItems !== undefined) a = a.min(f.minItems);
      if (f.maxItems !== undefined) a = a.max(f.maxItems);
      t = a;
      break;
    }
    case 'object': {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const shape: Record<string, z.ZodType> = {};
      for (const [k, v] of Object.entries(props)) {
        const inner = toZod(v);
        shape[k] = required.has(k) && !opts.partial ? inner : inner.optional().nullable();
      }
      const open = schema.additionalProperties === true || Object.keys(props).length === 0 && schema.additionalProperties !== false;
      const obj = z.object(shape);
      t = open ? obj.catchall(z.json()) : obj.strict();
      break;
    }
  }
  const f = schema as FieldSchema;
  if (f.enum) {
    const allowed = f.enum;
    t = t.refine((v) => allowed.includes(v as string | number | boolean), `expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  return t;
}

/**
 * A schema `pattern` compiled by RE2 (linear time in the input, whatever the
 * pattern: `^(a+)+$` answers at once) and handed to zod in place of a
 * RegExp, whose `source` the JSON Schema output keeps. A pattern RE2 cannot
 * compile (refused at registration; only a definition stored before could
 * carry one) matches nothing: it fails closed.
 */
function linearPattern(pattern: string): RegExp {
  try {
    return new RE2(pattern, 'u') as unknown as RegExp;
  } catch {
    return { source: pattern, flags: 'u', lastIndex: 0, test: () => false } as unknown as RegExp;
  }
}

function isValidDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * Converts zod issues to engine issues under a path prefix. A failed union
 * (e.g. "one transition or a list of them") is replaced by the issues of the
 * branch that got furthest, so the path points at the real mistake.
 */
export function zodIssues(error: z.ZodError, prefix: (string | number)[] = []): Issue[] {
  return flatten(error.issues as z.core.$ZodIssue[], prefix);
}

function flatten(issues: z.core.$ZodIssue[], prefix: (string | number)[]): Issue[] {
  const out: Issue[] = [];
  for (const i of issues) {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (i.code === 'invalid_union' && i.errors.length > 0) {
      const best = [...i.errors].sort((a, b) => score(b) - score(a))[0]!;
      out.push(...flatten(best, path));
      continue;
    }
    out.push({ code: i.code, path, message: i.message });
  }
  return out;
}

/** How far a union branch got: deeper paths and fewer root type errors score higher. */
function score(branch: z.core.$ZodIssue[]): number {
  const rootTypeError = branch.some((i) => i.code === 'invalid_type' && i.path.length === 0);
  const depth = Math.max(0, ...branch.map((i) => i.path.length));
  return (rootTypeError ? 0 : 1000) + depth * 10 - branch.length;
}
