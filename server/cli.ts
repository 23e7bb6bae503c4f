#!/usr/bin/env node
/**
 * The `duban` command line: serve the API, validate workflow files, migrate
 * the database, manage orgs, users and tokens, replay a case, verify the audit
 * chain (in the database or in an exported case file).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { EngineError, OrgNotFoundError, formatPath, formatStateValue, validateDefinition, workflowJsonSchema } from '../engine/index.js';
import { NotificationError } from '../notifications/index.js';
import { verifyCaseFile } from './case-file.js';
import { registerCalendarCommands } from './cli-calendar.js';
import { ConfigError } from './config.js';
import { HttpError } from './http-errors.js';
import { configFromEnv, loadTemplates, openRuntime, type Runtime } from './main.js';
import { createUser, findToken, importOrgTree } from './people.js';
import { NewUserSchema, OrgTreeSchema } from './schemas.js';
import { assertModeConfig, startServer } from './serve.js';
import { assertWorkerConfig, startWorker } from './worker.js';

const program = new Command();
program.name('duban').description('Duban (督办): workflow engine for work-safety supervision cases').showHelpAfterError();

/** Loads definitions from a .json file or a .ts/.js module (default and named exports). */
async function loadDefinitions(file: string): Promise<unknown[]> {
  const abs = path.resolve(file);
  if (abs.endsWith('.json')) return [JSON.parse(await readFile(abs, 'utf8')) as unknown];
  const mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  const values = Object.values(mod).filter((v) => v && typeof v === 'object' && 'states' in v);
  if (values.length === 0) throw new Error(`${file} exports no workflow definition`);
  return values;
}

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>, opts: { registerBuiltins?: boolean } = {}): Promise<T> {
  const rt = await openRuntime(configFromEnv(), opts);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** The owner a CLI registration at `org` is stored under: `null` for the single root of the tree; `org_not_found` for an unknown org. */
async function cliOwner(orgs: Runtime['orgs'], org: string): Promise<string | null> {
  const record = await orgs.get(org);
  if (!record) throw new OrgNotFoundError(org, 'the definition');
  return record.parentId === null && (await orgs.list()).filter((o) => o.parentId === null).length === 1 ? null : org;
}

program
  .command('serve')
  .description('run the HTTP API and web pages; embedded (default): also fires timers and delivers notifications; with REDIS_URL (and DATABASE_URL): only arms BullMQ jobs for `duban worker`')
  .option('--no-demo', 'do not load the demo org tree and users on first start')
  .action(async (opts: { demo: boolean }) => {
    const config = configFromEnv();
    assertModeConfig(config);
    const rt = await openRuntime(config);
    try {
      await startServer(rt, { demo: opts.demo });
    } catch (err) {
      await rt.close();
      throw err;
    }
  });

program
  .command('worker')
  .description('distributed mode: fire timers, deliver notifications and escalate unacknowledged warnings from the BullMQ queues (needs DATABASE_URL and REDIS_URL; run any number, on any machine)')
  .option('--metrics-port <port>', 'serve /metrics and /healthz on this port', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number (0–65535)');
    return n;
  })
  .action(async (opts: { metricsPort?: number }) => {
    const config = configFromEnv();
    assertWorkerConfig(config);
    const rt = await openRuntime(config);
    try {
      await startWorker(rt, { metricsPort: opts.metricsPort });
    } catch (err) {
      await rt.close();
      throw err;
    }
  });

const workflows = program.command('workflows').description('workflow definitions');
workflows
  .command('validate <file>')
  .description('check a workflow definition (.json, or a .ts/.js module) and print every problem with its path, notification templates included')
  .action(async (file: string) => {
    let failed = false;
    const templates = loadTemplates(configFromEnv());
    for (const def of await loadDefinitions(file)) {
      const r = validateDefinition(def, { templates });
      const name = def && typeof def === 'object' && 'id' in def ? `${String((def as { id: unknown }).id)}@${String((def as { version?: unknown }).version)}` : file;
      if (r.ok) {
        console.log(`✓ ${name}: valid (${r.tree.nodes.length} states, ${new Set(r.tree.transitions.map((t) => t.event).filter(Boolean)).size} events)`);
        continue;
      }
      failed = true;
      console.log(`✗ ${name}: ${r.issues.length} problem(s)`);
      for (const i of r.issues) console.log(`  ${formatPath(i.path)}  [${i.code}]  ${i.message}`);
    }
    process.exitCode = failed ? 1 : 0;
  });
workflows
  .command('schema')
  .description('print (or write) the JSON Schema of the definition format, for editors')
  .option('--out <file>', 'write to a file instead of stdout')
  .action(async (opts: { out?: string }) => {
    const text = `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;
    if (!opts.out) return void process.stdout.write(text);
    await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
    await writeFile(opts.out, text);
    console.log(`wrote ${opts.out}`);
  });
workflows
  .command('register <file>')
  .description('validate and store a workflow definition version (immutable once stored)')
  .option('--org <id>', 'register it at this org: it governs new cases in that subtree only (default: the root, every org not overridden below)')
  .action(async (file: string, opts: { org?: string }) => {
    await withRuntime(async ({ engine, orgs }) => {
      const owner = opts.org === undefined ? null : await cliOwner(orgs, opts.org);
      for (const def of await loadDefinitions(file)) {
        const { ref, created } = await engine.registerWorkflow(def, { owner });
        console.log(`${created ? 'registered' : 'already registered'} ${ref} at ${owner ?? 'the root'}`);
      }
    });
  });
workflows
  .command('list')
  .description('list stored workflow definition versions')
  .action(async () => {
    await withRuntime(async ({ store }) => {
      for (const d of await store.listDefinitions()) console.log(`${d.workflowId}@${d.version}  ${d.hash.slice(0, 12)}  ${d.createdAt}  ${d.ownerOrg ?? '(root)'}`);
    });
  });

program
  .command('migrate')
  .description('create or upgrade the database schema (SQLite file or DATABASE_URL)')
  .action(async () => {
    await withRuntime(async ({ config }) => {
      console.log(`database migrated: ${config.DATABASE_URL ? 'PostgreSQL' : config.DUBAN_DB}`);
    }, { registerBuiltins: false });
  });

const cases = program.command('cases').description('cases');
cases
  .command('replay <caseId>')
  .description('replay a case from its history and print its state at a seq (the latest by default)')
  .option('--at <seq>', 'the seq to stop at', (v) => Number.parseInt(v, 10))
  .option('--json', 'print JSON')
  .action(async (caseId: string, opts: { at?: number; json?: boolean }) => {
    await withRuntime(async ({ engine }) => {
      const r = await engine.replay(caseId, opts.at === undefined ? {} : { atSeq: opts.at });
      if (opts.json) {
        console.log(JSON.stringify(r, null, 2));
        return;
      }
      console.log(`case ${caseId} at seq ${r.seq} (${r.event.type} by ${r.event.actor.id} at ${r.event.at})`);
      console.log(`state:  ${formatStateValue(r.state.value)} (${r.state.status})`);
      console.log(`data:   ${JSON.stringify(r.state.data, null, 2)}`);
    });
  });
cases
  .command('history <caseId>')
  .description('print the events of a case')
  .action(async (caseId: string) => {
    await withRuntime(async ({ engine }) => {
      for (const e of await engine.history(caseId)) console.log(`${String(e.seq).padStart(4)}  ${e.at}  ${e.type.padEnd(24)} ${e.actor.id.padEnd(20)} → ${formatStateValue(e.state.value)}  ${e.hash.slice(0, 12)}`);
    });
  });

registerCalendarCommands(program, withRuntime);

const orgs = program.command('orgs').description('the org tree');
orgs
  .command('import <file>')
  .description('import an org tree from JSON: { id, name, level, children: [...] }; orgs already there unchanged are skipped')
  .option('--parent <orgId>', 'attach the tree below this existing org')
  .action(async (file: string, opts: { parent?: string }) => {
    const tree = OrgTreeSchema.parse(JSON.parse(await readFile(file, 'utf8')) as unknown);
    await withRuntime(async ({ engine, people }) => {
      const r = await importOrgTree(people, engine.clock, tree, opts.parent ?? null);
      console.log(`${r.created} org(s) created, ${r.existing} already there`);
    }, { registerBuiltins: false });
  });

const users = program.command('users').description('users and their tokens');
users
  .command('create')
  .description('create a user and print its first API token (shown once)')
  .requiredOption('--org <orgId>', 'the org the user belongs to')
  .requiredOption('--roles <roles>', 'comma-separated role ids, e.g. inspector or admin')
  .requiredOption('--name <name>', 'display name')
  .option('--id <userId>', 'user id (generated when omitted)')
  .option('--locale <locale>', 'language of their notifications: zh-CN or en', 'zh-CN')
  .option('--email <address>', 'where their e-mail notifications go')
  .option('--webhook-url <url>', 'where their notifications are posted as signed webhooks')
  .action(async (opts: { org: string; roles: string; name: string; id?: string; locale: string; email?: string; webhookUrl?: string }) => {
    const input = NewUserSchema.safeParse({
      ...(opts.id !== undefined ? { id: opts.id } : {}), name: opts.name, orgId: opts.org, roles: opts.roles.split(',').map((x) => x.trim()).filter(Boolean), locale: opts.locale,
      ...(opts.email !== undefined ? { email: opts.email } : {}), ...(opts.webhookUrl !== undefined ? { webhookUrl: opts.webhookUrl } : {}),
    });
    if (!input.success) {
      const flags: Record<string, string> = { orgId: '--org', name: '--name', roles: '--roles', id: '--id', locale: '--locale', email: '--email', webhookUrl: '--webhook-url' };
      throw new HttpError('invalid_request', input.error.issues.map((i) => `${flags[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`).join('; '));
    }
    await withRuntime(async ({ engine, people }) => {
      if (!(await people.listOrgs()).some((o) => o.id === opts.org)) throw new HttpError('org_not_found', `org ${opts.org} does not exist`);
      const r = await createUser(people, engine.clock, input.data);
      console.log(`created user ${r.user.id} (${r.user.roles.join(', ')}) in ${r.user.orgId}${r.user.email ? `, e-mail ${r.user.email}` : ''}, notifications in ${r.user.locale}`);
      console.log(`token ${r.tokenId}: ${r.token}`);
    }, { registerBuiltins: false });
  });

const tokens = program.command('tokens').description('API tokens');
tokens
  .command('revoke <tokenIdOrToken>')
  .description('revoke a token by its id (tok_…) or its text')
  .action(async (idOrToken: string) => {
    await withRuntime(async ({ engine, people }) => {
      const token = await findToken(people, idOrToken);
      if (!token) throw new HttpError('token_not_found', 'no such token');
      const revoked = await people.revokeToken(token.id, engine.clock.now().toISOString());
      console.log(revoked ? `revoked ${token.id} (user ${token.userId})` : `${token.id} was already revoked`);
    }, { registerBuiltins: false });
  });

const audit = program.command('audit').description('audit trail');
audit
  .command('verify')
  .description('check every hash chain and replay every case; exit 1 naming the first case and seq that differ')
  .option('--case <caseId>', 'verify one case only')
  .option('--no-progress', 'no progress bar')
  .action(async (opts: { case?: string; progress: boolean }) => {
    await withRuntime(async ({ engine }) => {
      const bar = opts.progress ? new cliProgress.SingleBar({ format: 'verifying |{bar}| {value}/{total} cases', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      const report = await engine.verify(opts.case, {
        onProgress: (done, total) => {
          if (!bar) return;
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.setTotal(total);
          bar.update(done);
        },
      });
      bar?.stop();
      console.log(`${report.casesChecked} case(s), ${report.eventsChecked} event(s) checked`);
      if (report.ok) {
        console.log('✓ every hash chain and replay matches');
        return;
      }
      for (const f of report.failures) console.log(`✗ case ${f.caseId} seq ${f.seq}: ${f.reason}`);
      process.exitCode = 1;
    });
  });

audit
  .command('verify-file <file>')
  .description('check an exported case file offline: hash chain, then a replay through the definition inside the file')
  .action(async (file: string) => {
    const report = await verifyCaseFile(JSON.parse(await readFile(file, 'utf8')) as unknown);
    if (report.ok) {
      console.log(`✓ case ${report.caseId}: ${report.events} event(s), hash chain and replay match`);
      return;
    }
    console.log(`✗ case ${report.caseId} seq ${report.failure?.seq}: ${report.failure?.reason}`);
    process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof HttpError) {
    console.error(`error [${err.code}]: ${err.message}`);
    process.exit(1);
  }
  if (err instanceof NotificationError) {
    console.error(`error [${err.code}]: ${err.message}`);
    process.exit(1);
  }
  if (err instanceof EngineError) {
    console.error(`error [${err.code}]: ${err.message}`);
    for (const i of err.issues ?? []) console.error(`  ${formatPath(i.path)}: ${i.message}`);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
