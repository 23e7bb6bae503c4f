/**
 * HTML forms from an event's input schema, and the payload back from the
 * submitted form. Pure.
 *
 * Field names are `p.<field>`; text becomes the schema's type (numbers,
 * booleans, arrays of text one per line, objects as JSON). Values the schema
 * refuses are passed on unchanged, so the engine names the problem with its
 * path (`invalid_input`).
 */
import type { FieldSchema, ObjectSchema } from '../../engine/index.js';

export type FieldKind = 'text' | 'textarea' | 'select' | 'date' | 'datetime' | 'number' | 'checkbox' | 'lines' | 'json';

export interface FormField {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  help?: string | undefined;
  options?: { value: string; label: string }[] | undefined;
  step?: string | undefined;
  min?: number | undefined;
  max?: number | undefined;
}

/** Wall-clock offset of the forms' `datetime-local` fields: the calendar's zone (Asia/Shanghai). */
const LOCAL_OFFSET = '+08:00';

function kindOf(f: FieldSchema): FieldKind {
  if (f.enum) return 'select';
  switch (f.type) {
    case 'string':
      if (f.format === 'date') return 'date';
      if (f.format === 'date-time') return 'datetime';
      return f.maxLength !== undefined && f.maxLength <= 200 ? 'text' : 'textarea';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'checkbox';
    case 'array':
      return f.items?.type === 'string' && !f.items.enum ? 'lines' : 'json';
    case 'object':
      return 'json';
  }
}

/** The fields of a form for `schema` (an event's input). */
export function formFields(schema: ObjectSchema | undefined): FormField[] {
  if (!schema) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, f]) => ({
    name,
    label: f.title ?? name,
    kind: kindOf(f),
    required: required.has(name),
    help: f.description ?? (kindOf(f) === 'lines' ? '每行一项' : kindOf(f) === 'json' ? 'JSON' : undefined),
    options: f.enum?.map((v, i) => ({ value: String(v), label: f.enumTitles?.[i] ?? String(v) })),
    step: f.type === 'integer' ? '1' : f.type === 'number' ? 'any' : undefined,
    min: f.minimum,
    max: f.maximum,
  }));
}

/** Turns a submitted form into the payload `schema` describes. */
export function parseForm(schema: ObjectSchema | undefined, form: Record<string, unknown>): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(schema?.properties ?? {})) {
    const raw = form[`p.${name}`];
    const text = typeof raw === 'string' ? raw : undefined;
    if (f.type === 'boolean') {
      payload[name] = text === 'on' || text === 'true';
      continue;
    }
    if (text === undefined || text.trim() === '') continue;
    const v = text.trim();
    switch (f.type) {
      case 'number':
      case 'integer':
        payload[name] = Number.isNaN(Number(v)) ? v : Number(v);
        break;
      case 'array':
        if (f.items?.type === 'string' && !f.items.enum) payload[name] = v.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
        else payload[name] = parseJson(v);
        break;
      case 'object':
        payload[name] = parseJson(v);
        break;
      case 'string':
        payload[name] = f.format === 'date-time' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v) ? new Date(`${v.length === 16 ? `${v}:00` : v}${LOCAL_OFFSET}`).toISOString() : text;
        break;
    }
  }
  return payload;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
