import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, defineWorkflow, type Engine, type KnexStore } from '../../../engine/index.js';
import { freshSqliteStore } from '../../support/stores.js';

const office = { id: 'office-1', roles: ['office'], org: 'city' };
const unitA = { id: 'unit-a', roles: ['unit'], org: 'district-a' };
const unitB = { id: 'unit-b', roles: ['unit'], org: 'district-b' };

const assignment = defineWorkflow({
  id: 'test-assignment',
  version: 1,
  title: '承办',
  roles: ['unit', 'office'],
  data: { type: 'object', properties: { unit: { type: 'string' }, matter: { type: 'string' }, reply: { type: 'string' } } },
  initial: 'dispatched',
  states: {
    dispatched: {
      task: { title: '签收并办理', role: 'unit' },
      notify: [{ template: 'task-assigned', kind: 'actionRequired', to: [{ role: 'unit' }] }],
      on: { reply: { target: 'replied', roles: ['unit'], input: { type: 'object', properties: { reply: { type: 'string', minLength: 1 } }, required: ['reply'] }, assign: ['reply'] } },
    },
    replied: { on: { accept: { target: 'accepted', roles: ['office'] } } },
    accepted: { type: 'final' },
  },
});

const letter = defineWorkflow({
  id: 'test-letter',
  version: 1,
  title: '督办函',
  roles: ['office', 'system'],
  data: {
    type: 'object',
    properties: { units: { type: 'array', items: { type: 'object', properties: { org: { type: 'string' }, name: { type: 'string' } } } }, matter: { type: 'string' } },
  },
  initial: 'drafting',
  states: {
    drafting: { on: { issue: { target: 'issued', roles: ['office'] } } },
    issued: {
      spawn: { workflow: 'test-assignment', forEach: 'units', org: { var: 'item.org' }, input: { unit: { var: 'item.name' }, matter: { var: 'data.matter' } }, onChildDone: 'childFinished' },
      on: {
        childFinished: [
          { target: 'allAccepted', roles: ['system'], guard: { all: [{ var: 'children' }, { '==': [{ var: 'finalState' }, 'accepted'] }] } },
          { roles: ['system'] },
        ],
      },
    },
    allAccepted: { type: 'final', notify: [{ template: 'case-closed', kind: 'closed', to: [{ role: 'office' }] }] },
  },
});

describe('child cases', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function setup(): Promise<{ engine: Engine; store: KnexStore }> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    const engine = await createEngine({ store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [assignment, letter] });
    return { engine, store: store as KnexStore };
  }

  async function deliverSignals(engine: Engine, store: KnexStore): Promise<number> {
    let n = 0;
    for (const t of await store.timers.listDue('2099-01-01T00:00:00.000Z', 100)) {
      if (t.kind !== 'signal') continue;
      await engine.fireTimer(t);
      n++;
    }
    return n;
  }

  it('spawns one child per unit in its org, and the parent completes only when every child is accepted', async () => {
    const { engine, store } = await setup();
    const { case: parent } = await engine.createCase({ workflowId: 'test-letter', org: 'city', data: { units: [{ org: 'district-a', name: 'A区' }, { org: 'district-b', name: 'B区' }], matter: '整改粉尘涉爆隐患' }, actor: office });
    const issued = await engine.send(parent.id, { type: 'issue' }, office);
    const children = (await store.getCase(parent.id))!.state.children!;
    expect(children.map((c) => [c.org, c.finalState])).toEqual([['district-a', null], ['district-b', null]]);
    const [a, b] = children;
    expect((await engine.getCase(a!.caseId)).data).toEqual({ unit: 'A区', matter: '整改粉尘涉爆隐患' });
    expect((await engine.listTasks({ orgs: ['district-b'] })).map((t) => t.caseId)).toEqual([b!.caseId]);
    expect(issued.event.seq).toBe(2);
    expect((await engine.history(a!.caseId))[0]?.payload).toMatchObject({ parent: { caseId: parent.id, stateId: 'issued', index: 0 } });

    await engine.send(a!.caseId, { type: 'reply', payload: { reply: '已整改' } }, unitA);
    await engine.send(a!.caseId, { type: 'accept' }, office);
    expect(await deliverSignals(engine, store)).toBe(1);
    expect(await deliverSignals(engine, store)).toBe(0);
    expect((await engine.getCase(parent.id)).stateLabel).toBe('issued');

    await engine.send(b!.caseId, { type: 'reply', payload: { reply: '已整改完毕' } }, unitB);
    await engine.send(b!.caseId, { type: 'accept' }, office);
    await deliverSignals(engine, store);
    const done = await engine.getCase(parent.id);
    expect(done.stateLabel).toBe('allAccepted');
    expect((await engine.history(parent.id)).map((e) => e.type)).toEqual(['case.created', 'issue', 'case.childDone', 'case.childDone']);
    expect((await engine.verify()).ok).toBe(true);
  });

  it('delivers a child end once even when the signal fires twice', async () => {
    const { engine, store } = await setup();
    const { case: parent } = await engine.createCase({ workflowId: 'test-letter', org: 'city', data: { units: [{ org: 'district-a', name: 'A区' }], matter: 'x' }, actor: office });
    await engine.send(parent.id, { type: 'issue' }, office);
    const [a] = (await store.getCase(parent.id))!.state.children!;
    await engine.send(a!.caseId, { type: 'reply', payload: { reply: 'ok' } }, unitA);
    await engine.send(a!.caseId, { type: 'accept' }, office);
    const [signal] = (await store.timers.listDue('2099-01-01T00:00:00.000Z', 10)).filter((t) => t.kind === 'signal');
    const outcomes = await Promise.all([engine.fireTimer(signal!), engine.fireTimer(signal!)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'fired']);
    expect((await engine.history(parent.id)).filter((e) => e.type === 'case.childDone')).toHaveLength(1);
  });

  it('writes notifications to the outbox in the step transaction, never for a refused step', async () => {
    const { engine, store } = await setup();
    const { case: parent } = await engine.createCase({ workflowId: 'test-letter', org: 'city', data: { units: [{ org: 'district-a', name: 'A区' }, { org: 'district-b', name: 'B区' }], matter: 'x' }, actor: office });
    await engine.send(parent.id, { type: 'issue' }, office);
    const rows = (await store.knex('outbox').select('template', 'recipients', 'status').orderBy('id')) as { template: string; recipients: string; status: string }[];
    expect(rows.map((r) => [r.template, JSON.parse(r.recipients), r.status])).toEqual([
      ['task-assigned', [{ role: 'unit', org: 'district-a' }], 'pending'],
      ['task-assigned', [{ role: 'unit', org: 'district-b' }], 'pending'],
    ]);
    const [a] = (await store.getCase(parent.id))!.state.children!;
    await expect(engine.send(a!.caseId, { type: 'reply', payload: { reply: '' } }, unitA)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await store.knex('outbox').count({ n: '*' }).first()).toMatchObject({ n: 2 });
  });
});
