/**
 * The distributed scheduler (DESIGN §5): each timer row is mirrored by a
 * BullMQ delayed job keyed by the timer, and any number of processes run
 * workers on the queue. The row stays the source of truth:
 *
 * - a job claims the row before firing (the same conditional update as the
 *   poller); a job whose row was claimed, fired or deleted is a no-op, so a
 *   duplicate or stale job is harmless;
 * - `start()` re-arms a job for every row, so a flushed or lost Redis loses
 *   nothing (an existing job id is left alone);
 * - a periodic sweep (a poller lane, poller.ts) fires rows due longer ago
 *   than a grace period directly, in case a job went missing between a commit
 *   and its arming; it also runs once at start-up;
 * - a job claims its row with every earlier row of its case and fires them in
 *   due order; a job whose row waits behind an earlier one another process
 *   holds is retried by the queue (`TimerHeldError`).
 *
 * Jobs are armed after commit from `engine.onCommit` (`set-timer` and
 * `signal-parent` add, `cancel-timer` removes, best effort).
 */
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type JobsOptions, type RedisOptions } from 'bullmq';
import { z } from 'zod';
import type { Scheduler, TimerRecord } from '../ports.js';
import { createPoller, type Poller } from './poller.js';
import { createTimerFiring, drainDue, TimerHeldError, type FiringResult, type TimerFiringOptions, type TimerRef } from './timer-firing.js';

export interface BullmqSchedulerOptions extends TimerFiringOptions {
  /** A `redis://…` URL or ioredis options. Each Queue and Worker opens its own connections. */
  connection: string | RedisOptions;
  /** Default `duban-timers`. */
  queueName?: string | undefined;
  /** BullMQ key prefix (default BullMQ's `bull`). */
  prefix?: string | undefined;
  /** Jobs one worker fires at once (default 8). */
  concurrency?: number | undefined;
  /** How often to fire rows whose job went missing (default 30 s). */
  sweepIntervalMs?: number | undefined;
  /** How long past due a row must be before the sweep fires it instead of its job (default 60 s). */
  sweepGraceMs?: number | undefined;
  /** Wait after the n-th failed sweep in a row (default 1 s doubling, at most 1 min). */
  sweepBackoffMs?: ((failures: number) => number) | undefined;
  /** Tries per job before it is left failed (default 5); the row is still retried by the sweep. */
  attempts?: number | undefined;
  /** Rows read per query when re-arming and sweeping (default 500). */
  batchSize?: number | undefined;
  /**
   * Whether this process fires timers (runs a worker and the sweep). An HTTP-only
   * process passes `false`: it still arms the jobs of its own commits.
   */
  work?: boolean | undefined;
}

/** Every timer kind; a kind added to `TimerRecord` fails to compile here until jobs carry it. */
const TIMER_KINDS = { remind: true, due: true, escalate: true, signal: true } satisfies Record<TimerRecord['kind'], true>;

/** The data of a timer job. Parsed when read: Redis is a boundary. */
export const TimerJobDataSchema = z
  .object({
    timerKey: z.string().min(1),
    caseId: z.string().min(1),
    kind: z.enum(Object.keys(TIMER_KINDS) as [TimerRecord['kind'], ...TimerRecord['kind'][]]),
    deadlineKey: z.string().min(1),
    index: z.number().int().nonnegative(),
    generation: z.number().int().nonnegative(),
    dueAt: z.iso.datetime(),
  })
  .strict();
export type TimerJobData = z.infer<typeof TimerJobDataSchema>;

/**
 * The job id of a timer. BullMQ ids may not contain `:` (nor be integers), and
 * timer keys are `case:deadline@seq:kind:i:gN`; base64url keeps the id
 * reversible for whoever reads the queue.
 */
export function timerJobId(timerKey: string): string {
  return `t-${Buffer.from(timerKey, 'utf8').toString('base64url')}`;
}

/** Lands a retried job just after the row's retry time, which the claim waits for. */
const RETRY_MARGIN_MS = 250;
/** Retry of a job whose row waits behind an earlier timer of its case another process is firing. */
const HELD_RETRY_MS = 250;

/** A scheduler on BullMQ, plus what operators and tests look at. */
export interface BullmqScheduler extends Scheduler {
  readonly owner: string;
  readonly queueName: string;
  /** Adds the job of a timer row (a no-op when its job id exists). */
  arm(timer: TimerRef): Promise<void>;
  /** Adds a job for every timer row; resolves to the number of rows read. */
  rearm(): Promise<number>;
  /** The poller its sweep runs on (tests wait for `idle()`). */
  readonly poller: Poller;
}

const SWEEP = 'timer sweep';

/**
 * Creates the distributed scheduler. Nothing connects until `start()`.
 *
 * @example
 * const scheduler = createBullmqScheduler({ engine, connection: process.env.REDIS_URL! });
 * await scheduler.start();
 * // … on shutdown
 * await scheduler.stop();
 */
export function createBullmqScheduler(options: BullmqSchedulerOptions): BullmqScheduler {
  const firing = createTimerFiring(options);
  const { clock, logger, store } = firing;
  const queueName = options.queueName ?? 'duban-timers';
  const concurrency = options.concurrency ?? 8;
  const sweepIntervalMs = options.sweepIntervalMs ?? 30_000;
  const sweepGraceMs = options.sweepGraceMs ?? 60_000;
  const attempts = options.attempts ?? 5;
  const batchSize = options.batchSize ?? 500;
  const work = options.work ?? true;
  const connection: ConnectionOptions = typeof options.connection === 'string' ? { url: options.connection } : options.connection;
  const base = { connection, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) };

  let queue: Queue<TimerJobData> | undefined;
  let worker: Worker<TimerJobData, FiringResult> | undefined;
  let unsubscribe: (() => void) | undefined;
  let running = false;
  const arming = new Set<Promise<unknown>>();

  function jobOptions(timer: TimerRef): JobsOptions {
    return {
      jobId: timerJobId(timer.timerKey),
      delay: Math.max(0, Date.parse(timer.dueAt) - clock.now().getTime()),
      removeOnComplete: true,
      // Failed jobs stay a week for inspection; the row, not the job, is retried after that.
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
      attempts,
      backoff: { type: 'custom' },
    };
  }

  function toData(timer: TimerRef): TimerJobData {
    return { timerKey: timer.timerKey, caseId: timer.caseId, kind: timer.kind, deadlineKey: timer.deadlineKey, index: timer.index, generation: timer.generation, dueAt: timer.dueAt };
  }

  /** Runs queue operations on one timer in commit order (a cancel must not overtake the add it undoes). */
  const lastOp = new Map<string, Promise<unknown>>();
  function inOrder(timerKey: string, op: () => Promise<unknown>): void {
    const p = (lastOp.get(timerKey) ?? Promise.resolve()).then(op);
    lastOp.set(timerKey, p);
    arming.add(p);
    void p.finally(() => {
      arming.delete(p);
      if (lastOp.get(timerKey) === p) lastOp.delete(timerKey);
    });
  }

  function openQueue(): Queue<TimerJobData> {
    if (!queue) {
      queue = new Queue<TimerJobData>(queueName, base);
      queue.on('error', (err) => logger.error('timer queue error', { queue: queueName, error: String(err) }));
    }
    return queue;
  }

  async function arm(timer: TimerRef): Promise<void> {
    await openQueue().add(`timer.${timer.kind}`, toData(timer), jobOptions(timer));
  }

  async function rearm(): Promise<number> {
    let read = 0;
    let after: { dueAt: string; timerKey: string } | undefined;
    for (;;) {
      const rows: TimerRecord[] = await store.timers.listAll(batchSize, after);
      if (rows.length === 0) break;
      await openQueue().addBulk(rows.map((r) => ({ name: `timer.${r.kind}`, data: toData(r), opts: jobOptions(r) })));
      read += rows.length;
      const last = rows[rows.length - 1]!;
      after = { dueAt: last.dueAt, timerKey: last.timerKey };
      if (rows.length < batchSize) break;
    }
    return read;
  }

  /** Timers this process's worker is firing: the step that fires one cancels it, and its own job needs no removing. */
  const firingNow = new Set<string>();

  async function processJob(job: { data: unknown; attemptsMade: number }): Promise<FiringResult> {
    const parsed = TimerJobDataSchema.safeParse(job.data);
    // A malformed job can never succeed; its row, if any, is still fired by the sweep.
    if (!parsed.success) throw new UnrecoverableError(`malformed timer job: ${parsed.error.message}`);
    firingNow.add(parsed.data.timerKey);
    try {
      return await firing.fire(parsed.data, { attempt: job.attemptsMade + 1, rethrow: true });
    } finally {
      firingNow.delete(parsed.data.timerKey);
    }
  }

  const drain = (graceMs: number, lanes: number, stopped?: () => boolean) =>
    drainDue(firing, { cutoff: () => new Date(clock.now().getTime() - graceMs), batchSize, concurrency: lanes, ...(stopped ? { stopped } : {}) });

  // One case at a time: the sweep is a backstop beside the worker, and must not take the database's connections from it.
  const poller = createPoller({
    name: 'timer scheduler',
    clock,
    logger,
    intervalMs: sweepIntervalMs,
    backoffMs: options.sweepBackoffMs,
    lanes: [{ name: SWEEP, drain: ({ stopped }) => drain(sweepGraceMs, 1, stopped) }],
  });

  return {
    owner: firing.owner,
    queueName,
    arm,
    rearm,
    poller,
    async start() {
      if (running) return;
      running = true;
      // Subscribe before re-arming: a commit between the two is armed by one or the other.
      unsubscribe = options.engine.onCommit(({ event, effects }) => {
        for (const effect of effects) {
          if (effect.type === 'set-timer') {
            const timer = { ...effect, caseId: event.caseId };
            inOrder(effect.timerKey, () => arm(timer).catch((err: unknown) => logger.warn('arming a timer job failed; the sweep will fire it', { timerKey: effect.timerKey, error: String(err) })));
          } else if (effect.type === 'signal-parent') {
            // The store keeps a child's end as a timer row on the parent, due at once; its key is the store's
            // (`parent:child:<id>:done`). Were that ever to change, this job would find no row and the sweep
            // would deliver the signal instead, a grace period later.
            const timer = { timerKey: `${effect.parentCaseId}:child:${effect.childCaseId}:done`, caseId: effect.parentCaseId, kind: 'signal' as const, deadlineKey: effect.childCaseId, index: 0, generation: 0, dueAt: event.at };
            inOrder(timer.timerKey, () => arm(timer).catch((err: unknown) => logger.warn('arming a signal job failed; the sweep will deliver it', { timerKey: timer.timerKey, error: String(err) })));
          } else if (effect.type === 'cancel-timer' && !firingNow.has(effect.timerKey)) {
            // Best effort: a job left behind finds no row and does nothing.
            inOrder(effect.timerKey, () => openQueue().remove(timerJobId(effect.timerKey)).catch(() => {}));
          }
        }
      });
      openQueue();
      if (work) {
        worker = new Worker<TimerJobData, FiringResult>(queueName, processJob, {
          ...base,
          concurrency,
          settings: {
            // A timer waiting behind another scheduler's firing of its case is tried again soon; a failed one after its row's retry time.
            backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => (err instanceof TimerHeldError ? HELD_RETRY_MS : firing.retryBackoffMs(attemptsMade) + RETRY_MARGIN_MS),
          },
        });
        worker.on('error', (err) => logger.error('timer worker error', { queue: queueName, error: String(err) }));
      }
      await rearm();
      // The first sweep catches up rows overdue beyond the grace period before start() resolves.
      if (work) await poller.start();
    },
    async stop() {
      running = false;
      unsubscribe?.();
      unsubscribe = undefined;
      await poller.stop();
      await Promise.allSettled([...arming]);
      // Worker.close waits for the jobs in flight.
      await worker?.close();
      worker = undefined;
      await queue?.close();
      queue = undefined;
    },
    runDue: () => poller.run(SWEEP, () => drain(0, concurrency)),
    stats: () => firing.stats(),
  };
}
