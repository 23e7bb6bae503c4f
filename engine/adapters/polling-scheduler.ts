/**
 * The embedded scheduler (DESIGN §5): one poller per process over the timer
 * rows. Each tick lists the due rows, claims each with a conditional update
 * (a row another process claimed is skipped) and fires it through the engine.
 * Between ticks it sleeps until the next due time or `pollIntervalMs`,
 * whichever is sooner, and wakes early when a commit of this process arms a
 * timer due before then. Commits of other processes are seen at the next
 * poll, so `pollIntervalMs` bounds their lateness.
 */
import type { Scheduler } from '../ports.js';
import { createTimerFiring, drainDue, type TimerFiringOptions } from './timer-firing.js';

export interface PollingSchedulerOptions extends TimerFiringOptions {
  /** Longest sleep between two looks at the rows (default 1 s). */
  pollIntervalMs?: number | undefined;
  /** Rows listed per query (default 100). */
  batchSize?: number | undefined;
  /** Cases fired at once within a batch (default 4); one case's timers fire in due order. */
  concurrency?: number | undefined;
}

/** The embedded scheduler, and who it claims rows as. */
export interface PollingScheduler extends Scheduler {
  readonly owner: string;
}

/** Wait before looking again when due rows are left that could not be fired now (claimed elsewhere, failing). */
const RECHECK_MS = 10;

/**
 * Creates the embedded scheduler. `start()` fires what fell due while the
 * process was down before it resolves, then keeps polling; `stop()` waits for
 * the tick in flight.
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
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 4;

  let running = false;
  let sleeper: NodeJS.Timeout | undefined;
  /** Clock time (ms) the current sleep ends; undefined while a tick runs. */
  let wakeAt: number | undefined;
  /** The earliest due time armed while a tick ran (its next-due query may have read before that commit). */
  let armedDuringTick = Infinity;
  let unsubscribe: (() => void) | undefined;
  let ticking: Promise<void> | undefined;
  // Ticks and runDue() calls of one scheduler run one after another.
  let queue: Promise<unknown> = Promise.resolve();

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  }

  const drain = () => drainDue(firing, { cutoff: () => clock.now(), batchSize, concurrency, stopped: () => !running });

  function runTick(): Promise<void> {
    ticking = tick();
    return ticking;
  }

  async function tick(): Promise<void> {
    sleeper = undefined;
    wakeAt = undefined;
    armedDuringTick = Infinity;
    try {
      await exclusive(drain);
    } catch (err) {
      logger.error('timer poll failed', { error: String(err) });
    }
    await sleepUntilNext();
  }

  async function sleepUntilNext(): Promise<void> {
    if (!running) return;
    let next = Infinity;
    try {
      const at = await firing.store.timers.nextDueAt(clock.now().toISOString());
      if (at !== undefined) next = Date.parse(at);
    } catch (err) {
      logger.error('reading the next due timer failed', { error: String(err) });
    }
    if (!running) return;
    const now = clock.now().getTime();
    sleep(Math.min(now + pollIntervalMs, next, armedDuringTick), now);
  }

  function sleep(target: number, now: number): void {
    if (sleeper) clearTimeout(sleeper);
    wakeAt = target;
    sleeper = setTimeout(() => void runTick(), target > now ? Math.ceil(target - now) : RECHECK_MS);
  }

  return {
    owner: firing.owner,
    async start() {
      if (running) return;
      running = true;
      unsubscribe = options.engine.onCommit(({ effects }) => {
        if (!running) return;
        for (const effect of effects) {
          // A child's end becomes a row on the parent due at once (signal-parent); a set-timer one due at dueAt.
          if (effect.type !== 'set-timer' && effect.type !== 'signal-parent') continue;
          const due = effect.type === 'set-timer' ? Date.parse(effect.dueAt) : clock.now().getTime();
          if (wakeAt === undefined) armedDuringTick = Math.min(armedDuringTick, due);
          else if (due < wakeAt) sleep(due, clock.now().getTime());
        }
      });
      // Timers that fell due while the process was down fire before start() resolves.
      await runTick();
    },
    async stop() {
      running = false;
      unsubscribe?.();
      unsubscribe = undefined;
      if (sleeper) clearTimeout(sleeper);
      sleeper = undefined;
      await ticking;
      await exclusive(async () => {});
    },
    runDue: () => exclusive(() => drainDue(firing, { cutoff: () => clock.now(), batchSize, concurrency })),
    stats: () => firing.stats(),
  };
}
