/**
 * What both schedulers share: claiming timer rows and firing them through the
 * engine, counting what happened, recording a failure with its retry time,
 * and draining every row due before a cut-off.
 *
 * Claims come first and are one conditional UPDATE per batch (`claimDue`) or
 * per job (`claimThrough`), so of two schedulers (or two copies of one queue
 * job) exactly one fires a row; the engine's idempotency key (the timer key)
 * makes even a firing repeated after a crash append one event.
 *
 * Order: a row is claimed only with every earlier row of its case, and a
 * case's claimed rows fire one after another in due order; when one fails the
 * rest of its case are given back and wait behind it. So a late reminder is
 * never overtaken by its deadline's due time, however many schedulers run.
 * A firing can arm a timer due before the rows still claimed behind it (the
 * next reminder, when the scheduler runs late): those rows are then given
 * back and claimed again with the new one, so it fires first.
 * Different cases fire concurrently (`concurrency` lanes), which lets the
 * engine commit their events together.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Effect } from '../core/effects.js';
import type { Clock, EventRecord, SchedulerStats, Store, TimerRecord } from '../ports.js';
import { inLanes } from './poller.js';

/** Earliest first, then by key: the order a case's timers fire in (the claim statements' order). */
export function byDue(a: Pick<TimerRef, 'dueAt' | 'timerKey'>, b: Pick<TimerRef, 'dueAt' | 'timerKey'>): number {
  return a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.timerKey < b.timerKey ? -1 : a.timerKey > b.timerKey ? 1 : 0;
}

/** The fields that identify a timer and say when it is due. */
export type TimerRef = Pick<TimerRecord, 'timerKey' | 'caseId' | 'kind' | 'deadlineKey' | 'index' | 'generation' | 'dueAt'>;

/** What a scheduler needs of the engine; `Engine` has all of it. */
export interface TimerEngine {
  readonly store: Pick<Store, 'timers'>;
  readonly clock: Clock;
  /** The effects of the step it committed (`fired`), among them the timers that step armed. */
  fireTimer(timer: Omit<TimerRef, 'dueAt'>): Promise<{ outcome: 'fired' | 'duplicate' | 'stale'; result?: { effects: Effect[] } }>;
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
  /** How long a claim holds. */
  readonly leaseMs: number;
  /**
   * Claims one timer with every earlier one of its case (`claimThrough`) and
   * fires them in due order (a queue job calls this). A throwing firing is
   * recorded on the row (`fail`, retried from `now + retryBackoffMs(attempt)`)
   * and then, with `rethrow`, thrown again (for a queue that retries);
   * otherwise it is `failed`. A timer held behind an earlier one of its case
   * that another process holds throws {@link TimerHeldError} with `rethrow`
   * (the queue tries again later) and is `skipped` otherwise.
   */
  fire(timer: TimerRef, opts?: { attempt?: number; rethrow?: boolean }): Promise<FiringResult>;
  /** Fires rows this scheduler claimed, grouped by case: cases in `concurrency` lanes, each case's rows in due order. */
  fireClaimed(rows: TimerRecord[], concurrency: number): Promise<FiringResult[]>;
  stats(): SchedulerStats;
}

/** A timer job found its row held by another process (or behind an earlier timer of its case that is): try again later. */
export class TimerHeldError extends Error {
  constructor(timerKey: string) {
    super(`timer ${timerKey} is held by another scheduler or waits behind an earlier timer of its case`);
    this.name = 'TimerHeldError';
  }
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

  /** Fires one claimed row; a failure is recorded on the row and reported as `failed` (or thrown with `rethrow`). `armed`: the timers its step set. */
  async function fireOne(timer: TimerRef, attempt: number, rethrow: boolean, armed?: TimerRef[]): Promise<FiringResult> {
    try {
      const { outcome, result } = await engine.fireTimer(timer);
      if (outcome === 'fired') {
        counts.fired++;
        sample(clock.now().getTime() - Date.parse(timer.dueAt));
        for (const e of result?.effects ?? []) if (e.type === 'set-timer') armed?.push({ timerKey: e.timerKey, caseId: timer.caseId, kind: e.kind, deadlineKey: e.deadlineKey, index: e.index, generation: e.generation, dueAt: e.dueAt });
      } else if (outcome === 'duplicate') counts.duplicates++;
      else counts.stale++;
      return outcome;
    } catch (err) {
      counts.failures++;
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const retryAt = new Date(clock.now().getTime() + retryBackoffMs(attempt)).toISOString();
      logger.error('timer firing failed', { timerKey: timer.timerKey, caseId: timer.caseId, attempt, retryAt, error: message });
      try {
        await store.timers.fail(timer.timerKey, owner, message, retryAt);
      } catch (failErr) {
        // The claim then simply expires after leaseMs and the row is taken again.
        logger.error('recording a timer failure failed', { timerKey: timer.timerKey, error: String(failErr) });
      }
      if (rethrow) throw err;
      return 'failed';
    }
  }

  /**
   * Fires one case's claimed rows in due order. After a failure the rest are given back, to wait behind it; so
   * are they when a firing armed a timer due before the next of them (`then`: the row after the last, the
   * job's own). True when every row fired and nothing new comes before `then`.
   */
  async function fireCase(rows: TimerRecord[], results: FiringResult[], then?: TimerRef): Promise<boolean> {
    for (const [i, row] of rows.entries()) {
      let result: FiringResult;
      const armed: TimerRef[] = [];
      try {
        result = await fireOne(row, row.attempts + 1, false, armed);
      } catch (err) {
        await releaseQuietly(rows.slice(i + 1));
        throw err;
      }
      results.push(result);
      if (result === 'failed') {
        await releaseQuietly(rows.slice(i + 1));
        return false;
      }
      const next = rows[i + 1] ?? then;
      if (next && armed.some((t) => byDue(t, next) < 0)) {
        await releaseQuietly(rows.slice(i + 1));
        return false;
      }
    }
    return true;
  }

  async function releaseQuietly(rows: TimerRecord[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await store.timers.release(rows.map((r) => r.timerKey), owner);
    } catch (err) {
      // Their claims expire after leaseMs instead.
      logger.error('giving back claimed timers failed', { timerKeys: rows.map((r) => r.timerKey), error: String(err) });
    }
  }

  return {
    owner,
    store,
    clock,
    logger,
    retryBackoffMs,
    leaseMs,
    async fire(timer, opts = {}) {
      const now = clock.now();
      const { rows, target } = await store.timers.claimThrough(timer.timerKey, now.toISOString(), owner, new Date(now.getTime() + leaseMs).toISOString());
      if (target !== 'claimed') {
        // Earlier rows of the case it did claim still fire, in order.
        const results: FiringResult[] = [];
        await fireCase(rows, results);
        counts.skipped++;
        if (target === 'held' && opts.rethrow) throw new TimerHeldError(timer.timerKey);
        return 'skipped';
      }
      const earlier = rows.filter((r) => r.timerKey !== timer.timerKey);
      const results: FiringResult[] = [];
      if (!(await fireCase(earlier, results, timer))) {
        // An earlier timer failed, or armed one due before this: it waits behind it (given back, tried again by the queue or the sweep).
        await releaseQuietly(rows.filter((r) => r.timerKey === timer.timerKey));
        counts.skipped++;
        if (opts.rethrow) throw new TimerHeldError(timer.timerKey);
        return 'skipped';
      }
      return fireOne(timer, opts.attempt ?? 1, opts.rethrow ?? false);
    },
    async fireClaimed(rows, concurrency) {
      const byCase = new Map<string, TimerRecord[]>();
      for (const row of rows) {
        const list = byCase.get(row.caseId);
        if (list) list.push(row);
        else byCase.set(row.caseId, [row]);
      }
      const results: FiringResult[] = [];
      await inLanes([...byCase.values()], concurrency, async (group) => {
        await fireCase(group, results);
      });
      return results;
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
 * Claims the rows due before the cut-off batch after batch (one statement per
 * batch) and fires each batch, until a claim comes back empty. Firing can arm
 * new timers that are due at once (an escalation of a deadline long past), so
 * it claims again rather than stopping after one batch. Resolves to the
 * number of timers that fired.
 */
export async function drainDue(firing: TimerFiring, opts: DrainOptions): Promise<number> {
  let fired = 0;
  while (!opts.stopped?.()) {
    const now = firing.clock.now();
    const rows = await firing.store.timers.claimDue(opts.cutoff().toISOString(), now.toISOString(), opts.batchSize, firing.owner, new Date(now.getTime() + firing.leaseMs).toISOString());
    if (rows.length === 0) break;
    const results = await firing.fireClaimed(rows, opts.concurrency);
    fired += results.filter((r) => r === 'fired').length;
  }
  return fired;
}
