/**
 * Redis forgets: restarted (without persistence: it comes back empty) and,
 * separately, flushed, each while timers are falling due and mails are
 * queued. The rows in PostgreSQL are the truth: the workers' sweeps fire and
 * deliver what lost its job, and the claims keep a row from being fired or
 * sent twice. Every timer fires once, every mail arrives once.
 *
 * A private redis-server on a free port: the machine's shared Redis is never
 * restarted or flushed.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster, type Cluster } from '../support/cluster.js';
import { drillWorkflow } from '../support/drill-workflow.js';
import { startPrivateRedis } from '../support/fault-services.js';
import { waitFor, type DubanProcess } from '../support/processes.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { openDrillCases, pending, sentMails, timerCounts } from './support.js';

const enabled = await postgresAvailableForSuite();
const CASES = 24;

/** Opens a batch of cases falling due over five seconds, runs `fault` once a third of their timers fired, and waits for all of it. */
async function batch(cluster: Cluster, serve: DubanProcess, fault: () => Promise<void>): Promise<string[]> {
  const firedBefore = await firedCount(cluster);
  const start = Date.now() + 3_000;
  const ids = await openDrillCases(cluster, serve, CASES, (i) => new Date(start + i * 200));
  await waitFor('a third of the timers to fire', async () => (await firedCount(cluster)) - firedBefore >= (CASES * 2) / 3, { timeoutMs: 60_000, intervalMs: 20 });
  await fault();
  await waitFor('every timer fired and every mail sent', async () => {
    const p = await pending(cluster);
    return p.timers === 0 && p.outbox === 0 ? p : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  return ids;
}

async function firedCount(cluster: Cluster): Promise<number> {
  const [r] = await cluster.db!.query<{ n: string }>(`SELECT count(*) AS n FROM case_events WHERE type LIKE 'deadline.%'`);
  return Number(r!.n);
}

describe.skipIf(!enabled)('Redis restarted or flushed', () => {
  it('loses no timer and no mail, and repeats none', async () => {
    const redis = await startPrivateRedis();
    onTestFinished(() => redis.stop());
    // The sweep is the backstop for lost jobs: every second, for rows two seconds past due.
    const cluster = await startCluster({ workflows: [drillWorkflow], redisUrl: redis.url, env: { DUBAN_SWEEP_INTERVAL: '1s', DUBAN_SWEEP_GRACE: '2s' } });
    onTestFinished(() => cluster.close());
    const [serve] = await Promise.all([cluster.serve(), cluster.worker('worker-1'), cluster.worker('worker-2')]);

    const restarted = await batch(cluster, serve, async () => {
      expect(await redis.keys(), 'jobs waiting in Redis').toBeGreaterThan(0);
      await redis.restart();
      expect(await redis.keys(), 'a restarted Redis without persistence is empty').toBe(0);
    });
    const flushed = await batch(cluster, serve, async () => {
      expect(await redis.keys()).toBeGreaterThan(0);
      await redis.flush();
    });

    const counts = await timerCounts(cluster);
    for (const id of [...restarted, ...flushed]) expect(counts.get(id), id).toEqual({ remind: 1, due: 1, escalate: 0, status: 'done' });
    const sent = await sentMails(cluster);
    expect(sent).toHaveLength(CASES * 2 * 2);
    expect(cluster.smtp.duplicates()).toEqual([]);
    expect([...cluster.smtp.arrivals.keys()].sort()).toEqual([...sent].sort());
    expect(cluster.smtp.total()).toBe(CASES * 2 * 2);
    // Both processes are still the ones started: they reconnected, nobody restarted them.
    expect(cluster.processes.map((p) => [p.name, p.running]).sort()).toEqual([['serve-1', true], ['worker-1', true], ['worker-2', true]]);
  }, 420_000);
});
