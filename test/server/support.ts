/**
 * A test server: a fresh store (SQLite file, or a PostgreSQL schema), the
 * engine with the counter workflow and a small deadline workflow, the demo
 * org tree and users plus a few test users, and the express app to drive with
 * supertest. `tokens[userId]` is each user's bearer token.
 */
import { Writable } from 'node:stream';
import { createEngine, createKnexPeopleStore, createManualClock, defineWorkflow, type Engine, type ManualClock, type PeopleStore } from '../../engine/index.js';
import { createApp } from '../../server/app.js';
import { loadDemoData } from '../../server/demo.js';
import { createLogger, type Logger } from '../../server/logger.js';
import { createMetrics } from '../../server/metrics.js';
import { createUser } from '../../server/people.js';
import { counterWorkflow } from '../support/counter-workflow.js';
import { hazardWorkflow } from '../../workflows/index.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../support/stores.js';
import type express from 'express';

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
  people: PeopleStore;
  clock: ManualClock;
  fresh: FreshStore;
  tokens: Record<string, string>;
  /** Every log line written, parsed. */
  logs: Record<string, unknown>[];
  logger: Logger;
  cleanup(): Promise<void>;
}

/** Builds a test server on a fresh database. */
export async function testServer(backend: 'sqlite' | 'postgres' = 'sqlite'): Promise<TestServer> {
  const fresh = backend === 'sqlite' ? await freshSqliteStore() : await freshPostgresStore();
  const clock = createManualClock('2026-03-02T02:00:00.000Z');
  const engine = await createEngine({ store: fresh.store, clock, workflows: [counterWorkflow, permitWorkflow, hazardWorkflow] });
  const people = createKnexPeopleStore(fresh.store);
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
  const app = createApp({ engine, people, config: { DUBAN_BODY_LIMIT: '1mb' }, logger, metrics: createMetrics(), validateResponses: true });
  return {
    app, engine, people, clock, fresh, tokens, logs, logger,
    async cleanup() {
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
