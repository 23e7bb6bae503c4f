/**
 * Statistics figures (not part of `npm run bench` yet): the monthly report and the 统计 page's figures
 * over N case-facts rows (default 100,000) on SQLite, each beside a bare SQL count over the same rows
 * measured in the same run, as a ratio. The facts rows are written through the statistics store (as `duban stats rebuild`
 * does), not by running 100,000 cases through the engine; the orgs are a city with 10 districts of
 * 10 townships each.
 *
 * Run: npx tsx bench/stats.ts   (BENCH_STATS_CASES=20000 for fewer)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKnexStore, type CaseFacts } from '../engine/index.js';
import { createKnexPeopleStore } from '../server/index.js';
import { buildDashboard, buildMonthlyReport, createKnexStatsStore, createOrgDirectory } from '../server/index.js';

const N = Number(process.env.BENCH_STATS_CASES ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'duban-bench-stats-'));
const store = createKnexStore({ sqliteFile: join(dir, 'duban.sqlite') });

async function main(): Promise<void> {
  await store.migrate();
  const people = createKnexPeopleStore(store);
  const at = '2025-01-01T00:00:00.000Z';
  await people.addOrg({ id: 'city', name: '示范市', parentId: null, level: 'city', createdAt: at });
  const towns: string[] = [];
  for (let d = 0; d < 10; d++) {
    await people.addOrg({ id: `d${d}`, name: `第${d + 1}区`, parentId: 'city', level: 'county', createdAt: at });
    for (let t = 0; t < 10; t++) {
      await people.addOrg({ id: `d${d}t${t}`, name: `第${d + 1}区第${t + 1}街道`, parentId: `d${d}`, level: 'township', createdAt: at });
      towns.push(`d${d}t${t}`);
    }
  }
  const orgs = createOrgDirectory(people);
  const workflows = ['hazard', 'hazard', 'hazard', 'hazard', 'accident', 'tip-off', 'supervision-letter'];
  const start = Date.parse('2025-01-01T00:00:00.000Z');
  const span = Date.parse('2026-11-30T00:00:00.000Z') - start;
  const rows: CaseFacts[] = [];
  for (let i = 0; i < N; i++) {
    const workflowId = workflows[i % workflows.length]!;
    const opened = new Date(start + ((i * 7919) % span)).toISOString();
    const closed = i % 3 === 0 ? null : new Date(Date.parse(opened) + ((i % 20) + 1) * 86_400_000).toISOString();
    const f: CaseFacts = {
      caseId: `case-${String(i).padStart(7, '0')}`, workflowId, org: towns[i % towns.length]!, seq: 5, grade: workflowId === 'accident' ? (i % 10 === 0 ? 'serious' : 'general') : i % 5 === 0 ? 'major' : 'general',
      industry: ['建筑施工', '道路运输', '危险化学品', '工贸'][i % 4]!, source: null, openedAt: opened, closedAt: closed, terminated: i % 17 === 0,
      firstOverdueAt: i % 4 === 0 ? new Date(Date.parse(opened) + 10 * 86_400_000).toISOString() : null, occurredAt: workflowId === 'accident' ? opened : null,
      confirmedAt: workflowId === 'accident' ? opened : null, deaths: workflowId === 'accident' ? i % 3 : null, injuries: workflowId === 'accident' ? i % 2 : null,
      directLossCny: workflowId === 'accident' ? (i % 7) * 100_000 : null, deadlinesMet: 1, deadlinesMissed: 0, escalations: 0, listed: i % 11 === 0, openDeadlines: {},
    };
    rows.push(f);
  }
  const stats = createKnexStatsStore(store);
  await stats.facts.replaceAll(rows);

  const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const r = await fn();
    return [r, performance.now() - t0];
  };
  const [, countMs] = await time(() => store.knex('case_facts').count({ n: '*' }).where('org', 'like', 'd%'));
  const [report, reportMs] = await time(() => buildMonthlyReport(stats, (id) => store.listEvents(id), orgs, { month: '2026-11' }));
  const [dash, dashMs] = await time(() => buildDashboard(stats, orgs, 'city', '2026-11-30T00:00:00.000Z'));
  console.log(`case facts rows: ${N.toLocaleString('en-US')} (SQLite, ${report.hazards.byDistrict.length} districts; ${dash.total.openMajor} open major hazards)`);
  console.log(`bare SQL count over the rows: ${countMs.toFixed(0)} ms`);
  console.log(`monthly report (2026-11):      ${reportMs.toFixed(0)} ms  (${(reportMs / countMs).toFixed(1)}× the count)`);
  console.log(`统计 page figures:             ${dashMs.toFixed(0)} ms  (${(dashMs / countMs).toFixed(1)}× the count)`);
}

main().finally(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
