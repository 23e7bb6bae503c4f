/**
 * The timer store's claims, on SQLite and PostgreSQL: `claimDue` takes the
 * earliest due rows in one statement, a batch at a time, and never a row
 * whose earlier sibling (same case) another scheduler holds; `claimThrough`
 * takes a row with every earlier row of its case and says when it is held
 * or gone; `release` gives rows back without counting an attempt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, type Engine, type ManualClock } from '../../../engine/index.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';
import { clerk, timedWorkflows } from '../../support/timed-workflows.js';

const T0 = '2026-01-05T01:00:00.000Z';
const LATER = '2026-01-12T00:00:00.000Z';
const UNTIL = '2026-02-01T00:00:00.000Z';
const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

describe.each(backends)('timer claims on $name', ({ make, enabled }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function setup(cases: number): Promise<{ engine: Engine; clock: ManualClock; ids: string[] }> {
    const fresh = await make();
    cleanups.push(fresh.cleanup);
    const clock = createManualClock(T0);
    const engine = await createEngine({ store: fresh.store, clock, workflows: timedWorkflows });
    const ids: string[] = [];
    for (let i = 0; i < cases; i++) ids.push((await engine.createCase({ workflowId: 'timed', org: 'district-a', actor: clerk })).case.id);
    return { engine, clock, ids };
  }

  it.skipIf(!enabled)('claims the earliest due rows a batch at a time, each once', async () => {
    const { engine, clock, ids } = await setup(3);
    const timers = engine.store.timers;
    clock.set(LATER);
    const now = clock.now().toISOString();
    // Each case has a reminder (01-05 16:00) and a due time (01-07 16:00).
    const first = await timers.claimDue(now, now, 4, 'a', UNTIL);
    expect(first.map((r) => r.kind)).toEqual(['remind', 'remind', 'remind', 'due']);
    expect(first.every((r) => r.status === 'firing')).toBe(true);
    const second = await timers.claimDue(now, now, 4, 'b', UNTIL);
    expect(second.map((r) => r.kind)).toEqual([]); // the rest wait behind rows `a` holds
    await timers.release(first.slice(1).map((r) => r.timerKey), 'a');
    const third = await timers.claimDue(now, now, 10, 'b', UNTIL);
    // The due time of the case whose reminder `a` still holds waits behind it.
    const heldCase = first[0]!.caseId;
    expect(third.map((r) => r.kind)).toEqual(['remind', 'remind', 'due', 'due']);
    expect(new Set(third.map((r) => r.caseId))).toEqual(new Set(ids.filter((id) => id !== heldCase)));
    expect(await timers.claimDue(now, now, 10, 'c', UNTIL)).toEqual([]);
    expect(await timers.count()).toEqual({ pending: 1, firing: 5 });
    expect(await timers.nextDueAt(now)).toBeUndefined();
  });

  it.skipIf(!enabled)('claims a row with the earlier rows of its case, and tells held from gone', async () => {
    const { engine, clock, ids } = await setup(1);
    const timers = engine.store.timers;
    clock.set(LATER);
    const now = clock.now().toISOString();
    const rows = await timers.listAll(10);
    const [remind, due] = [rows.find((r) => r.kind === 'remind')!, rows.find((r) => r.kind === 'due')!];
    expect(await timers.claimThrough(due.timerKey, now, 'a', UNTIL)).toMatchObject({ target: 'claimed', rows: [{ timerKey: remind.timerKey }, { timerKey: due.timerKey }] });
    expect(await timers.claimThrough(due.timerKey, now, 'b', UNTIL)).toEqual({ rows: [], target: 'held' });
    await timers.release([due.timerKey], 'a');
    // The due time is free again, but its reminder is still held by `a`.
    expect(await timers.claimThrough(due.timerKey, now, 'b', UNTIL)).toEqual({ rows: [], target: 'held' });
    expect(await timers.claimThrough(`${ids[0]}:nothing`, now, 'b', UNTIL)).toEqual({ rows: [], target: 'gone' });
  });
});
