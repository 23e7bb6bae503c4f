/**
 * What both schedulers share: claiming a timer row and firing it through the
 * engine, counting what happened, recording a failure with its retry time,
 * and draining every row due before a cut-off.
 *
 * The claim comes first and is one conditional UPDATE, so of two schedulers
 * (or two copies of one queue job) exactly one fires a row; the engine's
 * idempotency key (the timer key) makes even a firing repeated after a crash
 * append one event.
 *
 * Order: one scheduler fires a case's due rows one after another in due
 * order. Several schedulers working one backlog may each claim a different
 * row of one case; if a deadline's reminder and due time are both overdue and
 * the due time commits first, the reminder is discarded as stale, as the core
 * never sends a reminder after its deadline has passed.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Effect } from '../core/effects.js';
import type { Clock, EventRecord, SchedulerStats, Store, TimerRecord } from '../ports.js';

/** The fields that identify a timer and say when it is due. */
export type TimerRef = Pick<TimerRecord, 'timerKey' | 'caseId' | 'kind' | 'deadlineKey' | 'index' | 'generation' | 'dueAt'>;

/** What a scheduler needs of the engine; `Engine` has all of it. */
export interface TimerEngine {
  readonly store: Pick<Store, 'timers'>;
  readonly clock: Clock;
  fireTimer(timer: Omit<TimerRef, 'dueAt'>): Promise<{ outcome: 'fired' | 'duplicate' | 'stale' }>;
  onCommit(listener: (committed: { event: EventRecord; effects: Effect[] }) => void): () => void;
}

/** Where schedulers report what they cannot throw to anyone (a failed firing, a lost connection). */
export interface SchedulerLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Options both schedulers take. */
export interface TimerFiringOptions {
  engine: TimerEngine;
  /** The timer rows; defaults to `engine.store`. */
  store?: Pick<Store, 'timers'> | undefined;
  /** Defaults to `engine.clock`, so lateness is measured on the clock the engine stamps events with. */
  clock?: Clock | undefined;
  /** Who claims rows (default `hostname:pid:random`). */
  owner?: string | undefined;
  /** How long a claim holds before another scheduler may take the row (default 30 s). */
  leaseMs?: number | undefined;
  /** Wait before retrying a timer whose firing threw, by attempt (1-based); default 2^attempt s, at most 10 min. */
  retryBackoffMs?: ((attempt: number) => number) | undefined;
  /** How many lateness samples `stats()` keeps (default 10,000). */
  latenessSamples?: number | undefined;
  logger?: SchedulerLogger | undefined;
}

export type FiringResult = 'fired' | 'duplicate' | 'stale' | 'skipped' | 'failed';

export interface TimerFiring {
  readonly owner: string;
  readonly store: Pick<Store, 'timers'>;
  readonly clock: Clock;
  readonly logger: SchedulerLogger;
  readonly retryBackoffMs: (attempt: number) => number;
  /**
   * Claims and fires one timer. A throwing firing is recorded on the row
   * (`fail`, retried from `now + retryBackoffMs(attempt)`) and then, with
   * `rethrow`, thrown again (for a queue that retries); otherwise it is `failed`.
   */
  fire(timer: TimerRef, opts?: { attempt?: number; rethrow?: boolean }): Promise<FiringResult>;
  stats(): SchedulerStats;
}

/** 2^attempt seconds, at most ten minutes. */
export function defaultRetryBackoffMs(attempt: number): number {
  return Math.min(2 ** attempt * 1000, 10 * 60_000);
}

/** `hostname:pid:random`, unique per scheduler object. */
export function defaultOwner(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

const silentLogger: SchedulerLogger = { warn: () => {}, error: () => {} };

export function createTimerFiring(options: TimerFiringOptions): TimerFiring {
  const { engine } = options;
  const store = options.store ?? engine.store;
  const clock = options.clock ?? engine.clock;
  const owner = options.owner ?? defaultOwner();
  const leaseMs = options.leaseMs ?? 30_000;
  const retryBackoffMs = options.retryBackoffMs ?? defaultRetryBackoffMs;
  const logger = options.logger ?? silentLogger;
  const window = Math.max(1, options.latenessSamples ?? 10_000);
  const counts = { fired: 0, duplicates: 0, stale: 0, failures: 0, skipped: 0 };
  // A ring buffer: a long-running process keeps the latest window, not every sample.
  const lateness: number[] = [];
  let next = 0;

  function sample(ms: number): void {
    if (lateness.length < window) lateness.push(ms);
    else lateness[next] = ms;
    next = (next + 1) % window;
  }

  return {
    owner,
    store,
    clock,
    logger,
    retryBackoffMs,
    async fire(timer, opts = {}) {
      const now = clock.now();
      const claimed = await store.timers.claim(timer.timerKey, owner, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString());
      if (!claimed) {
        counts.skipped++;
        return 'skipped';
      }
      try {
        const { outcome } = await engine.fireTimer(timer);
        if (outcome === 'fired') {
          counts.fired++;
          sample(clock.now().getTime() - Date.parse(timer.dueAt));
        } else if (outcome === 'duplicate') counts.duplicates++;
        else counts.stale++;
        return outcome;
      } catch (err) {
        counts.failures++;
        const attempt = opts.attempt ?? 1;
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        const retryAt = new Date(clock.now().getTime() + retryBackoffMs(attempt)).toISOString();
        logger.error('timer firing failed', { timerKey: timer.timerKey, caseId: timer.caseId, attempt, retryAt, error: message });
        try {
          await store.timers.fail(timer.timerKey, owner, message, retryAt);
        } catch (failErr) {
          // The claim then simply expires after leaseMs and the row is taken again.
          logger.error('recording a timer failure failed', { timerKey: timer.timerKey, error: String(failErr) });
        }
        if (opts.rethrow) throw err;
        return 'failed';
      }
    },
    stats() {
      const ordered = lateness.length < window ? [...lateness] : [...lateness.slice(next), ...lateness.slice(0, next)];
      return { ...counts, latenessMs: ordered };
    },
  };
}

export interface DrainOptions {
  /** Rows due at or before this instant are fired (the sweep passes `now − grace`). */
  cutoff: () => Date;
  batchSize: number;
  /** How many cases fire at once; the timers of one case fire one after another, in due order. */
  concurrency: number;
  /** Checked between batches, so `stop()` need not wait for a long backlog. */
  stopped?: () => boolean;
}

/**
 * Fires every claimable row due before the cut-off, batch after batch, until a
 * batch makes no progress (every row lost to another process or failed).
 * Firing can arm new timers that are due at once (an escalation of a deadline
 * long past), so it lists again rather than stopping after one batch.
 * Resolves to the number of timers that fired.
 */
export async function drainDue(firing: TimerFiring, opts: DrainOptions): Promise<number> {
  let fired = 0;
  while (!opts.stopped?.()) {
    const rows = await firing.store.timers.listDue(opts.cutoff().toISOString(), opts.batchSize);
    if (rows.length === 0) break;
    const results = await fireByCase(firing, rows, opts.concurrency);
    fired += results.filter((r) => r === 'fired').length;
    if (!results.some((r) => r === 'fired' || r === 'duplicate' || r === 'stale')) break;
  }
  return fired;
}

/** Fires rows grouped by case: cases in parallel (up to `concurrency`), each case's rows in order. */
async function fireByCase(firing: TimerFiring, rows: TimerRecord[], concurrency: number): Promise<FiringResult[]> {
  const byCase = new Map<string, TimerRecord[]>();
  for (const row of rows) {
    const list = byCase.get(row.caseId);
    if (list) list.push(row);
    else byCase.set(row.caseId, [row]);
  }
  const groups = [...byCase.values()];
  const results: FiringResult[] = [];
  let nextGroup = 0;
  async function lane(): Promise<void> {
    for (let g = groups[nextGroup++]; g; g = groups[nextGroup++]) {
      for (const row of g) results.push(await firing.fire(row, { attempt: row.attempts + 1 }));
    }
  }
  // allSettled: a lane that throws (the database went away) must not leave the others running behind the caller's back.
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, groups.length)) }, lane));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}
