/**
 * The one runtime of every background loop (DESIGN §5, §6): the polling
 * timer scheduler, the outbox dispatcher and its acknowledgement sweep, the
 * BullMQ backstop sweeps and the anchor loop each describe their work as
 * lanes, and the poller runs them.
 *
 * A lane is a `drain` (do everything due now, checking `stopped()` between
 * batches) and optionally a `nextDueAt` (when the next work falls due). After
 * a drain the lane sleeps until that time or its interval, whichever is
 * sooner; `wake` brings the next drain forward (a commit of this process that
 * armed something due earlier). A drain that throws is logged and tried again
 * after a back-off that grows with each failure in a row; a success resets it.
 *
 * Lanes of one poller run independently; one lane never drains twice at
 * once (`run` shares that exclusion, for `runDue`-style calls). `start()`
 * resolves after the first drain of every lane (work that fell due while the
 * process was down is caught up before it resolves); `stop()` waits for the
 * drains in flight. Sleeps are measured on the poller's clock: on a manual
 * clock a lane wakes when the test moves the clock past its wake time, never
 * by itself.
 */
import type { Clock } from '../ports.js';
import { isManualClock } from './clocks.js';

/** What a drain is told. */
export interface DrainSignal {
  /** True once `stop()` was called: finish the batch in hand and return. */
  stopped(): boolean;
}

/** One loop of a poller. */
export interface PollerLane {
  /** Names the lane in logs and in `wake`. */
  name: string;
  /** Does the work due now. */
  drain(signal: DrainSignal): Promise<unknown>;
  /** When the next work falls due (ms since the epoch, or an ISO instant); undefined when none is known. */
  nextDueAt?(now: Date): Promise<number | string | undefined>;
  /** Longest sleep between two drains (default the poller's `intervalMs`). */
  intervalMs?: number | undefined;
}

/** Where a poller reports what it cannot throw to anyone. */
export interface PollerLogger {
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface PollerOptions {
  /** Names the poller in logs. */
  name: string;
  /** The clock due times are on (default the system clock). */
  clock?: Clock | undefined;
  lanes: readonly PollerLane[];
  /** Longest sleep of a lane (default 1 s). */
  intervalMs?: number | undefined;
  /** Wait after the `failures`-th failed drain in a row (default 1 s doubling, at most 1 min). */
  backoffMs?: ((failures: number) => number) | undefined;
  logger?: PollerLogger | undefined;
}

/** A running set of lanes. */
export interface Poller {
  /** Drains every lane once (catch-up), then keeps them running. Never throws: a failing first drain backs off. */
  start(): Promise<void>;
  /** Brings a lane's next drain forward to `at` (ms, default now); every lane when `lane` is omitted. */
  wake(lane?: string, at?: number): void;
  /** Runs `fn` exclusively with the drains of `lane` (a `runDue` call must not overlap a drain). */
  run<T>(lane: string, fn: () => Promise<T>): Promise<T>;
  /** Stops waking the lanes and waits for the drains in flight. */
  stop(): Promise<void>;
  /** Resolves once no lane is draining and none is due to drain at the clock's current time (tests). */
  idle(): Promise<void>;
  /** Failed drains in a row of a lane (0 after a success). */
  failures(lane: string): number;
  readonly running: boolean;
}

/** 1 s doubling, at most a minute. */
export function defaultPollerBackoffMs(failures: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), 60_000);
}

const systemClock: Clock = { now: () => new Date() };

/**
 * Calls `fn` once the clock reads `at` or later: a real timer on a real clock
 * (re-armed when it fires early), the clock's changes on a manual clock.
 * Returns a cancel function.
 */
export function atClockTime(clock: Clock, at: number, fn: () => void): () => void {
  let done = false;
  let release = (): void => {};
  const fire = () => {
    if (done) return;
    done = true;
    release();
    fn();
  };
  if (isManualClock(clock)) {
    let immediate: NodeJS.Immediate | undefined;
    const check = () => {
      if (!done && clock.now().getTime() >= at) immediate ??= setImmediate(fire);
    };
    const unsubscribe = clock.onChange(check);
    release = () => {
      unsubscribe();
      if (immediate) clearImmediate(immediate);
    };
    check();
  } else {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      const wait = at - clock.now().getTime();
      timer = setTimeout(() => {
        if (clock.now().getTime() >= at) fire();
        else arm();
      }, wait <= 0 ? 0 : Math.min(Math.ceil(wait), 2 ** 31 - 1));
    };
    release = () => {
      if (timer) clearTimeout(timer);
    };
    arm();
  }
  return () => {
    done = true;
    release();
  };
}

interface LaneState {
  lane: PollerLane;
  /** Clock time of the scheduled drain; undefined while draining or stopped. */
  wakeAt: number | undefined;
  cancelWake: (() => void) | undefined;
  /** The drain in flight. */
  draining: Promise<void> | undefined;
  /** The earliest wake asked for while the drain ran (its next-due read may predate that commit). */
  wokenDuring: number;
  failures: number;
  /** No drain before this clock time (back-off after a failure). */
  notBefore: number;
  /** Drains and `run` calls of this lane, one after another. */
  queue: Promise<unknown>;
}

/**
 * Creates a poller. Nothing runs until `start()`.
 *
 * @example
 * const poller = createPoller({ name: 'outbox', clock, lanes: [{ name: 'deliveries', drain: () => deliverDue(), nextDueAt: (now) => outbox.nextDueAt(now.toISOString()) }] });
 * await poller.start();
 * // a commit enqueued a row
 * poller.wake('deliveries');
 * // … on shutdown
 * await poller.stop();
 */
export function createPoller(options: PollerOptions): Poller {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 1000;
  const backoffMs = options.backoffMs ?? defaultPollerBackoffMs;
  const logger = options.logger ?? { error: () => {} };
  const states = new Map<string, LaneState>();
  for (const lane of options.lanes) {
    if (states.has(lane.name)) throw new Error(`poller ${options.name}: lane ${lane.name} appears twice`);
    states.set(lane.name, { lane, wakeAt: undefined, cancelWake: undefined, draining: undefined, wokenDuring: Infinity, failures: 0, notBefore: -Infinity, queue: Promise.resolve() });
  }
  let running = false;
  const signal: DrainSignal = { stopped: () => !running };

  function stateOf(name: string): LaneState {
    const st = states.get(name);
    if (!st) throw new Error(`poller ${options.name} has no lane ${name}`);
    return st;
  }

  function exclusive<T>(st: LaneState, fn: () => Promise<T>): Promise<T> {
    const p = st.queue.then(fn, fn);
    st.queue = p.catch(() => {});
    return p;
  }

  function schedule(st: LaneState, at: number): void {
    if (!running) return;
    const target = Math.max(at, st.notBefore);
    if (st.draining) {
      st.wokenDuring = Math.min(st.wokenDuring, target);
      return;
    }
    if (st.wakeAt !== undefined && st.wakeAt <= target) return;
    st.cancelWake?.();
    st.wakeAt = target;
    st.cancelWake = atClockTime(clock, target, () => {
      st.cancelWake = undefined;
      void drainLane(st);
    });
  }

  function drainLane(st: LaneState): Promise<void> {
    if (st.draining) return st.draining;
    st.cancelWake?.();
    st.cancelWake = undefined;
    st.wakeAt = undefined;
    st.wokenDuring = Infinity;
    const p = (async () => {
      let next: number;
      try {
        await exclusive(st, () => st.lane.drain(signal));
        st.failures = 0;
        st.notBefore = -Infinity;
        const now = clock.now();
        next = now.getTime() + (st.lane.intervalMs ?? intervalMs);
        if (running && st.lane.nextDueAt) {
          const at = await st.lane.nextDueAt(now);
          if (at !== undefined) next = Math.min(next, typeof at === 'number' ? at : Date.parse(at));
        }
      } catch (err) {
        st.failures++;
        const wait = backoffMs(st.failures);
        st.notBefore = clock.now().getTime() + wait;
        next = st.notBefore;
        logger.error(`${options.name}: ${st.lane.name} failed`, { failures: st.failures, retryInMs: wait, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
      return Math.min(next, st.wokenDuring);
    })().then((next) => {
      st.draining = undefined;
      schedule(st, next);
    });
    st.draining = p;
    return p;
  }

  return {
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      running = true;
      await Promise.all([...states.values()].map((st) => drainLane(st)));
    },
    wake(lane, at) {
      if (!running) return;
      const when = at ?? clock.now().getTime();
      for (const st of lane === undefined ? states.values() : [stateOf(lane)]) schedule(st, when);
    },
    run: (lane, fn) => exclusive(stateOf(lane), fn),
    async stop() {
      running = false;
      for (const st of states.values()) {
        st.cancelWake?.();
        st.cancelWake = undefined;
        st.wakeAt = undefined;
      }
      await Promise.all([...states.values()].map(async (st) => {
        await st.draining;
        await exclusive(st, async () => {});
      }));
    },
    async idle() {
      for (;;) {
        const now = clock.now().getTime();
        const busy = [...states.values()].filter((st) => st.draining || (st.wakeAt !== undefined && st.wakeAt <= now));
        if (busy.length === 0) {
          // A wake whose immediate has not run yet shows as wakeAt <= now above; one more turn settles callbacks in flight.
          await new Promise((resolve) => setImmediate(resolve));
          const settled = [...states.values()].every((st) => !st.draining && (st.wakeAt === undefined || st.wakeAt > clock.now().getTime()));
          if (settled) return;
          continue;
        }
        await Promise.all(busy.map((st) => st.draining ?? new Promise((resolve) => setImmediate(resolve))));
      }
    },
    failures: (lane) => stateOf(lane).failures,
  };
}

/**
 * Runs `fn` over `items` in at most `lanes` concurrent lanes, each taking the
 * next item when it is done with one. Every lane is waited for before the
 * first failure (if any) is thrown, so nothing runs behind the caller's back.
 */
export async function inLanes<T>(items: readonly T[], lanes: number, fn: (item: T) => Promise<void>, stopped?: () => boolean): Promise<void> {
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length && !stopped?.()) await fn(items[next++]!);
  }
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, lane));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
