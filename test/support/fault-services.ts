/**
 * The services around the `duban` processes in the fault tests and the scale
 * bench, each private to one test:
 *
 * - a PostgreSQL database of its own (`CREATE DATABASE`, dropped after);
 * - a loopback SMTP server that counts every message it accepts by its
 *   `X-Duban-Notification` header and recipient (no parsing: the scale run
 *   sends tens of thousands);
 * - a redis-server of its own on a free port, for the tests that restart or
 *   flush Redis (never the machine's shared one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { postgresUrl } from './services.js';
import { freePort, waitFor } from './processes.js';

/** A database made for one test. */
export interface TestDatabase {
  readonly name: string;
  /** `postgres://…/<name>`, for the children's `DATABASE_URL`. */
  readonly url: string;
  /** One query on it (a pool of its own; never the children's connections). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Ends this test's connections and drops the database (also any backend still on it). */
  drop(): Promise<void>;
}

/** Creates an empty PostgreSQL database `duban_f_<random>` beside the test database. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `duban_f_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresUrl());
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 3 });
  // A backend terminated on purpose (the connection-drop test) must not crash the test process.
  pool.on('error', () => {});
  return {
    name,
    url: url.toString(),
    query: async <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => (await pool.query<R>(text, params)).rows,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: postgresUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A loopback SMTP server that counts what it accepts. */
export interface CountingSmtp {
  url: string;
  /** Messages accepted, over all recipients. */
  total(): number;
  /** How many times each `<notification id> → <recipient>` arrived. */
  readonly arrivals: Map<string, number>;
  /** The keys that arrived more than once. */
  duplicates(): string[];
  /** The Message-IDs each key arrived with (a repeat carries its first's, so mail clients fold it). */
  readonly messageIds: Map<string, Set<string>>;
  close(): Promise<void>;
}

/** Starts a counting SMTP server on a free loopback port. */
export async function startCountingSmtp(): Promise<CountingSmtp> {
  const arrivals = new Map<string, number>();
  const messageIds = new Map<string, Set<string>>();
  let total = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const head = Buffer.concat(chunks).toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
        const id = /^X-Duban-Notification:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? '(none)';
        const messageId = /^Message-ID:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? '(none)';
        for (const r of session.envelope.rcptTo) {
          const key = `${id} → ${r.address}`;
          arrivals.set(key, (arrivals.get(key) ?? 0) + 1);
          messageIds.set(key, (messageIds.get(key) ?? new Set()).add(messageId));
          total++;
        }
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    total: () => total,
    arrivals,
    messageIds,
    duplicates: () => [...arrivals].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A redis-server of this test's own, without persistence, that the test may restart and flush. */
export interface PrivateRedis {
  url: string;
  /** Kills the server (SIGKILL) and starts it again on the same port, empty (no persistence). */
  restart(): Promise<void>;
  /** FLUSHALL. */
  flush(): Promise<void>;
  /** How many keys it holds. */
  keys(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `redis-server --port <free> --save '' --appendonly no` on loopback. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    child = c;
    process.once('exit', () => c.kill('SIGKILL'));
    await waitFor(`redis-server on port ${port}`, () => ping(url), { timeoutMs: 10_000, intervalMs: 50 });
  };
  const halt = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await gone;
  };
  const command = async <T>(fn: (r: Redis) => Promise<T>): Promise<T> => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await r.connect();
      return await fn(r);
    } finally {
      r.disconnect();
    }
  };
  await launch();
  return {
    url,
    async restart() {
      await halt();
      await launch();
    },
    flush: () => command((r) => r.flushall()).then(() => undefined),
    keys: () => command((r) => r.dbsize()),
    stop: halt,
  };
}

async function ping(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
