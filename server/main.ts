/**
 * The composition root: the one place that reads `process.env` and wires the
 * store, clock, notification templates and engine together for the CLI, the
 * server and the worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtinWorkflows } from '../workflows/index.js';
import { createEngine, createKnexAnchorStore, createKnexArchiveStore, createKnexStore, createOffsetClock, systemClock, type AnchorStore, type Clock, type ArchiveReader, type ArchiveRunStore, type Engine, type KnexStore, type Store } from '../engine/index.js';
import { archiveAwareAnchors, archiveAwareEngine } from './archive/archived-engine.js';
import { BUILTIN_TEMPLATE_DIR, createKnexOutboxStore, createTemplateCatalog, type NotificationTemplates, type OutboxStore } from '../notifications/index.js';
import { ConfigError, loadConfig, parseOffset, type Config } from './config.js';
import { createOrgDirectory, createOrgResolver, type OrgDirectory } from './access.js';
import { createKnexPeopleStore } from './knex-people.js';
import { type PeopleStore } from './people-ports.js';
import { builtinFactsProjection } from './stats/facts-store.js';
import { tipOffQueryCodeProjection } from './tipoff-query-codes.js';
import { createKnexStatsStore } from './stats/knex-stats.js';
import type { StatsStore } from './stats/stats-ports.js';

export interface Runtime {
  config: Config;
  store: Store;
  engine: Engine;
  people: PeopleStore;
  /** The notification outbox, deliveries, inbox and acknowledgements, on the store's database. */
  outbox: OutboxStore;
  /** Checkpoint claims and case heads for the anchor log (`anchoring.ts`). */
  anchors: AnchorStore;
  /** Archive runs and archived cases (`duban archive`, `archive/`). */
  archives: { runs: ArchiveRunStore; reader: ArchiveReader };
  /** The org tree (cached): the engine resolves definitions and checks the orgs steps name through it, the server its access rules. */
  orgs: OrgDirectory;
  /** The notification templates every registered definition is checked against, and the dispatcher renders. */
  templates: NotificationTemplates;
  /** The statistics' own storage (facts, quotas, monthly reports), on the store's database. */
  stats: StatsStore;
  close(): Promise<void>;
}

/** Reads the configuration from the environment (throws `ConfigError`). */
export function configFromEnv(): Config {
  return loadConfig(process.env);
}

/**
 * The template catalog: the built-in templates plus `DUBAN_TEMPLATE_DIR`'s
 * (which add and override). Throws `ConfigError` when that folder does not
 * exist, `invalid_template` (a NotificationError) for a malformed template.
 */
export function loadTemplates(config: Pick<Config, 'DUBAN_TEMPLATE_DIR'>): NotificationTemplates {
  const extra = config.DUBAN_TEMPLATE_DIR;
  if (extra !== undefined && !fs.statSync(extra, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigError([{ variable: 'DUBAN_TEMPLATE_DIR', message: `${path.resolve(extra)} is not a directory` }]);
  }
  return createTemplateCatalog({ dirs: extra === undefined ? [BUILTIN_TEMPLATE_DIR] : [BUILTIN_TEMPLATE_DIR, extra] });
}

/**
 * Opens the store (running migrations) and creates the engine with the
 * built-in workflows, checked against the notification templates. `store`
 * replaces the store the configuration names, `clock` the system clock (tests).
 */
export async function openRuntime(config: Config, opts: { registerBuiltins?: boolean; store?: KnexStore; clock?: Clock } = {}): Promise<Runtime> {
  const templates = loadTemplates(config);
  const store = opts.store ?? (config.DATABASE_URL ? createKnexStore({ databaseUrl: config.DATABASE_URL }) : createKnexStore({ sqliteFile: config.DUBAN_DB }));
  // The statistics read model (`case_facts`) is written in every step's transaction.
  store.addProjection(builtinFactsProjection);
  // The tip-off query-code index is written with the tip-off's creation.
  store.addProjection(tipOffQueryCodeProjection);
  try {
    await store.migrate();
    const offset = config.DUBAN_CLOCK_OFFSET ? parseOffset(config.DUBAN_CLOCK_OFFSET) ?? 0 : 0;
    const clock = opts.clock ?? (offset ? createOffsetClock(offset) : systemClock);
    const people = createKnexPeopleStore(store);
    const orgs = createOrgDirectory(people);
    const archives = createKnexArchiveStore(store);
    // Archived cases read their history from the archive once their runtime rows are pruned.
    const engine = archiveAwareEngine(await createEngine({ store, clock, templates, orgs: createOrgResolver(orgs, people), workflows: opts.registerBuiltins === false ? [] : builtinWorkflows }), { reader: archives.reader, root: config.DUBAN_ARCHIVE_DIR });
    return { config, store, engine, templates, people, outbox: createKnexOutboxStore(store), orgs, anchors: archiveAwareAnchors(createKnexAnchorStore(store), { reader: archives.reader, root: config.DUBAN_ARCHIVE_DIR }), archives, stats: createKnexStatsStore(store), close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}
