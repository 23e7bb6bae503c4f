/**
 * HTTP benchmark: `POST /api/v1/cases/:id/events` (authenticated, validated,
 * one durable transition each, on SQLite) beside `GET /healthz` on the same
 * server, in interleaved rounds (medians). The load generator (autocannon)
 * runs in its own process (bench/load-child.ts); the server runs here.
 * Requests per second and p50/p99 latency for both. The per-user write rate
 * limit is off (one benchmark user posts every event).
 *
 *   BENCH_HTTP_SECONDS=3 BENCH_HTTP_CONNECTIONS=10 BENCH_HTTP_CASES=50
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createKnexStore } from '../engine/index.js';
import { createApp, createKnexPeopleStore, createLogger, createMetrics, createUser, importOrgTree } from '../server/index.js';
import { createKnexOutboxStore } from '../notifications/index.js';
import { benchWorkflow } from './bench-workflow.js';
import { fmt, median, result, ROUNDS, runChild, size, type BenchResult } from './lib.js';
import type { LoadInput, LoadOutput } from './load-child.js';

const SECONDS = size('BENCH_HTTP_SECONDS', 3, 1);
const CONNECTIONS = size('BENCH_HTTP_CONNECTIONS', 10, 4);
const CASES = size('BENCH_HTTP_CASES', 50, 10);

export async function main(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-http-'));
  const store = createKnexStore({ sqliteFile: join(dir, 'bench.sqlite') });
  try {
    await store.migrate();
    const engine = await createEngine({ store, workflows: [benchWorkflow] });
    const people = createKnexPeopleStore(store);
    await importOrgTree(people, engine.clock, { id: 'bench-city', name: '基准市', level: 'city', children: [{ id: 'bench-org', name: '基准区', level: 'county' }] });
    const { token } = await createUser(people, engine.clock, { id: 'bench-clerk', name: 'bench', orgId: 'bench-org', roles: ['clerk'] });
    const actor = { id: 'bench-clerk', roles: ['clerk'], org: 'bench-org' };
    const caseIds: string[] = [];
    for (let i = 0; i < CASES; i++) caseIds.push((await engine.createCase({ workflowId: 'bench-notes', org: 'bench-org', data: { count: 0 }, actor })).case.id);

    const app = createApp({ engine, people, outbox: createKnexOutboxStore(store), config: { DUBAN_BODY_LIMIT: '1mb', DUBAN_WRITE_RATE_LIMIT: null }, logger: createLogger('silent'), metrics: createMetrics() });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const load = (kind: LoadInput['kind'], seconds = SECONDS) => runChild<LoadOutput>('./load-child.ts', { url, kind, connections: CONNECTIONS, seconds, token, caseIds } satisfies LoadInput);
      // Warm the server (routes, statements, JIT) on both paths before the rounds.
      await load('healthz', 1);
      await load('events', 1);
      const runs: Record<LoadInput['kind'], LoadOutput[]> = { healthz: [], events: [] };
      for (let r = 0; r < ROUNDS; r++) {
        runs.healthz.push(await load('healthz'));
        runs.events.push(await load('events'));
      }
      const bad = [...runs.healthz, ...runs.events].reduce((n, f) => n + f.non2xx + f.errors, 0);
      if (bad > 0) throw new Error(`${bad} requests failed or answered non-2xx (status codes seen: ${[...runs.healthz, ...runs.events].map((f) => f.statusCodes).join(' ')})`);
      const med = (kind: LoadInput['kind'], k: 'rps' | 'p50' | 'p99') => median(runs[kind].map((f) => f[k]));
      const verified = (await engine.verify(caseIds[0])).ok;
      if (!verified) throw new Error('audit verify of a benchmarked case failed');
      const note = `SQLite, ${CONNECTIONS} connections, ${SECONDS} s a run, events over ${CASES} cases; autocannon in its own process; median of ${ROUNDS} interleaved rounds; ${fmt(runs.events.reduce((n, f) => n + f.requests, 0))} events posted, 0 errors`;
      const base = 'GET /healthz, same server';
      return [
        result('HTTP POST /cases/:id/events, throughput', med('events', 'rps'), 'req/s', { name: base, value: med('healthz', 'rps') }, note),
        result('HTTP POST /cases/:id/events, p50 latency', med('events', 'p50'), 'ms', { name: base, value: med('healthz', 'p50') }, `${note}; ratio above 1 = slower`),
        result('HTTP POST /cases/:id/events, p99 latency', med('events', 'p99'), 'ms', { name: base, value: med('healthz', 'p99') }, `${note}; ratio above 1 = slower`),
      ];
    } finally {
      (app.locals.close as () => void)();
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
