/**
 * The distributed delivery mode: each pending outbox row is mirrored by a
 * BullMQ job whose id is the row's id (made safe for BullMQ), and any number
 * of `duban worker` processes run workers on the queue. The row stays the
 * source of truth:
 *
 * - a job delivers through `dispatcher.deliver(id)`, which claims the row
 *   first, so a duplicate job (or one whose row was sent meanwhile) is a no-op;
 * - a failed attempt leaves the row pending with its next attempt time, and
 *   the job schedules the next attempt as a new delayed job (`…-a<attempt>`);
 * - `start()` re-enqueues every pending row, so a flushed Redis or a crash
 *   between commit and enqueue loses nothing;
 * - a periodic sweep (a lane of the engine's poller) delivers rows due longer
 *   ago than a grace period (a job that went missing) and escalates
 *   unacknowledged warnings; it also runs once at start-up.
 */
import { Queue, Worker, type ConnectionOptions, type JobsOptions, type RedisOptions } from 'bullmq';
import { z } from 'zod';
import { createPoller, systemClock, type Clock, type Poller } from '../engine/index.js';
import { errorText, type NotificationLogger } from './context.js';
import type { Dispatcher } from './dispatcher.js';

/** Options of {@link createBullmqDelivery}. */
export interface BullmqDeliveryOptions {
  dispatcher: Dispatcher;
  /** A `redis://…` URL (`REDIS_URL`) or ioredis options. */
  connection: string | RedisOptions;
  /** Default `duban-notifications`. */
  queueName?: string | undefined;
  /** BullMQ key prefix (default BullMQ's `bull`). */
  prefix?: string | undefined;
  /** Jobs one worker runs at once (default 8). */
  concurrency?: number | undefined;
  /** How often to sweep for missed rows and overdue acknowledgements (default 10 s). */
  sweepIntervalMs?: number | undefined;
  /** How long past due a row must be before the sweep delivers it instead of its job (default 60 s). */
  graceMs?: number | undefined;
  /** Whether this process delivers (runs a worker and the sweep); an HTTP-only process passes false and only enqueues. */
  work?: boolean | undefined;
  logger?: NotificationLogger | undefined;
  /** The clock the sweep's interval and grace are measured on (default the system clock; BullMQ's delays are real time). */
  clock?: Clock | undefined;
}

/** The data of a delivery job. Parsed when read: Redis is a boundary. */
export const NotificationJobDataSchema = z.object({ id: z.string().min(1) }).strict();

/**
 * The job id of an outbox row's attempt. BullMQ ids may not contain `:` nor
 * be integers, and outbox ids are `caseId/seq/index`; base64url keeps the
 * id reversible. Attempt 0 is the row's own id; retries get `-a<n>`.
 */
export function notificationJobId(outboxId: string, attempt = 0): string {
  return `n-${Buffer.from(outboxId, 'utf8').toString('base64url')}${attempt > 0 ? `-a${attempt}` : ''}`;
}

/** The distributed delivery mode's handle. */
export interface BullmqDelivery {
  readonly queueName: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Adds the job of a row's attempt, delayed until `at` (a no-op when that job id exists). */
  enqueue(id: string, at: string, attempt?: number): Promise<void>;
  /** Adds a job for every pending row; resolves to how many rows were read. */
  rearm(): Promise<number>;
  /** The poller its sweep runs on (tests wait for `idle()`). */
  readonly poller: Poller;
}

/**
 * Creates the BullMQ delivery mode over a dispatcher (whose `start()` is then
 * not called: the queue drives it). Nothing connects until `start()`.
 * @example
 * const delivery = createBullmqDelivery({ dispatcher, connection: process.env.REDIS_URL! });
 * await delivery.start();
 */
export function createBullmqDelivery(options: BullmqDeliveryOptions): BullmqDelivery {
  const { dispatcher } = options;
  const queueName = options.queueName ?? 'duban-notifications';
  const logger = options.logger ?? { warn: () => {}, error: () => {} };
  const sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
  const graceMs = options.graceMs ?? 60_000;
  const work = options.work ?? true;
  const connection: ConnectionOptions = typeof options.connection === 'string' ? { url: options.connection } : options.connection;
  const base = { connection, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) };
  let queue: Queue | undefined;
  let worker: Worker | undefined;
  const clock = options.clock ?? systemClock;
  let unsubscribe: (() => void) | undefined;
  let running = false;
  const adding = new Set<Promise<unknown>>();

  const openQueue = (): Queue => {
    if (!queue) {
      queue = new Queue(queueName, base);
      queue.on('error', (err) => logger.error('notification queue error', { queue: queueName, error: String(err) }));
    }
    return queue;
  };
  const jobOptions = (id: string, at: string, attempt: number): JobsOptions => ({
    jobId: notificationJobId(id, attempt),
    delay: Math.max(0, Date.parse(at) - Date.now()),
    removeOnComplete: true,
    removeOnFail: true,
  });
  const enqueue = async (id: string, at: string, attempt = 0): Promise<void> => {
    await openQueue().add('notification', { id }, jobOptions(id, at, attempt));
  };
  const track = (p: Promise<unknown>) => {
    adding.add(p);
    void p.finally(() => adding.delete(p));
  };

  async function processJob(job: { data: unknown }): Promise<string> {
    const { id } = NotificationJobDataSchema.parse(job.data);
    const outcome = await dispatcher.deliver(id);
    if (outcome.status === 'retry') await enqueue(id, outcome.nextAttemptAt, outcome.attempts);
    return outcome.status;
  }

  async function rearm(): Promise<number> {
    let read = 0;
    let afterId: string | undefined;
    for (;;) {
      const rows = await dispatcher.list('pending', { limit: 500, ...(afterId ? { afterId } : {}) });
      if (rows.length === 0) return read;
      await openQueue().addBulk(rows.map((r) => ({ name: 'notification', data: { id: r.id }, opts: jobOptions(r.id, r.nextAttemptAt, r.attempts) })));
      read += rows.length;
      afterId = rows[rows.length - 1]!.id;
    }
  }

  const poller = createPoller({
    name: 'notification delivery',
    clock,
    logger,
    intervalMs: sweepIntervalMs,
    lanes: [{ name: 'sweep', drain: () => dispatcher.runDue({ dueBefore: new Date(clock.now().getTime() - graceMs) }) }],
  });

  return {
    queueName,
    enqueue,
    rearm,
    poller,
    async start() {
      if (running) return;
      running = true;
      // Subscribe before re-arming: a commit between the two is enqueued by one or the other.
      unsubscribe = dispatcher.onPending((rows) => {
        for (const r of rows) track(enqueue(r.id, r.at, r.attempts).catch((err: unknown) => logger.warn('enqueuing a notification failed; the sweep delivers it', { id: r.id, error: errorText(err) })));
      });
      openQueue();
      if (work) {
        worker = new Worker(queueName, processJob, { ...base, concurrency: options.concurrency ?? 8 });
        worker.on('error', (err) => logger.error('notification worker error', { queue: queueName, error: String(err) }));
      }
      await rearm();
      if (work) await poller.start();
    },
    async stop() {
      running = false;
      unsubscribe?.();
      unsubscribe = undefined;
      await poller.stop();
      await Promise.allSettled([...adding]);
      await worker?.close();
      worker = undefined;
      await queue?.close();
      queue = undefined;
    },
  };
}
