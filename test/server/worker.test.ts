/**
 * The worker's acknowledgement sweep, on a manual clock: it sweeps at start,
 * again when the earliest warning falls due (not only at its interval), backs
 * off after a failed sweep, and sweeps no more once stopped.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../engine/index.js';
import { createAckSweeper } from '../../server/worker.js';

const T0 = Date.parse('2026-03-02T02:00:00.000Z');

describe('createAckSweeper', () => {
  it('sweeps at start and at the next due time, backs off after a failing sweep, and stops', async () => {
    const clock = createManualClock(new Date(T0));
    let sweeps = 0;
    let fail = false;
    let due: number | undefined = T0 + 20_000;
    const errors: string[] = [];
    const dispatcher = {
      sweepAcks: async () => {
        sweeps++;
        if (fail) throw new Error('db down');
        if (due !== undefined && clock.now().getTime() >= due) due = undefined; // escalated
        return 0;
      },
    };
    const outbox = { acks: { nextDueAt: async () => (due === undefined ? undefined : new Date(due).toISOString()) } };
    const sweeper = createAckSweeper({ dispatcher, outbox, clock, intervalMs: 60_000, backoffMs: (failures) => failures * 5_000, logger: { warn: () => {}, error: (m) => void errors.push(m) } });
    const idle = () => sweeper.poller.idle();

    await sweeper.start();
    expect(sweeps).toBe(1); // catch-up at start
    clock.advance(19_999);
    await idle();
    expect(sweeps).toBe(1);
    clock.advance(1); // the warning falls due, long before the interval
    await idle();
    expect(sweeps).toBe(2);

    fail = true;
    clock.advance(60_000); // the interval
    await idle();
    expect(sweeps).toBe(3);
    expect(errors).toEqual(['acknowledgement sweep: warnings failed']);
    clock.advance(4_999);
    await idle();
    expect(sweeps).toBe(3);
    clock.advance(1); // first back-off: 5 s
    await idle();
    expect(sweeps).toBe(4);
    fail = false;
    clock.advance(9_999);
    await idle();
    expect(sweeps).toBe(4);
    clock.advance(1); // second back-off: 10 s
    await idle();
    expect(sweeps).toBe(5);
    expect(sweeper.poller.failures('warnings')).toBe(0);

    await sweeper.stop();
    clock.advance(3_600_000);
    await idle();
    expect(sweeps).toBe(5);
  });
});
