import { afterEach, describe, expect, it } from 'vitest';
import { cnCalendar, createEngine, createManualClock, defineWorkflow, type Actor, type Effect, type Engine, type ManualClock } from '../../../engine/index.js';
import type { KnexStore } from '../../../engine/adapters/knex-store.js';
import { createKnexOutboxStore } from '../../../notifications/index.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

const clerk: Actor = { id: 'u-clerk', roles: ['clerk'], org: 'district-a', name: '李办事' };

/** A letter whose reply is due in 10 working days, with a reminder two working days before. */
const letterWorkflow = defineWorkflow({
  id: 'letter',
  version: 1,
  title: { zh: '函件', en: 'Letter' },
  roles: ['clerk', 'system'],
  data: { type: 'object', properties: {} },
  initial: 'open',
  states: {
    open: {
      task: { title: '回复', role: 'clerk' },
      deadlines: [{ id: 'reply', title: { zh: '回复期限', en: 'Reply' }, duration: '10 workdays', remind: [{ before: '-2 workdays' }] }],
      on: { reply: { target: 'done', roles: ['clerk'] } },
    },
    done: { type: 'final' },
  },
});

/**
 * A stand-in for the 2027 notice (test data, not the real notice): 元旦 on the 1st and a make-up
 * working Saturday on the 2nd, so a due date counted on the provisional year moves a day earlier.
 */
const official2027 = {
  ...cnCalendar,
  version: 2,
  source: `${cnCalendar.source ?? ''}；测试用2027年通知`,
  years: [2025, 2026, 2027],
  days: [...cnCalendar.days, { date: '2027-01-01', kind: 'holiday' as const, name: '元旦' }, { date: '2027-01-02', kind: 'workday' as const, name: '元旦调休上班' }],
};

describe.each(backends)('re-baselining provisional deadlines on $name', ({ make, enabled }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  async function setup(at = '2026-12-21T02:00:00.000Z'): Promise<{ e: Engine; clock: ManualClock; store: KnexStore; committed: Effect[] }> {
    const { store, cleanup } = await make();
    cleanups.push(cleanup);
    const clock = createManualClock(at);
    const e = await createEngine({ store, clock, workflows: [letterWorkflow] });
    const committed: Effect[] = [];
    e.onCommit(({ effects }) => committed.push(...effects));
    return { e, clock, store, committed };
  }

  it.skipIf(!enabled)('marks a deadline counted on 2027 provisional in the case view and the task', async () => {
    const { e } = await setup();
    const { case: c } = await e.createCase({ workflowId: 'letter', org: 'district-a', actor: clerk });
    expect(c.deadlines[0]).toMatchObject({ dueDate: '2027-01-05', provisional: true, provisionalYears: [2027], calendar: { id: 'cn', version: 1 } });
    expect(c.tasks[0]).toMatchObject({ dueAt: '2027-01-05T16:00:00.000Z', dueProvisional: true });
    expect((await e.listTasks({ caseId: c.id }))[0]?.dueProvisional).toBe(true);
  });

  it.skipIf(!enabled)('does not mark a deadline that ends in an official year', async () => {
    const { e } = await setup('2026-11-30T02:00:00.000Z');
    const { case: c } = await e.createCase({ workflowId: 'letter', org: 'district-a', actor: clerk });
    expect(c.deadlines[0]?.dueDate).toBe('2026-12-14');
    expect(c.deadlines[0]?.provisional).toBeUndefined();
    expect(c.tasks[0]?.dueProvisional).toBeUndefined();
  });

  it.skipIf(!enabled)('recomputes on the official year with one history event, moves the timers and notifies when the date moves earlier', async () => {
    const { e, store, committed } = await setup();
    const { case: c } = await e.createCase({ workflowId: 'letter', org: 'district-a', actor: clerk });
    const done = await e.createCase({ workflowId: 'letter', org: 'district-a', actor: clerk });
    await e.send(done.case.id, { type: 'reply' }, clerk);

    expect(await e.calendars.add(official2027)).toMatchObject({ id: 'cn', version: 2, created: true });
    const report = await e.rebaselineCalendar('cn', { reason: '国务院办公厅公布2027年放假安排' });
    expect(report.rebaselined).toEqual([
      { caseId: c.id, seq: 2, changes: [{ deadline: 'open#reply', fromVersion: 1, toVersion: 2, oldDueAt: '2027-01-05T16:00:00.000Z', newDueAt: '2027-01-04T16:00:00.000Z', oldDueDate: '2027-01-05', newDueDate: '2027-01-04' }] },
    ]);
    expect(report.failed).toEqual([]);

    const history = await e.history(c.id);
    expect(history.at(-1)).toMatchObject({ type: 'deadline.rebaselined', actor: { id: 'system:calendar' }, env: { calendars: { cn: 2 } }, payload: { calendar: 'cn', reason: '国务院办公厅公布2027年放假安排' } });
    const view = await e.getCase(c.id);
    expect(view.deadlines[0]).toMatchObject({ dueDate: '2027-01-04', calendar: { id: 'cn', version: 2 } });
    expect(view.deadlines[0]?.provisional).toBeUndefined();
    expect(view.tasks[0]).toMatchObject({ dueAt: '2027-01-04T16:00:00.000Z' });
    expect(view.tasks[0]?.dueProvisional).toBeUndefined();

    // The due timer and the reminder (two working days before: Thursday 31 December) sit on the new dates.
    const timers = (await store.timers.listAll(100)).filter((t) => t.caseId === c.id).map((t) => [t.kind, t.dueAt]);
    expect(timers.sort()).toEqual([['due', '2027-01-04T16:00:00.000Z'], ['remind', '2026-12-30T16:00:00.000Z']]);

    // The clerk hears that the reply is due a day earlier.
    const notice = committed.find((x) => x.type === 'notify' && x.template === 'deadline-rebaselined');
    expect(notice).toMatchObject({ to: [{ role: 'clerk', org: 'district-a' }], vars: { deadline: { dueAt: '2027-01-04T16:00:00.000Z', previousDueAt: '2027-01-05T16:00:00.000Z' } } });
    expect((await createKnexOutboxStore(store).list({ caseId: c.id, limit: 10 })).some((r) => r.template === 'deadline-rebaselined')).toBe(true);

    // Replay is exact and the audit chain verifies.
    expect((await e.replay(c.id)).state).toEqual((await store.getCase(c.id))?.state);
    expect(await e.verify()).toMatchObject({ ok: true, failures: [] });

    // A second pass finds nothing to do and appends nothing.
    expect((await e.rebaselineCalendar('cn')).rebaselined).toEqual([]);
    expect(await e.history(c.id)).toHaveLength(history.length);
  });

  it.skipIf(!enabled)('sends no notice when the official year moves a date later', async () => {
    const { e, committed } = await setup();
    const { case: c } = await e.createCase({ workflowId: 'letter', org: 'district-a', actor: clerk });
    await e.calendars.add({ ...official2027, days: [...cnCalendar.days, { date: '2027-01-01', kind: 'holiday', name: '元旦' }, { date: '2027-01-04', kind: 'holiday', name: '元旦' }] });
    const report = await e.rebaselineCalendar('cn');
    expect(report.rebaselined[0]?.changes[0]).toMatchObject({ oldDueDate: '2027-01-05', newDueDate: '2027-01-06' });
    expect(committed.some((x) => x.type === 'notify' && x.template === 'deadline-rebaselined')).toBe(false);
    expect((await e.getCase(c.id)).deadlines[0]?.dueDate).toBe('2027-01-06');
    expect(await e.verify(c.id)).toMatchObject({ ok: true });
  });

  it.skipIf(!enabled)('refuses deadline.rebaselined from a user', async () => {
    const { e } = await setup();
    const { case: c } = await e.createCase({ workflowId: 'letter', org: 'district-a', actor: clerk });
    await expect(e.send(c.id, { type: 'deadline.rebaselined', payload: { calendar: 'cn', reason: '手工' } }, clerk)).rejects.toMatchObject({ code: 'system_only_event' });
  });

  it.skipIf(!enabled)('refuses a deadline past the three provisional years with calendar_out_of_range', async () => {
    const { e } = await setup('2029-12-20T02:00:00.000Z');
    await expect(e.createCase({ workflowId: 'letter', org: 'district-a', actor: clerk })).rejects.toMatchObject({ code: 'calendar_out_of_range' });
  });
});
