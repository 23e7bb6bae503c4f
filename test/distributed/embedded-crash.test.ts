/**
 * The embedded mode (one `duban serve` on a SQLite file in WAL mode): kill -9
 * during a stream of events from several clients, restart on the same file.
 * Every event a client was answered for is there exactly once, the clients'
 * retries with their idempotency keys landed each event once, and
 * `duban audit verify` passes.
 */
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../support/cluster.js';
import { drillWorkflow } from '../support/drill-workflow.js';
import { waitFor } from '../support/processes.js';
import { openDrillCases, streamClient } from './support.js';

const CLIENTS = 4;
const EVENTS_PER_CLIENT = 30;

describe('an embedded server killed mid-stream', () => {
  it('keeps every acknowledged event exactly once on SQLite, and the chains verify', async () => {
    const cluster = await startCluster({ workflows: [drillWorkflow], mode: 'embedded' });
    onTestFinished(() => cluster.close());
    const first = await cluster.serve('serve-1');
    const cases = await openDrillCases(cluster, first, CLIENTS / 2, () => new Date(Date.now() + 86_400_000));
    let servers = [first];
    const acked = new Map<string, boolean>();
    let failed: unknown;
    const stream = Promise.all(Array.from({ length: CLIENTS }, (_, c) => streamClient(cluster, () => servers, cases[c % cases.length]!, `client${c}`, EVENTS_PER_CLIENT, acked)));
    stream.catch((err: unknown) => (failed = err));

    await waitFor('a third of the events to be answered', () => {
      if (failed) throw failed;
      return acked.size >= (CLIENTS * EVENTS_PER_CLIENT) / 3;
    }, { timeoutMs: 60_000, intervalMs: 5 });
    await first.kill9();
    const answeredAtKill = acked.size;
    // The clients keep retrying against the dead address until the new process is up (on a new port).
    servers = [await cluster.serve('serve-2')];
    const retries = (await stream).reduce((x, y) => x + y, 0);
    expect(acked.size).toBe(CLIENTS * EVENTS_PER_CLIENT);
    expect(answeredAtKill).toBeLessThan(acked.size);

    const db = new Database(cluster.env.DUBAN_DB!, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const keys = (db.prepare(`SELECT idempotency_key AS k FROM case_events WHERE type = 'note'`).all() as { k: string }[]).map((r) => r.k);
      expect(keys.length, 'no event twice').toBe(new Set(keys).size);
      expect(new Set(keys)).toEqual(new Set(acked.keys()));
    } finally {
      db.close();
    }
    const verify = await cluster.cli(['audit', 'verify', '--no-progress']);
    expect(verify.stdout).toContain('✓ every hash chain and replay matches');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    console.info(`embedded crash: ${retries} retried request(s), ${[...acked.values()].filter(Boolean).length} answered as duplicates`);
  }, 420_000);
});
