/**
 * The poller every background loop runs on, on a manual clock: lanes sleep
 * until their next due time or interval, `wake` brings a drain forward, a
 * failing lane backs off without holding the others, `run` never overlaps a
 * drain of its lane, and `stop` waits for the drains in flight.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock, createPoller, inLanes } from '../../../engine/index.js';

const T0 = Date.parse('2026-01-05T01:00:00.000Z');

describe('poller', () => {
  it('drains each lane at start, then at its next due time or its interval, whichever is sooner', async () => {
    const clock = createManualClock(new Date(T0));
    const drains = { a: 0, b: 0 };
    let dueA: number | undefined = T0 + 300;
    const poller = createPoller({
      name: 'test',
      clock,
      intervalMs: 1_000,
      lanes: [
        { name: 'a', drain: async () => void drains.a++, nextDueAt: async (now) => (dueA !== undefined && dueA > now.getTime() ? dueA : undefined) },
        { name: 'b', drain: async () => void drains.b++, intervalMs: 5_000 },
      ],
    });
    await poller.start();
    expect(drains).toEqual({ a: 1, b: 1 });
    clock.advance(299);
    await poller.idle();
    expect(drains).toEqual({ a: 1, b: 1 });
    clock.advance(1);
    await poller.idle();
    expect(drains).toEqual({ a: 2, b: 1 });
    dueA = undefined;
    clock.advance(1_000);
    await poller.idle();
    expect(drains).toEqual({ a: 3, b: 1 });
    clock.advance(3_700); // T0 + 5 s: lane b's interval
    await poller.idle();
    expect(drains.b).toBe(2);
    await poller.stop();
  });

  it('wakes a lane early, and a wake while it drains runs it once more after', async () => {
    const clock = createManualClock(new Date(T0));
    let drains = 0;
    let hold: Promise<void> | undefined;
    const poller = createPoller({ name: 'test', clock, intervalMs: 60_000, lanes: [{ name: 'a', drain: async () => void (drains++, await hold) }] });
    await poller.start();
    poller.wake('a', T0 + 500);
    clock.advance(499);
    await poller.idle();
    expect(drains).toBe(1);
    clock.advance(1);
    await poller.idle();
    expect(drains).toBe(2);
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    poller.wake('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(drains).toBe(3); // draining, held
    poller.wake('a'); // during the drain: one more drain after it
    poller.wake('a');
    hold = undefined;
    release();
    await poller.idle();
    expect(drains).toBe(4);
    await poller.stop();
  });

  it('backs off a failing lane, growing with each failure, while the other lanes keep their rhythm', async () => {
    const clock = createManualClock(new Date(T0));
    let failing = 0;
    let healthy = 0;
    const errors: unknown[] = [];
    const poller = createPoller({
      name: 'test',
      clock,
      intervalMs: 1_000,
      backoffMs: (n) => n * 10_000,
      logger: { error: (message, fields) => void errors.push({ message, failures: fields?.failures }) },
      lanes: [
        {
          name: 'failing',
          async drain() {
            if (failing++ < 2) throw new Error('down');
          },
        },
        { name: 'healthy', drain: async () => void healthy++ },
      ],
    });
    await poller.start();
    expect([failing, healthy, poller.failures('failing')]).toEqual([1, 1, 1]);
    poller.wake('failing'); // a wake does not cut a back-off short
    for (let i = 0; i < 9; i++) {
      clock.advance(1_000);
      await poller.idle();
    }
    expect([failing, healthy]).toEqual([1, 10]);
    clock.advance(1_000);
    await poller.idle();
    expect([failing, poller.failures('failing')]).toEqual([2, 2]);
    clock.advance(19_999);
    await poller.idle();
    expect(failing).toBe(2);
    clock.advance(1);
    await poller.idle();
    expect([failing, poller.failures('failing')]).toEqual([3, 0]);
    expect(errors).toEqual([
      { message: 'test: failing failed', failures: 1 },
      { message: 'test: failing failed', failures: 2 },
    ]);
    await poller.stop();
  });

  it('runs a lane exclusively with `run`, and stop waits for the drain in flight', async () => {
    const clock = createManualClock(new Date(T0));
    const log: string[] = [];
    let release!: () => void;
    let hold: Promise<void> | undefined = undefined as Promise<void> | undefined;
    const poller = createPoller({
      name: 'test',
      clock,
      lanes: [
        {
          name: 'a',
          async drain() {
            log.push('drain');
            await hold;
            log.push('drained');
          },
        },
      ],
    });
    await poller.start();
    hold = new Promise((resolve) => (release = resolve));
    poller.wake('a');
    await new Promise((resolve) => setImmediate(resolve));
    const ran = poller.run('a', async () => void log.push('run'));
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect([log, stopped]).toEqual([['drain', 'drained', 'drain'], false]);
    release();
    await Promise.all([ran, stopping]);
    expect(log).toEqual(['drain', 'drained', 'drain', 'drained', 'run']);
    clock.advance(3_600_000);
    await poller.idle();
    expect(log).toHaveLength(5);
  });

  it('runs items in bounded lanes and rethrows the first failure after every lane ended', async () => {
    let active = 0;
    let most = 0;
    const done: number[] = [];
    await inLanes([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      most = Math.max(most, ++active);
      await new Promise((resolve) => setImmediate(resolve));
      done.push(n);
      active--;
    });
    expect([most, done.sort()]).toEqual([3, [1, 2, 3, 4, 5, 6, 7]]);
    const ended: number[] = [];
    await expect(
      inLanes([1, 2, 3], 3, async (n) => {
        if (n === 1) throw new Error('one');
        await new Promise((resolve) => setImmediate(resolve));
        ended.push(n);
      }),
    ).rejects.toThrow('one');
    expect(ended.sort()).toEqual([2, 3]);
  });
});
