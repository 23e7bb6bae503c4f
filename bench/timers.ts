/**
 * Timer benchmark: durable timers fired per second and their lateness (fire
 * time − due time, p50/p99) for the embedded poller and for the BullMQ
 * scheduler, beside BullMQ's own bare delayed-job rate (a no-op worker over
 * the same number of delayed jobs due in the same window), measured in the
 * same run.
 *
 * Method: N timers (`BENCH_TIMERS`, default 100,000) due within a window of
 * `BENCH_TIMERS_WINDOW_MS` (default 2 s). Every timer is a real deadline of a
 * real case and every firing a real `deadline.due` event: cases of a workflow
 * whose state runs ten deadlines (`dueField`s d0…d9, each a date-time in the
 * case data) are created through the engine, N/10 of them, with due times
 * spread evenly over the window. Creating them takes longer than the window,
 * so the window lies an hour ahead and the engine's clock jumps there (a
 * clock shifted by an offset, which the schedulers use too) once the cases
 * exist. Both schedulers run on SQLite (`BENCH_TIMERS_DB=postgres` puts the
 * BullMQ run on PostgreSQL at `DATABASE_URL`); Redis at `REDIS_URL`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { createBullmqScheduler, createEngine, createKnexStore, createPollingScheduler, defineWorkflow, type Clock, type KnexStore, type Scheduler } from '../engine/index.js';

const N = Number(process.env.BENCH_TIMERS ?? 100_000);
const WINDOW_MS = Number(process.env.BENCH_TIMERS_WINDOW_MS ?? 2_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BULLMQ_DB = process.env.BENCH_TIMERS_DB === 'postgres' ? 'postgres' : 'sqlite';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PER_CASE = 10;
const CONCURRENCY = Number(process.env.BENCH_TIMERS_CONCURRENCY ?? 8);
const PREFIX = 'duban-bench';
/** Which runs to make (`BENCH_TIMERS_MODES=embedded,bullmq,bare`; default all three). */
const MODES = new Set((process.env.BENCH_TIMERS_MODES ?? 'bare,embedded,bullmq').split(',').map((m) => m.trim()));

const fields = Object.fromEntries(Array.from({ length: PER_CASE }, (_, i) => [`d${i}`, { type: 'string', format: 'date-time' }]));
const workflow = defineWorkflow({
  id: 'bench-timers',
  version: 1,
  title: 'bench',
  roles: ['clerk', 'system'],
  data: { type: 'object', properties: fields },
  initial: 'open',
  states: {
    open: {
      task: { title: '办理', role: 'clerk' },
      deadlines: Array.from({ length: PER_CASE }, (_, i) => ({ id: `t${i}`, duration: 'P1D', dueField: `d${i}` })),
      on: { close: { target: 'closed', roles: ['clerk'] } },
    },
    closed: { type: 'final' },
  },
});
const actor = { id: 'bench', roles: ['clerk'], org: 'bench-org' };

/** The system clock plus an offset the bench moves once. */
function shiftableClock(): Clock & { shift(ms: number): void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), shift: (ms) => (offset += ms) };
}

interface Figures {
  perSec: number;
  p50: number;
  p99: number;
  /** Creating the cases (schedulers) or adding the jobs (bare). */
  setupMs: number;
  /** From start() until it resolved (re-arming, for BullMQ) or until the jobs were added (bare); must stay under the lead time. */
  armMs: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates N/10 cases whose N due times fill [windowAt, windowAt + WINDOW_MS). */
async function seed(store: KnexStore, clock: Clock, windowAt: number): Promise<number> {
  const engine = await createEngine({ store, clock, workflows: [workflow] });
  const t0 = performance.now();
  const cases = Math.ceil(N / PER_CASE);
  for (let c = 0; c < cases; c++) {
    const data = Object.fromEntries(Array.from({ length: PER_CASE }, (_, i) => [`d${i}`, new Date(windowAt + Math.floor(((i * cases + c) / N) * WINDOW_MS)).toISOString()]));
    await engine.createCase({ workflowId: 'bench-timers', org: 'bench-org', data, actor });
  }
  return performance.now() - t0;
}

/** Seeds a store, jumps the clock to `leadMs` before the window, runs the scheduler until every timer fired. */
async function measureScheduler(store: KnexStore, make: (engine: Awaited<ReturnType<typeof createEngine>>, clock: Clock) => Scheduler, leadMs: number): Promise<Figures> {
  await store.migrate();
  const clock = shiftableClock();
  const windowAt = Date.now() + 3_600_000;
  const setupMs = await seed(store, clock, windowAt);
  const total = (await store.timers.count()).pending;
  clock.shift(windowAt - leadMs - clock.now().getTime());
  const engine = await createEngine({ store, clock, workflows: [workflow] });
  const scheduler = make(engine, clock);
  const armStart = performance.now();
  await scheduler.start();
  const armMs = performance.now() - armStart;
  const settled = () => {
    const st = scheduler.stats();
    return st.fired + st.duplicates + st.stale;
  };
  while (settled() < total) await sleep(20);
  const doneAt = clock.now().getTime();
  await scheduler.stop();
  const lateness = scheduler.stats().latenessMs.sort((a, b) => a - b);
  return { perSec: (total / Math.max(1, doneAt - windowAt)) * 1000, p50: quantile(lateness, 0.5), p99: quantile(lateness, 0.99), setupMs, armMs };
}

/** BullMQ alone: N delayed jobs due over the same window, a no-op worker of the same concurrency. */
async function measureBareBullmq(leadMs: number): Promise<Figures> {
  const name = `bench-bare-${randomBytes(4).toString('hex')}`;
  const connection = { url: REDIS_URL };
  const queue = new Queue(name, { connection, prefix: PREFIX });
  const windowAt = Date.now() + leadMs;
  const t0 = performance.now();
  for (let start = 0; start < N; start += 1000) {
    const now = Date.now();
    await queue.addBulk(
      Array.from({ length: Math.min(1000, N - start) }, (_, k) => {
        const due = windowAt + Math.floor(((start + k) / N) * WINDOW_MS);
        return { name: 'noop', data: { due }, opts: { jobId: `j-${start + k}`, delay: Math.max(0, due - now), removeOnComplete: true } };
      }),
    );
  }
  const setupMs = performance.now() - t0;
  const lateness: number[] = [];
  const worker = new Worker(
    name,
    async (job) => {
      lateness.push(Date.now() - (job.data as { due: number }).due);
    },
    { connection, prefix: PREFIX, concurrency: CONCURRENCY },
  );
  while (lateness.length < N) await sleep(20);
  const doneAt = Date.now();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  lateness.sort((a, b) => a - b);
  return { perSec: (N / Math.max(1, doneAt - windowAt)) * 1000, p50: quantile(lateness, 0.5), p99: quantile(lateness, 0.99), setupMs, armMs: setupMs };
}

function line(label: string, f: Figures, base?: Figures): string {
  const ratio = base ? `   ratio to bare BullMQ ${(f.perSec / base.perSec).toFixed(3)}` : '';
  return `${label.padEnd(32)} ${fmt(f.perSec).padStart(7)} timers/s   lateness p50 ${fmt(f.p50).padStart(6)} ms  p99 ${fmt(f.p99).padStart(6)} ms   (setup ${(f.setupMs / 1000).toFixed(1)} s, arming ${(f.armMs / 1000).toFixed(1)} s)${ratio}`;
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-timers-'));
  // Adding (or re-arming) a few thousand jobs a second: the window starts once that is surely done.
  const leadMs = Math.max(2_000, N / 4);
  try {
    console.log(
      `${fmt(N)} timers (${fmt(N / PER_CASE)} cases × ${PER_CASE} deadlines) due within ${fmt(WINDOW_MS)} ms (${fmt((N / WINDOW_MS) * 1000)}/s falling due, the most any run can fire), ` +
        `the first ${fmt(leadMs)} ms after start; concurrency ${CONCURRENCY}`,
    );
    const bare = MODES.has('bare') ? await measureBareBullmq(leadMs) : undefined;

    const embedded = !MODES.has('embedded') ? undefined : await (async () => {
      const store = createKnexStore({ sqliteFile: join(dir, 'embedded.sqlite') });
      try {
        return await measureScheduler(store, (engine) => createPollingScheduler({ engine, batchSize: 500, concurrency: CONCURRENCY, latenessSamples: N }), 1_000);
      } finally {
        await store.close();
      }
    })();

    const queueName = `bench-timers-${randomBytes(4).toString('hex')}`;
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    let distributed: Figures | undefined;
    if (MODES.has('bullmq')) {
      const store = BULLMQ_DB === 'postgres' ? createKnexStore({ databaseUrl: DATABASE_URL, schema }) : createKnexStore({ sqliteFile: join(dir, 'bullmq.sqlite') });
      try {
        distributed = await measureScheduler(store, (engine) => createBullmqScheduler({ engine, connection: REDIS_URL, queueName, prefix: PREFIX, concurrency: CONCURRENCY, sweepIntervalMs: 3_600_000, latenessSamples: N }), leadMs);
      } finally {
        const q = new Queue(queueName, { connection: { url: REDIS_URL }, prefix: PREFIX });
        await q.obliterate({ force: true });
        await q.close();
        if (BULLMQ_DB === 'postgres') await store.knex.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
        await store.close();
      }
    }

    if (bare) console.log(line('bare BullMQ (no-op worker)', bare));
    if (embedded) console.log(line('embedded poller (SQLite)', embedded, bare));
    if (distributed) console.log(line(`BullMQ scheduler (${BULLMQ_DB === 'postgres' ? 'PostgreSQL' : 'SQLite'})`, distributed, bare));
    console.log('setup = creating the cases through the engine; arming = adding the jobs (bare) or start() (schedulers: re-arming every row for BullMQ), inside the lead time');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
