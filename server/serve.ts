/**
 * `duban serve` (DESIGN §8). Starts the HTTP server, then seeds what it was
 * asked to and prints the URL, and shuts down gracefully on SIGTERM/SIGINT:
 * readiness turns 503, the listener stops accepting, in-flight requests
 * finish, the timer scheduler and the notification dispatcher stop, the
 * database closes.
 *
 * Seeding happens only after the port is bound, so a start that fails
 * prints no token and creates no user:
 * - with `demo`, the demo org tree, users (their tokens printed once) and a
 *   few sample cases are loaded where missing;
 * - on a database with no users at all (the first start), the root org and
 *   the root admin are created and the admin's token is printed once.
 * Any later start prints no token: `duban tokens issue <user>` makes one.
 *
 * - Embedded (no `REDIS_URL`, the default): this process also fires timers
 *   (the polling scheduler) and delivers notifications (the polling
 *   dispatcher: inbox, e-mail when `SMTP_URL` is set, webhooks when
 *   `DUBAN_WEBHOOK_SECRET` is).
 * - Distributed (`REDIS_URL`, with `DATABASE_URL`): this process only arms
 *   BullMQ jobs for what its own commits schedule (timers, notifications);
 *   `duban worker` processes fire and deliver them.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createBullmqScheduler, createPoller, createPollingScheduler, type Poller, type Scheduler } from '../engine/index.js';
import { createBullmqDelivery, type BullmqDelivery } from '../notifications/index.js';
import { scheduledMonthlyReports } from './stats/monthly-schedule.js';
import { campaignReportLane } from './campaigns/report-schedule.js';
import { createAnchorLoop, loadAnchorSetup, type AnchorLoop } from './anchoring.js';
import { createApp } from './app.js';
import { createFileAttachmentStore, createKnexAttachmentStore } from './attachments.js';
import { ConfigError, type Config } from './config.js';
import { loadDemo } from './demo-cases.js';
import { createLogger, type Logger } from './logger.js';
import { crossingText, watchQuotas } from './stats/quota-watch.js';
import type { Runtime } from './main.js';
import { createMetrics } from './metrics.js';
import { createNotifier, notificationLogger, redactUrl, type Notifier, type NotifierOptions } from './notifier.js';
import { DEFAULT_ROOT, initRoot, CommandError } from './startup.js';

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  url: string;
  server: Server;
  scheduler: Scheduler;
  notifier: Notifier;
  /** `embedded`: timers and notifications run here; `distributed`: `duban worker` runs them. */
  mode: 'embedded' | 'distributed';
  logger: Logger;
  /** Stops everything in order; resolves when the database is closed. */
  shutdown(reason: string): Promise<void>;
}

export interface StartServerOptions {
  /** Load the demo org tree and users where missing (default true here; the CLI's `serve` only with `--demo`). */
  demo?: boolean;
  /** With `demo`, also open the sample cases (the CLI's `--demo` does; default false, so tests start with no notifications). */
  demoCases?: boolean;
  /** Receives the lines meant for a person at the terminal. */
  print?: (line: string) => void;
  installSignals?: boolean;
  /** Dispatcher settings (tests: backoff, attempts, poll interval). */
  dispatcher?: NotifierOptions['dispatcher'];
  /** BullMQ key prefix and queue names in distributed mode (the workers must use the same; tests isolate themselves). */
  queues?: { prefix?: string; timers?: string; notifications?: string } | undefined;
}

/**
 * Distributed mode shares the database between processes on any machines:
 * `REDIS_URL` without `DATABASE_URL` would arm jobs no worker can ever run
 * (a worker cannot open this process's SQLite file), so it is refused.
 */
export function assertModeConfig(config: Config): void {
  if (config.REDIS_URL && !config.DATABASE_URL) {
    throw new ConfigError([{ variable: 'DATABASE_URL', message: 'is required with REDIS_URL: in distributed mode duban serve and duban worker share one PostgreSQL database (unset REDIS_URL for the embedded mode)' }]);
  }
}

/** Starts the server on `rt`. */
export async function startServer(rt: Runtime, opts: StartServerOptions = {}): Promise<RunningServer> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { config, engine, people } = rt;
  assertModeConfig(config);
  const logger = createLogger(config.DUBAN_LOG_LEVEL);
  const mode = config.REDIS_URL ? 'distributed' : 'embedded';
  // In distributed mode the workers anchor; a bad key still stops start-up here (exit 2).
  const anchorSetup = loadAnchorSetup(config);

  const metrics = createMetrics();
  const orgs = rt.orgs;
  // District accident quotas: a threshold crossed by a step committed here warns the district's leaders once (acknowledged);
  // a quota exceeded opens an interview case.
  const quotas = watchQuotas({
    engine, stats: rt.stats, orgs, outbox: rt.outbox, thresholds: config.DUBAN_QUOTA_THRESHOLDS, ackWithin: config.DUBAN_QUOTA_ACK_WITHIN,
    onRaised: (w) => logger.warn({ district: w.district, year: w.year, measure: w.measure, threshold: w.threshold, used: w.used, quota: w.quota, crossing: w.crossing }, crossingText(w)),
    onInterview: (i) => logger.warn({ district: i.district, year: i.year, caseId: i.caseId }, 'quota exceeded: interview opened'),
    onError: (err) => logger.error({ err }, 'quota check failed'),
  });
  const hostInUrl = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const lease = config.DUBAN_CLAIM_LEASE;
  const notifier = createNotifier({ engine, people, outbox: rt.outbox, orgs, templates: rt.templates, config, logger, metrics, fallbackUrl: `http://${hostInUrl}:${config.PORT}`, dispatcher: lease !== undefined ? { claimTtlMs: lease, ...opts.dispatcher } : opts.dispatcher });
  const schedulerLogger = notificationLogger(logger);
  let scheduler: Scheduler;
  let delivery: BullmqDelivery | undefined;
  if (config.REDIS_URL) {
    const q = opts.queues ?? {};
    const queuePrefix = q.prefix ?? config.DUBAN_QUEUE_PREFIX;
    const prefix = queuePrefix !== undefined ? { prefix: queuePrefix } : {};
    scheduler = createBullmqScheduler({ engine, connection: config.REDIS_URL, work: false, logger: schedulerLogger, ...prefix, ...(q.timers ? { queueName: q.timers } : {}) });
    delivery = createBullmqDelivery({ dispatcher: notifier.dispatcher, connection: config.REDIS_URL, work: false, logger: schedulerLogger, ...prefix, ...(q.notifications ? { queueName: q.notifications } : {}) });
  } else {
    scheduler = createPollingScheduler({ engine, logger: schedulerLogger, ...(lease !== undefined ? { leaseMs: lease } : {}) });
  }
  metrics.bindScheduler(scheduler);
  const anchorLoop: AnchorLoop | undefined = anchorSetup && mode === 'embedded' ? createAnchorLoop({ anchors: rt.anchors, clock: engine.clock, logger }, anchorSetup) : undefined;
  // The monthly report on the first working day of each month: a lane of its own poller, claimed in the database (every process may run it).
  const reports = scheduledMonthlyReports(rt, { owner: `serve:${process.pid}:${randomUUID()}`, publicUrl: `http://${hostInUrl}:${config.PORT}`, logger, pollerLogger: schedulerLogger });
  // Campaign progress reports at each period's end: in the embedded mode here (in the distributed mode the workers run them).
  const campaignPoller: Poller | undefined = mode === 'embedded'
    ? createPoller({ name: 'campaign-reports', clock: engine.clock, logger: schedulerLogger, lanes: [campaignReportLane({ engine, orgs, owner: `serve:${process.pid}:${randomUUID()}`, logger })] })
    : undefined;
  let draining = false;
  // Evidence files: under the data dir beside the SQLite file; with PostgreSQL in its `attachments` table (every process reads them).
  const attachments = config.DATABASE_URL ? undefined : createFileAttachmentStore(path.join(path.dirname(path.resolve(config.DUBAN_DB)), 'attachments'));
  const app = createApp({ engine, people, outbox: rt.outbox, orgs, config, logger, metrics, templates: rt.templates, dispatcher: notifier.dispatcher, draining: () => draining, attachments, stats: rt.stats, quotaWatch: quotas });
  await scheduler.start();

  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.PORT, config.HOST, () => resolve(s));
      s.once('error', reject);
    });
  } catch (err) {
    await scheduler.stop();
    (app.locals.close as () => void)();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CommandError('port_in_use', `port ${config.PORT} on ${config.HOST} is already in use (another duban serve?); stop that process or set PORT to a free port`);
    if (code === 'EACCES') throw new CommandError('port_not_permitted', `port ${config.PORT} on ${config.HOST} may not be bound by this user; set PORT above 1023`);
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostInUrl}:${port}`;
  notifier.setFallbackUrl(url);
  if (delivery) await delivery.start();
  // The first pass delivers what waited while nothing ran; it must not hold up start-up (an SMTP server may be slow to answer).
  else void notifier.dispatcher.start();
  anchorLoop?.start();
  void reports?.start();
  void campaignPoller?.start();

  print(`Duban listening on ${url}  (web ${url}/login, API ${url}/api/v1, OpenAPI ${url}/api/openapi.json, metrics ${url}/metrics)`);
  if (mode === 'embedded') {
    print('Mode: embedded — this process fires timers and delivers notifications.');
    print(`Notifications: ${notifier.describe().join('; ')}`);
    if (anchorLoop) print(anchorLoop.describe());
  } else {
    print(`Mode: distributed — timers and notifications are armed as BullMQ jobs on ${redactUrl(config.REDIS_URL!)}; run \`duban worker\` (any number, any machine) to fire and deliver them.`);
  }
  // Seeded only now that the port is ours: a failed start prints no token and creates no user.
  if (opts.demo !== false) await loadDemo(engine, people, print, { cases: opts.demoCases === true, attachments: attachments ?? createKnexAttachmentStore((engine.store as unknown as { knex: Parameters<typeof createKnexAttachmentStore>[0] }).knex) });
  const root = await initRoot(people, engine.clock, DEFAULT_ROOT);
  if (root) {
    print(`First start: created the root org "${root.orgId}" and its admin "${root.userId}" (run duban init before the first start to name them yourself).`);
    print(`Root admin token (shown once; only its hash is stored; \`duban tokens issue ${root.userId}\` makes another): ${root.token}`);
  }
  logger.info({ url, mode, db: config.DATABASE_URL ? 'postgres' : config.DUBAN_DB, channels: mode === 'embedded' ? notifier.channels : [] }, 'server started');

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
      // Timers, deliveries and a checkpoint in flight finish before the database closes.
      await anchorLoop?.stop();
      await reports?.stop();
      await campaignPoller?.stop();
      await scheduler.stop();
      quotas.stop();
      await quotas.idle();
      if (delivery) await delivery.stop();
      else await notifier.dispatcher.stop();
      await notifier.close();
      (app.locals.close as () => void)();
      await rt.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  if (opts.installSignals !== false) installShutdownSignals(shutdown, logger);
  return { url, server, scheduler, notifier, mode, logger, shutdown };
}

/** SIGTERM/SIGINT run `shutdown` once, then exit 0 (1 when it failed). */
export function installShutdownSignals(shutdown: (reason: string) => Promise<void>, logger: Logger): void {
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
