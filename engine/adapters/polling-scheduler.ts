/**
 * The embedded scheduler (DESIGN §5): one poller lane over the timer rows.
 * Each drain claims the due rows in batches (one statement per batch; a row
 * another process claimed is skipped) and fires each batch through the
 * engine, cases concurrently and each case's timers in due order. Between
 * drains the lane sleeps until the next due time or `pollIntervalMs`,
 * whichever is sooner, and wakes early when a commit of this process arms a
 * timer due before then. Commits of other processes are seen at the next
 * poll, so `pollIntervalMs` bounds their lateness.
 */
import type { Scheduler } from '../ports.js';
import { createPoller, type Poller } from './poller.js';
import { createTimerFiring, drainDue, type TimerFiringOptions } from './timer-firing.js';

export interface PollingSchedulerOptions extends TimerFiringOptions {
  /** Longest sleep between two looks at the rows (default 1 s). */
  pollIntervalMs?: number | undefined;
  /** Rows claimed per statement (default 500). */
  batchSize?: number | undefined;
  /** Cases fired at once within a batch (default 32); one case's timers fire in due order. */
  concurrency?: number | undefined;
  /** Wait after the n-th failed drain in a row (the database went away); default 1 s doubling, at most 1 min. */
  pollBackoffMs?: ((failures: number) => number) | undefined;
}

/** The embedded scheduler, and who it claims rows as. */
export interface PollingScheduler extends Scheduler {
  readonly owner: string;
  /** The poller it runs on (tests wait for `idle()`). */
  readonly poller: Poller;
}

const LANE = 'due timers';

/**
 * Creates the embedded scheduler. `start()` fires what fell due while the
 * process was down before it resolves, then keeps polling; `stop()` waits for
 * the batch in flight.
 *
 * @example
 * const scheduler = createPollingScheduler({ engine });
 * await scheduler.start();
 * // … on shutdown
 * await scheduler.stop();
 */
export function createPollingScheduler(options: PollingSchedulerOptions): PollingScheduler {
  const firing = createTimerFiring(options);
  const { clock, logger } = firing;
  const batchSize = options.batchSize ?? 500;
  const concurrency = options.concurrency ?? 32;
  let unsubscribe: (() => void) | undefined;

  const poller = createPoller({
    name: 'timer scheduler',
    clock,
    logger,
    intervalMs: options.pollIntervalMs ?? 1000,
    backoffMs: options.pollBackoffMs,
    lanes: [
      {
        name: LANE,
        drain: ({ stopped }) => drainDue(firing, { cutoff: () => clock.now(), batchSize, concurrency, stopped }),
        nextDueAt: (now) => firing.store.timers.nextDueAt(now.toISOString()),
      },
    ],
  });

  return {
    owner: firing.owner,
    poller,
    async start() {
      if (poller.running) return;
      unsubscribe = options.engine.onCommit(({ effects }) => {
        for (const effect of effects) {
          // A child's end becomes a row on the parent due at once (signal-parent); a set-timer one due at dueAt.
          if (effect.type === 'set-timer') poller.wake(LANE, Date.parse(effect.dueAt));
          else if (effect.type === 'signal-parent') poller.wake(LANE);
        }
      });
      // Timers that fell due while the process was down fire before start() resolves.
      await poller.start();
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await poller.stop();
    },
    runDue: () => poller.run(LANE, () => drainDue(firing, { cutoff: () => clock.now(), batchSize, concurrency })),
    stats: () => firing.stats(),
  };
}
