/**
 * kill -9 of a `duban serve` during a stream of events from several clients.
 * Each client sends its events one after another, each with an
 * Idempotency-Key of its own, and retries an unanswered or refused-as-
 * unavailable request with the same key on another server. After the killed
 * server is restarted: every event a client was answered for is in the
 * history exactly once, nothing else is, and `duban audit verify` passes.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../support/cluster.js';
import { drillWorkflow } from '../support/drill-workflow.js';
import { waitFor } from '../support/processes.js';
import { postgresAvailableForSuite, redisAvailableForSuite } from '../support/services.js';
import { openDrillCases, streamClient } from './support.js';

const enabled = (await postgresAvailableForSuite()) && (await redisAvailableForSuite());
const CLIENTS = 6;
const EVENTS_PER_CLIENT = 30;

describe.skipIf(!enabled)('a serve process killed mid-stream', () => {
  it('keeps every acknowledged event exactly once, and the chains verify', async () => {
    const cluster = await startCluster({ workflows: [drillWorkflow] });
    onTestFinished(() => cluster.close());
    const [a, b] = await Promise.all([cluster.serve('serve-a'), cluster.serve('serve-b')]);
    // Far-off due dates: only the clients write to these cases.
    const cases = await openDrillCases(cluster, a, CLIENTS / 2, () => new Date(Date.now() + 86_400_000));
    let servers = [a, b];
    const acked = new Map<string, boolean>();
    let failed: unknown;
    const stream = Promise.all(Array.from({ length: CLIENTS }, (_, c) => streamClient(cluster, () => servers, cases[c % cases.length]!, `client${c}`, EVENTS_PER_CLIENT, acked)));
    stream.catch((err: unknown) => (failed = err));

    await waitFor('a third of the events to be answered', () => {
      if (failed) throw failed;
      return acked.size >= (CLIENTS * EVENTS_PER_CLIENT) / 3;
    }, { timeoutMs: 60_000, intervalMs: 5 });
    await a.kill9();
    servers = [b];
    const restarted = await cluster.serve('serve-a2');
    servers = [b, restarted];
    const retries = (await stream).reduce((x, y) => x + y, 0);

    expect(acked.size).toBe(CLIENTS * EVENTS_PER_CLIENT);
    const rows = await cluster.db!.query<{ case_id: string; idempotency_key: string; payload: unknown }>(`SELECT case_id, idempotency_key, payload FROM case_events WHERE type = 'note' ORDER BY case_id, seq`);
    const keys = rows.map((r) => r.idempotency_key);
    expect(keys.length, 'no event twice').toBe(new Set(keys).size);
    expect(new Set(keys)).toEqual(new Set(acked.keys()));
    // Each event landed on its client's case, with its own payload.
    for (const r of rows) {
      const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { client: string; n: number };
      expect(r.idempotency_key).toBe(`${payload.client}-${payload.n}`);
      expect(r.case_id).toBe(cases[Number(payload.client.slice('client'.length)) % cases.length]);
    }
    // The restarted server reads the same histories.
    for (const id of cases) {
      const history = await cluster.api(restarted, 'inspector', 'GET', `/api/v1/cases/${id}/history`);
      expect(history.body.items.filter((e: { type: string }) => e.type === 'note')).toHaveLength((CLIENTS / cases.length) * EVENTS_PER_CLIENT);
    }
    const verify = await cluster.cli(['audit', 'verify', '--no-progress']);
    expect(verify.stdout).toContain('✓ every hash chain and replay matches');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    console.info(`serve crash: ${retries} retried request(s), ${[...acked.values()].filter(Boolean).length} answered as duplicates of a commit the killed server made`);
  }, 420_000);
});
