/**
 * Child process of the memory benchmark (bench/memory.ts): opens `cases`
 * hazard cases, each reported and waiting for triage, either in Duban (on a
 * SQLite file) or as bpmn-engine processes (in memory), and answers with the
 * heap and RSS growth measured after full garbage collections (run with
 * --expose-gc) over the second batch of `cases` (2 × `cases` are opened).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createKnexStore } from '../engine/index.js';
import { builtinWorkflows } from '../workflows/index.js';
import { compileHazardBpmn, startHazardProcess } from './bpmn-hazard.js';
import { hazardCommands, openHazardCase } from './hazard-path.js';
import { childMain } from './lib.js';

export interface MemoryInput {
  kind: 'duban' | 'bpmn';
  cases: number;
}
export interface MemoryOutput {
  heapBytes: number;
  rssBytes: number;
}

/** Cases opened before the first measurement, so JIT code, caches and pools are in place already. */
const WARM = 200;

function settle(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/**
 * Opens `cases` cases twice over and answers with the growth over the second
 * batch: one-time releases (start-up garbage, flushed code) fall in the first.
 */
async function measure(open: (i: number) => Promise<void>, cases: number): Promise<MemoryOutput> {
  for (let i = 0; i < cases; i++) await open(i);
  const before = settle();
  for (let i = cases; i < 2 * cases; i++) await open(i);
  const after = settle();
  return { heapBytes: after.heap - before.heap, rssBytes: after.rss - before.rss };
}

childMain<MemoryInput, MemoryOutput>(async ({ kind, cases }) => {
  if (kind === 'bpmn') {
    const ctx = await compileHazardBpmn();
    const submit = hazardCommands()[0]!;
    const open: unknown[] = [];
    const start = async (i: number) => {
      const p = await startHazardProcess(ctx, `hazard-${i}`);
      p.signal('submit', submit.payload);
      return p;
    };
    for (let i = 0; i < WARM; i++) open.push(await start(-1 - i));
    return measure(async (i) => void open.push(await start(i)), cases);
  }
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-memory-'));
  const store = createKnexStore({ sqliteFile: join(dir, 'memory.sqlite') });
  try {
    await store.migrate();
    const engine = await createEngine({ store, workflows: builtinWorkflows });
    for (let i = 0; i < WARM; i++) await openHazardCase(engine);
    return await measure(async () => void (await openHazardCase(engine)), cases);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
