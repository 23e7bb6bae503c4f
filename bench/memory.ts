/**
 * Memory per 100,000 open cases: heap and RSS growth of a process that opens
 * hazard cases (reported, waiting for triage), each side in a fresh child
 * process with full garbage collections before and after, scaled to
 * 100,000 from the growth over a second batch of `BENCH_MEMORY_CASES`
 * (1,000) Duban cases or `BENCH_MEMORY_BPMN_CASES` (150) bpmn-engine
 * processes (about 1 MB each), after a first batch of the same size. Duban keeps open cases in its
 * database (SQLite here; its page cache counts in RSS), after 200 warm-up
 * cases on each side; bpmn-engine keeps each
 * running process in memory: the baseline.
 */
import type { MemoryInput, MemoryOutput } from './memory-child.js';
import { fmt, result, runChild, size, type BenchResult } from './lib.js';

const CASES = size('BENCH_MEMORY_CASES', 1000, 100);
/** bpmn-engine holds about 1 MB per waiting process: fewer of them, scaled the same way. */
const BPMN_CASES = size('BENCH_MEMORY_BPMN_CASES', 150, 50);
const PER = 100_000;

export async function main(): Promise<BenchResult[]> {
  const run = (kind: MemoryInput['kind'], cases: number) => runChild<MemoryOutput>('./memory-child.ts', { kind, cases } satisfies MemoryInput, ['--expose-gc', '--no-flush-bytecode']);
  const bpmn = await run('bpmn', BPMN_CASES);
  const duban = await run('duban', CASES);
  const mb = (bytes: number, cases: number) => (bytes * (PER / cases)) / 1_048_576;
  const note = `open hazard cases (reported, waiting for triage), growth over a second batch (slope through 6 checkpoints): Duban ${fmt(CASES)} scaled ×${fmt(PER / CASES)}, bpmn-engine ${fmt(BPMN_CASES)} scaled ×${fmt(PER / BPMN_CASES)}; a fresh process each, after full GCs`;
  const base = 'bpmn-engine processes in memory';
  return [
    result('memory per 100,000 open cases, heap', mb(duban.heapBytes, CASES), 'MB', { name: base, value: mb(bpmn.heapBytes, BPMN_CASES) }, `${note}; Duban keeps open cases in the database: its heap figure is what stays in memory beside them`),
    result('memory per 100,000 open cases, RSS', mb(duban.rssBytes, CASES), 'MB', { name: base, value: mb(bpmn.rssBytes, BPMN_CASES) }, `${note}; Duban's RSS includes the SQLite page cache`),
  ];
}
