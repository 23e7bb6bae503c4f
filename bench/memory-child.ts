/**
 * Child process of the memory benchmark (bench/memory.ts): opens `cases`
 * hazard cases, each reported and waiting for triage, either in Duban (on a
 * SQLite file) or as bpmn-engine processes (in memory), and answers with the
 * heap and RSS growth measured after full garbage collections (run with
 * --expose-gc) over the second batch of `cases` (2 × `cases` are opened),
 * as a slope through six checkpoints.
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

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

/**
 * Opens `cases` cases twice over and answers with the growth per `cases` over
 * the second batch, as the slope through six checkpoints (full GCs at each):
 * one-time releases (start-up garbage, flushed code) fall in the first batch,
 * and one noisy sample (RSS especially) does not decide the figure.
 */
async function measure(open: (i: number) => Promise<void>, cases: number): Promise<MemoryOutput> {
  for (let i = 0; i < cases; i++) await open(i);
  const counts: number[] = [];
  const heaps: number[] = [];
  const rsss: number[] = [];
  const checkpoints = 5;
  for (let k = 0; k <= checkpoints; k++) {
    const upto = cases + Math.round((k / checkpoints) * cases);
    for (let i = counts.length === 0 ? cases : counts.at(-1)!; i < upto; i++) await open(i);
    const m = settle();
    counts.push(upto);
    heaps.push(m.heap);
    rsss.push(m.rss);
  }
  return { heapBytes: slope(counts, heaps) * cases, rssBytes: slope(counts, rsss) * cases };
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
