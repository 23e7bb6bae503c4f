/**
 * Benchmark runner: `npm run bench -- <name>` (engine, …). Each benchmark
 * prints its figures beside a baseline measured in the same run, and the ratio.
 */
const benches: Record<string, () => Promise<{ main: () => Promise<void> }>> = {
  engine: () => import('./engine.js'),
  http: () => import('./http.js'),
  timers: () => import('./timers.js'),
  notifications: () => import('./notifications.js'),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = names.length > 0 ? names : Object.keys(benches);
for (const name of selected) {
  const load = benches[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"; available: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name} ==`);
  await (await load()).main();
}
