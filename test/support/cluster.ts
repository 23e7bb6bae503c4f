/**
 * A distributed Duban made of real processes, for the fault tests and the
 * scale bench: `duban serve` × N and `duban worker` × N on a PostgreSQL
 * database of its own, a Redis key prefix of its own (on the machine's Redis,
 * or on a private redis-server the test passes in) and a counting loopback
 * SMTP server. The demo org tree and users are seeded first (their tokens
 * kept here), with the test's workflows registered.
 *
 * ```ts
 * const cluster = await startCluster({ workflows: [drillWorkflow] });
 * onTestFinished(() => cluster.close());
 * const serve = await cluster.serve();
 * await cluster.worker();
 * await cluster.api(serve, 'inspector', 'POST', '/api/v1/cases', { workflowId: 'drill', org: 'donghu-qingshui-g1' });
 * ```
 *
 * `close()` kills every process it started (SIGKILL to the process group),
 * drops the database, deletes the Redis keys under its prefix and stops the
 * SMTP server; it is safe to call twice.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../../server/config.js';
import { loadDemoData } from '../../server/demo.js';
import { openRuntime } from '../../server/main.js';
import { createTestDatabase, startCountingSmtp, type CountingSmtp, type TestDatabase } from './fault-services.js';
import { runDuban, startDuban, type DubanEnv, type DubanProcess } from './processes.js';
import { redisUrl as sharedRedisUrl } from './services.js';

/** What a test asks of its cluster. */
export interface ClusterOptions {
  /** Definitions registered before any process starts. */
  workflows: unknown[];
  /** A private redis-server's URL (tests that restart or flush it); default the machine's Redis with a prefix of its own. */
  redisUrl?: string | undefined;
  /** Extra settings for every process (sweep interval, log level …). */
  env?: DubanEnv | undefined;
  /** `embedded`: one SQLite file, no Redis (`duban serve` alone). Default `distributed`. */
  mode?: 'distributed' | 'embedded';
}

/** An answer of the HTTP API. */
export interface ApiAnswer {
  status: number;
  body: Record<string, any>;
}

export interface Cluster {
  readonly db: TestDatabase | undefined;
  readonly smtp: CountingSmtp;
  /** The settings every process gets. */
  readonly env: DubanEnv;
  /** The demo users' tokens, by user id. */
  readonly tokens: Record<string, string>;
  /** Every process started so far (also those that died). */
  readonly processes: DubanProcess[];
  /** Starts a `duban serve`. */
  serve(name?: string, env?: DubanEnv): Promise<DubanProcess>;
  /** Starts a `duban worker` (distributed mode only). */
  worker(name?: string, env?: DubanEnv): Promise<DubanProcess>;
  /** One API call as `user` to a serve process (or a base URL). Network errors (a killed server) reject. */
  api(to: DubanProcess | string, user: string, method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  /** Runs `duban <args>` against the cluster's database (settings in `env` added or replaced) to its end. */
  cli(args: string[], env?: DubanEnv): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** Creates the database (or SQLite file), seeds it and starts the SMTP server; no process runs yet. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const mode = opts.mode ?? 'distributed';
  const smtp = await startCountingSmtp();
  const db = mode === 'distributed' ? await createTestDatabase() : undefined;
  const dir = mode === 'embedded' ? fs.mkdtempSync(path.join(os.tmpdir(), 'duban-embedded-')) : undefined;
  const prefix = `duban-f-${randomBytes(5).toString('hex')}`;
  const redisUrl = opts.redisUrl ?? sharedRedisUrl();
  const env: DubanEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    SMTP_URL: smtp.url,
    DUBAN_PUBLIC_URL: 'https://duban.test',
    DUBAN_LOG_LEVEL: 'warn',
    DUBAN_WRITE_RATE_LIMIT: 'off',
    ...(db ? { DATABASE_URL: db.url, REDIS_URL: redisUrl, DUBAN_QUEUE_PREFIX: prefix } : { DUBAN_DB: path.join(dir!, 'duban.sqlite') }),
    ...opts.env,
  };
  const processes: DubanProcess[] = [];
  let tokens: Record<string, string> = {};
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(processes.map((p) => p.kill9()));
    await smtp.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (db && opts.redisUrl === undefined) await deleteKeys(redisUrl, prefix);
  };
  try {
    tokens = await seed(env, opts.workflows);
  } catch (err) {
    await close();
    throw err;
  }
  let n = 0;
  const start = async (kind: 'serve' | 'worker', name: string | undefined, extra: DubanEnv | undefined) => {
    const p = await startDuban(name ?? `${kind}-${++n}`, [kind], { ...env, ...extra });
    processes.push(p);
    return p;
  };
  return {
    db,
    smtp,
    env,
    get tokens() {
      return tokens;
    },
    processes,
    serve: (name, extra) => start('serve', name, extra),
    worker: (name, extra) => start('worker', name, extra),
    async api(to, user, method, urlPath, body, headers = {}) {
      const base = typeof to === 'string' ? to : to.url;
      const token = tokens[user];
      if (!token) throw new Error(`no token for ${user}`);
      const res = await fetch(`${base}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
    },
    cli: (args, extra) => runDuban(args, { ...env, ...extra }),
    close,
  };
}

/** Migrates, loads the demo org tree and users, registers the workflows; returns the users' tokens. */
async function seed(env: DubanEnv, workflows: unknown[]): Promise<Record<string, string>> {
  const rt = await openRuntime(loadConfig({ ...env, DUBAN_LOG_LEVEL: 'silent' }));
  try {
    const { tokens } = await loadDemoData(rt.people, rt.engine.clock);
    for (const wf of workflows) await rt.engine.registerWorkflow(wf);
    return Object.fromEntries(tokens.map((t) => [t.userId, t.token]));
  } finally {
    await rt.close();
  }
}

/** Deletes every key under `prefix:` on a shared Redis (SCAN, never FLUSH). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
