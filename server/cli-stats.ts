/**
 * `duban stats rebuild` (the statistics read model from the event history)
 * and `duban report monthly` (the monthly report as a workbook, an HTML page
 * or JSON).
 */
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { OrgNotFoundError } from '../engine/index.js';
import type { Runtime } from './main.js';
import { BUILTIN_FACTS, rebuildFacts } from './stats/facts-store.js';
import { buildMonthlyReport, monthlyHtml, monthlyWorkbook } from './stats/report.js';

type WithRuntime = <T>(fn: (rt: Runtime) => Promise<T>, opts?: { registerBuiltins?: boolean }) => Promise<T>;

/** Adds `stats` and `report` to the CLI. */
export function registerStatsCommands(program: Command, withRuntime: WithRuntime): void {
  const stats = program.command('stats').description('the statistics read model');
  stats
    .command('rebuild')
    .description('recompute every case\'s statistics facts from its event history (same result as the facts kept step by step)')
    .action(async () => {
      await withRuntime(async ({ stats, engine }) => {
        const n = await rebuildFacts(stats.facts, (id) => engine.history(id), BUILTIN_FACTS);
        console.log(`case facts rebuilt: ${n} cases`);
      });
    });
  const report = program.command('report').description('reports');
  report
    .command('monthly')
    .description('the monthly report (月报) of an org\'s subtree (the root by default)')
    .requiredOption('--month <YYYY-MM>', 'the month, e.g. 2026-11', (v) => {
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(v)) throw new InvalidArgumentError('a month is YYYY-MM');
      return v;
    })
    .option('--org <id>', 'the org whose subtree the report covers')
    .option('--at <instant>', 'compute from the history as it stood at this ISO instant', (v) => {
      if (Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('an ISO instant, e.g. 2026-12-01T00:00:00+08:00');
      return new Date(v).toISOString();
    })
    .option('--format <format>', 'xlsx, html or json', (v) => {
      if (!['xlsx', 'html', 'json'].includes(v)) throw new InvalidArgumentError('xlsx, html or json');
      return v;
    }, 'xlsx')
    .requiredOption('--out <file>', 'where to write it')
    .action(async (opts: { month: string; org?: string; at?: string; format: string; out: string }) => {
      await withRuntime(async ({ stats, engine, orgs }) => {
        if (opts.org !== undefined && !(await orgs.get(opts.org))) throw new OrgNotFoundError(opts.org, 'the report');
        const r = await buildMonthlyReport(stats, (id) => engine.history(id), orgs, { month: opts.month, org: opts.org, at: opts.at });
        const body = opts.format === 'xlsx' ? await monthlyWorkbook(r) : opts.format === 'html' ? monthlyHtml(r) : `${JSON.stringify(r, null, 2)}\n`;
        await writeFile(opts.out, body);
        console.log(`report written: ${opts.out}`);
      });
    });
}
