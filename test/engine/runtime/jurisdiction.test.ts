/**
 * The engine with an org tree (the demo tree, through the server's org
 * directory over the real people store): children resolve their definition
 * by their own org, a hand-over is recorded and replays, and an engine
 * refuses a case in an unknown org.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, defineWorkflow, type Engine } from '../../../engine/index.js';
import { createOrgDirectory, createOrgResolver } from '../../../server/access.js';
import { DEMO_ORG_TREE } from '../../../server/demo.js';
import { importOrgTree } from '../../../server/people.js';
import { freshSqliteStore } from '../../support/stores.js';
import { createKnexPeopleStore } from '../../../server/knex-people.js';

const office = { id: 'office-1', roles: ['office'], org: 'donghu' };

const reply = (version: number, title: string) =>
  defineWorkflow({
    id: 'test-reply', version, title, roles: ['unit'], initial: 'open',
    states: { open: { task: { title: '办理', role: 'unit' }, on: { done: { target: 'closed', roles: ['unit'] } } }, closed: { type: 'final' } },
  });

/** Spawns one `test-reply` per listed org: directly (`org`) or handed over to each org's regulator. */
const dispatcher = (handOver: boolean) =>
  defineWorkflow({
    id: handOver ? 'test-hand-over' : 'test-dispatch', version: 1, title: '分派', roles: ['office', 'system'],
    data: { type: 'object', properties: { orgs: { type: 'array', items: { type: 'string' } } } },
    initial: 'sent',
    states: {
      sent: {
        spawn: { workflow: 'test-reply', forEach: 'orgs', ...(handOver ? { handOver: { to: 'regulatorOf' as const, org: { var: 'item' } } } : { org: { var: 'item' } }), onChildDone: 'childDone' },
        on: { childDone: { roles: ['system'] }, close: { target: 'closed', roles: ['office'] } },
      },
      closed: { type: 'final' },
    },
  });

describe('the engine with an org tree', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function setup(): Promise<Engine> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    await store.migrate();
    const clock = createManualClock('2026-03-02T02:00:00.000Z');
    const people = createKnexPeopleStore(store);
    await importOrgTree(people, clock, DEMO_ORG_TREE);
    const engine = await createEngine({ store, clock, orgs: createOrgResolver(createOrgDirectory(people), people), workflows: [reply(1, '回复'), dispatcher(false), dispatcher(true)] });
    await engine.registerWorkflow(reply(2, '清水镇的回复'), { owner: 'donghu-qingshui' });
    return engine;
  }

  it('gives each child the definition that governs its own org', async () => {
    const engine = await setup();
    const { case: parent } = await engine.createCase({ workflowId: 'test-dispatch', org: 'donghu', data: { orgs: ['donghu-qingshui', 'donghu-baisha'] }, actor: office });
    const versions = await Promise.all(parent.children.map(async (c) => (await engine.getCase(c.caseId)).workflowVersion));
    expect(versions).toEqual([2, 1]);
    expect((await engine.getCase(parent.children[0]!.caseId)).workflowOwner).toBe('donghu-qingshui');
  });

  it('records a hand-over with its event, so the parent and the child replay and verify', async () => {
    const engine = await setup();
    const { case: parent, event } = await engine.createCase({ workflowId: 'test-hand-over', org: 'donghu', data: { orgs: ['xishan-songlin-g1'] }, actor: office });
    expect(event.env.handOvers).toEqual({ 'regulatorOf:xishan-songlin-g1': 'xishan' });
    const child = parent.children[0]!;
    expect(child).toMatchObject({ org: 'xishan', handOver: 'regulatorOf' });
    const history = await engine.history(child.caseId);
    expect(history[0]!.payload).toMatchObject({ workflowOwner: null, parent: { handOver: { rule: 'regulatorOf', fromOrg: 'donghu', named: 'xishan-songlin-g1' } } });
    await engine.send(child.caseId, { type: 'done' }, { id: 'xs', roles: ['unit'], org: 'xishan' });
    expect((await engine.replay(parent.id)).state.children?.[0]).toMatchObject({ org: 'xishan', handOver: 'regulatorOf' });
    expect((await engine.replay(child.caseId)).state).toMatchObject({ org: 'xishan', status: 'done', parent: { handOver: { fromOrg: 'donghu' } } });
    expect(await engine.verify()).toMatchObject({ ok: true });
  });

  it('refuses a case in an unknown org, and a hand-over whose org has no regulator above it', async () => {
    const engine = await setup();
    await expect(engine.createCase({ workflowId: 'test-reply', org: 'no-such-org', actor: office })).rejects.toMatchObject({ code: 'org_not_found' });
    await expect(engine.createCase({ workflowId: 'test-hand-over', org: 'donghu', data: { orgs: ['no-such-org'] }, actor: office })).rejects.toMatchObject({ code: 'org_not_found' });
    expect(await engine.store.countCases()).toBe(0);
  });
});
