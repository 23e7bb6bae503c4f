import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, type Engine } from '../../../engine/index.js';
import { signWorkflow } from '../../support/sign-workflow.js';
import { freshSqliteStore } from '../../support/stores.js';

const clerk = { id: 'c1', roles: ['clerk'], org: 'o1' };
const leader = { id: 'l1', roles: ['leader'], org: 'o1' };
const reviewer = (org: string) => ({ id: `r-${org}`, roles: ['reviewer'], org });

describe('signatures, delegation and copies in the engine', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  async function engine(): Promise<Engine> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    return createEngine({ store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [signWorkflow('all')] });
  }

  it('keeps a worklist row per pending signer, records each act as an event, and replays and verifies exactly', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'sign-demo', org: 'o1', data: {}, actor: clerk });
    await e.send(c.id, { type: 'submit', payload: { units: ['u1', 'u2'] } }, clerk);
    await e.send(c.id, { type: 'task.delegate', payload: { task: 'review', to: 'staff1', reason: '先审' } }, leader);
    expect((await e.listTasks({ caseId: c.id })).map((t) => [t.taskKey, t.assignee])).toEqual([[`${c.id}:review`, 'staff1']]);
    await e.send(c.id, { type: 'task.resolve', payload: { task: 'review', comment: '可以' } }, { id: 'staff1', roles: ['staff'] });
    expect((await e.listTasks({ caseId: c.id }))[0]?.assignee).toBe('l1');
    await e.send(c.id, { type: 'approve', payload: {} }, leader);
    expect((await e.listTasks({ caseId: c.id })).map((t) => [t.taskKey, t.role, t.org])).toEqual([[`${c.id}:joint#s1`, 'reviewer', 'u1'], [`${c.id}:joint#s2`, 'reviewer', 'u2']]);
    await e.send(c.id, { type: 'task.addSigners', payload: { task: 'joint', signers: [{ role: 'reviewer', org: 'u3' }], reason: '请三号单位参加' } }, leader);
    await e.send(c.id, { type: 'task.sign', payload: { task: 'joint', decision: 'approve', comment: '同意' } }, reviewer('u1'));
    expect((await e.listTasks({ caseId: c.id })).map((t) => t.org)).toEqual(['u2', 'u3']);
    await e.send(c.id, { type: 'task.removeSigner', payload: { task: 'joint', slot: 's3', reason: '不参加' } }, leader);
    const last = await e.send(c.id, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' } }, reviewer('u2'));
    expect(last.case.status).toBe('done');
    expect(await e.listTasks({ caseId: c.id })).toEqual([]);
    const history = await e.history(c.id);
    expect(history.map((ev) => ev.type)).toEqual(['case.created', 'submit', 'task.delegate', 'task.resolve', 'approve', 'task.addSigners', 'task.sign', 'task.removeSigner', 'task.sign']);
    for (const ev of history) expect((await e.replay(c.id, { atSeq: ev.seq })).state).toEqual(ev.state);
    expect((await e.verify(c.id)).ok).toBe(true);
    // The copy on closing, then its reading, after the case ended.
    const copy = last.event.state.copies![0]!;
    const reader = { id: 'c-u2', roles: ['clerk'], org: 'u2' };
    const read = await e.send(c.id, { type: 'copy.read', payload: { copy: copy.key } }, reader);
    expect(read.event.state.copies![0]!.reads).toEqual([{ userId: 'c-u2', at: '2026-03-02T02:00:00.000Z' }]);
    expect((await e.verify(c.id)).ok).toBe(true);
    expect((await e.replay(c.id)).state).toEqual(read.event.state);
  });
});
