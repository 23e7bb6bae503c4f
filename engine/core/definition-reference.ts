/**
 * The definition reference (docs/definition-reference.md), generated from the
 * zod schema of the format so it cannot drift: every field of every part of a
 * definition with its type, allowed values, default, description (the
 * schema's `.describe()`/`.meta()` texts) and a short example — the shortest
 * value that field takes in the given definitions (the built-in workflows and
 * the examples), or the schema's own `examples`. Pure.
 */
import { z } from 'zod';
import { DeadlineDurationSchema, NegativeDurationSchema } from './calendar/index.js';
import {
  DeadlineSchema,
  EscalationSchema,
  EventInfoSchema,
  EventTypeSchema,
  LocalizedTextSchema,
  NotifySchema,
  RecipientSchema,
  ReminderSchema,
  RoleIdSchema,
  SpawnSchema,
  StateKeySchema,
  StateSchema,
  TaskSchema,
  TemplateIdSchema,
  TransitionSchema,
  WorkflowDefinitionSchema,
  WorkflowIdSchema,
} from './definition-schema.js';
import { ExpressionSchema } from './expression.js';
import { FieldNameSchema, FieldSchemaSchema, ObjectSchemaSchema } from './field-schema.js';

type Schema = z.core.$ZodType;
interface Def {
  type: string;
  innerType?: Schema;
  defaultValue?: unknown;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  getter?: () => Schema;
  shape?: Record<string, Schema>;
  entries?: Record<string, string>;
  values?: unknown[];
  in?: Schema;
}
const defOf = (s: Schema) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The parts of a definition that get a section, in reading order. */
const SECTIONS: { name: string; schema: Schema; intro: string }[] = [
  { name: 'Workflow', schema: WorkflowDefinitionSchema, intro: 'The whole definition, as a JSON file or a TypeScript object (`defineWorkflow`).' },
  { name: 'State', schema: StateSchema, intro: 'A state of the machine (the keys of `states`). A state with `states` is compound, `type: "parallel"` runs its children at once, `type: "final"` ends the case.' },
  { name: 'Transition', schema: TransitionSchema, intro: 'What an event does in a state (`on.<event>`), or an automatic move (`always`, `onDone`). A list tries each in order; the first whose guard holds is taken.' },
  { name: 'Task', schema: TaskSchema, intro: 'The human task a state opens: it appears in the worklist of the users holding `role` at the org.' },
  { name: 'Deadline', schema: DeadlineSchema, intro: 'A time limit a state runs while it is active. Every change of a due date is an event in the case history.' },
  { name: 'Reminder', schema: ReminderSchema, intro: 'A step before a deadline falls due (`remind`). `before` is negative: `-2 workdays` is two working days before the due time.' },
  { name: 'Escalation', schema: EscalationSchema, intro: 'One rung of the ladder after a deadline has passed (`escalate`). `after` is positive: `1 workday` is one working day after the due time.' },
  { name: 'Notify', schema: NotifySchema, intro: 'A notification a step sends. The template is rendered in each recipient\'s language; see the template ids in the README.' },
  { name: 'Recipient', schema: RecipientSchema, intro: 'Who a notification reaches: one of three shapes.' },
  { name: 'Spawn', schema: SpawnSchema, intro: 'Child cases a state starts on entry, one per item of a list in the case data.' },
  { name: 'Event info', schema: EventInfoSchema, intro: 'A label for an event in the optional `events` catalogue (forms, timelines).' },
  { name: 'Object schema', schema: ObjectSchemaSchema, intro: 'The schema of the case data (`data`) or of an event\'s payload (`input`): a checkable subset of JSON Schema.' },
  { name: 'Field schema', schema: FieldSchemaSchema, intro: 'One field of an object schema.' },
];

/** Named value types: written as a link to the glossary instead of spelled out. */
const GLOSSARY: { name: string; schema: Schema; text: string }[] = [
  { name: 'text', schema: LocalizedTextSchema, text: 'Text shown to people: a string (Chinese), or `{ "zh": "…", "en": "…" }`.' },
  { name: 'expression', schema: ExpressionSchema, text: 'A JSON Logic expression (no `eval`) over `data`, `payload`, `actor`, `case`, `now` (and `item`/`children` where said), e.g. `{ "==": [{ "var": "payload.ok" }, true] }`.' },
  { name: 'duration', schema: DeadlineDurationSchema, text: 'ISO 8601 (`PT1H`, `P15D`) or working days (`5 workdays`, `1 workday`).' },
  { name: 'negative duration', schema: NegativeDurationSchema, text: 'A duration with a leading minus: `-2 workdays`, `-PT12H`.' },
  { name: 'role id', schema: RoleIdSchema, text: 'camelCase, e.g. `inspector`; declared in the workflow\'s `roles`.' },
  { name: 'event type', schema: EventTypeSchema, text: 'camelCase, e.g. `submitRectification`.' },
  { name: 'state key', schema: StateKeySchema, text: 'camelCase, e.g. `rectifying`.' },
  { name: 'template id', schema: TemplateIdSchema, text: 'kebab-case, one of the notification templates (built-in or `DUBAN_TEMPLATE_DIR`), e.g. `task-assigned`.' },
  { name: 'workflow id', schema: WorkflowIdSchema, text: 'kebab-case, e.g. `hazard`, `supervision-letter`.' },
  { name: 'field name', schema: FieldNameSchema, text: 'letters, digits and `_`, not starting with a digit; not `__proto__`, `constructor`, `prototype`.' },
];

const anchor = (name: string) => `#${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
const code = (v: unknown) => `\`${JSON.stringify(v)}\``;
const descriptionOf = (s: Schema): string | undefined => (z.globalRegistry.get(s) as { description?: string } | undefined)?.description;
const examplesOf = (s: Schema): unknown[] | undefined => (z.globalRegistry.get(s) as { examples?: unknown[] } | undefined)?.examples;

/** The section or glossary entry a schema is, if any. */
function named(s: Schema): string | undefined {
  // `.describe()` clones a schema but keeps its definition object.
  const same = (x: Schema) => x === s || defOf(x) === defOf(s);
  const section = SECTIONS.find((x) => same(x.schema));
  if (section) return `[${section.name}](${anchor(section.name)})`;
  const word = GLOSSARY.find((x) => same(x.schema));
  return word ? `[${word.name}](${anchor(word.name)})` : undefined;
}

/** A one-line type: `array of [Transition](#transition)`, `one of "a", "b"`, … */
function typeText(s: Schema, depth = 0): string {
  const n = named(s);
  if (n) return n;
  const d = defOf(s);
  // z.json() and other recursive values: say what they are instead of unrolling them.
  if (d.type === 'lazy' && depth > 0) return 'any JSON value';
  switch (d.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'readonly':
      return typeText(d.innerType!, depth);
    case 'lazy':
      return typeText(d.getter!(), depth + 1);
    case 'pipe':
      return typeText(d.in!, depth);
    case 'array':
      return `array of ${typeText(d.element!, depth + 1)}`;
    case 'record':
      return `object: name → ${typeText(d.valueType!, depth + 1)}`;
    case 'union':
      return d.options!.map((o) => typeText(o, depth + 1)).join(' or ');
    case 'enum':
      return `one of ${Object.values(d.entries!).map(code).join(', ')}`;
    case 'literal':
      return d.values!.map(code).join(' or ');
    case 'object':
      return `{ ${Object.entries(d.shape!).map(([k, v]) => `${k}${isOptional(v) ? '?' : ''}: ${typeText(v, depth + 1)}`).join(', ')} }`;
    default: {
      const js = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      const parts = [String(js.type ?? d.type)];
      if (js.pattern) parts.push(`matching \`${String(js.pattern)}\``);
      if (js.minLength === 1) parts.push('not empty');
      if (typeof js.exclusiveMinimum === 'number') parts.push(`> ${js.exclusiveMinimum}`);
      return parts.join(', ');
    }
  }
}

function isOptional(s: Schema): boolean {
  const t = defOf(s).type;
  return t === 'optional' || t === 'default';
}

function defaultOf(s: Schema): unknown {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (d.type === 'default') return typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
    if (d.type === 'optional' || d.type === 'nullable') cur = d.innerType!;
    else return undefined;
  }
}

/** Descriptions can sit on the field's wrapper or on the inner schema. */
function fieldDescription(s: Schema): string | undefined {
  let cur: Schema | undefined = s;
  while (cur) {
    const text = descriptionOf(cur);
    if (text) return text;
    const d = defOf(cur);
    cur = d.type === 'optional' || d.type === 'default' ? d.innerType : undefined;
  }
  return undefined;
}

function fieldExamples(s: Schema): unknown[] | undefined {
  let cur: Schema | undefined = s;
  while (cur) {
    const ex = examplesOf(cur);
    if (ex?.length) return ex;
    const d = defOf(cur);
    cur = d.type === 'optional' || d.type === 'default' ? d.innerType : undefined;
  }
  return undefined;
}

/** The object shape of a section (its options, for a union of objects). */
function shapesOf(s: Schema): Record<string, Schema>[] {
  const d = defOf(s);
  if (d.type === 'lazy') return shapesOf(d.getter!());
  if (d.type === 'object') return [d.shape!];
  if (d.type === 'union') return d.options!.flatMap(shapesOf);
  return [];
}

/** Walks a definition along the schema, keeping the shortest value seen for each section field. */
function collectExamples(s: Schema, value: unknown, out: Map<string, string>, section?: string): void {
  const sec = SECTIONS.find((x) => x.schema === s)?.name ?? section;
  const d = defOf(s);
  switch (d.type) {
    case 'optional':
    case 'default':
    case 'nullable':
      return collectExamples(d.innerType!, value, out, sec);
    case 'lazy':
      return collectExamples(d.getter!(), value, out, sec);
    case 'array':
      if (Array.isArray(value)) for (const v of value) collectExamples(d.element!, v, out);
      return;
    case 'record':
      if (value && typeof value === 'object') for (const v of Object.values(value)) collectExamples(d.valueType!, v, out);
      return;
    case 'union': {
      const option = d.options!.find((o) => (o as z.ZodType).safeParse(value).success);
      if (option) collectExamples(option, value, out, sec);
      return;
    }
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return;
      for (const [k, v] of Object.entries(value)) {
        const field = d.shape![k];
        if (!field) continue;
        if (sec) {
          const text = JSON.stringify(v);
          const key = `${sec}.${k}`;
          const seen = out.get(key);
          if (text.length <= 120 && (seen === undefined || text.length < seen.length)) out.set(key, text);
        }
        collectExamples(field, v, out);
      }
      return;
    }
    default:
  }
}

/**
 * The reference as Markdown. `definitions` supply the examples (the
 * built-in workflows and the examples folder); a field they never use shows
 * the schema's own `examples`, or none.
 */
export function definitionReference(definitions: readonly unknown[]): string {
  const examples = new Map<string, string>();
  for (const def of definitions) collectExamples(WorkflowDefinitionSchema, def, examples);
  const lines: string[] = [
    '# Workflow definition reference',
    '',
    '<!-- Generated from engine/core/definition-schema.ts by `npm run docs`; do not edit by hand (a test fails when this file is stale). -->',
    '',
    'Every field of the workflow definition format, part by part. **Type** links to the part or value type it holds; **default** is what an omitted field means; the **example** is taken from the built-in workflows (`workflows/`) or `examples/`.',
    'Validate a file with `npx duban workflows validate <file>`; point an editor at `engine/schema/workflow-definition.schema.json` for completion.',
    'A guide that writes a first workflow step by step: [first-workflow.md](first-workflow.md).',
    '',
    '## Contents',
    '',
    ...SECTIONS.map((s) => `- [${s.name}](${anchor(s.name)})`),
    `- [Value types](${anchor('Value types')})`,
    '',
  ];
  const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  for (const section of SECTIONS) {
    lines.push(`## ${section.name}`, '', section.intro, '');
    const shapes = shapesOf(section.schema);
    shapes.forEach((shape, i) => {
      if (shapes.length > 1) lines.push(`Shape ${i + 1}: ${typeText(section.schema === RecipientSchema ? (defOf(RecipientSchema).options![i]!) : section.schema)}`, '');
      lines.push('| field | type | required | default | description | example |', '|---|---|---|---|---|---|');
      for (const [key, field] of Object.entries(shape)) {
        const dflt = defaultOf(field);
        const example = examples.get(`${section.name}.${key}`) ?? fieldExamples(field)?.map((e) => JSON.stringify(e))[0];
        lines.push(`| \`${key}\` | ${cell(typeText(field))} | ${isOptional(field) ? 'no' : '**yes**'} | ${dflt === undefined ? '' : cell(code(dflt))} | ${cell(fieldDescription(field) ?? '')} | ${example === undefined ? '' : cell(`\`${example}\``)} |`);
      }
      lines.push('');
    });
  }
  lines.push('## Value types', '');
  for (const word of GLOSSARY) lines.push(`### ${word.name}`, '', word.text, '');
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
