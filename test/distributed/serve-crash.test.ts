/**
 * kill -9 of a `duban serve` during a stream of events from several clients.
 * Each client sends its events one after another, each with an
 * Idempotency-Key of its own, and retries an unanswered or refused-as-
 * unavailable request with the same key on another server. After the killed
 * server is restarted: every event a client was answered for is in the
 * history exactly once, nothing else is, and `duban audit verify` passes.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster, type ApiAnswer, type Cluster } from '../support/cluster.js';
import { drillWorkflow } from '../support/drill-workflow.js';
import { waitFor, type DubanProcess } from '../support/processes.js';
import { postgresAvailableForSuite, redisAvailableForSuite } from '../support/services.js';
import { openDrillCases } from './support.js';

const enabled = (await postgresAvailableForSuite()) && (await redisAvailableForSuite());
const CLIENTS = 6;
const EVENTS_PER_CLIENT = 30;

/** A client: sends `note` events n = 0.. to its case, retrying each on any live server until it is answered 200. */
async function client(cluster: Cluster, servers: () => DubanProcess[], caseId: string, name: string, acked: Map<string, boolean>): Promise<number> {
  let retries = 0;
  for (let n = 0; n < EVENTS_PER_CLIENT; n++) {
    const key = `${name}-${n}`;
    for (let attempt = 0; ; attempt++) {
      const live = servers();
      const to = live[(n + attempt) % live.length]!;
      const answer = await cluster.api(to, 'inspector', 'POST', `/api/v1/cases/${caseId}/events`, { type: 'note', payload: { client: name, n } }, { 'idempotency-key': key }).catch((err: unknown): ApiAnswer => ({ status: 0, body: { error: String(err) } }));
      if (answer.status === 200) {
        acked.set(key, answer.body.duplicate === true);
        break;
      }
      // A dead server (no answer) or one that cannot reach the database now: the same key again, elsewhere.
      if (answer.status !== 0 && answer.status !== 503) throw new Error(`${key}: ${answer.status} ${JSON.stringify(answer.body)}`);
      if (attempt > 300) throw new Error(`${key}: no server answered after ${attempt} tries`);
      retries++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return retries;
}

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
    const stream = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(cluster, () => servers, cases[c % cases.length]!, `client${c}`, acked)));
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
  }, 240_000);
});
