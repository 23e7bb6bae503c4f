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
import { isAttachmentRef, parseAttachmentRef } from '../attachments.js';

export type FieldKind = 'text' | 'textarea' | 'select' | 'date' | 'datetime' | 'number' | 'checkbox' | 'lines' | 'json' | 'file';

/** Choices for fields that name an org or a user (`refersTo`): those of the user's jurisdiction. */
export interface FormChoices {
  orgs?: { id: string; name: string; level: string }[] | undefined;
  users?: { id: string; name: string }[] | undefined;
}

/** Titles of text fields that take more than a line (descriptions, opinions, measures…); other texts are single-line. */
const LONG_TEXT = /描述|说明|意见|情况|措施|原因|理由|内容|经过|报告|方案|记录|要求|分析|概况|事项|结论|摘要|正文/;

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
  /** The value to show (kept after a refused post): text, or `checked` for a checkbox. */
  value?: string | undefined;
  checked?: boolean | undefined;
  /** File fields: the accept attribute, whether the camera opens on a phone, several files, files already uploaded. */
  accept?: string | undefined;
  capture?: boolean | undefined;
  multiple?: boolean | undefined;
  kept?: { ref: string; name: string }[] | undefined;
}

/** The media type a file field accepts (its `contentMediaType`, or that of its items), or undefined when it is no file field. */
export function fileMediaType(f: FieldSchema): string | undefined {
  if (f.type === 'string') return f.contentMediaType;
  if (f.type === 'array' && f.items?.type === 'string') return f.items.contentMediaType;
  return undefined;
}

/** Wall-clock offset of the forms' `datetime-local` fields: the calendar's zone (Asia/Shanghai). */
const LOCAL_OFFSET = '+08:00';

function kindOf(f: FieldSchema): FieldKind {
  if (f.enum || f.refersTo) return 'select';
  if (fileMediaType(f)) return 'file';
  switch (f.type) {
    case 'string':
      if (f.format === 'date') return 'date';
      if (f.format === 'date-time') return 'datetime';
      if (f.maxLength !== undefined) return f.maxLength <= 200 ? 'text' : 'textarea';
      return LONG_TEXT.test(f.title ?? '') ? 'textarea' : 'text';
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

/** The choices of a `refersTo` field. */
function choicesOf(f: FieldSchema, choices: FormChoices): { value: string; label: string }[] {
  if (f.refersTo === 'user') return (choices.users ?? []).map((u) => ({ value: u.id, label: u.name }));
  return (choices.orgs ?? []).filter((o) => f.refersTo !== 'enterprise' || o.level === 'enterprise').map((o) => ({ value: o.id, label: o.name }));
}

/** A `datetime-local` value (Beijing wall clock) of an instant, for a kept value. */
function localInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16);
}

/**
 * The fields of a form for `schema` (an event's input), with the values of a
 * refused post (`values`: the posted form, `p.<field>` keys) kept.
 */
export function formFields(schema: ObjectSchema | undefined, values: Record<string, unknown> = {}, choices: FormChoices = {}): FormField[] {
  if (!schema) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, f]) => {
    const kind = kindOf(f);
    const raw = values[`p.${name}`];
    const text = typeof raw === 'string' ? raw : undefined;
    const media = fileMediaType(f);
    const keptRaw = values[`p.${name}.kept`];
    const kept = (Array.isArray(keptRaw) ? keptRaw : keptRaw === undefined ? [] : [keptRaw]).filter(isAttachmentRef).map((ref) => ({ ref, name: parseAttachmentRef(ref)!.name }));
    return {
      name,
      label: f.title ?? name,
      kind,
      required: required.has(name),
      help: f.description ?? (kind === 'lines' ? '每行一项' : kind === 'json' ? '按格式填写' : kind === 'file' ? (media === 'image/*' ? '可拍照或选择图片，每个不超过 10 MB' : '图片或 PDF，每个不超过 10 MB') : undefined),
      options: f.refersTo ? choicesOf(f, choices) : f.enum?.map((v) => ({ value: String(v), label: f.enumTitles?.[String(v)] ?? String(v) })),
      step: f.type === 'integer' ? '1' : f.type === 'number' ? 'any' : undefined,
      min: f.minimum,
      max: f.maximum,
      value: text === undefined ? undefined : kind === 'datetime' && /T.*(Z|[+-]\d{2}:\d{2})$/.test(text) ? localInput(text) : text,
      checked: kind === 'checkbox' ? text === 'on' || text === 'true' : undefined,
      accept: media === undefined ? undefined : media === 'image/*' ? 'image/*' : media === '*/*' ? 'image/*,application/pdf' : media,
      capture: media === 'image/*',
      multiple: f.type === 'array',
      kept: kind === 'file' ? kept : undefined,
    };
  });
}

/**
 * Turns a submitted form into the payload `schema` describes. File fields take
 * the attachment references of `p.<field>.kept` (uploaded now or by an earlier, refused post).
 */
export function parseForm(schema: ObjectSchema | undefined, form: Record<string, unknown>): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(schema?.properties ?? {})) {
    if (fileMediaType(f)) {
      const keptRaw = form[`p.${name}.kept`];
      const refs = (Array.isArray(keptRaw) ? keptRaw : keptRaw === undefined ? [] : [keptRaw]).filter(isAttachmentRef);
      if (refs.length > 0) payload[name] = f.type === 'array' ? refs : refs[0];
      continue;
    }
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
