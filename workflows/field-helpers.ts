/**
 * Small builders for the field schemas and assignments the built-in accident
 * workflows share (four no-let-go gate, listed supervision). Plain data: every
 * helper returns a JSON value of the definition format.
 */
import type { FieldSchema } from '../engine/index.js';
import { titlesOf } from './enum-titles.js';

/** A required-looking text field (at least one character). */
export const text = (title: string): FieldSchema => ({ type: 'string', title, minLength: 1 });
/** A local date `YYYY-MM-DD`. */
export const date = (title: string): FieldSchema => ({ type: 'string', title, format: 'date' });
/** An ISO 8601 instant with offset. */
export const instant = (title: string): FieldSchema => ({ type: 'string', title, format: 'date-time' });
export const flag = (title: string): FieldSchema => ({ type: 'boolean', title });
/** A non-negative integer count. */
export const count = (title: string): FieldSchema => ({ type: 'integer', title, minimum: 0 });
/** An enumeration of string codes. */
export const oneOf = (title: string, values: readonly string[]): FieldSchema => ({ type: 'string', title, enum: [...values], enumTitles: titlesOf(values) });
/** A list of texts (at least `minItems`, default 1). */
export const texts = (title: string, minItems = 1): FieldSchema => ({ type: 'array', title, items: { type: 'string', minLength: 1 }, minItems });
/** An object with the given properties, all of `required` present. */
export const record = (title: string, properties: Record<string, FieldSchema>, required: string[] = Object.keys(properties)): FieldSchema => ({
  type: 'object',
  title,
  properties,
  required,
});
/** A list of objects (at least `minItems`, default 1). */
export const records = (title: string, item: FieldSchema, minItems = 1): FieldSchema => ({ type: 'array', title, items: item, minItems });

/** Copies payload fields into data fields of the same name (an absent optional field becomes null). */
export const copy = (...names: string[]): Record<string, { var: string }> => Object.fromEntries(names.map((n) => [n, { var: `payload.${n}` }]));
/** `data.<field> + 1`, for counters that start at 0. */
export const increment = (field: string) => ({ '+': [{ var: `data.${field}` }, 1] });
/** `data.<field> == value`. */
export const dataIs = (field: string, value: string | boolean) => ({ '==': [{ var: `data.${field}` }, value] });
