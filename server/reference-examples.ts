/**
 * The definitions the generated reference takes its examples from: the
 * built-in workflows and every `*.workflow.json` of `examples/` and `docs/`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { builtinWorkflows } from '../workflows/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function referenceExamples(): Promise<unknown[]> {
  const defs: unknown[] = [...builtinWorkflows];
  for (const dir of ['examples', 'docs']) {
    const names = (await readdir(`${ROOT}${dir}`).catch(() => [] as string[])).filter((n) => n.endsWith('.workflow.json')).sort();
    for (const n of names) defs.push(JSON.parse(await readFile(`${ROOT}${dir}/${n}`, 'utf8')) as unknown);
  }
  return defs;
}
