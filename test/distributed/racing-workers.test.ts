/**
 * Two `duban worker` processes started together on a backlog: every timer of
 * a few dozen cases is already due when they start, and each firing sets the
 * next timer of its case (the second reminder, then the escalations), also
 * already due. Per case the timers fire in due order — both reminders before
 * the due time, the due time before the escalations — and none is lost: a
 * reminder fired after its due time would be stale and never recorded.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../support/cluster.js';
import { drillLadderWorkflow } from '../support/drill-workflow.js';
import { waitFor } from '../support/processes.js';
import { postgresAvailableForSuite, redisAvailableForSuite } from '../support/services.js';
import { openDrillCases, pending, RECIPIENT, sentMails } from './support.js';

const enabled = (await postgresAvailableForSuite()) && (await redisAvailableForSuite());
const CASES = 30;

describe.skipIf(!enabled)('two workers racing on one backlog', () => {
  it('fires each case\'s timers once each, in due order', async () => {
    const cluster = await startCluster({ workflows: [drillLadderWorkflow] });
    onTestFinished(() => cluster.close());
    const serve = await cluster.serve();
    // Due once every case is open (the reminders still ahead then), escalations after: all of it past before a worker runs.
    const dueAt = new Date(Date.now() + 15_000);
    const ids = await openDrillCases(cluster, serve, CASES, () => dueAt, { workflowId: 'drill-ladder' });
    await waitFor('the escalations to be due too', () => Date.now() > dueAt.getTime() + 2_500, { timeoutMs: 30_000 });
    const [backlog] = await cluster.db!.query<{ n: string }>('SELECT count(*) AS n FROM timers');
    expect(Number(backlog!.n), 'a reminder and the due time per case wait').toBe(CASES * 2);

    await Promise.all([cluster.worker('worker-1'), cluster.worker('worker-2')]);
    await waitFor('every case closed by its last escalation', async () => {
      const [open] = await cluster.db!.query<{ n: string }>(`SELECT count(*) AS n FROM cases WHERE status <> 'done'`);
      const p = await pending(cluster);
      return Number(open!.n) === 0 && p.timers === 0 && p.outbox === 0;
    }, { timeoutMs: 90_000, intervalMs: 200 });

    const rows = await cluster.db!.query<{ case_id: string; type: string; payload: unknown }>(`SELECT case_id, type, payload FROM case_events WHERE type LIKE 'deadline.%' ORDER BY case_id, seq`);
    const byCase = new Map<string, string[]>();
    for (const r of rows) {
      const p = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { index: number };
      byCase.set(r.case_id, [...(byCase.get(r.case_id) ?? []), `${r.type}#${p.index}`]);
    }
    for (const id of ids) expect(byCase.get(id), id).toEqual(['deadline.remind#0', 'deadline.remind#1', 'deadline.due#0', 'deadline.escalate#0', 'deadline.escalate#1']);

    // The due time's mail, once per case.
    const sent = await sentMails(cluster);
    expect(sent).toHaveLength(CASES);
    expect(new Set(sent.map((k) => k.split('/')[0])).size).toBe(CASES);
    expect(sent.every((k) => k.endsWith(` → ${RECIPIENT}`))).toBe(true);
    expect(cluster.smtp.duplicates()).toEqual([]);
    expect(cluster.smtp.total()).toBe(CASES);
  }, 420_000);
});
