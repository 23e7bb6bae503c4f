/**
 * Timer benchmark: durable timers of the embedded polling scheduler on SQLite,
 * beside BullMQ's own bare delayed jobs (a no-op worker of the same
 * concurrency over the same due times), in interleaved rounds (medians):
 *
 * - a burst: `BENCH_TIMERS` (5,000; the figure is 100,000) timers due
 *   within `BENCH_TIMERS_WINDOW_MS` (2 s): fires per second, from the window's
 *   start until the last one fired;
 * - a spread: `BENCH_TIMERS_SPREAD` (10,000) timers due evenly over
 *   `BENCH_TIMERS_SPREAD_MS` (6 s: the 100,000 over 60 s, at the same
 *   1,667/s): lateness (fire time − due time) p50 and p99.
 *
 * Every timer is a real deadline of a real case and every firing a real
 * `deadline.due` event: cases of a workflow whose state runs ten deadlines
 * (`dueField`s d0…d9) are created through the engine once, with due times an
 * hour ahead, and the database file is copied for each round; the engine's
 * clock (shifted by an offset) then jumps to just before the window. Exactly
 * once is checked: every round fires each timer once (fired + duplicates +
 * stale = timers, duplicates 0). Redis at `REDIS_URL`.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { createEngine, createKnexStore, createPollingScheduler, defineWorkflow, type Clock } from '../engine/index.js';
import { fmt, median, quantile, result, ROUNDS, size, type BenchResult } from './lib.js';

const BURST = size('BENCH_TIMERS', 5_000, 1_000);
const BURST_MS = size('BENCH_TIMERS_WINDOW_MS', 2_000, 2_000);
const SPREAD = size('BENCH_TIMERS_SPREAD', 10_000, 1_000);
const SPREAD_MS = size('BENCH_TIMERS_SPREAD_MS', 6_000, 1_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PER_CASE = 10;
const CONCURRENCY = Number(process.env.BENCH_TIMERS_CONCURRENCY ?? 8);
const PREFIX = 'duban-bench';
/** No timer may go unfired for this long once its window began. */
const STALL_MS = 120_000;

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
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` until it returns true, failing when `progress` stops moving for STALL_MS. */
async function until(done: () => boolean, progress: () => number, what: string): Promise<void> {
  let last = progress();
  let lastMoved = Date.now();
  while (!done()) {
    await sleep(20);
    const p = progress();
    if (p !== last) [last, lastMoved] = [p, Date.now()];
    else if (Date.now() - lastMoved > STALL_MS) throw new Error(`${what}: stuck at ${p}`);
  }
}

/** Due time `k` of `n` timers spread over `windowMs` from `windowAt`. */
const dueAt = (windowAt: number, windowMs: number, n: number, k: number) => windowAt + Math.floor((k / n) * windowMs);

/** A migrated SQLite file with n/10 cases whose n due times fill [windowAt, windowAt + windowMs); closed, ready to copy. */
async function seed(file: string, n: number, windowAt: number, windowMs: number): Promise<void> {
  const store = createKnexStore({ sqliteFile: file });
  try {
    await store.migrate();
    const engine = await createEngine({ store, workflows: [workflow] });
    const cases = Math.ceil(n / PER_CASE);
    for (let c = 0; c < cases; c++) {
      const data = Object.fromEntries(Array.from({ length: PER_CASE }, (_, i) => [`d${i}`, new Date(dueAt(windowAt, windowMs, n, Math.min(n - 1, i * cases + c))).toISOString()]));
      await engine.createCase({ workflowId: 'bench-timers', org: 'bench-org', data, actor });
    }
  } finally {
    await store.close();
  }
}

/** Copies the seeded file, jumps the clock to 1 s before the window, runs the embedded poller until every timer settled. */
async function embedded(seeded: string, copy: string, n: number, windowAt: number): Promise<Figures> {
  copyFileSync(seeded, copy);
  if (existsSync(`${seeded}-wal`)) copyFileSync(`${seeded}-wal`, `${copy}-wal`);
  const store = createKnexStore({ sqliteFile: copy });
  try {
    const clock = shiftableClock();
    const engine = await createEngine({ store, clock, workflows: [workflow] });
    const scheduler = createPollingScheduler({ engine, batchSize: 500, concurrency: CONCURRENCY, latenessSamples: n });
    clock.shift(windowAt - 1_000 - clock.now().getTime());
    await scheduler.start();
    const settled = () => {
      const st = scheduler.stats();
      return st.fired + st.duplicates + st.stale;
    };
    await until(() => settled() >= n, settled, 'embedded poller');
    const doneAt = clock.now().getTime();
    await scheduler.stop();
    const st = scheduler.stats();
    if (st.duplicates > 0 || settled() !== n) throw new Error(`embedded poller: ${st.fired} fired, ${st.duplicates} duplicates, ${st.stale} stale of ${n} timers`);
    const lateness = [...st.latenessMs].sort((a, b) => a - b);
    return { perSec: (n / Math.max(1, doneAt - windowAt)) * 1000, p50: quantile(lateness, 0.5), p99: quantile(lateness, 0.99) };
  } finally {
    await store.close();
  }
}

/** BullMQ alone: n delayed jobs due over the same window shape, a no-op worker of the same concurrency. */
async function bareBullmq(n: number, windowMs: number): Promise<Figures> {
  const name = `bench-bare-${randomBytes(4).toString('hex')}`;
  const connection = { url: REDIS_URL };
  const queue = new Queue(name, { connection, prefix: PREFIX });
  // Adding the jobs must end before the window opens: 1 ms a job (a loaded machine adds a few thousand a second), at least 5 s.
  const lead = Math.max(5_000, n);
  const windowAt = Date.now() + lead;
  try {
    for (let start = 0; start < n; start += 1000) {
      const now = Date.now();
      await queue.addBulk(
        Array.from({ length: Math.min(1000, n - start) }, (_, k) => {
          const due = dueAt(windowAt, windowMs, n, start + k);
          return { name: 'noop', data: { due }, opts: { jobId: `j-${start + k}`, delay: Math.max(0, due - now), removeOnComplete: true } };
        }),
      );
    }
    if (Date.now() > windowAt) throw new Error('adding the BullMQ jobs took longer than the lead time');
    const lateness: number[] = [];
    const worker = new Worker(
      name,
      async (job) => {
        lateness.push(Date.now() - (job.data as { due: number }).due);
      },
      { connection, prefix: PREFIX, concurrency: CONCURRENCY },
    );
    await until(() => lateness.length >= n, () => lateness.length, 'bare BullMQ');
    const doneAt = Date.now();
    await worker.close();
    lateness.sort((a, b) => a - b);
    return { perSec: (n / Math.max(1, doneAt - windowAt)) * 1000, p50: quantile(lateness, 0.5), p99: quantile(lateness, 0.99) };
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

export async function main(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-timers-'));
  try {
    const burstAt = Date.now() + 3_600_000;
    const spreadAt = burstAt + 3_600_000;
    await seed(join(dir, 'burst.sqlite'), BURST, burstAt, BURST_MS);
    await seed(join(dir, 'spread.sqlite'), SPREAD, spreadAt, SPREAD_MS);
    const runs: Record<'bareBurst' | 'burst' | 'bareSpread' | 'spread', Figures[]> = { bareBurst: [], burst: [], bareSpread: [], spread: [] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.bareBurst.push(await bareBullmq(BURST, BURST_MS));
      runs.burst.push(await embedded(join(dir, 'burst.sqlite'), join(dir, `burst-${r}.sqlite`), BURST, burstAt));
      runs.bareSpread.push(await bareBullmq(SPREAD, SPREAD_MS));
      runs.spread.push(await embedded(join(dir, 'spread.sqlite'), join(dir, `spread-${r}.sqlite`), SPREAD, spreadAt));
    }
    const med = (k: keyof typeof runs, f: keyof Figures) => median(runs[k].map((x) => x[f]));
    const bare = `bare BullMQ delayed jobs, no-op worker, concurrency ${CONCURRENCY}`;
    const rounds = `median of ${ROUNDS} interleaved rounds; exactly once checked`;
    const burstNote = `${fmt(BURST)} timers (${fmt(BURST / PER_CASE)} cases × ${PER_CASE} deadlines) due within ${fmt(BURST_MS)} ms (${fmt((BURST / BURST_MS) * 1000)}/s falling due); ${rounds}`;
    const spreadNote = `${fmt(SPREAD)} timers due evenly over ${fmt(SPREAD_MS)} ms (${fmt((SPREAD / SPREAD_MS) * 1000)}/s falling due); ${rounds}; ratio above 1 = later`;
    return [
      result('timers, burst, embedded poller (SQLite)', med('burst', 'perSec'), 'fires/s', { name: bare, value: med('bareBurst', 'perSec') }, burstNote),
      result('timers, spread, lateness p50', med('spread', 'p50'), 'ms', { name: bare, value: med('bareSpread', 'p50') }, spreadNote),
      result('timers, spread, lateness p99', med('spread', 'p99'), 'ms', { name: bare, value: med('bareSpread', 'p99') }, spreadNote),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
