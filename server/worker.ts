/**
 * `duban worker`: the distributed mode's background process (DESIGN §8).
 * Any number of workers, on any machines, share the PostgreSQL database and
 * the Redis of the `duban serve` processes, and each runs:
 *
 * - the BullMQ timer worker (fires deadlines, reminders, escalations and
 *   child-case signals; every firing claims its row first, so a timer fires
 *   once however many workers run);
 * - the BullMQ notification delivery (each outbox row is a job keyed by its
 *   id; delivery claims the row first, so a duplicate job sends nothing);
 * - the acknowledgement sweep (预警"叫应": escalates warnings nobody
 *   acknowledged in time; escalating claims the warning's row);
 * - the campaign progress reports at each period's end (a period is claimed
 *   in the database first, so its reports are opened once).
 *
 * Both queues re-arm every row at start, so a flushed Redis loses nothing.
 * `DATABASE_URL` and `REDIS_URL` are required (exit code 2 otherwise): a
 * worker cannot share a SQLite file with servers on other machines.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createBullmqScheduler, createPoller, type BullmqScheduler, type Clock, type Poller } from '../engine/index.js';
import { createBullmqDelivery, type BullmqDelivery, type Dispatcher, type NotificationLogger } from '../notifications/index.js';
import { createAnchorLoop, loadAnchorSetup } from './anchoring.js';
import { campaignReportLane } from './campaigns/report-schedule.js';
import { ConfigError, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import type { Runtime } from './main.js';
import { createMetrics } from './metrics.js';
import { createNotifier, notificationLogger, redactUrl, type Notifier, type NotifierOptions } from './notifier.js';
import { installShutdownSignals } from './serve.js';
import { scheduledMonthlyReports, type MonthlyReports } from './stats/monthly-schedule.js';
import { type OutboxStore } from '../notifications/index.js';

/** Throws `ConfigError` (exit code 2) naming every variable a worker needs and lacks. */
export function assertWorkerConfig(config: Config): asserts config is Config & { DATABASE_URL: string; REDIS_URL: string } {
  const problems: { variable: string; message: string }[] = [];
  if (!config.DATABASE_URL) problems.push({ variable: 'DATABASE_URL', message: 'is required by duban worker: workers and servers share one PostgreSQL database (a SQLite file belongs to one machine; use duban serve alone for the embedded mode)' });
  if (!config.REDIS_URL) problems.push({ variable: 'REDIS_URL', message: 'is required by duban worker: timers and notifications reach workers as BullMQ jobs' });
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Escalates overdue warnings: looks when the earliest one falls due, at least every `intervalMs`. */
export interface AckSweeper {
  /** Starts sweeping; resolves after the first sweep (warnings overdue while no worker ran). */
  start(): Promise<void>;
  /** Stops sweeping; waits for a sweep in flight. */
  stop(): Promise<void>;
  /** The poller it runs on (tests wait for `idle()`). */
  readonly poller: Poller;
}

/** The acknowledgement sweep of `duban worker`: one lane of a poller on the engine's clock. */
export function createAckSweeper(opts: {
  dispatcher: Pick<Dispatcher, 'sweepAcks'>;
  outbox: { acks: Pick<OutboxStore['acks'], 'nextDueAt'> };
  clock: Clock;
  intervalMs?: number | undefined;
  /** Wait after the n-th failed sweep in a row (default 1 s doubling, at most 1 min). */
  backoffMs?: ((failures: number) => number) | undefined;
  logger: NotificationLogger;
}): AckSweeper {
  const poller = createPoller({
    name: 'acknowledgement sweep',
    clock: opts.clock,
    intervalMs: opts.intervalMs ?? 1_000,
    backoffMs: opts.backoffMs,
    logger: opts.logger,
    lanes: [{ name: 'warnings', drain: () => opts.dispatcher.sweepAcks(), nextDueAt: (now) => opts.outbox.acks.nextDueAt(now.toISOString()) }],
  });
  return { poller, start: () => poller.start(), stop: () => poller.stop() };
}

export interface RunningWorker {
  scheduler: BullmqScheduler;
  /** The scheduled monthly report, when `DUBAN_MONTHLY_REPORT_TO` names recipients. */
  reports: MonthlyReports | undefined;
  delivery: BullmqDelivery;
  notifier: Notifier;
  logger: Logger;
  /** Where `/metrics` and `/healthz` answer, when a metrics port was given. */
  metricsUrl: string | undefined;
  /** Stops taking jobs, waits for those in flight, closes the database. */
  shutdown(reason: string): Promise<void>;
}

export interface StartWorkerOptions {
  print?: (line: string) => void;
  installSignals?: boolean;
  /** Serve `/metrics` and `/healthz` on this port (0: any free port); none when undefined. */
  metricsPort?: number | undefined;
  /** Dispatcher settings (tests). */
  dispatcher?: NotifierOptions['dispatcher'];
  /** BullMQ key prefix and queue names (tests isolate themselves on a shared Redis). */
  queues?: { prefix?: string; timers?: string; notifications?: string } | undefined;
  /** How often the acknowledgement sweep looks at least (default 1 s). */
  ackIntervalMs?: number | undefined;
}

/** Starts a worker on `rt` (its configuration must name PostgreSQL and Redis). */
export async function startWorker(rt: Runtime, opts: StartWorkerOptions = {}): Promise<RunningWorker> {
  const { config, engine, people } = rt;
  assertWorkerConfig(config);
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logger = createLogger(config.DUBAN_LOG_LEVEL).child({ role: 'worker' });
  const log = notificationLogger(logger);
  const metrics = createMetrics();
  const unbind = metrics.bindEngine(engine, rt.outbox);
  const lease = config.DUBAN_CLAIM_LEASE;
  const dispatcherOptions = lease !== undefined ? { claimTtlMs: lease, ...opts.dispatcher } : opts.dispatcher;
  const notifier = createNotifier({ engine, people, outbox: rt.outbox, templates: rt.templates, config, logger, metrics, fallbackUrl: `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`, dispatcher: dispatcherOptions });
  const queues = opts.queues ?? {};
  const queuePrefix = queues.prefix ?? config.DUBAN_QUEUE_PREFIX;
  const prefix = queuePrefix !== undefined ? { prefix: queuePrefix } : {};
  // The sweeps are the backstop for jobs Redis lost (flushed, restarted without persistence); their pace is a setting.
  const sweep = {
    ...(config.DUBAN_SWEEP_INTERVAL !== undefined ? { sweepIntervalMs: config.DUBAN_SWEEP_INTERVAL } : {}),
  };
  const leaseMs = lease !== undefined ? { leaseMs: lease } : {};
  const grace = config.DUBAN_SWEEP_GRACE;
  const scheduler = createBullmqScheduler({ engine, connection: config.REDIS_URL, work: true, logger: log, ...prefix, ...sweep, ...leaseMs, ...(grace !== undefined ? { sweepGraceMs: grace } : {}), ...(queues.timers ? { queueName: queues.timers } : {}) });
  const delivery = createBullmqDelivery({ dispatcher: notifier.dispatcher, connection: config.REDIS_URL, work: true, logger: log, ...prefix, ...sweep, ...(grace !== undefined ? { graceMs: grace } : {}), ...(queues.notifications ? { queueName: queues.notifications } : {}) });
  const acks = createAckSweeper({ dispatcher: notifier.dispatcher, outbox: rt.outbox, clock: engine.clock, intervalMs: opts.ackIntervalMs, logger: log });
  metrics.bindScheduler(scheduler);
  const anchorSetup = loadAnchorSetup(config);
  const anchorLoop = anchorSetup && createAnchorLoop({ anchors: rt.anchors, clock: engine.clock, logger }, anchorSetup);
  const reports = scheduledMonthlyReports(rt, { owner: `worker:${scheduler.owner}`, publicUrl: notifier.app.url, logger, pollerLogger: log });
  // Campaign progress reports at each period's end; every worker runs the lane, the claims open each period once.
  const campaigns = createPoller({ name: 'campaign-reports', clock: engine.clock, logger: log, lanes: [campaignReportLane({ engine, orgs: rt.orgs, owner: `worker:${process.pid}:${randomUUID()}`, logger })] });

  let metricsServer: http.Server | undefined;
  let metricsUrl: string | undefined;
  if (opts.metricsPort !== undefined) {
    metricsServer = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          (err: unknown) => {
            logger.error({ err }, 'collecting metrics failed');
            res.writeHead(500).end();
          },
        );
      } else if (req.method === 'GET' && req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else {
        res.writeHead(404).end();
      }
    });
    const s = metricsServer;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(opts.metricsPort, config.HOST, () => resolve());
    });
    metricsUrl = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${(s.address() as AddressInfo).port}`;
  }

  try {
    await scheduler.start();
    await delivery.start();
    await acks.start();
    anchorLoop?.start();
    // Not awaited: generating a report must not hold up start-up.
    void reports?.start();
    void campaigns.start();
  } catch (err) {
    await Promise.allSettled([scheduler.stop(), delivery.stop(), acks.stop(), anchorLoop?.stop(), reports?.stop(), campaigns.stop()]);
    metricsServer?.close();
    unbind();
    throw err;
  }

  print(`Duban worker ${scheduler.owner}: timers (queue ${scheduler.queueName}) and notifications (queue ${delivery.queueName}) on ${redactUrl(config.REDIS_URL)}, database ${redactUrl(config.DATABASE_URL)}`);
  print(`Notifications: ${notifier.describe().join('; ')}`);
  if (anchorLoop) print(anchorLoop.describe());
  if (metricsUrl) print(`Metrics: ${metricsUrl}/metrics`);
  logger.info({ owner: scheduler.owner, channels: notifier.channels, metrics: metricsUrl }, 'worker started');
  // A worker has no address of its own: links in its messages are only right when DUBAN_PUBLIC_URL names the servers'.
  if (!config.DUBAN_PUBLIC_URL) logger.warn({ links: notifier.app.url }, 'DUBAN_PUBLIC_URL is not set: links in notifications point to this guess; set it to the address recipients reach the servers at');

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'worker shutting down');
      await acks.stop();
      await anchorLoop?.stop();
      await reports?.stop();
      await campaigns.stop();
      await delivery.stop();
      await scheduler.stop();
      await notifier.close();
      if (metricsServer) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
      unbind();
      await rt.close();
      logger.info('worker stopped');
    })();
    return stopping;
  };
  if (opts.installSignals !== false) installShutdownSignals(shutdown, logger);
  return { scheduler, delivery, notifier, logger, metricsUrl, shutdown, reports };
}
