import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, createPollingScheduler, systemClock, type Clock, type Engine, type KnexStore, type KnexStoreOptions, type Scheduler } from '../../../engine/index.js';
import type { SchedulerProcessArgs, SchedulerProcessResult } from '../../support/scheduler-process.js';
import { postgresAvailableForSuite, postgresUrl } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../../support/stores.js';
import { appraiser, chief, clerk, timedWorkflows } from '../../support/timed-workflows.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const T0 = '2026-01-05T01:00:00.000Z'; // Monday 09:00 in Shanghai
const DAY = 86_400_000;

/** How another process opens the same data as `store`. */
function storeOptionsOf(store: KnexStore): KnexStoreOptions {
  const config = store.knex.client.config as { searchPath?: string[]; connection: { filename?: string } };
  return store.dialect === 'postgres' ? { databaseUrl: postgresUrl(), schema: config.searchPath?.[0] } : { sqliteFile: config.connection.filename };
}

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

describe.each(backends)('polling scheduler on $name', ({ name, make, enabled }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function setup(clock: Clock = createManualClock(T0)): Promise<FreshStore & { engine: Engine; clock: Clock }> {
    const fresh = await make();
    cleanups.push(fresh.cleanup);
    const engine = await createEngine({ store: fresh.store, clock, workflows: timedWorkflows });
    return { ...fresh, engine, clock };
  }

  function scheduler(engine: Engine, opts: Partial<Parameters<typeof createPollingScheduler>[0]> = {}): Scheduler {
    const s = createPollingScheduler({ engine, ...opts });
    cleanups.push(() => s.stop());
    return s;
  }

  function reopened(fresh: FreshStore): KnexStore {
    const store = fresh.reopen();
    cleanups.push(() => store.close());
    return store;
  }

  async function timerRows(engine: Engine, caseId?: string) {
    const rows = await engine.store.timers.listAll(10_000);
    return rows.filter((r) => caseId === undefined || r.caseId === caseId);
  }

  const timerEvents = async (engine: Engine, caseId: string) => (await engine.history(caseId)).filter((e) => e.actor.id === 'system:timer');
  const types = async (engine: Engine, caseId: string) => (await engine.history(caseId)).map((e) => e.type);

  it.skipIf(!enabled)('fires the reminder, the due time and each escalation in order as the clock reaches them', async () => {
    const { engine, clock } = await setup();
    const manual = clock as ReturnType<typeof createManualClock>;
    const s = scheduler(engine);
    const { case: c } = await engine.createCase({ workflowId: 'timed', org: 'district-a', actor: clerk });
    const [dl] = (await engine.store.getCase(c.id))!.state.deadlines;
    // P2D from Monday: the start day is not counted, so the last day is Wednesday, ending at 24:00 in Shanghai.
    expect(dl).toMatchObject({ key: 'open#handle', dueAt: '2026-01-07T16:00:00.000Z', dueDate: '2026-01-07', status: 'running' });
    expect((await timerRows(engine, c.id)).map((r) => [r.kind, r.dueAt])).toEqual([
      ['remind', '2026-01-05T16:00:00.000Z'], // a P1D deadline started then would end at the due time
      ['due', '2026-01-07T16:00:00.000Z'],
    ]);

    const ladder = [
      { at: '2026-01-05T16:00:00.000Z', type: 'deadline.remind', index: 0 },
      { at: '2026-01-07T16:00:00.000Z', type: 'deadline.due', index: 0 },
      { at: '2026-01-08T16:00:00.000Z', type: 'deadline.escalate', index: 0 },
      { at: '2026-01-10T16:00:00.000Z', type: 'deadline.escalate', index: 1 },
    ];
    for (const [i, step] of ladder.entries()) {
      manual.set(new Date(Date.parse(step.at) - 1));
      expect(await s.runDue()).toBe(0);
      manual.set(step.at);
      expect(await s.runDue()).toBe(1);
      const fired = await timerEvents(engine, c.id);
      expect(fired).toHaveLength(i + 1);
      expect(fired[i]).toMatchObject({ type: step.type, at: step.at, actor: { id: 'system:timer' }, payload: { deadline: 'open#handle', index: step.index } });
    }
    expect(await types(engine, c.id)).toEqual(['case.created', 'deadline.remind', 'deadline.due', 'deadline.escalate', 'deadline.escalate']);
    expect((await engine.getCase(c.id)).data).toEqual({ overdue: true, escalatedToLeader: true });
    expect(await timerRows(engine, c.id)).toEqual([]);
    manual.advance(30 * DAY);
    expect(await s.runDue()).toBe(0);
    expect(s.stats()).toMatchObject({ fired: 4, stale: 0, failures: 0, latenessMs: [0, 0, 0, 0] });
  });

  it.skipIf(!enabled)('cancels the timers of a state the case leaves, and fires nothing later', async () => {
    const { engine, clock } = await setup();
    const s = scheduler(engine);
    const { case: c } = await engine.createCase({ workflowId: 'timed', org: 'district-a', actor: clerk });
    expect(await timerRows(engine, c.id)).toHaveLength(2);
    await engine.send(c.id, { type: 'submit' }, clerk);
    expect(await timerRows(engine, c.id)).toEqual([]);
    (clock as ReturnType<typeof createManualClock>).advance(30 * DAY);
    expect(await s.runDue()).toBe(0);
    expect(await types(engine, c.id)).toEqual(['case.created', 'submit']);
    expect(s.stats()).toMatchObject({ fired: 0, stale: 0, skipped: 0 });
  });

  it.skipIf(!enabled)('fires at start-up, once each and in due order, the timers that fell due while no scheduler ran', async () => {
    const fresh = await setup();
    const manual = fresh.clock as ReturnType<typeof createManualClock>;
    const first = scheduler(fresh.engine);
    await first.start();
    const { case: c } = await fresh.engine.createCase({ workflowId: 'timed', org: 'district-a', actor: clerk });
    await first.stop();
    expect(first.stats().fired).toBe(0);

    manual.set('2026-01-12T00:00:00.000Z'); // past the reminder, the due time and both escalations
    const engine = await createEngine({ store: reopened(fresh), clock: manual, workflows: timedWorkflows });
    const second = scheduler(engine, { pollIntervalMs: 60_000 });
    await second.start();
    expect(second.stats().fired).toBe(4);
    const fired = await timerEvents(engine, c.id);
    expect(fired.map((e) => [e.type, e.payload.index])).toEqual([
      ['deadline.remind', 0],
      ['deadline.due', 0],
      ['deadline.escalate', 0],
      ['deadline.escalate', 1],
    ]);
    expect(second.stats().latenessMs).toEqual(['2026-01-05T16:00:00.000Z', '2026-01-07T16:00:00.000Z', '2026-01-08T16:00:00.000Z', '2026-01-10T16:00:00.000Z'].map((at) => Date.parse('2026-01-12T00:00:00.000Z') - Date.parse(at)));
    expect(await second.runDue()).toBe(0);
    await second.stop();
    expect(await timerEvents(engine, c.id)).toHaveLength(4);
  });

  it.skipIf(!enabled)('wakes for a timer armed by a commit sooner than its poll interval', async () => {
    const { engine } = await setup(systemClock);
    const s = scheduler(engine, { pollIntervalMs: 60_000 });
    await s.start();
    const { case: c } = await engine.createCase({ workflowId: 'quick', org: 'district-a', actor: clerk });
    // PT1S to the due time, then PT1S more to the escalation the due firing arms.
    await expect.poll(() => types(engine, c.id), { timeout: 5_000, interval: 50 }).toEqual(['case.created', 'deadline.due', 'deadline.escalate']);
    await s.stop();
    const { latenessMs } = s.stats();
    expect(latenessMs).toHaveLength(2);
    for (const ms of latenessMs) expect(ms).toBeLessThan(1_500);
  });

  it.skipIf(!enabled)('records a failing firing on the row and retries it after the backoff', async () => {
    const { engine, clock } = await setup();
    const manual = clock as ReturnType<typeof createManualClock>;
    const s = scheduler(engine, { retryBackoffMs: (attempt) => attempt * 60_000 });
    const { case: c } = await engine.createCase({ workflowId: 'faulty', org: 'district-a', actor: clerk });
    manual.advance(3 * DAY);
    expect(await s.runDue()).toBe(0);
    expect(await timerRows(engine, c.id)).toMatchObject([{ status: 'firing', attempts: 1, lastError: expect.stringContaining('invalid') }]);
    expect(await s.runDue()).toBe(0); // the claim holds until the retry time
    expect(s.stats().failures).toBe(1);
    manual.advance(60_000);
    expect(await s.runDue()).toBe(0);
    expect(s.stats().failures).toBe(2);
    expect(await timerRows(engine, c.id)).toMatchObject([{ attempts: 2 }]);
    expect(await types(engine, c.id)).toEqual(['case.created']);
  });

  it.skipIf(!enabled)('moves the due date by the whole days paused and by an extension, and re-arms the timer each time', async () => {
    const { engine, clock } = await setup();
    const manual = clock as ReturnType<typeof createManualClock>;
    const s = scheduler(engine);
    const deadline = async (caseId: string) => (await engine.store.getCase(caseId))!.state.deadlines[0]!;
    const { case: c } = await engine.createCase({ workflowId: 'paused', org: 'district-a', actor: clerk });
    expect(await deadline(c.id)).toMatchObject({ key: 'rectifying#rectify', dueAt: '2026-01-15T16:00:00.000Z', dueDate: '2026-01-15', generation: 0 });
    expect((await timerRows(engine, c.id)).map((r) => [r.kind, r.generation, r.dueAt])).toEqual([['due', 0, '2026-01-15T16:00:00.000Z']]);

    manual.set('2026-01-06T03:00:00.000Z');
    await engine.send(c.id, { type: 'requestAppraisal' }, clerk);
    expect(await deadline(c.id)).toMatchObject({ status: 'paused', pausedAt: '2026-01-06T03:00:00.000Z' });
    expect(await timerRows(engine, c.id)).toEqual([]); // a paused deadline has no timer

    // Past the original due date while paused: nothing fires.
    manual.set('2026-01-16T01:00:00.000Z');
    expect(await s.runDue()).toBe(0);
    await engine.send(c.id, { type: 'appraisalDone' }, appraiser);
    // Paused from local 01-06 to local 01-16: ten whole days.
    expect(await deadline(c.id)).toMatchObject({ status: 'running', pausedDays: 10, dueDate: '2026-01-25', dueAt: '2026-01-25T16:00:00.000Z', generation: 1 });
    expect((await timerRows(engine, c.id)).map((r) => [r.kind, r.generation, r.dueAt])).toEqual([['due', 1, '2026-01-25T16:00:00.000Z']]);

    await expect(engine.send(c.id, { type: 'deadline.extend', payload: { deadline: 'rectifying#rectify', by: 'P5D', reason: '材料补正' } }, clerk)).rejects.toMatchObject({ code: 'forbidden' });
    await engine.send(c.id, { type: 'deadline.extend', payload: { deadline: 'rectifying#rectify', by: 'P5D', reason: '材料补正' } }, chief);
    expect(await deadline(c.id)).toMatchObject({ dueDate: '2026-01-30', dueAt: '2026-01-30T16:00:00.000Z', generation: 2, extensions: [{ by: 'P5D', reason: '材料补正', actor: chief.id }] });
    expect((await timerRows(engine, c.id)).map((r) => [r.kind, r.generation, r.dueAt])).toEqual([['due', 2, '2026-01-30T16:00:00.000Z']]);

    manual.set('2026-01-30T15:59:59.999Z');
    expect(await s.runDue()).toBe(0);
    manual.set('2026-01-30T16:00:00.000Z');
    expect(await s.runDue()).toBe(1);
    expect(await types(engine, c.id)).toEqual(['case.created', 'requestAppraisal', 'appraisalDone', 'deadline.extend', 'deadline.due']);
    expect((await engine.getCase(c.id)).data).toEqual({ overdue: true });
  });

  it.skipIf(!enabled)('fires each timer once when schedulers of several processes race on one database', { timeout: 60_000 }, async () => {
    const fresh = await setup();
    const manual = fresh.clock as ReturnType<typeof createManualClock>;
    const cases = 12;
    const ids: string[] = [];
    for (let i = 0; i < cases; i++) ids.push((await fresh.engine.createCase({ workflowId: 'timed', org: 'district-a', actor: clerk })).case.id);

    // Engines on other store instances of the same data: two more processes, and on PostgreSQL one more in this process.
    const engines = [fresh.engine];
    if (name === 'postgres') engines.push(await createEngine({ store: reopened(fresh), clock: manual, workflows: timedWorkflows }));
    const local = engines.flatMap((engine) => [scheduler(engine, { batchSize: 7 }), scheduler(engine, { batchSize: 7 })]);
    const options = storeOptionsOf(fresh.store);

    async function race(now: string): Promise<number> {
      manual.set(now);
      const startAtMs = Date.now() + 2_500;
      const args: SchedulerProcessArgs = { options, now, startAtMs, rounds: 5, schedulers: 2 };
      const children = [0, 1].map(() => run(process.execPath, ['--import', 'tsx', 'test/support/scheduler-process.ts', JSON.stringify(args)], { cwd: root }));
      await new Promise((resolve) => setTimeout(resolve, startAtMs - Date.now()));
      for (let r = 0; r < 5; r++) await Promise.all(local.map((s) => s.runDue()));
      // allSettled: a failed child must not let cleanup run while its sibling still writes.
      const settled = await Promise.allSettled(children);
      return settled.reduce((sum, r) => {
        if (r.status === 'rejected') throw r.reason;
        const result = JSON.parse(r.value.stdout) as SchedulerProcessResult;
        expect(result.failures).toBe(0);
        return sum + result.fired;
      }, 0);
    }

    // Two rounds, so a reminder and its due time are never claimable at once: when they are, two processes may claim
    // one each, and if the due time commits first the reminder is dropped as stale (a reminder is not sent late).
    const firedRemote = (await race('2026-01-06T00:00:00.000Z')) + (await race('2026-01-12T00:00:00.000Z'));
    const firedLocal = local.reduce((sum, s) => sum + s.stats().fired, 0);
    expect(firedLocal + firedRemote).toBe(cases * 4);
    for (const id of ids) expect(await types(fresh.engine, id)).toEqual(['case.created', 'deadline.remind', 'deadline.due', 'deadline.escalate', 'deadline.escalate']);
    expect(await timerRows(fresh.engine)).toEqual([]);
    for (const s of local) expect(s.stats().failures).toBe(0);
  });
});
