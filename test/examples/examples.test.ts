import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workflowJsonSchema } from '../../engine/index.js';
import { main as customWorkflow } from '../../examples/custom-workflow.js';
import { main as quickstart } from '../../examples/quickstart.js';

const dir = mkdtempSync(join(tmpdir(), 'duban-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples', () => {
  it('quickstart takes a hazard from report to close on a fresh SQLite file and verifies its history', async () => {
    const lines: string[] = [];
    const r = await quickstart({ sqliteFile: join(dir, 'quickstart.sqlite'), log: (l) => lines.push(l) });
    expect(r).toMatchObject({ state: 'closed', events: 9, verified: true });
    expect(lines.join('\n')).toContain('pass');
  });

  it('runs a workflow written in plain JSON', async () => {
    const r = await customWorkflow({ sqliteFile: join(dir, 'custom.sqlite'), log: () => {} });
    expect(r).toMatchObject({ state: 'archived', events: 5 });
  });

  it('the committed JSON Schema for *.workflow.json matches the zod schema', () => {
    const committed = JSON.parse(readFileSync(new URL('../../engine/schema/workflow-definition.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(workflowJsonSchema());
  });
});
