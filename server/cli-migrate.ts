/**
 * `duban cases migrate`: moves the running cases of a workflow from one
 * definition version to another by a mapping file (issue 15). The operator
 * is above every org: all cases, or those of `--org`'s subtree.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { formatStateValue, OrgNotFoundError, type Actor, type MigrationReport } from '../engine/index.js';
import { readJsonFile } from './cli-input.js';
import type { Runtime } from './main.js';

type WithRuntime = <T>(fn: (rt: Runtime) => Promise<T>, opts?: { registerBuiltins?: boolean }) => Promise<T>;

/** Who the history names for a migration run from the command line. */
export const CLI_OPERATOR: Actor = { id: 'cli:operator', roles: ['admin'], name: '系统运维' };

const version = (v: string): number => {
  if (!/^[1-9]\d{0,5}$/.test(v)) throw new InvalidArgumentError('a version is a whole number from 1');
  return Number(v);
};

/** The report as lines: every case with where it was and where it goes, the uncovered ones last. */
export function formatMigrationReport(r: MigrationReport): string[] {
  const lines = [`${r.dryRun ? 'dry run: ' : ''}${r.workflowId} ${r.fromVersion} → ${r.toVersion}, mapping ${r.mapHash.slice(0, 12)}`];
  for (const c of r.cases.filter((l) => !l.uncovered)) lines.push(`  ${c.caseId}  ${formatStateValue(c.from as never)} → ${formatStateValue(c.to as never)}${c.seq ? `  (event #${c.seq})` : ''}`);
  for (const c of r.cases.filter((l) => l.uncovered)) lines.push(`  not covered: ${c.caseId}  ${formatStateValue(c.from as never)}  (${c.uncovered!.reason}: ${c.uncovered!.states.join(', ')})`);
  for (const f of r.failed) lines.push(`  failed: ${f.caseId}  ${f.code}: ${f.message}`);
  lines.push(`${r.cases.length} case(s): ${r.dryRun ? r.cases.length - r.uncovered : r.migrated} ${r.dryRun ? 'would move' : 'migrated'}, ${r.uncovered} not covered, ${r.failed.length} failed`);
  return lines;
}

/** Adds `cases migrate` to the `cases` command. */
export function registerMigrateCommand(cases: Command, withRuntime: WithRuntime): void {
  cases
    .command('migrate')
    .description('move running cases of a workflow from one definition version to another by a state mapping (JSON: { states: { old: new }, data?: { field: JSON Logic }, drop?: [field] })')
    .requiredOption('--workflow <id>', 'the workflow id, e.g. hazard')
    .requiredOption('--from <version>', 'the version the cases run now', version)
    .requiredOption('--to <version>', 'the version to move them to', version)
    .requiredOption('--map <file>', 'the mapping file (JSON)')
    .option('--dry-run', 'list every case with its old and new state; write nothing')
    .option('--org <id>', 'only the cases of this org\'s subtree')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { workflow: string; from: number; to: number; map: string; dryRun?: boolean; org?: string; json?: boolean }) => {
      const map = await readJsonFile(opts.map);
      await withRuntime(async ({ engine, orgs }) => {
        if (opts.org !== undefined && !(await orgs.get(opts.org))) throw new OrgNotFoundError(opts.org, 'the migration');
        const scope = opts.org === undefined ? undefined : [...(await orgs.subtree(opts.org))];
        const r = await engine.migrateCases({ workflowId: opts.workflow, fromVersion: opts.from, toVersion: opts.to, map, dryRun: opts.dryRun === true, orgs: scope, actor: CLI_OPERATOR });
        console.log(opts.json ? JSON.stringify(r, null, 2) : formatMigrationReport(r).join('\n'));
        if (r.failed.length > 0) process.exitCode = 1;
      });
    });
}
