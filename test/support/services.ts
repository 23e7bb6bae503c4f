/**
 * The external services tests may use (the machine's PostgreSQL and Redis),
 * and the one policy for when they do not answer:
 *
 * - by default, suites that need a missing service are skipped, so
 *   `npm test` works on a laptop with nothing but Node;
 * - with `DUBAN_REQUIRE_SERVICES=1` (CI, `.ci/run`), a missing service makes
 *   the test file fail to load: a silent skip must never pass for green.
 *
 * Usage (top-level await is fine in vitest test files):
 *
 * ```ts
 * await describeWithPostgres('store on postgres', () => { it(...) });
 * // or, to mix backends in one describe.each:
 * const enabled = await postgresAvailableForSuite();
 * it.skipIf(!enabled)('…', async () => { … });
 * ```
 */
import net from 'node:net';
import pg from 'pg';
import { describe } from 'vitest';

const PROBE_TIMEOUT_MS = 2_000;

/** The PostgreSQL database tests use: `DATABASE_URL`, else the local `test` database. */
export function postgresUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** The Redis server tests use: `REDIS_URL`, else the local default port. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** Whether `DUBAN_REQUIRE_SERVICES=1`: missing services fail the run instead of skipping. */
export function servicesRequired(): boolean {
  return process.env.DUBAN_REQUIRE_SERVICES === '1';
}

let pgProbe: Promise<boolean> | undefined;
let redisProbe: Promise<boolean> | undefined;

/** Whether PostgreSQL answers `SELECT 1` within two seconds. Probed once per test file, then cached. */
export function pgAvailable(): Promise<boolean> {
  pgProbe ??= probePostgres(postgresUrl());
  return pgProbe;
}

/** Whether Redis answers `PING` within two seconds (raw RESP over node:net, no client library). Cached. */
export function redisAvailable(): Promise<boolean> {
  redisProbe ??= probeRedis(redisUrl());
  return redisProbe;
}

/** Whether to run PostgreSQL tests: true if it answers; false (skip) if not; throws if services are required. */
export async function postgresAvailableForSuite(): Promise<boolean> {
  return requireOrSkip('PostgreSQL', postgresUrl(), await pgAvailable());
}

/** Whether to run Redis tests: true if it answers; false (skip) if not; throws if services are required. */
export async function redisAvailableForSuite(): Promise<boolean> {
  return requireOrSkip('Redis', redisUrl(), await redisAvailable());
}

/** A `describe` that runs only when PostgreSQL answers (and fails the file when it is required but down). */
export async function describeWithPostgres(name: string, fn: () => void): Promise<void> {
  describe.skipIf(!(await postgresAvailableForSuite()))(name, fn);
}

/** A `describe` that runs only when Redis answers (and fails the file when it is required but down). */
export async function describeWithRedis(name: string, fn: () => void): Promise<void> {
  describe.skipIf(!(await redisAvailableForSuite()))(name, fn);
}

function requireOrSkip(service: string, url: string, available: boolean): boolean {
  if (!available && servicesRequired()) {
    throw new Error(`DUBAN_REQUIRE_SERVICES=1 but ${service} does not answer at ${redact(url)}`);
  }
  return available;
}

async function probePostgres(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS });
  // An error event after a failed connect would otherwise crash the worker.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function probeRedis(url: string): Promise<boolean> {
  const { hostname, port, username, password } = new URL(url);
  const commands: string[][] = [];
  if (password) commands.push(username ? ['AUTH', decodeURIComponent(username), decodeURIComponent(password)] : ['AUTH', decodeURIComponent(password)]);
  commands.push(['PING']);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    let received = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write(commands.map(resp).join('')));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (/(^|\r\n)-/.test(received)) finish(false); // an error reply, e.g. NOAUTH or WRONGPASS
      else if (received.includes('+PONG')) finish(true);
    });
  });
}

/** One command in RESP, Redis's wire format: an array of bulk strings. */
function resp(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
