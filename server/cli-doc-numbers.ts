/**
 * `duban doc-numbers set-prefix` and `duban doc-numbers list`: the
 * document-number series (文号) of an org from the command line, with the
 * scope of `POST /api/v1/orgs/{org}/doc-number-series/{series}`: as a named
 * admin (`--as`) only an org of that admin's subtree; as the operator (no
 * `--as`, the database owner's tool) any existing org.
 */
import type { Command } from 'commander';
import { docNumberYear, formatDocNumber, type KnexStore } from '../engine/index.js';
import { parseInput } from './cli-input.js';
import { DocPrefixSchema, DocSeriesSchema, listDocNumberSeries, setDocNumberPrefix } from './doc-numbers.js';
import { HttpError } from './http-errors.js';
import type { Runtime } from './main.js';
import { z } from 'zod';

type WithRuntime = <T>(fn: (rt: Runtime) => Promise<T>, opts?: { registerBuiltins?: boolean }) => Promise<T>;

/** The org the command acts on, checked as the API checks it; the id of whoever acts. */
async function scopedOrg(rt: Runtime, org: string, as: string | undefined, needAdmin: boolean): Promise<{ org: string; by: string }> {
  const missing = () => new HttpError('org_not_found', `org ${org} does not exist`);
  if (as === undefined) {
    if (!(await rt.orgs.get(org))) throw missing();
    return { org, by: 'operator' };
  }
  const user = await rt.people.getUser(as);
  if (!user) throw new HttpError('user_not_found', `user ${as} does not exist`);
  if (needAdmin && !user.roles.includes('admin')) throw new HttpError('forbidden', `${as} is not an admin`);
  // Outside the admin's subtree an org is as unknown as over the API.
  if (!(await rt.orgs.subtree(user.orgId)).has(org)) throw missing();
  return { org, by: user.id };
}

/** Adds `doc-numbers` to the CLI. */
export function registerDocNumberCommands(program: Command, withRuntime: WithRuntime): void {
  const cmd = program.command('doc-numbers').description('document-number series (文号) of an org: the prefix of each series and the last number issued this year');
  cmd
    .command('set-prefix')
    .description('set the prefix of a series of an org (e.g. circular → 江应急通: 江应急通〔2026〕1号, 2号, …); the year\'s sequence continues')
    .requiredOption('--org <id>', 'the org whose documents the series numbers')
    .requiredOption('--series <series>', 'the series, e.g. circular, interviewNotice, supervisionLetter, rectificationOrder')
    .requiredOption('--prefix <text>', 'the prefix, e.g. 江应急通 (no 〔〕, no spaces)')
    .option('--as <user>', 'the admin it is done as (its subtree bounds the org); the operator when omitted')
    .action(async (opts: { org: string; series: string; prefix: string; as?: string }) => {
      const flags: Record<string, string> = { series: '--series', prefix: '--prefix' };
      const input = parseInput(z.object({ series: DocSeriesSchema, prefix: DocPrefixSchema }), { series: opts.series, prefix: opts.prefix }, (p) => flags[String(p[0])] ?? String(p[0]));
      await withRuntime(async (rt) => {
        const { org, by } = await scopedOrg(rt, opts.org, opts.as, true);
        const store = rt.store as KnexStore;
        const year = docNumberYear(rt.engine.clock.now());
        await setDocNumberPrefix(store, { org, series: input.series, prefix: input.prefix, setBy: by, at: rt.engine.clock.now().toISOString() });
        const row = (await listDocNumberSeries(store, org, year)).find((r) => r.series === input.series)!;
        console.log(`${org} ${row.series} (${row.title}): prefix ${row.prefix}, next number ${formatDocNumber(row.prefix, year, row.lastSeq + 1)}`);
      }, { registerBuiltins: false });
    });
  cmd
    .command('list')
    .description('the series of an org with their prefixes and the last number issued this year')
    .requiredOption('--org <id>', 'the org')
    .option('--as <user>', 'the user it is read as (their subtree bounds the org); the operator when omitted')
    .option('--json', 'print JSON')
    .action(async (opts: { org: string; as?: string; json?: boolean }) => {
      await withRuntime(async (rt) => {
        const { org } = await scopedOrg(rt, opts.org, opts.as, false);
        const year = docNumberYear(rt.engine.clock.now());
        const rows = await listDocNumberSeries(rt.store as KnexStore, org, year);
        if (opts.json) {
          console.log(JSON.stringify({ org, year, items: rows }, null, 2));
          return;
        }
        if (rows.length === 0) console.log(`${org}: no series set`);
        for (const r of rows) console.log(`${r.series} (${r.title}): prefix ${r.prefix}, ${r.lastSeq === 0 ? `none issued in ${year}` : `last ${formatDocNumber(r.prefix, year, r.lastSeq)}`}`);
      }, { registerBuiltins: false });
    });
}
