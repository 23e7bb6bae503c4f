/**
 * PostgreSQL connections dropped under a running `duban serve`: every backend
 * of the server on this test's own database is terminated
 * (`pg_terminate_backend`) again and again while clients write. A request
 * whose transaction lost its connection is answered 503 `store_unavailable`
 * (retry it), never a bare 500; nothing of it is stored half (the chains and
 * replays verify, each case's version is its last event); a retry with the
 * same Idempotency-Key lands the event once; and the same process answers
 * normally afterwards (no restart).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../support/cluster.js';
import { drillWorkflow } from '../support/drill-workflow.js';
import { waitFor } from '../support/processes.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { openDrillCases } from './support.js';

const enabled = await postgresAvailableForSuite();
const CLIENTS = 4;
const EVENTS_PER_CLIENT = 40;

describe.skipIf(!enabled)('PostgreSQL connections dropped mid-transaction', () => {
  it('answers 503 store_unavailable, stores nothing half, and recovers without a restart', async () => {
    // Embedded timers and notifications off the path: a serve on PostgreSQL without Redis runs them itself, so use Redis.
    const cluster = await startCluster({ workflows: [drillWorkflow] });
    onTestFinished(() => cluster.close());
    const serve = await cluster.serve();
    const cases = await openDrillCases(cluster, serve, CLIENTS, () => new Date(Date.now() + 86_400_000));

    const refusals: { status: number; code: unknown }[] = [];
    const landed = new Set<string>();
    let stop = false;
    let terminated = 0;
    // Terminates the server's backends on this database (never anyone else's), as long as the clients write.
    const killer = (async () => {
      while (!stop) {
        const rows = await cluster.db!.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name NOT LIKE 'duban-test%' AND state IN ('active', 'idle in transaction')`,
          [cluster.db!.name],
        );
        terminated += rows.filter((r) => r.ok).length;
        // Often enough that many requests lose their connection, seldom enough that most get through.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const writing = Promise.all(cases.map(async (caseId, c) => {
      for (let n = 0; n < EVENTS_PER_CLIENT; n++) {
        const key = `client${c}-${n}`;
        for (let attempt = 0; ; attempt++) {
          const r = await cluster.api(serve, 'inspector', 'POST', `/api/v1/cases/${caseId}/events`, { type: 'note', payload: { client: `client${c}`, n } }, { 'idempotency-key': key });
          if (r.status === 200) {
            landed.add(key);
            break;
          }
          refusals.push({ status: r.status, code: r.body.error?.code });
          if (attempt > 50) throw new Error(`${key}: refused ${attempt} times: ${JSON.stringify(refusals.slice(-3))}`);
        }
      }
    }));
    try {
      await writing;
    } finally {
      stop = true;
      await killer;
    }

    expect(terminated, 'backends terminated under the server').toBeGreaterThan(0);
    expect(refusals.length, 'requests that lost their connection').toBeGreaterThan(0);
    // Every refusal is the retryable one, with its code; never a bare 500.
    expect(refusals.filter((r) => !(r.status === 503 && r.code === 'store_unavailable'))).toEqual([]);

    const rows = await cluster.db!.query<{ idempotency_key: string }>(`SELECT idempotency_key FROM case_events WHERE type = 'note'`);
    expect(rows).toHaveLength(CLIENTS * EVENTS_PER_CLIENT);
    expect(new Set(rows.map((r) => r.idempotency_key))).toEqual(landed);
    const versions = await cluster.db!.query<{ id: string; version: number; last: number }>(`SELECT c.id, c.version, (SELECT max(seq) FROM case_events e WHERE e.case_id = c.id) AS last FROM cases c`);
    for (const v of versions) expect(Number(v.version), v.id).toBe(Number(v.last));

    // The same process, not restarted, answers as before.
    expect(serve.running).toBe(true);
    const after = await waitFor('a normal answer', async () => {
      const r = await cluster.api(serve, 'inspector', 'POST', `/api/v1/cases/${cases[0]}/events`, { type: 'note', payload: { client: 'after', n: 0 } });
      return r.status === 200 ? r : undefined;
    }, { timeoutMs: 10_000 });
    expect(after?.body.duplicate).toBe(false);
    const verify = await cluster.cli(['audit', 'verify', '--no-progress']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    console.info(`postgres drop: ${terminated} backend(s) terminated, ${refusals.length} request(s) answered 503 store_unavailable`);
  }, 420_000);
});
