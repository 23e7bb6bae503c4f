/**
 * HTTP benchmark: `POST /api/v1/cases/:id/events` (authenticated, validated,
 * one durable transition each) driven by concurrent autocannon clients,
 * beside `GET /healthz` on the same server in the same run, on SQLite.
 * Requests per second and p50/p99 latency for both, and the ratio.
 *
 *   npm run bench -- http            # BENCH_HTTP_SECONDS=5 BENCH_HTTP_CONNECTIONS=10 BENCH_HTTP_CASES=50
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createEngine, createKnexStore } from '../engine/index.js';
import { benchWorkflow } from './bench-workflow.js';
import { createApp, createLogger, createMetrics, createUser, importOrgTree, createKnexPeopleStore } from '../server/index.js';
import { createKnexOutboxStore } from '../notifications/index.js';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 10);
const CASES = Number(process.env.BENCH_HTTP_CASES ?? 50);



interface Figures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

function run(opts: autocannon.Options): Promise<Figures> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, r) => {
      if (err) return reject(err);
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors });
    });
  });
}

const row = (name: string, f: Figures) =>
  `${name.padEnd(34)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   (${f.requests} requests, ${f.non2xx} non-2xx, ${f.errors} errors)`;

export async function main(): Promise<void> {
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

    const app = createApp({ engine, people, outbox: createKnexOutboxStore(store), config: { DUBAN_BODY_LIMIT: '1mb' }, logger: createLogger('silent'), metrics: createMetrics() });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      console.log(`SQLite, ${CONNECTIONS} connections, ${SECONDS} s each, events spread over ${CASES} cases`);
      let next = 0;
      const events = await run({
        url,
        connections: CONNECTIONS,
        duration: SECONDS,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, path: `/api/v1/cases/${caseIds[next++ % caseIds.length]}/events`, body: JSON.stringify({ type: 'note', payload: { text: `n${next}` } }) }) }],
      });
      const health = await run({ url: `${url}/healthz`, connections: CONNECTIONS, duration: SECONDS });
      console.log(row('POST /api/v1/cases/:id/events', events));
      console.log(row('GET /healthz (baseline)', health));
      console.log(`events/healthz throughput ratio: ${(events.rps / health.rps).toFixed(3)}`);
      const stored = (await Promise.all(caseIds.slice(0, 5).map((id) => engine.history(id)))).reduce((n, h) => n + h.length - 1, 0);
      console.log(`sanity: ${stored} events stored on the first 5 cases; audit verify of one case: ${(await engine.verify(caseIds[0])).ok ? 'ok' : 'FAILED'}`);
    } finally {
      (app.locals.close as () => void)();
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
