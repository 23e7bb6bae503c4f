/**
 * `duban register import` (the register of enterprises, or the departments
 * of each industry, from a spreadsheet, as a named admin: rows outside that
 * admin's subtree are refused as over the API) and `duban campaigns list`
 * (campaigns of an org's subtree with their figures per district).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { KnexStore } from '../engine/index.js';
import { campaignFigures } from './campaigns/figures.js';
import { listCampaigns } from './campaigns/store.js';
import { HttpError } from './http-errors.js';
import type { Runtime } from './main.js';
import { importEnterprises, importIndustryDepartments } from './register/import.js';
import { readSheet, SHEET_FORMATS, type SheetFormat } from './register/sheet.js';

type WithRuntime = <T>(fn: (rt: Runtime) => Promise<T>, opts?: { registerBuiltins?: boolean }) => Promise<T>;

/** Adds `register` and `campaigns` to the CLI. */
export function registerRegisterCommands(program: Command, withRuntime: WithRuntime): void {
  const register = program.command('register').description('the register of enterprises and of the departments that supervise each industry');
  register
    .command('import <file>')
    .description('import a spreadsheet (.xlsx or UTF-8 .csv): all rows or none; each bad row is printed with its code')
    .requiredOption('--kind <kind>', 'enterprises or industries', (v) => {
      if (!['enterprises', 'industries'].includes(v)) throw new InvalidArgumentError('enterprises or industries');
      return v;
    })
    .requiredOption('--as <user>', 'the admin the import is done as (its subtree bounds the rows)')
    .option('--org <id>', 'industries: the org whose table it is (the admin\'s own by default)')
    .action(async (file: string, opts: { kind: string; as: string; org?: string }) => {
      const format = path.extname(file).slice(1).toLowerCase();
      if (!(SHEET_FORMATS as readonly string[]).includes(format)) throw new HttpError('invalid_request', `${file}: an .xlsx or .csv file`);
      const sheet = await readSheet(await readFile(file), format as SheetFormat);
      await withRuntime(async ({ store, people, orgs, engine }) => {
        const user = await people.getUser(opts.as);
        if (!user || !user.roles.includes('admin')) throw new HttpError('user_not_found', `${opts.as} is not an admin`);
        const importer = { user: { id: user.id }, subtree: await orgs.subtree(user.orgId) };
        const owner = opts.org ?? user.orgId;
        if (!importer.subtree.has(owner)) throw new HttpError('org_not_found', `org ${owner} is not in ${user.id}'s subtree`);
        const r = opts.kind === 'enterprises' ? await importEnterprises(store as KnexStore, engine.clock, importer, sheet) : await importIndustryDepartments(store as KnexStore, engine.clock, importer, owner, sheet);
        console.log(`imported: ${r.created} new, ${r.unchanged} unchanged`);
      });
    });
  program
    .command('campaigns')
    .description('the campaigns (专项整治) run in an org\'s subtree, with hazards found and rectified per district against the targets')
    .option('--org <id>', 'the org (the root by default)')
    .action(async (opts: { org?: string }) => {
      await withRuntime(async ({ store, orgs, engine }) => {
        const root = opts.org ?? (await orgs.list()).find((o) => o.parentId === null)?.id;
        if (root === undefined || !(await orgs.get(root))) throw new HttpError('org_not_found', `org ${opts.org ?? '(root)'} does not exist`);
        const knex = (store as KnexStore).knex;
        for (const c of await listCampaigns(knex, [...(await orgs.subtree(root))])) {
          console.log(`${c.title} (${c.id}) ${c.startsOn}..${c.endsOn} ${c.status}`);
          const f = await campaignFigures(knex, c, engine.clock.now().toISOString());
          for (const d of f.districts) console.log(`  ${(await orgs.get(d.district))?.name ?? d.district}: found ${d.found}/${d.targetFound ?? '-'}, rectified ${d.rectified}/${d.targetRectified ?? '-'}, other cases ${d.otherCases}`);
        }
      });
    });
}
