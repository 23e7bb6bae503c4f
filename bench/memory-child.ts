/**
 * Child process of the memory benchmark (bench/memory.ts): opens `cases`
 * hazard cases, each reported and waiting for triage, either in Duban (on a
 * SQLite file) or as bpmn-engine processes (in memory), and answers with the
 * heap and RSS growth measured after full garbage collections (run with
 * --expose-gc).
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

function settle(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
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
    for (let i = 0; i < 20; i++) await start(-i);
    const before = settle();
    for (let i = 0; i < cases; i++) open.push(await start(i));
    const after = settle();
    if (open.length !== cases) throw new Error('lost a process');
    return { heapBytes: after.heap - before.heap, rssBytes: after.rss - before.rss };
  }
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-memory-'));
  const store = createKnexStore({ sqliteFile: join(dir, 'memory.sqlite') });
  try {
    await store.migrate();
    const engine = await createEngine({ store, workflows: builtinWorkflows });
    for (let i = 0; i < 20; i++) await openHazardCase(engine);
    const before = settle();
    for (let i = 0; i < cases; i++) await openHazardCase(engine);
    const after = settle();
    return { heapBytes: after.heap - before.heap, rssBytes: after.rss - before.rss };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
