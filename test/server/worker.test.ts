/**
 * The worker's acknowledgement sweep: it escalates when the earliest warning
 * falls due (not only at its poll interval), keeps going after a failed
 * sweep, and stops cleanly.
 */
import { describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../notifications/index.js';
import { createAckSweeper } from '../../server/worker.js';
import { type OutboxStore } from '../../notifications/outbox-ports.js';

describe('createAckSweeper', () => {
  it('sweeps at the next due time, survives a failing sweep, and stops', async () => {
    let sweeps = 0;
    const errors: string[] = [];
    const dispatcher = { sweepAcks: async () => (++sweeps === 2 ? Promise.reject(new Error('db down')) : 0) } as unknown as Dispatcher;
    // A warning always falls due 20 ms from now: far sooner than the 10 s interval.
    const outbox = { acks: { nextDueAt: async () => new Date(Date.now() + 20).toISOString() } } as unknown as OutboxStore;
    const sweeper = createAckSweeper({ dispatcher, outbox, now: () => new Date(), intervalMs: 10_000, logger: { warn: () => {}, error: (m) => void errors.push(m) } });
    sweeper.start();
    await new Promise((r) => setTimeout(r, 300));
    await sweeper.stop();
    const after = sweeps;
    expect(after).toBeGreaterThanOrEqual(4);
    expect(errors).toEqual(['acknowledgement sweep failed']);
    await new Promise((r) => setTimeout(r, 100));
    expect(sweeps).toBe(after);
  });
});
