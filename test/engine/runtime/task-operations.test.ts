import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, type Engine } from '../../../engine/index.js';
import { chief, clerk, counterWorkflow } from '../../support/counter-workflow.js';
import { freshSqliteStore } from '../../support/stores.js';

const clerk2 = { id: 'u-clerk-2', roles: ['clerk'], org: 'district-a' };

describe('task operations', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  async function engine(): Promise<Engine> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    return createEngine({ store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [counterWorkflow] });
  }

  it('claims a task for oneself and refuses a second claimant', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    await e.send(c.id, { type: 'task.claim', payload: { task: 'open' } }, clerk);
    expect((await e.listTasks({ assignee: clerk.id })).map((t) => t.stateId)).toEqual(['open']);
    await expect(e.send(c.id, { type: 'task.claim', payload: { task: 'open' } }, clerk2)).rejects.toMatchObject({ code: 'task_conflict' });
    await expect(e.send(c.id, { type: 'task.claim', payload: { task: 'open' } }, chief)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(e.send(c.id, { type: 'task.claim', payload: { task: 'review' } }, chief)).rejects.toMatchObject({ code: 'task_conflict' });
  });

  it('transfers a task (转办) and drops the assignment when the state is left', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    await e.send(c.id, { type: 'task.claim', payload: { task: 'open' } }, clerk);
    await expect(e.send(c.id, { type: 'task.transfer', payload: { task: 'open', to: 'x', reason: '休假' } }, clerk2)).rejects.toMatchObject({ code: 'forbidden' });
    await e.send(c.id, { type: 'task.transfer', payload: { task: 'open', to: clerk2.id, reason: '休假，转他人办理' } }, clerk);
    expect((await e.listTasks({ caseId: c.id }))[0]?.assignee).toBe(clerk2.id);
    await e.send(c.id, { type: 'note', payload: { text: 'a' } }, clerk2);
    await e.send(c.id, { type: 'submit' }, clerk2);
    const view = await e.getCase(c.id);
    expect(view.tasks.map((t) => [t.stateId, t.assignee])).toEqual([['review', null]]);
    expect((await e.store.getCase(c.id))!.state.assignments).toBeUndefined();
    expect((await e.verify(c.id)).ok).toBe(true);
  });

  it('withdraws one’s own last action (撤回) before anyone acts, restoring tasks and data', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    await e.send(c.id, { type: 'note', payload: { text: 'a' } }, clerk);
    const submitted = await e.send(c.id, { type: 'submit' }, clerk);
    await expect(e.send(c.id, { type: 'task.withdraw', payload: { seq: submitted.event.seq } }, clerk2)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(e.send(c.id, { type: 'task.withdraw', payload: { seq: 2 } }, clerk)).rejects.toMatchObject({ code: 'task_conflict' });
    const back = await e.send(c.id, { type: 'task.withdraw', payload: { seq: submitted.event.seq, reason: '材料有误' } }, clerk);
    expect(back.case.stateLabel).toBe('open');
    expect(back.case.tasks.map((t) => t.stateId)).toEqual(['open']);
    expect(back.case.data).toEqual({ count: 1, lastNote: 'a' });
    // A withdrawal is not itself withdrawable, and someone else acting closes the window.
    await expect(e.send(c.id, { type: 'task.withdraw', payload: { seq: back.event.seq } }, clerk)).rejects.toMatchObject({ code: 'task_conflict' });
    await e.send(c.id, { type: 'submit' }, clerk);
    await e.send(c.id, { type: 'sendBack' }, chief);
    await expect(e.send(c.id, { type: 'task.withdraw', payload: { seq: 6 } }, clerk)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await e.history(c.id)).map((ev) => ev.type)).toEqual(['case.created', 'note', 'submit', 'task.withdraw', 'submit', 'sendBack']);
    const history = await e.history(c.id);
    for (const ev of history) expect((await e.replay(c.id, { atSeq: ev.seq })).state).toEqual(ev.state);
    expect((await e.verify(c.id)).ok).toBe(true);
  });
});
