/**
 * One conformance suite for every timer scheduler (the embedded polling one
 * and the BullMQ one), on a manual clock: each timer fires once with two
 * schedulers at work, in due order per case; what fell due while none ran is
 * caught up at start-up; a failing database is retried after a growing
 * back-off, not in a loop; `stop()` waits for the firing in flight and
 * nothing fires after it.
 *
 * Time moves only when a test moves the clock: a scheduler's poller wakes
 * when the clock passes its wake time, and `settle` waits until every woken
 * poller is idle again (and, for a queue, until no job waits or runs), so no
 * test sleeps and then asserts that nothing happened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, type Engine, type ManualClock, type Poller, type Scheduler, type TimerEngine, type TimerStore } from '../../../engine/index.js';
import type { FreshStore } from '../../support/stores.js';
import { clerk, timedWorkflows } from '../../support/timed-workflows.js';

const T0 = '2026-01-05T01:00:00.000Z'; // Monday 09:00 in Shanghai
/** Past the reminder, the due time and both escalations of a `timed` case opened at T0. */
const LATER = '2026-01-12T00:00:00.000Z';
const LADDER = ['case.created', 'deadline.remind', 'deadline.due', 'deadline.escalate', 'deadline.escalate'];

/** A scheduler with the poller it runs its loop on. */
export type PolledScheduler = Scheduler & { readonly poller: Poller };

export interface SchedulerMakeOptions {
  /** The timer rows to use instead of the engine's (a test makes them fail). */
  timers?: TimerStore;
  /** Back-off of the scheduler's poller after failed drains. */
  backoffMs?: (failures: number) => number;
  /** Rows claimed per statement. */
  batchSize?: number;
}

/** What the suite needs of an implementation. */
export interface SchedulerTarget {
  name: string;
  enabled: boolean;
  /** A fresh, migrated store of the dialect under test. */
  fresh(): Promise<FreshStore>;
  /** Whether two engines may share one store object (SQLite) rather than each opening its own (PostgreSQL). */
  shareStore: boolean;
  make(engine: TimerEngine, opts: SchedulerMakeOptions): PolledScheduler;
  /** Waits until the schedulers' pollers are idle and nothing else they started is pending. */
  settle(schedulers: PolledScheduler[]): Promise<void>;
  /** Per-test clean-up of the implementation (queues). */
  cleanup?(): Promise<void>;
}

/** An engine whose timer firings wait at a gate: `inside` resolves when the first one arrives, `release` opens the gate. */
function gate(engine: Engine): { engine: TimerEngine; inside: Promise<void>; release: () => void } {
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const gated: TimerEngine = {
    store: engine.store,
    clock: engine.clock,
    onCommit: (listener) => engine.onCommit(listener),
    async fireTimer(timer) {
      entered();
      await opened;
      return engine.fireTimer(timer);
    },
  };
  return { engine: gated, inside, release };
}

export function describeSchedulerConformance(target: SchedulerTarget): void {
  describe(`scheduler conformance: ${target.name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      while (cleanups.length) await cleanups.pop()!();
      await target.cleanup?.();
    });

    async function setup(): Promise<{ fresh: FreshStore; clock: ManualClock; engine: Engine; other: () => Promise<Engine> }> {
      const fresh = await target.fresh();
      cleanups.push(fresh.cleanup);
      const clock = createManualClock(T0);
      const engine = await createEngine({ store: fresh.store, clock, workflows: timedWorkflows });
      const other = async () => {
        const store = target.shareStore ? fresh.store : fresh.reopen();
        if (store !== fresh.store) cleanups.push(() => store.close());
        return createEngine({ store, clock, workflows: timedWorkflows });
      };
      return { fresh, clock, engine, other };
    }

    function make(engine: TimerEngine, opts: SchedulerMakeOptions = {}): PolledScheduler {
      const s = target.make(engine, opts);
      cleanups.push(() => s.stop());
      return s;
    }

    const types = async (engine: Engine, caseId: string) => (await engine.history(caseId)).map((e) => e.type);
    async function openCases(engine: Engine, n: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push((await engine.createCase({ workflowId: 'timed', org: 'district-a', actor: clerk })).case.id);
      return ids;
    }

    it.skipIf(!target.enabled)('fires each timer once, in due order per case, with two schedulers at work', { timeout: 60_000 }, async () => {
      const { clock, engine, other } = await setup();
      // One row per claim: the two schedulers take turns within each case, where a reminder could be overtaken.
      const schedulers = [make(engine, { batchSize: 1 }), make(await other(), { batchSize: 1 })];
      await Promise.all(schedulers.map((s) => s.start()));
      const ids = await openCases(engine, 6);
      clock.set(LATER);
      await target.settle(schedulers);
      for (const id of ids) expect(await types(engine, id)).toEqual(LADDER);
      const stats = schedulers.map((s) => s.stats());
      expect(stats[0]!.fired + stats[1]!.fired).toBe(ids.length * 4);
      expect(stats.map((st) => [st.failures, st.stale])).toEqual([
        [0, 0],
        [0, 0],
      ]);
      expect(await engine.store.timers.count()).toEqual({ pending: 0, firing: 0 });
    });

    it.skipIf(!target.enabled)('keeps a case in due order across schedulers: a late reminder held by one is not overtaken by its due time', { timeout: 30_000 }, async () => {
      const { clock, engine, other } = await setup();
      const held = gate(engine);
      const first = make(held.engine, { batchSize: 1 });
      await first.start();
      const [id] = await openCases(engine, 1);
      clock.set(LATER); // the reminder, the due time and both escalations are all overdue
      await held.inside; // the first scheduler fires the reminder, slowly
      const second = make(await other(), { batchSize: 1 });
      await second.start();
      await target.settle([second]);
      expect(await types(engine, id!)).toEqual(['case.created']); // the due time waits behind the reminder
      held.release();
      await target.settle([first, second]);
      expect(await types(engine, id!)).toEqual(LADDER);
      expect(first.stats().stale + second.stats().stale).toBe(0);
    });

    it.skipIf(!target.enabled)('catches up in due order when a late firing arms a reminder due before the rows claimed behind it', { timeout: 30_000 }, async () => {
      const { clock, engine } = await setup();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await engine.createCase({ workflowId: 'twice-reminded', org: 'district-a', actor: clerk })).case.id);
      // Both reminders and the due time are past; only the first reminder and the due time have rows, claimed together.
      clock.set(LATER);
      const s = make(engine);
      await s.start();
      await target.settle([s]);
      for (const id of ids) expect(await types(engine, id)).toEqual(['case.created', 'deadline.remind', 'deadline.remind', 'deadline.due']);
      expect(s.stats()).toMatchObject({ fired: 9, stale: 0, failures: 0 });
      expect(await engine.store.timers.count()).toEqual({ pending: 0, firing: 0 });
    });

    it.skipIf(!target.enabled)('catches up at start-up with what fell due while no scheduler ran', { timeout: 30_000 }, async () => {
      const { clock, engine } = await setup();
      const ids = await openCases(engine, 3);
      clock.set(LATER);
      const s = make(engine);
      await s.start();
      await target.settle([s]);
      for (const id of ids) expect(await types(engine, id)).toEqual(LADDER);
      expect(s.stats()).toMatchObject({ fired: 12, failures: 0 });
      expect(s.stats().latenessMs.every((ms) => ms > 0)).toBe(true);
    });

    it.skipIf(!target.enabled)('backs off after a failing database, longer after each failure, then fires', { timeout: 30_000 }, async () => {
      const { clock, engine } = await setup();
      const [id] = await openCases(engine, 1);
      clock.set(LATER);
      let claims = 0;
      const rows = engine.store.timers;
      const timers: TimerStore = {
        ...rows,
        claimDue: (...args) => (++claims <= 2 ? Promise.reject(new Error('database unreachable')) : rows.claimDue(...args)),
      };
      const s = make(engine, { timers, backoffMs: (failures) => failures * 10_000 });
      await s.start(); // the first drain fails; start() resolves all the same
      await target.settle([s]);
      expect(claims).toBe(1);
      clock.advance(9_999);
      await target.settle([s]);
      expect(claims).toBe(1);
      clock.advance(1);
      await target.settle([s]);
      expect(claims).toBe(2); // failed again: the next try waits twice as long
      clock.advance(19_999);
      await target.settle([s]);
      expect(claims).toBe(2);
      clock.advance(1);
      await target.settle([s]);
      expect(claims).toBeGreaterThan(2);
      expect(await types(engine, id!)).toEqual(LADDER);
    });

    it.skipIf(!target.enabled)('stops cleanly: waits for the firing in flight, and fires nothing after', { timeout: 30_000 }, async () => {
      const { clock, engine } = await setup();
      const [id] = await openCases(engine, 1);
      const held = gate(engine);
      const s = make(held.engine);
      await s.start();
      clock.set('2026-01-06T00:00:00.000Z'); // past the reminder only
      await held.inside;
      let stopped = false;
      const stopping = s.stop().then(() => (stopped = true));
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(stopped).toBe(false);
      held.release();
      await stopping;
      expect(await types(engine, id!)).toEqual(['case.created', 'deadline.remind']);
      clock.set(LATER);
      await s.poller.idle();
      expect(await types(engine, id!)).toEqual(['case.created', 'deadline.remind']);
      expect(s.stats()).toMatchObject({ fired: 1, failures: 0 });
    });
  });
}
