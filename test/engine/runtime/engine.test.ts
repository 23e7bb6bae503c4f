import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, type Engine } from '../../../engine/index.js';
import { tamperEvent } from '../../support/tamper.js';
import { chief, clerk, counterWorkflow } from '../../support/counter-workflow.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

describe.each(backends)('engine on $name', ({ make, enabled }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  async function engine(): Promise<Engine> {
    const { store, cleanup } = await make();
    cleanups.push(cleanup);
    return createEngine({ store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [counterWorkflow] });
  }

  it.skipIf(!enabled)('creates a case with event 1 and opens its first task', async () => {
    const e = await engine();
    const { case: c, event } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    expect(c.stateLabel).toBe('open');
    expect(c.version).toBe(1);
    expect(event).toMatchObject({ seq: 1, type: 'case.created' });
    expect(c.tasks.map((t) => [t.stateId, t.role, t.org])).toEqual([['open', 'clerk', 'district-a']]);
    expect(await e.listTasks({ roles: ['clerk'], orgs: ['district-a'] })).toHaveLength(1);
  });

  it.skipIf(!enabled)('advances, moves tasks and closes a case', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    await e.send(c.id, { type: 'note', payload: { text: '现场检查' } }, clerk);
    const r = await e.send(c.id, { type: 'submit' }, clerk);
    expect(r.case.tasks.map((t) => t.stateId)).toEqual(['review']);
    const done = await e.send(c.id, { type: 'approve' }, chief);
    expect(done.case.status).toBe('done');
    expect(done.case.tasks).toEqual([]);
    expect(done.case.data).toMatchObject({ count: 1, lastNote: '现场检查' });
    await expect(e.send(c.id, { type: 'note', payload: { text: 'x' } }, clerk)).rejects.toMatchObject({ code: 'case_closed' });
  });

  it.skipIf(!enabled)('refuses with typed errors and appends nothing', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    await expect(e.send(c.id, { type: 'approve' }, chief)).rejects.toMatchObject({ code: 'invalid_transition', details: { accepted: ['note', 'submit'] } });
    await expect(e.send(c.id, { type: 'note', payload: { text: 'x' } }, chief)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(e.send(c.id, { type: 'note', payload: { text: 1 } }, clerk)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(e.send(c.id, { type: 'note', payload: { text: 'x', extra: true } }, clerk)).rejects.toMatchObject({ code: 'invalid_input' });
    await e.send(c.id, { type: 'submit' }, clerk);
    await expect(e.send(c.id, { type: 'approve' }, chief)).rejects.toMatchObject({ code: 'guard_failed' });
    await expect(e.send('no-such-case', { type: 'submit' }, clerk)).rejects.toMatchObject({ code: 'case_not_found' });
    expect((await e.history(c.id)).map((ev) => ev.seq)).toEqual([1, 2]);
  });

  it.skipIf(!enabled)('rejects a stale expectedVersion with version_conflict', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    await e.send(c.id, { type: 'note', payload: { text: 'a' }, expectedVersion: 1 }, clerk);
    await expect(e.send(c.id, { type: 'note', payload: { text: 'b' }, expectedVersion: 1 }, clerk)).rejects.toMatchObject({ code: 'version_conflict', details: { expected: 1, actual: 2 } });
    expect((await e.getCase(c.id)).version).toBe(2);
  });

  it.skipIf(!enabled)('returns the first result for a repeated idempotency key and appends nothing', async () => {
    const e = await engine();
    const first = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk, idempotencyKey: 'create-1' });
    const again = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk, idempotencyKey: 'create-1' });
    expect(again.duplicate).toBe(true);
    expect(again.case.id).toBe(first.case.id);
    const a = await e.send(first.case.id, { type: 'note', payload: { text: 'a' }, idempotencyKey: 'k1' }, clerk);
    const b = await e.send(first.case.id, { type: 'note', payload: { text: 'a' }, idempotencyKey: 'k1' }, clerk);
    expect(b.duplicate).toBe(true);
    expect(b.event).toEqual(a.event);
    await expect(e.send(first.case.id, { type: 'note', payload: { text: 'other' }, idempotencyKey: 'k1' }, clerk)).rejects.toMatchObject({ code: 'idempotency_conflict' });
    expect((await e.history(first.case.id)).length).toBe(2);
  });

  it.skipIf(!enabled)('loses and duplicates nothing under N concurrent sends on one case', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    const n = 25;
    const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => e.send(c.id, { type: 'note', payload: { text: `n${i}` }, idempotencyKey: `c-${i}` }, clerk)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(n);
    const history = await e.history(c.id);
    expect(history.map((ev) => ev.seq)).toEqual(Array.from({ length: n + 1 }, (_, i) => i + 1));
    expect(new Set(history.slice(1).map((ev) => ev.idempotencyKey)).size).toBe(n);
    expect((await e.getCase(c.id)).data.count).toBe(n);
    expect((await e.verify(c.id)).ok).toBe(true);
  });

  it.skipIf(!enabled)('creates many cases concurrently without exhausting the connection pool', async () => {
    const e = await engine();
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0, title: `案${i}` }, actor: clerk })));
    expect(new Set(created.map((c) => c.case.id)).size).toBe(40);
    expect(await e.store.countCases()).toBe(40);
  });

  it.skipIf(!enabled)('replays to every seq the state recorded at that seq', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    for (const t of ['a', 'b']) await e.send(c.id, { type: 'note', payload: { text: t } }, clerk);
    await e.send(c.id, { type: 'submit' }, clerk);
    await e.send(c.id, { type: 'sendBack' }, chief);
    await e.send(c.id, { type: 'submit' }, clerk);
    await e.send(c.id, { type: 'approve' }, chief);
    const history = await e.history(c.id);
    for (const ev of history) expect((await e.replay(c.id, { atSeq: ev.seq })).state).toEqual(ev.state);
    expect((await e.replay(c.id)).state).toEqual((await e.store.getCase(c.id))!.state);
    await expect(e.replay(c.id, { atSeq: 99 })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it.skipIf(!enabled)('verify names the case and seq of a tampered event', async () => {
    const e = await engine();
    const ok = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    for (const t of ['a', 'b', 'c']) await e.send(c.id, { type: 'note', payload: { text: t } }, clerk);
    expect((await e.verify()).ok).toBe(true);
    await tamperEvent(e.store, c.id, 3, { payload: { text: 'B' } });
    const report = await e.verify();
    expect(report.ok).toBe(false);
    expect(report.casesChecked).toBe(2);
    expect(report.failures).toEqual([expect.objectContaining({ caseId: c.id, seq: 3 })]);
    expect((await e.verify(ok.case.id)).ok).toBe(true);
  });

  it.skipIf(!enabled)('keeps running cases on their version when a new version is registered', async () => {
    const e = await engine();
    const { case: old } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    const v2 = structuredClone(counterWorkflow) as unknown as { version: number; states: { review: { on: { approve: { guard?: unknown } } } } };
    v2.version = 2;
    delete v2.states.review.on.approve.guard;
    expect(await e.registerWorkflow(v2)).toEqual({ ref: 'counter@2', created: true });
    await expect(e.registerWorkflow({ ...v2, title: '改了' })).rejects.toMatchObject({ code: 'definition_conflict' });
    const { case: fresh } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    expect([old.workflowVersion, fresh.workflowVersion]).toEqual([1, 2]);
    for (const id of [old.id, fresh.id]) await e.send(id, { type: 'submit' }, clerk);
    await expect(e.send(old.id, { type: 'approve' }, chief)).rejects.toMatchObject({ code: 'guard_failed' });
    expect((await e.send(fresh.id, { type: 'approve' }, chief)).case.status).toBe('done');
    expect((await e.verify()).ok).toBe(true);
  });

  it.skipIf(!enabled)('lists the events an actor may send now', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    expect((await e.getCase(c.id, clerk)).availableEvents?.map((a) => a.type)).toEqual(['note', 'submit']);
    expect((await e.getCase(c.id, chief)).availableEvents).toEqual([]);
  });
});
