/**
 * Chinese that officials write (issue 9 §3): every text a person reads in a
 * built-in workflow — titles of the workflow, its states, tasks, events,
 * deadlines and fields, guard messages, legal-basis texts — and every zh-CN
 * notification template is Chinese: no English words, ids or codes outside
 * `{{placeholders}}`, and no internal notes such as "（设计假设，可配置）".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinWorkflows } from '../../workflows/index.js';
import { untitledEnumCodes } from '../../workflows/enum-titles.js';
import { validateDefinition } from '../../engine/core/validate-definition.js';
import { createTemplateCatalog } from '../../notifications/templates.js';

/** Keys whose values people read, wherever they sit in a definition. */
const LABEL_KEYS = new Set(['title', 'description', 'guardMessage', 'legalBasis']);
/**
 * ASCII words allowed in Chinese text: none so far. Add a unit (e.g. "km")
 * only when a text needs it; never an id or code.
 */
const ALLOWED_ASCII = new Set<string>([]);
/** Words that, in brackets, mark a note for the authors rather than text for officials: （设计假设）, （青岛，地方规定）. */
const NOTE_MARKERS = ['设计假设', '可配置', '地方规定', '假设', '待核实', '示例', '参照', '暂按', '注：', '备注'];
/** Words that are a note wherever they stand. */
const NOTE_WORDS = ['设计假设', '可配置', 'TODO'];

const TEMPLATE_DIR = new URL('../../notifications/templates/', import.meta.url).pathname;

interface Text {
  where: string;
  text: string;
}

/** The zh text of a label: a plain string, or the `zh` of `{ zh, en }`; undefined for expressions and other values. */
function zhOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof (value as { zh?: unknown }).zh === 'string') return (value as { zh: string }).zh;
  return undefined;
}

/** Every label of a definition, with a path to find it by. */
function labelsOf(node: unknown, path: string, out: Text[]): Text[] {
  if (Array.isArray(node)) {
    node.forEach((item, i) => labelsOf(item, `${path}[${i}]`, out));
    return out;
  }
  if (!node || typeof node !== 'object') return out;
  for (const [key, value] of Object.entries(node)) {
    const here = `${path}.${key}`;
    if (key === 'enumTitles' && value && typeof value === 'object') {
      for (const [code, t] of Object.entries(value)) out.push({ where: `${here}.${code}`, text: String(t) });
      continue;
    }
    if (LABEL_KEYS.has(key)) {
      const zh = zhOf(value);
      if (zh !== undefined) {
        out.push({ where: here, text: zh });
        continue;
      }
    }
    labelsOf(value, here, out);
  }
  return out;
}

/** The text a reader sees of a template: no Handlebars (comments, blocks, placeholders), no HTML tags or entities. */
function readableTemplateText(source: string): string {
  return source
    .replace(/\{\{!--[\s\S]*?--\}\}/g, ' ')
    .replace(/\{\{[\s\S]*?\}\}/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z]+;/g, ' ');
}

/** ASCII words in a text that are not allowed. */
function asciiWords(text: string): string[] {
  return (text.match(/[A-Za-z][A-Za-z0-9_.-]*/g) ?? []).filter((w) => !ALLOWED_ASCII.has(w));
}

/** Bracketed internal notes: （…设计假设…）, (…可配置…), 【…待定…】. */
function notes(text: string): string[] {
  return (text.match(/[（(【[][^（）()【】[\]]*[）)】\]]/g) ?? []).filter((b) => NOTE_MARKERS.some((m) => b.includes(m)));
}

function problems(texts: Text[]): string[] {
  return texts.flatMap(({ where, text }) => [
    ...asciiWords(text).map((w) => `${where}: English or code "${w}" in "${text}"`),
    ...notes(text).map((n) => `${where}: internal note ${n} in "${text}"`),
    ...NOTE_WORDS.filter((m) => text.includes(m)).map((m) => `${where}: note word "${m}" in "${text}"`),
  ]);
}

const templateFiles = readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith('.zh-CN.hbs')).sort();

describe('Chinese text of the built-in workflows and templates', () => {
  it('finds the texts it checks (the scan is not vacuous)', () => {
    for (const wf of builtinWorkflows) expect(labelsOf(wf, wf.id, []).length, wf.id).toBeGreaterThan(10);
    expect(templateFiles.length).toBeGreaterThan(15);
    // The checks catch what they are for.
    expect(problems([{ where: 't', text: '受理期限（设计假设，可配置）' }])).not.toEqual([]);
    expect(problems([{ where: 't', text: '最长1年（青岛，地方规定）' }])).not.toEqual([]);
    expect(problems([{ where: 't', text: '当前环节：active.rectifying' }])).not.toEqual([]);
    expect(problems([{ where: 't', text: '《安全生产事故隐患排查治理暂行规定》（原国家安全生产监督管理总局令第16号）第二十三条' }])).toEqual([]);
    expect(asciiWords(readableTemplateText('<p style="font-family:Arial">您好，{{recipient.name}}：{{#if event.actorName}}{{event.actorName}}{{else}}系统{{/if}}</p>'))).toEqual([]);
  });

  it.each(builtinWorkflows.map((wf) => [wf.id, wf] as const))('%s: labels, guard messages and legal-basis texts are Chinese, with no internal notes', (id, wf) => {
    expect(problems(labelsOf(wf, id, []))).toEqual([]);
  });

  it.each(builtinWorkflows.map((wf) => [wf.id, wf] as const))('%s: every enum field shows Chinese titles, never its codes', (_id, wf) => {
    expect(untitledEnumCodes(wf)).toEqual([]);
    const fields: { enum: unknown[]; enumTitles?: Record<string, string> }[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        const o = n as Record<string, unknown>;
        if (typeof o.type === 'string' && Array.isArray(o.enum)) fields.push(o as { enum: unknown[]; enumTitles?: Record<string, string> });
        Object.values(o).forEach(walk);
      }
    };
    walk(wf);
    for (const f of fields) expect(Object.keys(f.enumTitles ?? {}).sort(), JSON.stringify(f.enum)).toEqual(f.enum.map(String).sort());
  });

  it.each(builtinWorkflows.map((wf) => [wf.id, wf] as const))('%s: names only templates that exist and fit where they are sent', (_id, wf) => {
    const r = validateDefinition(wf, { templates: createTemplateCatalog() });
    expect(r.ok ? [] : r.issues).toEqual([]);
  });

  it.each(templateFiles)('%s: no English words, ids or notes outside placeholders', (file) => {
    const text = readableTemplateText(readFileSync(join(TEMPLATE_DIR, file), 'utf8'));
    expect(problems([{ where: file, text }])).toEqual([]);
  });
});
