/**
 * A test server: a fresh store (SQLite file, or a PostgreSQL schema), the
 * engine with the counter workflow and a small deadline workflow (checked
 * against the notification templates, as the server does), the demo org tree
 * and users plus a few test users, the notification dispatcher (inbox, and
 * e-mail when an SMTP URL is given; not polling: tests call `runDue`), and
 * the express app to drive with supertest. `tokens[userId]` is each user's
 * bearer token.
 */
import { Writable } from 'node:stream';
import { createEngine, createManualClock, defineWorkflow, type Engine, type ManualClock } from '../../engine/index.js';
import { BUILTIN_TEMPLATE_DIR, createKnexOutboxStore, createTemplateCatalog, type NotificationTemplates, type OutboxStore } from '../../notifications/index.js';
import { createApp, type AppOptions } from '../../server/app.js';
import { createOrgDirectory, createOrgResolver } from '../../server/access.js';
import { createNotifier, type Notifier, type NotifierOptions } from '../../server/notifier.js';
import { loadDemoData } from '../../server/demo.js';
import { createLogger, type Logger } from '../../server/logger.js';
import { createMetrics } from '../../server/metrics.js';
import { createUser } from '../../server/people.js';
import { counterWorkflow } from '../support/counter-workflow.js';
import { hazardWorkflow } from '../../workflows/index.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../support/stores.js';
import { builtinFactsProjection } from '../../server/stats/facts-store.js';
import { tipOffQueryCodeProjection } from '../../server/tipoff-query-codes.js';
import type express from 'express';
import { createKnexPeopleStore } from '../../server/knex-people.js';
import { createKnexStatsStore } from '../../server/stats/knex-stats.js';
import { watchQuotas } from '../../server/stats/quota-watch.js';
import { type PeopleStore } from '../../server/people-ports.js';

/** A workflow with a working-day deadline on its one human step. */
export const permitWorkflow = defineWorkflow({
  id: 'permit',
  version: 1,
  title: { zh: '许可审查', en: 'Permit review' },
  roles: ['clerk', 'chief'],
  data: { type: 'object', properties: { note: { type: 'string', maxLength: 200 } } },
  initial: 'review',
  states: {
    review: {
      title: '审查',
      task: { title: { zh: '审查申请', en: 'Review the application' }, role: 'chief' },
      deadlines: [{ id: 'decide', title: '审查期限', duration: '3 workdays' }],
      on: { approve: { target: 'approved', roles: ['chief'] }, reject: { target: 'rejected', roles: ['chief'], input: { type: 'object', properties: { reason: { type: 'string', minLength: 1 } }, required: ['reason'] } } },
    },
    approved: { type: 'final' },
    rejected: { type: 'final' },
  },
});

/** A small workflow whose events notify the grid's people, a warning with a chain, and a role nobody holds. */
export const alertWorkflow = defineWorkflow({
  id: 'alert',
  version: 1,
  title: { zh: '安全提醒', en: 'Safety alert' },
  roles: ['inspector', 'gridOfficer', 'townshipSafetyOffice', 'safetyCommitteeOffice', 'chemist'],
  data: { type: 'object', properties: { note: { type: 'string' } } },
  initial: 'open',
  states: {
    open: {
      on: {
        assign: { roles: ['inspector'], notify: [{ template: 'task-assigned', kind: 'actionRequired', to: [{ role: 'gridOfficer' }], channels: ['inbox', 'email'] }] },
        warn: {
          roles: ['inspector'],
          notify: [{ template: 'acknowledged-warning', kind: 'acknowledgedWarning', to: [{ role: 'gridOfficer' }], channels: ['inbox', 'email'], ack: { within: 'PT30M', chain: [[{ role: 'townshipSafetyOffice' }], [{ role: 'safetyCommitteeOffice' }]] } }],
        },
        warnByMail: {
          roles: ['inspector'],
          notify: [{ template: 'acknowledged-warning', kind: 'acknowledgedWarning', to: [{ role: 'gridOfficer' }], channels: ['email'], ack: { within: 'PT30M', chain: [[{ role: 'townshipSafetyOffice' }]] } }],
        },
        consultChemist: { roles: ['inspector'], notify: [{ template: 'task-assigned', to: [{ role: 'chemist' }] }] },
        close: { target: 'closed', roles: ['inspector'] },
      },
    },
    closed: { type: 'final' },
  },
});

/** Test users besides the demo ones: id → [org, roles]. */
const TEST_USERS: Record<string, [string, string[]]> = {
  'clerk-donghu': ['donghu', ['clerk']],
  'chief-donghu': ['donghu', ['chief']],
  'clerk-qingshui': ['donghu-qingshui', ['clerk']],
  'clerk-xishan': ['xishan', ['clerk']],
  'chief-xishan': ['xishan', ['chief']],
  'clerk-city': ['jiangzhou', ['clerk', 'chief']],
  'auditor-donghu': ['donghu', ['auditor']],
  'auditor-clerk': ['donghu', ['auditor', 'clerk']],
  'admin-donghu': ['donghu', ['admin']],
};

export interface TestServer {
  app: express.Express;
  engine: Engine;
  notifier: Notifier;
  templates: NotificationTemplates;
  people: PeopleStore;
  outbox: OutboxStore;
  clock: ManualClock;
  fresh: FreshStore;
  tokens: Record<string, string>;
  /** Every log line written, parsed. */
  logs: Record<string, unknown>[];
  logger: Logger;
  cleanup(): Promise<void>;
}

/** What a test server may add: workflows, an SMTP server, dispatcher settings, extra template folders. */
export interface TestServerOptions {
  workflows?: unknown[];
  smtpUrl?: string;
  webhookSecret?: string;
  dispatcher?: NotifierOptions['dispatcher'];
  templateDirs?: string[];
  /** Security settings for the app (by default the write rate limit is off, so tests may write freely). */
  config?: Partial<AppOptions['config']>;
  rateLimitPrefix?: string;
  /** Watch district quotas as `duban serve` does (warnings, interviews, and the re-check when a quota is set). */
  watchQuotas?: boolean;
}

/** Builds a test server on a fresh database. */
export async function testServer(backend: 'sqlite' | 'postgres' = 'sqlite', opts: TestServerOptions = {}): Promise<TestServer> {
  const fresh = backend === 'sqlite' ? await freshSqliteStore() : await freshPostgresStore();
  // As `openRuntime` wires it: the statistics facts are kept in each step's transaction.
  fresh.store.addProjection(builtinFactsProjection);
  fresh.store.addProjection(tipOffQueryCodeProjection);
  const clock = createManualClock('2026-03-02T02:00:00.000Z');
  const templates = createTemplateCatalog({ dirs: [BUILTIN_TEMPLATE_DIR, ...(opts.templateDirs ?? [])] });
  const people = createKnexPeopleStore(fresh.store);
  // As `duban serve` wires it: the engine resolves definitions and checks step orgs through the app's org directory.
  const orgs = createOrgDirectory(people);
  const engine = await createEngine({ store: fresh.store, clock, templates, orgs: createOrgResolver(orgs, people), workflows: [counterWorkflow, permitWorkflow, hazardWorkflow, ...(opts.workflows ?? [])] });
  const demo = await loadDemoData(people, clock);
  const tokens: Record<string, string> = Object.fromEntries(demo.tokens.map((t) => [t.userId, t.token]));
  for (const [id, [orgId, roles]] of Object.entries(TEST_USERS)) tokens[id] = (await createUser(people, clock, { id, name: id, orgId, roles })).token;
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('info', sink);
  const metrics = createMetrics();
  const outbox = createKnexOutboxStore(fresh.store);
  const notifier = createNotifier({
    engine, people, outbox, templates, logger, metrics,
    config: { SMTP_URL: opts.smtpUrl, DUBAN_MAIL_FROM: '"督办系统" <duban@duban.test>', DUBAN_WEBHOOK_SECRET: opts.webhookSecret, DUBAN_PUBLIC_URL: 'https://duban.test' },
    dispatcher: { backoff: () => 1_000, ...opts.dispatcher },
  });
  const stats = createKnexStatsStore(fresh.store);
  const quotaWatch = opts.watchQuotas ? watchQuotas({ engine, stats, orgs, outbox, thresholds: opts.config?.DUBAN_QUOTA_THRESHOLDS }) : undefined;
  const app = createApp({
    engine, people, outbox, orgs, config: { DUBAN_BODY_LIMIT: '1mb', DUBAN_WRITE_RATE_LIMIT: null, DUBAN_PUBLIC_URL: 'https://duban.test', ...opts.config }, logger, metrics, templates, dispatcher: notifier.dispatcher, validateResponses: true,
    rateLimitPrefix: opts.rateLimitPrefix, stats, quotaWatch,
  });
  return {
    app, engine, notifier, templates, people, outbox, clock, fresh, tokens, logs, logger,
    async cleanup() {
      quotaWatch?.stop();
      await quotaWatch?.idle();
      await notifier.dispatcher.stop();
      await notifier.close();
      (app.locals.close as () => void)();
      await fresh.cleanup();
    },
  };
}

/** `Authorization` header for a user. */
export function bearer(server: TestServer, userId: string): { Authorization: string } {
  const token = server.tokens[userId];
  if (!token) throw new Error(`no token for ${userId}`);
  return { Authorization: `Bearer ${token}` };
}
