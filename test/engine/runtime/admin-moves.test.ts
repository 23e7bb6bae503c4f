import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, type Engine } from '../../../engine/index.js';
import { admin, chief, clerk, clerk2, movesWorkflow, movesWorkflowV2 } from '../../support/moves-workflow.js';
import { freshSqliteStore } from '../../support/stores.js';
import type { KnexStore } from '../../../engine/index.js';

describe('administrative moves', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  async function engine(): Promise<{ e: Engine; store: KnexStore }> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    return { e: await createEngine({ store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [movesWorkflow] }), store };
  }
  async function inReview(e: Engine) {
    const { case: c } = await e.createCase({ workflowId: 'moves', org: 'district-a', actor: clerk });
    const r = await e.send(c.id, { type: 'submit' }, clerk);
    return { id: c.id, seq: r.event.seq };
  }

  it('terminates (终止) only by a role the definition names, closing tasks and timers', async () => {
    const { e, store } = await engine();
    const { id } = await inReview(e);
    expect((await store.timers.count()).pending).toBe(1);
    await expect(e.send(id, { type: 'case.terminate', payload: { reason: '重复立案' } }, clerk)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(e.send(id, { type: 'case.terminate', payload: {} }, chief)).rejects.toMatchObject({ code: 'invalid_input' });
    const r = await e.send(id, { type: 'case.terminate', payload: { reason: '重复立案' } }, chief);
    expect(r.case.status).toBe('done');
    expect(r.event.state.terminated).toEqual({ at: '2026-03-02T02:00:00.000Z', by: chief.id, reason: '重复立案' });
    expect(r.case.tasks).toEqual([]);
    expect((await store.timers.count()).pending).toBe(0);
    await expect(e.send(id, { type: 'case.terminate', payload: { reason: 'x' } }, chief)).rejects.toMatchObject({ code: 'case_closed' });
    expect((await e.verify(id)).ok).toBe(true);
  });

  it('jumps (跳转) as an administrator only, recording where from, with tasks and timers recomputed', async () => {
    const { e, store } = await engine();
    const { id } = await inReview(e);
    await expect(e.send(id, { type: 'case.jump', payload: { to: 'archive', reason: '补录' } }, chief)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(e.send(id, { type: 'case.jump', payload: { to: 'nowhere', reason: '补录' } }, admin)).rejects.toMatchObject({ code: 'invalid_input', issues: [{ code: 'unknown_state' }] });
    await expect(e.send(id, { type: 'case.jump', payload: { to: 'review', reason: '补录' } }, admin)).rejects.toMatchObject({ code: 'invalid_input', issues: [{ code: 'same_state' }] });
    const r = await e.send(id, { type: 'case.jump', payload: { to: 'archive', reason: '线下已审核，补录' } }, admin);
    expect(r.event.payload).toEqual({ to: 'archive', reason: '线下已审核，补录', from: 'review' });
    expect(r.case.tasks.map((t) => t.stateId)).toEqual(['archive']);
    expect((await store.timers.count()).pending).toBe(0);
    const back = await e.send(id, { type: 'case.jump', payload: { to: 'review', reason: '重新审核' } }, admin);
    expect(back.case.tasks.map((t) => t.stateId)).toEqual(['review']);
    expect((await store.timers.count()).pending).toBe(1);
    const closed = await e.send(id, { type: 'case.jump', payload: { to: 'done', reason: '办结' } }, admin);
    expect(closed.case.status).toBe('done');
    expect((await e.verify(id)).ok).toBe(true);
  });

  it('sends back (退回) to an earlier state the definition allows, by the task holder only', async () => {
    const { e } = await engine();
    const { id } = await inReview(e);
    await expect(e.send(id, { type: 'case.sendBack', payload: { to: 'draft', reason: '材料不全' } }, clerk)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(e.send(id, { type: 'case.sendBack', payload: { to: 'archive', reason: '材料不全' } }, chief)).rejects.toMatchObject({ code: 'invalid_input', issues: [{ code: 'not_a_send_back_target' }] });
    const r = await e.send(id, { type: 'case.sendBack', payload: { to: 'draft', reason: '材料不全' } }, chief);
    expect(r.event.payload).toEqual({ to: 'draft', reason: '材料不全', from: 'review' });
    expect(r.case.tasks.map((t) => t.stateId)).toEqual(['draft']);
    // The draft declares no 退回.
    await expect(e.send(id, { type: 'case.sendBack', payload: { to: 'review', reason: 'x' } }, clerk)).rejects.toMatchObject({ code: 'invalid_transition' });
    expect((await e.verify(id)).ok).toBe(true);
  });

  it('takes back (拿回) by the sender while the next handler has not opened the task', async () => {
    const { e, store } = await engine();
    const { id, seq } = await inReview(e);
    await expect(e.send(id, { type: 'task.takeBack', payload: { seq, reason: '漏传附件' } }, clerk2)).rejects.toMatchObject({ code: 'forbidden' });
    const r = await e.send(id, { type: 'task.takeBack', payload: { seq, reason: '漏传附件' } }, clerk);
    expect(r.case.tasks.map((t) => t.stateId)).toEqual(['draft']);
    expect(r.case.data).toEqual({ count: 0 });
    expect((await store.timers.count()).pending).toBe(0);
    const again = await e.send(id, { type: 'submit' }, clerk);
    const [task] = await e.listTasks({ caseId: id });
    expect(await store.markTaskViewed(task!.taskKey, chief.id, '2026-03-02T03:00:00.000Z')).toBe(true);
    expect(await store.markTaskViewed(task!.taskKey, 'u-other', '2026-03-02T03:01:00.000Z')).toBe(false);
    expect((await e.listTasks({ caseId: id }))[0]).toMatchObject({ viewedBy: chief.id, viewedAt: '2026-03-02T03:00:00.000Z' });
    await expect(e.send(id, { type: 'task.takeBack', payload: { seq: again.event.seq, reason: '漏传附件' } }, clerk)).rejects.toMatchObject({ code: 'task_conflict' });
    expect((await e.verify(id)).ok).toBe(true);
    expect((await e.replay(id, { fromStart: true })).state).toEqual((await e.findCase(id))!.state);
  });

  it('migrates running cases to a new version: dry run first, uncovered cases listed and left, replay exact across the migration', async () => {
    const { e, store } = await engine();
    const a = await inReview(e);
    const { case: b } = await e.createCase({ workflowId: 'moves', org: 'district-a', actor: clerk });
    const { case: c } = await e.createCase({ workflowId: 'moves', org: 'district-a', actor: clerk });
    await e.send(c.id, { type: 'submit' }, clerk);
    await e.send(c.id, { type: 'approve' }, chief);
    await e.registerWorkflow(movesWorkflowV2);
    const map = { states: { draft: 'draft', review: 'check' }, data: { comment: { var: 'data.note' } }, drop: ['note'] };
    await expect(e.migrateCases({ workflowId: 'moves', fromVersion: 1, toVersion: 2, map: { states: { reviw: 'check' } }, actor: admin })).rejects.toMatchObject({ code: 'invalid_input', issues: [{ code: 'unknown_state', path: ['map', 'states', 'reviw'] }] });
    const dry = await e.migrateCases({ workflowId: 'moves', fromVersion: 1, toVersion: 2, map, actor: admin, dryRun: true });
    expect(dry.cases.map((l) => [l.caseId, l.from, l.to, l.uncovered?.reason ?? null]).sort()).toEqual([[a.id, 'review', 'check', null], [b.id, 'draft', 'draft', null], [c.id, 'archive', null, 'unmapped_state']].sort());
    expect((await e.findCase(a.id))!.workflowVersion).toBe(1);
    const run = await e.migrateCases({ workflowId: 'moves', fromVersion: 1, toVersion: 2, map, actor: admin });
    expect([run.migrated, run.uncovered, run.failed]).toEqual([2, 1, []]);
    const moved = (await e.findCase(a.id))!;
    expect([moved.workflowVersion, moved.state.value]).toEqual([2, 'check']);
    expect((await e.listTasks({ caseId: a.id })).map((t) => t.stateId)).toEqual(['check']);
    // The old deadline did not survive its state; the new state's deadline started (5 days), one timer armed.
    expect(moved.state.deadlines.map((d) => d.deadlineId)).toEqual(['check']);
    expect((await store.timers.count()).pending).toBe(1);
    const ev = (await e.history(a.id)).at(-1)!;
    expect(ev).toMatchObject({ type: 'case.migrated', payload: { fromVersion: 1, toVersion: 2, mapHash: run.mapHash, from: 'review', to: 'check' } });
    expect((await e.findCase(c.id))!.workflowVersion).toBe(1);
    await e.send(a.id, { type: 'approve' }, chief);
    for (const id of [a.id, b.id, c.id]) expect((await e.verify(id)).ok).toBe(true);
    expect((await e.replay(a.id, { fromStart: true })).state).toEqual((await e.findCase(a.id))!.state);
    expect((await e.replay(a.id, { atSeq: 2 })).state.value).toBe('review');
    // Running it again moves nothing more.
    const again = await e.migrateCases({ workflowId: 'moves', fromVersion: 1, toVersion: 2, map, actor: admin });
    expect(again.cases.map((l) => l.caseId)).toEqual([c.id]);
  });
});
