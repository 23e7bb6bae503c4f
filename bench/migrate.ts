/**
 * Migrating running cases (issue 15): N open hazard cases (reported, waiting
 * for triage: a task and a running deadline each) move from hazard@1 to
 * hazard@2 with `engine.migrateCases` — one `case.migrated` event, task and
 * timer changes per case, each in its own transaction — beside a plain
 * `engine.send` rate on the same SQLite store, measured in the same run.
 *
 * Run alone: npx tsx bench/migrate.ts   (BENCH_MIGRATE_CASES=10000 by default; 500 with --quick)
 * In the suite: npm run bench -- migrate
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine, createKnexStore, createManualClock, type Engine } from '../engine/index.js';
import { hazardWorkflow } from '../workflows/index.js';
import { benchWorkflow } from './bench-workflow.js';
import { openHazardCase } from './hazard-path.js';
import { fmt, rate, result, size, table, type BenchResult } from './lib.js';

const CASES = size('BENCH_MIGRATE_CASES', 10_000, 500);
const SENDS = size('BENCH_MIGRATE_SENDS', 3_000, 300);
const admin = { id: 'bench-admin', roles: ['admin'], org: 'bench-district' };
const clerk = { id: 'bench', roles: ['clerk'], org: 'bench-district' };

/** Every top-level state of hazard that is not final, mapped to itself: the next version has the same states. */
function identityMap(): { states: Record<string, string> } {
  const states = Object.entries(hazardWorkflow.states).filter(([, s]) => (s as { type?: string }).type !== 'final').map(([k]) => [k, k]);
  return { states: Object.fromEntries(states) };
}

async function plainSends(engine: Engine): Promise<number> {
  const cases = await Promise.all(Array.from({ length: 10 }, () => engine.createCase({ workflowId: 'bench-notes', org: 'bench-district', data: { count: 0 }, actor: clerk })));
  const t0 = performance.now();
  for (let i = 0; i < SENDS; i++) await engine.send(cases[i % cases.length]!.case.id, { type: 'note', payload: { text: `第${i}条` } }, clerk);
  return rate(SENDS, performance.now() - t0);
}

/** Runs the benchmark and returns its figures. */
export async function main(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-migrate-'));
  try {
    const store = createKnexStore({ sqliteFile: join(dir, 'migrate.sqlite') });
    await store.migrate();
    const engine = await createEngine({ store, clock: createManualClock(new Date()), workflows: [hazardWorkflow, benchWorkflow] });
    for (let i = 0; i < CASES; i++) await openHazardCase(engine);
    const from = hazardWorkflow.version;
    const to = from + 1;
    await engine.registerWorkflow({ ...hazardWorkflow, version: to });
    const sendRate = await plainSends(engine);
    const t0 = performance.now();
    const report = await engine.migrateCases({ workflowId: 'hazard', fromVersion: from, toVersion: to, map: identityMap(), actor: admin });
    const ms = performance.now() - t0;
    if (report.migrated !== CASES || report.failed.length > 0) throw new Error(`migrated ${report.migrated} of ${CASES} (${report.failed.length} failed)`);
    const check = await engine.verify(report.cases[0]!.caseId);
    if (!check.ok) throw new Error('a migrated case does not verify');
    await store.close();
    const note = `${fmt(CASES)} reported hazard cases hazard@${from} → hazard@${to} on SQLite, listing and planning included (${(ms / 1000).toFixed(1)} s); baseline: ${fmt(SENDS)} plain sends on the same store`;
    return [result('migrate: cases moved per second', rate(CASES, ms), 'cases/s', { name: 'engine.send per second', value: sendRate }, note)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(table(await main()));
}
