import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { createBullmqScheduler, createEngine, systemClock, timerJobId, type BullmqScheduler, type BullmqSchedulerOptions, type Engine, type Store } from '../../../engine/index.js';
import { postgresAvailableForSuite, redisAvailableForSuite, redisUrl } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../../support/stores.js';
import { clerk, timedWorkflows } from '../../support/timed-workflows.js';

const redis = await redisAvailableForSuite();
const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: redis },
  { name: 'postgres', make: freshPostgresStore, enabled: redis && (await postgresAvailableForSuite()) },
];
const PREFIX = 'duban-test';
const QUICK = ['case.created', 'deadline.due', 'deadline.escalate'];

describe.each(backends)('BullMQ scheduler on Redis with $name', ({ name, make, enabled }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  /** A fresh store and a queue name of this test only; the queue is obliterated at the end. */
  async function setup(): Promise<FreshStore & { queueName: string; engine: (store?: Store) => Promise<Engine> }> {
    const fresh = await make();
    cleanups.push(fresh.cleanup);
    const queueName = `timers-${randomBytes(6).toString('hex')}`;
    cleanups.push(async () => {
      const q = new Queue(queueName, { connection: { url: redisUrl() }, prefix: PREFIX });
      await q.obliterate({ force: true });
      await q.close();
    });
    return { ...fresh, queueName, engine: (store = fresh.store) => createEngine({ store, clock: systemClock, workflows: timedWorkflows }) };
  }

  function scheduler(engine: Engine, queueName: string, opts: Partial<BullmqSchedulerOptions> = {}): BullmqScheduler {
    const s = createBullmqScheduler({ engine, connection: redisUrl(), queueName, prefix: PREFIX, ...opts });
    cleanups.push(() => s.stop());
    return s;
  }

  /** A raw queue on the test's keys, for what a scheduler would never do itself. */
  function rawQueue(queueName: string): Queue {
    const q = new Queue(queueName, { connection: { url: redisUrl() }, prefix: PREFIX });
    cleanups.push(() => q.close());
    return q;
  }

  const types = async (engine: Engine, caseId: string) => (await engine.history(caseId)).map((e) => e.type);
  const allFired = (engine: Engine, ids: string[]) => expect.poll(async () => Promise.all(ids.map((id) => types(engine, id))), { timeout: 10_000, interval: 50 }).toEqual(ids.map(() => QUICK));
  const queueEmpty = (q: Queue) => expect.poll(async () => q.getJobCounts('delayed', 'wait', 'active', 'prioritized'), { timeout: 5_000, interval: 50 }).toEqual({ delayed: 0, wait: 0, active: 0, prioritized: 0 });

  it.skipIf(!enabled)('fires each timer once, at its due time, from jobs armed when the step commits', { timeout: 30_000 }, async () => {
    const { engine: open, queueName } = await setup();
    const engine = await open();
    const s = scheduler(engine, queueName);
    await s.start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await engine.createCase({ workflowId: 'quick', org: 'district-a', actor: clerk })).case.id);
    await allFired(engine, ids);
    await queueEmpty(rawQueue(queueName));
    for (const id of ids) expect((await engine.history(id)).slice(1).map((e) => e.actor.id)).toEqual(['system:timer', 'system:timer']);
    const stats = s.stats();
    expect(stats).toMatchObject({ fired: 10, duplicates: 0, stale: 0, failures: 0 });
    for (const ms of stats.latenessMs) expect(ms).toBeLessThan(1_500);
    expect(await engine.store.timers.count()).toEqual({ pending: 0, firing: 0 });
  });

  it.skipIf(!enabled)('appends one event for a timer whose job is delivered several times', { timeout: 30_000 }, async () => {
    const { engine: open, queueName } = await setup();
    const engine = await open();
    const s = scheduler(engine, queueName);
    await s.start();
    const { case: c } = await engine.createCase({ workflowId: 'quick', org: 'district-a', actor: clerk });
    const [row] = await engine.store.timers.listAll(10);
    expect(row).toMatchObject({ caseId: c.id, kind: 'due' });
    // The same job id again is ignored by BullMQ; copies under other ids reach the worker and find the row claimed or gone.
    await s.arm(row!);
    const q = rawQueue(queueName);
    const data = { timerKey: row!.timerKey, caseId: row!.caseId, kind: row!.kind, deadlineKey: row!.deadlineKey, index: row!.index, generation: row!.generation, dueAt: row!.dueAt };
    const delay = Math.max(0, Date.parse(row!.dueAt) - Date.now());
    await Promise.all([1, 2, 3].map((n) => q.add('deadline.due', data, { jobId: `copy-${n}`, delay, removeOnComplete: true })));
    await allFired(engine, [c.id]);
    await queueEmpty(q);
    expect(s.stats()).toMatchObject({ fired: 2, failures: 0 });
    expect(s.stats().skipped + s.stats().duplicates).toBe(3);
  });

  it.skipIf(!enabled)('re-arms from the database after Redis lost every job, and the timer fires once', { timeout: 30_000 }, async () => {
    const fresh = await setup();
    const first = await fresh.engine();
    const before = scheduler(first, fresh.queueName);
    await before.start();
    const { case: c } = await first.createCase({ workflowId: 'quick', org: 'district-a', actor: clerk });
    await before.stop();
    const q = rawQueue(fresh.queueName);
    expect(await q.getJob(timerJobId((await first.store.timers.listAll(10))[0]!.timerKey))).toBeDefined();
    await q.obliterate({ force: true });
    expect(await q.getJobCounts('delayed', 'wait')).toEqual({ delayed: 0, wait: 0 });

    const store = fresh.reopen();
    cleanups.push(() => store.close());
    const engine = await fresh.engine(store);
    const after = scheduler(engine, fresh.queueName);
    await after.start();
    expect(await after.rearm()).toBeLessThanOrEqual(1); // a second re-arm adds nothing new: the job id exists
    await allFired(engine, [c.id]);
    await queueEmpty(q);
    expect(after.stats()).toMatchObject({ fired: 2, failures: 0 });
    expect(await types(engine, c.id)).toEqual(QUICK);
  });

  it.skipIf(!enabled)('fires from the sweep a due row that never got a job', { timeout: 30_000 }, async () => {
    const fresh = await setup();
    const engine = await fresh.engine();
    const s = scheduler(engine, fresh.queueName, { sweepIntervalMs: 200, sweepGraceMs: 300 });
    await s.start();
    // Committed through another engine object: this scheduler's commit listener never sees it, as if the
    // process that committed died before arming the job.
    const other = await fresh.engine();
    const { case: c } = await other.createCase({ workflowId: 'quick', org: 'district-a', actor: clerk });
    expect(await rawQueue(fresh.queueName).getJobCounts('delayed', 'wait')).toEqual({ delayed: 0, wait: 0 });
    await allFired(engine, [c.id]);
    const [due] = (await engine.history(c.id)).filter((e) => e.type === 'deadline.due');
    const dueAt = Date.parse((await engine.history(c.id))[0]!.at) + 1_000;
    expect(Date.parse(due!.at) - dueAt).toBeGreaterThanOrEqual(300);
    expect(s.stats()).toMatchObject({ fired: 2, failures: 0 });
  });

  it.skipIf(!enabled)('arms jobs in a process that does not work them, for a worker process to fire', { timeout: 30_000 }, async () => {
    const fresh = await setup();
    const [web, worker] = [await fresh.engine(), await fresh.engine()];
    const armer = scheduler(web, fresh.queueName, { work: false });
    const firer = scheduler(worker, fresh.queueName);
    await armer.start();
    await firer.start();
    const { case: c } = await web.createCase({ workflowId: 'quick', org: 'district-a', actor: clerk });
    await expect.poll(() => types(web, c.id), { timeout: 10_000, interval: 50 }).toEqual(['case.created', 'deadline.due']);
    // The escalation was armed by the worker's own commit of the due time.
    await allFired(web, [c.id]);
    expect([armer.stats().fired, firer.stats().fired]).toEqual([0, 2]);
  });

  it.skipIf(!enabled)('retries a failing firing with backoff, recording each failure on the row', { timeout: 30_000 }, async () => {
    const fresh = await setup();
    const engine = await fresh.engine();
    const s = scheduler(engine, fresh.queueName, { attempts: 3, retryBackoffMs: () => 200 });
    await s.start();
    const { case: c } = await engine.createCase({ workflowId: 'quick-faulty', org: 'district-a', actor: clerk });
    await expect.poll(() => s.stats().failures, { timeout: 10_000, interval: 50 }).toBe(3);
    const q = rawQueue(fresh.queueName);
    await expect.poll(() => q.getJobCounts('failed', 'delayed', 'active'), { timeout: 5_000, interval: 50 }).toEqual({ failed: 1, delayed: 0, active: 0 });
    // The row stays, claimed until its next retry time, for the sweep to take up again.
    expect(await engine.store.timers.listAll(10)).toMatchObject([{ caseId: c.id, status: 'firing', attempts: 3, lastError: expect.stringContaining('invalid') }]);
    expect(await types(engine, c.id)).toEqual(['case.created']);
  });

  it.skipIf(!enabled)('fires each of many timers once with two schedulers working one queue', { timeout: 60_000 }, async () => {
    const fresh = await setup();
    // On SQLite both engines share one store object: two SQLite writers in one thread would block each other.
    const second = name === 'postgres' ? fresh.reopen() : fresh.store;
    if (second !== fresh.store) cleanups.push(() => second.close());
    const engines = [await fresh.engine(), await fresh.engine(second)];
    const schedulers = engines.map((e) => scheduler(e, fresh.queueName, { concurrency: 4 }));
    await Promise.all(schedulers.map((s) => s.start()));
    const n = 24;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await engines[i % 2]!.createCase({ workflowId: 'quick', org: 'district-a', actor: clerk })).case.id);
    await allFired(engines[0]!, ids);
    await queueEmpty(rawQueue(fresh.queueName));
    const stats = schedulers.map((s) => s.stats());
    expect(stats[0]!.fired + stats[1]!.fired).toBe(2 * n);
    expect(stats.map((st) => st.failures)).toEqual([0, 0]);
    for (const id of ids) expect(await types(engines[1]!, id)).toEqual(QUICK);
  });
});
