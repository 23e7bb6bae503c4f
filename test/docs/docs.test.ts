/**
 * The docs cannot drift: the committed definition reference is what
 * `npm run docs` generates now, and every workflow snippet of the guide
 * (```json first-workflow blocks) validates against the schema and the
 * notification templates, the last one being the committed workflow file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { definitionReference, validateDefinition } from '../../engine/index.js';
import { loadTemplates } from '../../server/main.js';
import { referenceExamples } from '../../server/reference-examples.js';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('docs', () => {
  it('docs/definition-reference.md is what npm run docs generates (run it after changing the schema)', async () => {
    expect(read('docs/definition-reference.md')).toBe(definitionReference(await referenceExamples()));
  });

  it('every snippet of docs/first-workflow.md validates, and the last is docs/first-workflow.workflow.json', () => {
    const snippets = [...read('docs/first-workflow.md').matchAll(/```json first-workflow\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    const templates = loadTemplates({ DUBAN_TEMPLATE_DIR: undefined });
    for (const [i, def] of snippets.entries()) {
      const r = validateDefinition(def, { templates });
      expect(r.ok ? [] : r.issues, `snippet ${i + 1}`).toEqual([]);
    }
    expect(snippets.at(-1)).toEqual(JSON.parse(read('docs/first-workflow.workflow.json')));
  });
});
