/**
 * Benchmark runner. `npm run bench` runs every benchmark of bench/, prints one
 * table (each figure beside its baseline measured in the same run, and the
 * ratio value / baseline) and writes bench-results/<YYYY-MM-DD>.json.
 *
 *   npm run bench                      # everything, a few minutes
 *   npm run bench -- --quick           # CI-size smoke run (BENCH_QUICK=1), one round, small sizes
 *   npm run bench -- engine http       # some of them (the JSON is written only for a full run, unless BENCH_WRITE=1)
 *
 * Sizes: BENCH_ROUNDS (3), and the BENCH_* variables named at the top of each benchmark file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, QUICK, ROUNDS, table, type BenchResult } from './lib.js';

const benches: Record<string, () => Promise<{ main: () => Promise<BenchResult[]> }>> = {
  engine: () => import('./engine.js'),
  postgres: () => import('./postgres.js'),
  memory: () => import('./memory.js'),
  http: () => import('./http.js'),
  timers: () => import('./timers.js'),
  notifications: () => import('./notifications.js'),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of names) {
  if (!benches[name]) {
    console.error(`unknown benchmark "${name}"; available: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
}
const selected = names.length > 0 ? names : Object.keys(benches);
const m = machine();
console.log(`Duban benchmarks${QUICK ? ' (quick)' : ''}: ${selected.join(', ')}; ${ROUNDS} round(s); ${m.cpus} × ${m.model}, Node ${m.node}, ${m.os}`);

const results: BenchResult[] = [];
const failed: string[] = [];
const started = performance.now();
for (const name of selected) {
  const t0 = performance.now();
  process.stdout.write(`running ${name} … `);
  try {
    const rows = await (await benches[name]!()).main();
    results.push(...rows);
    console.log(`${rows.length} figure(s) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } catch (err) {
    failed.push(name);
    console.log('FAILED');
    console.error(err);
  }
}

console.log(`\n${table(results)}\n`);
for (const r of results) if (r.note) console.log(`- ${r.name}: ${r.note}`);
console.log(`\nratio = value / baseline; ${((performance.now() - started) / 1000).toFixed(0)} s in all`);

if (names.length === 0 || process.env.BENCH_WRITE === '1') {
  const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${new Date().toISOString().slice(0, 10)}${QUICK ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
