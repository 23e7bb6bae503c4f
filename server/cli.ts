#!/usr/bin/env node
/**
 * The `duban` command line: serve the API, create the first admin, load the
 * demo, validate workflow files, migrate the database, manage orgs, users and
 * tokens, replay a case, verify the audit chain (in the database or in an
 * exported case file).
 *
 * Exit status: 0 done; 1 the command ran and found a problem (an invalid
 * definition, a broken chain, a missing org); 2 the command was refused
 * before it did anything (bad arguments, a bad file, a bad setting, a taken
 * port, an unwritable data folder), one line per problem with its code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { definitionReference, EngineError, OrgNotFoundError, formatPath, formatStateValue, validateDefinition, workflowJsonSchema } from '../engine/index.js';
import { NotificationError } from '../notifications/index.js';
import { verifyCaseFile } from './case-file.js';
import { registerAnchorCommands, verifyAgainstAnchorLog } from './cli-anchor.js';
import { registerArchiveCommands } from './cli-archive.js';
import { registerCalendarCommands } from './cli-calendar.js';
import { registerStatsCommands } from './cli-stats.js';
import { registerRegisterCommands } from './cli-register.js';
import { registerDocNumberCommands } from './cli-doc-numbers.js';
import { registerMigrateCommand } from './cli-migrate.js';
import { inFile, parseInput, readJsonFile } from './cli-input.js';
import { ConfigError } from './config.js';
import { loadDemo } from './demo-cases.js';
import { HttpError } from './http-errors.js';
import { configFromEnv, loadTemplates, openRuntime, type Runtime } from './main.js';
import { createUser, findToken, importOrgTree } from './people.js';
import { assertGrantable, loadRoleCatalogue, unknownRoleIssues } from './roles.js';
import { NewUserSchema, OrgTreeSchema } from './schemas.js';
import { referenceExamples } from './reference-examples.js';
import { assertModeConfig, startServer } from './serve.js';
import { checkDataDir, checkPort, CommandError, DEFAULT_ROOT, formatChinaTime, initRoot, issueUserToken, parseExpiry } from './startup.js';
import { assertWorkerConfig, startWorker } from './worker.js';
import { ORG_LEVELS, type OrgLevel } from './people-ports.js';

const program = new Command();
program.name('duban').description('Duban (督办): workflow engine for work-safety supervision cases').showHelpAfterError('(run with --help to see the options)');
// A missing or malformed option is refused like any other bad input: exit 2 (commander has printed the one line).
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

/** Loads definitions from a .json file or a .ts/.js module (default and named exports). */
async function loadDefinitions(file: string): Promise<unknown[]> {
  const abs = path.resolve(file);
  if (abs.endsWith('.json')) return [await readJsonFile(file)];
  const mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  const values = Object.values(mod).filter((v) => v && typeof v === 'object' && 'states' in v);
  if (values.length === 0) throw new CommandError('invalid_file', `${file}: exports no workflow definition`);
  return values;
}

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>, opts: { registerBuiltins?: boolean } = {}): Promise<T> {
  const config = configFromEnv();
  checkDataDir(config);
  const rt = await openRuntime(config, opts);
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
  .option('--demo', 'also load the demo org tree, users and sample cases where missing (same as duban demo); their tokens are printed once')
  .action(async (opts: { demo?: boolean }) => {
    const config = configFromEnv();
    assertModeConfig(config);
    // Refused before the database is opened or anything printed: a bad data folder, a taken port.
    checkDataDir(config);
    await checkPort(config);
    const rt = await openRuntime(config);
    try {
      await startServer(rt, { demo: opts.demo === true, demoCases: opts.demo === true });
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

program
  .command('init')
  .description('create the root org (when missing) and the root admin, and print the admin\'s token once; does nothing on a database that has users (the first duban serve does the same with default names)')
  .option('--org <orgId>', 'the root org\'s id', DEFAULT_ROOT.orgId)
  .option('--name <name>', 'the root org\'s name', DEFAULT_ROOT.orgName)
  .option('--level <level>', `the root org's level: ${ORG_LEVELS.join(', ')}`, DEFAULT_ROOT.level)
  .option('--admin <userId>', 'the root admin\'s user id', DEFAULT_ROOT.adminId)
  .option('--admin-name <name>', 'the root admin\'s display name', DEFAULT_ROOT.adminName)
  .action(async (opts: { org: string; name: string; level: string; admin: string; adminName: string }) => {
    const flags: Record<string, string> = { id: '--org', name: '--name', level: '--level', adminId: '--admin', adminName: '--admin-name' };
    const where = (p: readonly PropertyKey[]) => flags[String(p[0])] ?? String(p[0]);
    parseInput(OrgTreeSchema, { id: opts.org, name: opts.name, level: opts.level }, where);
    parseInput(NewUserSchema.pick({ id: true, name: true }), { id: opts.admin, name: opts.adminName }, (p) => (p[0] === 'id' ? '--admin' : '--admin-name'));
    await withRuntime(async ({ engine, people }) => {
      const root = await initRoot(people, engine.clock, { orgId: opts.org, orgName: opts.name, level: opts.level as OrgLevel, adminId: opts.admin, adminName: opts.adminName });
      if (!root) throw new CommandError('already_initialised', `the database already has users; make a token for one with \`duban tokens issue <user>\``);
      console.log(`${root.orgCreated ? 'created' : 'kept'} the root org ${root.orgId}; created the root admin ${root.userId}`);
      console.log(`token (shown once; only its hash is stored): ${root.token}`);
    }, { registerBuiltins: false });
  });

program
  .command('demo')
  .description('load the demo where it is missing: the 江州市 org tree, one user per role (tokens printed once) and a few sample hazard cases')
  .action(async () => {
    await withRuntime(async ({ engine, people }) => {
      const r = await loadDemo(engine, people, (line) => console.log(line));
      console.log(`demo: ${r.orgsCreated} org(s), ${r.usersCreated} user(s) and ${r.casesOpened.length} case(s) added`);
    });
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
  .command('reference')
  .description('print (or write) the definition reference in Markdown, generated from the schema (npm run docs writes docs/definition-reference.md)')
  .option('--out <file>', 'write to a file instead of stdout')
  .action(async (opts: { out?: string }) => {
    const text = definitionReference(await referenceExamples());
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
    await withRuntime(async ({ engine }) => {
      for (const d of await engine.listDefinitions()) console.log(`${d.workflowId}@${d.version}  ${d.hash.slice(0, 12)}  ${d.createdAt}  ${d.ownerOrg ?? '(root)'}`);
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
  .option('--at <seq>', 'the seq to stop at', (v) => {
    if (!/^[1-9]\d{0,9}$/.test(v)) throw new InvalidArgumentError('a seq is a whole number from 1');
    return Number(v);
  })
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

registerMigrateCommand(cases, withRuntime);
registerCalendarCommands(program, withRuntime);
registerStatsCommands(program, withRuntime);
registerRegisterCommands(program, withRuntime);
registerDocNumberCommands(program, withRuntime);

const orgs = program.command('orgs').description('the org tree');
orgs
  .command('import <file>')
  .description('import an org tree from JSON: { id, name, level, children: [...] }; orgs already there unchanged are skipped')
  .option('--parent <orgId>', 'attach the tree below this existing org')
  .action(async (file: string, opts: { parent?: string }) => {
    const tree = parseInput(OrgTreeSchema, await readJsonFile(file), inFile(file), 'invalid_file', file);
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
    const flags: Record<string, string> = { orgId: '--org', name: '--name', roles: '--roles', id: '--id', locale: '--locale', email: '--email', webhookUrl: '--webhook-url' };
    const where = (p: readonly PropertyKey[]) => `${flags[String(p[0])] ?? String(p[0])}${p.length > 1 && p[0] === 'roles' ? ` (role ${Number(p[1]) + 1})` : ''}`;
    const input = parseInput(NewUserSchema, {
      ...(opts.id !== undefined ? { id: opts.id } : {}), name: opts.name, orgId: opts.org, roles: opts.roles.split(',').map((x) => x.trim()).filter(Boolean), locale: opts.locale,
      ...(opts.email !== undefined ? { email: opts.email } : {}), ...(opts.webhookUrl !== undefined ? { webhookUrl: opts.webhookUrl } : {}),
    }, where);
    await withRuntime(async ({ engine, people }) => {
      const catalogue = await loadRoleCatalogue(engine);
      const unknown = unknownRoleIssues(input.roles, [...catalogue.roles.keys()], () => ['--roles']);
      if (unknown.length > 0) throw new CommandError('invalid_argument', `--roles: ${unknown.length} unknown role(s)`, unknown.map((i) => `--roles: ${i.message}`));
      const org = (await people.listOrgs()).find((o) => o.id === opts.org);
      if (!org) throw new HttpError('org_not_found', `org ${opts.org} does not exist`);
      // The operator grants any known role but `system`, to a user of an org that may hold it (roles.ts).
      assertGrantable(catalogue, input.roles, org, 'operator');
      const r = await createUser(people, engine.clock, input);
      console.log(`created user ${r.user.id} (${r.user.roles.join(', ')}) in ${r.user.orgId}${r.user.email ? `, e-mail ${r.user.email}` : ''}, notifications in ${r.user.locale}`);
      console.log(`token ${r.tokenId}: ${r.token}`);
    }, { registerBuiltins: false });
  });

const tokens = program.command('tokens').description('API tokens');
tokens
  .command('issue <userId>')
  .description('make a new API token for a user and print it once (the CLI is the database owner\'s tool: it needs no other token)')
  .option('--expires-in <duration>', 'the token stops working after this long: 90m, 12h, 30d')
  .option('--expires-at <when>', 'the token stops working at this date (ends 24:00 China time) or instant')
  .option('--label <text>', 'a note to recognise the token by', 'duban tokens issue')
  .option('--quiet', 'print only the token (for TOKEN=$(duban tokens issue … --quiet))')
  .action(async (userId: string, opts: { expiresIn?: string; expiresAt?: string; label: string; quiet?: boolean }) => {
    if (opts.label.length > 200) throw new CommandError('invalid_argument', '--label: at most 200 characters');
    await withRuntime(async ({ engine, people }) => {
      const expiresAt = parseExpiry(opts, engine.clock.now());
      const r = await issueUserToken(people, engine.clock, userId, { label: opts.label, expiresAt });
      if (!r) throw new HttpError('user_not_found', `user ${userId} does not exist`);
      if (opts.quiet) return void console.log(r.token);
      console.log(`token ${r.record.id} for ${r.user.id} (${r.user.roles.join(', ')}) in ${r.user.orgId}, ${expiresAt ? `expires ${formatChinaTime(expiresAt)}` : 'never expires'}: ${r.token}`);
    }, { registerBuiltins: false });
  });
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
  .option('--anchors <log>', 'also check every signed checkpoint of this anchor log: exit 1 naming the first checkpoint the database contradicts (a re-chained history)')
  .option('--anchor-public-key <file>', 'the public key (PEM) checkpoints must be signed with; repeat for rotated keys (default: the key the log carries)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .action(async (opts: { case?: string; progress: boolean; anchors?: string; anchorPublicKey: string[] }) => {
    await withRuntime(async (rt) => {
      const { engine } = rt;
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
      console.log(`${report.casesChecked} case(s), ${report.eventsChecked} event(s) checked${report.casesArchived ? `; ${report.casesArchived} archived case(s): their row's head only (duban audit verify-archive checks the archive)` : ''}`);
      if (report.ok) console.log('✓ every hash chain and replay matches');
      for (const f of report.failures) console.log(`✗ case ${f.caseId} seq ${f.seq}: ${f.reason}`);
      const anchored = opts.anchors === undefined || (await verifyAgainstAnchorLog(rt, opts.anchors, opts.anchorPublicKey));
      if (opts.anchors === undefined && report.ok) console.log('  (internal consistency only: the database owner can re-chain a history; --anchors <log> checks it against signed checkpoints)');
      if (!report.ok || !anchored) process.exitCode = 1;
    });
  });

registerAnchorCommands(audit, withRuntime);
registerArchiveCommands(program, audit, withRuntime);

audit
  .command('verify-file <file>')
  .description('check an exported case file offline: hash chain, then a replay through the definition inside the file')
  .action(async (file: string) => {
    const report = await verifyCaseFile(await readJsonFile(file));
    if (report.ok && report.redactedValues) {
      console.log(`✓ case ${report.caseId}: ${report.events} event(s), hash chain matches; ${report.redactedValues} confidential value(s) redacted, checked by their commitments (no replay)`);
      return;
    }
    if (report.ok) {
      console.log(`✓ case ${report.caseId}: ${report.events} event(s), hash chain and replay match`);
      return;
    }
    console.log(`✗ case ${report.caseId} seq ${report.failure?.seq}: ${report.failure?.reason}`);
    process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    for (const p of err.problems) console.error(`error [invalid_config]: ${p.variable}: ${p.message}`);
    process.exit(2);
  }
  if (err instanceof CommandError) {
    if (err.lines.length === 0) console.error(`error [${err.code}]: ${err.message}`);
    for (const line of err.lines) console.error(`error [${err.code}]: ${line}`);
    process.exit(2);
  }
  if (err instanceof HttpError) {
    console.error(`error [${err.code}]: ${err.message}`);
    // A rejected import: one line per bad cell (row, column, code).
    for (const i of err.issues ?? []) console.error(`  ${i.path.join(' ')}: [${i.code}] ${i.message}`);
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
  // Never a stack trace for a person at the terminal; DUBAN_LOG_LEVEL=debug shows it.
  const debug = ['debug', 'trace'].includes(process.env.DUBAN_LOG_LEVEL ?? '');
  console.error(debug ? err : `error [internal_error]: ${err instanceof Error ? err.message : String(err)} (DUBAN_LOG_LEVEL=debug shows the stack)`);
  process.exit(1);
});
