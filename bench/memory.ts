/**
 * Memory per 100,000 open cases: heap and RSS growth of a process that opens
 * hazard cases (reported, waiting for triage), each side in a fresh child
 * process with full garbage collections before and after, scaled from
 * `BENCH_MEMORY_CASES` (2,000) to 100,000. Duban keeps open cases in its
 * database (SQLite here; its page cache counts in RSS), bpmn-engine keeps each
 * running process in memory: the baseline.
 */
import type { MemoryInput, MemoryOutput } from './memory-child.js';
import { fmt, result, runChild, size, type BenchResult } from './lib.js';

const CASES = size('BENCH_MEMORY_CASES', 2000, 200);
const PER = 100_000;

export async function main(): Promise<BenchResult[]> {
  const run = (kind: MemoryInput['kind']) => runChild<MemoryOutput>('./memory-child.ts', { kind, cases: CASES } satisfies MemoryInput, ['--expose-gc']);
  const bpmn = await run('bpmn');
  const duban = await run('duban');
  const mb = (bytes: number) => (bytes * (PER / CASES)) / 1_048_576;
  const note = `measured on ${fmt(CASES)} open hazard cases (reported, waiting for triage), scaled ×${fmt(PER / CASES)}; a fresh process each, after full GCs`;
  return [
    result('memory per 100,000 open cases, heap', mb(duban.heapBytes), 'MB', { name: 'bpmn-engine processes in memory', value: mb(bpmn.heapBytes) }, note),
    result('memory per 100,000 open cases, RSS', mb(duban.rssBytes), 'MB', { name: 'bpmn-engine processes in memory', value: mb(bpmn.rssBytes) }, `${note}; Duban's RSS includes the SQLite page cache`),
  ];
}
