/**
 * kill -9 of a `duban worker` while timers fall due and mails go out: after a
 * new worker starts, every timer has fired exactly once (one event of each
 * kind per case, in the database) and every mail arrived exactly once (the
 * SMTP server's count per notification and recipient equals the database's
 * record of sent deliveries, one per notification).
 *
 * One window is beyond any sender: the SMTP server accepted a message and the
 * worker died before recording it. The next worker sends it again, with the
 * same Message-ID (derived from the notification), which mail systems fold.
 * The test lets such a repeat through only for a mail that was in flight at
 * the kill (at most the worker's concurrency) and only with one Message-ID.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../support/cluster.js';
import { drillWorkflow } from '../support/drill-workflow.js';
import { waitFor } from '../support/processes.js';
import { postgresAvailableForSuite, redisAvailableForSuite } from '../support/services.js';
import { openDrillCases, pending, RECIPIENT, sentMails, timerCounts } from './support.js';

const enabled = (await postgresAvailableForSuite()) && (await redisAvailableForSuite());
const CASES = 40;

describe.skipIf(!enabled)('a worker killed mid-work', () => {
  it('fires every timer once and sends every mail once after a new worker takes over', async () => {
    // A short lease and sweep: the dead worker's claims run out in seconds, and the sweep fires what its jobs held.
    const cluster = await startCluster({ workflows: [drillWorkflow], env: { DUBAN_CLAIM_LEASE: '4s', DUBAN_SWEEP_INTERVAL: '1s', DUBAN_SWEEP_GRACE: '2s' } });
    onTestFinished(() => cluster.close());
    const [serve, first] = await Promise.all([cluster.serve(), cluster.worker('worker-1')]);
    const start = Date.now() + 4_000;
    // Due instants spread over eight seconds: firing and sending are under way whenever the kill lands.
    const ids = await openDrillCases(cluster, serve, CASES, (i) => new Date(start + i * 200));

    // The kill lands when a third of the timers fired, wherever each mail then is.
    await waitFor('a third of the timers to fire', async () => {
      const [r] = await cluster.db!.query<{ n: string }>(`SELECT count(*) AS n FROM case_events WHERE type LIKE 'deadline.%'`);
      return Number(r!.n) >= (CASES * 2) / 3;
    }, { timeoutMs: 60_000, intervalMs: 20 });
    await first.kill9();
    const arrivedBefore = new Map(cluster.smtp.arrivals);
    const before = await pending(cluster);
    expect(before.timers + before.outbox, 'work left for the next worker').toBeGreaterThan(0);

    await cluster.worker('worker-2');
    await waitFor('every timer fired and every mail sent', async () => {
      const p = await pending(cluster);
      return p.timers === 0 && p.outbox === 0 && cluster.smtp.total() >= CASES * 2 ? p : undefined;
    }, { timeoutMs: 90_000, intervalMs: 200 });

    const counts = await timerCounts(cluster);
    expect(counts.size).toBe(CASES);
    for (const id of ids) expect(counts.get(id), id).toEqual({ remind: 1, due: 1, escalate: 0, status: 'done' });

    const sent = await sentMails(cluster);
    expect(sent).toHaveLength(CASES * 2);
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent.every((k) => k.endsWith(` → ${RECIPIENT}`))).toBe(true);
    // The SMTP server saw exactly what the database says was sent.
    expect([...cluster.smtp.arrivals.keys()].sort()).toEqual([...sent].sort());
    // Each once, but for a mail in flight at the kill: sent again under its own Message-ID.
    const repeated = [...cluster.smtp.arrivals].filter(([, n]) => n > 1);
    for (const [key, n] of repeated) {
      expect(n, key).toBe(2);
      expect(arrivedBefore.get(key), `${key} had arrived before the kill`).toBe(1);
      expect(cluster.smtp.messageIds.get(key)?.size, `${key} repeated under one Message-ID`).toBe(1);
    }
    expect(repeated.length, 'mails in flight at the kill (the worker sends 8 at once)').toBeLessThanOrEqual(8);
    expect(cluster.smtp.total()).toBe(CASES * 2 + repeated.length);
    if (repeated.length > 0) console.info(`worker crash: ${repeated.length} mail(s) in flight at the kill were sent again (same Message-ID)`);
  }, 420_000);
});
