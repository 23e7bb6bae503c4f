/**
 * `duban serve`: the embedded mode (DESIGN §8). Loads the demo data on first
 * start, starts the polling timer scheduler and the HTTP server, prints the URL
 * and an admin token, and shuts down gracefully on SIGTERM/SIGINT: readiness
 * turns 503, the listener stops accepting, in-flight requests finish, the
 * scheduler stops, the database closes.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createPollingScheduler, type Scheduler } from '../engine/index.js';
import { issueToken } from './access.js';
import { createApp } from './app.js';
import { loadDemoData } from './demo.js';
import { createLogger, type Logger } from './logger.js';
import type { Runtime } from './main.js';
import { createMetrics } from './metrics.js';

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  url: string;
  server: Server;
  scheduler: Scheduler;
  logger: Logger;
  /** Stops everything in order; resolves when the database is closed. */
  shutdown(reason: string): Promise<void>;
}

/** Starts the embedded server on `rt`. `print` receives the lines meant for a person at the terminal. */
export async function startServer(rt: Runtime, opts: { demo?: boolean; print?: (line: string) => void; installSignals?: boolean } = {}): Promise<RunningServer> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logger = createLogger(rt.config.DUBAN_LOG_LEVEL);
  const { engine, people } = rt;

  let adminToken: string | undefined;
  if (opts.demo !== false) {
    const demo = await loadDemoData(people, engine.clock);
    if (demo.tokens.length > 0) {
      print('Demo users created (tokens are shown once; only their hashes are stored):');
      for (const t of demo.tokens) print(`  ${t.userId.padEnd(22)} ${t.roles.join(',').padEnd(26)} ${t.token}`);
      adminToken = demo.tokens.find((t) => t.userId === 'admin')?.token;
    }
  }
  // Tokens are stored hashed, so an earlier admin token cannot be shown again: make a new one for this start.
  if (adminToken === undefined && (await people.getUser('admin'))) adminToken = (await issueToken(people, engine.clock, 'admin', 'duban serve start')).token;

  const metrics = createMetrics();
  const scheduler = createPollingScheduler({
    engine,
    logger: { warn: (message, fields) => logger.warn(fields ?? {}, message), error: (message, fields) => logger.error(fields ?? {}, message) },
  });
  metrics.bindScheduler(scheduler);
  let draining = false;
  const app = createApp({ engine, people, config: rt.config, logger, metrics, draining: () => draining });
  await scheduler.start();

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(rt.config.PORT, rt.config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${rt.config.HOST.includes(':') ? `[${rt.config.HOST}]` : rt.config.HOST}:${port}`;
  print(`Duban listening on ${url}  (web ${url}/login, API ${url}/api/v1, OpenAPI ${url}/api/openapi.json, metrics ${url}/metrics)`);
  if (adminToken) print(`Admin token: ${adminToken}`);
  logger.info({ url, db: rt.config.DATABASE_URL ? 'postgres' : rt.config.DUBAN_DB }, 'server started');

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(force);
      await scheduler.stop();
      (app.locals.close as () => void)();
      await rt.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  if (opts.installSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        shutdown(signal).then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  return { url, server, scheduler, logger, shutdown };
}
