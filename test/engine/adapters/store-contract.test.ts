/**
 * The Store contract, run on every backend: SQLite (always) and PostgreSQL
 * (when it answers; required under DUBAN_REQUIRE_SERVICES=1). A new adapter
 * passes this suite or it is not done. Assertions are on error codes, never on
 * message text.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tamperEvent } from '../../support/tamper.js';
import { cancelTimer, caseClosed, closeTask, createCommit, nextCommit, openTask, setTimer } from '../../support/builders.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../../support/stores.js';
import { commit, concurrencyContract, createCase, definitionsContract, listingContract, migrationsContract, type StoreContext } from './store-contract-groups.js';

/** Registers the whole contract for one backend. `factory` gives a fresh, migrated store per test. */
export function storeContract(name: string, factory: () => Promise<FreshStore>, enabled: boolean): void {
  describe.skipIf(!enabled)(`Store contract on ${name}`, () => {
    const ctx = {} as StoreContext;
    beforeEach(async () => {
      ctx.fresh = await factory();
      ctx.store = ctx.fresh.store;
    });
    afterEach(() => ctx.fresh?.cleanup());

    migrationsContract(ctx);
    definitionsContract(ctx);
    commitContract(ctx);
    appendOnlyContract(ctx);
    concurrencyContract(ctx);
    listingContract(ctx);
  });
}

function commitContract(ctx: StoreContext): void {
  describe('commit', () => {
    it('creates a case with event 1 and its first tasks', async () => {
      const req = createCommit('c1', { creationKey: 'create-1', effects: [openTask('c1', 'reported', 'inspector')] });
      await commit(ctx.store, req);
      expect(await ctx.store.getCase('c1')).toEqual(req.record);
      expect(await ctx.store.listEvents('c1')).toEqual([req.event]);
      expect(await ctx.store.listTasks({ caseId: 'c1' })).toEqual([
        { taskKey: 'c1:reported', caseId: 'c1', workflowId: 'hazard', stateId: 'reported', role: 'inspector', org: 'district-a', title: { zh: '处理reported', en: 'Handle reported' }, openedAt: req.event.at, openedSeq: 1, dueAt: null, assignee: null },
      ]);
      expect(await ctx.store.countCases()).toBe(1);
    });

    it('appends seq 2 at the expected version and opens and closes tasks', async () => {
      const v1 = await createCase(ctx.store, 'c1', { effects: [openTask('c1', 'reported', 'inspector')] });
      const req = nextCommit(v1, { value: 'rectifying', effects: [closeTask('c1', 'reported'), openTask('c1', 'rectifying', 'enterprise', 'company-9')] });
      await commit(ctx.store, req);
      expect(await ctx.store.getCase('c1')).toEqual(req.record);
      expect((await ctx.store.listEvents('c1')).map((e) => e.seq)).toEqual([1, 2]);
      expect(await ctx.store.listTasks({ caseId: 'c1' })).toMatchObject([{ taskKey: 'c1:rectifying', role: 'enterprise', org: 'company-9', openedSeq: 2, openedAt: req.event.at }]);
    });

    it('keeps task due times current and filters and orders tasks by them', async () => {
      const a = createCommit('c1', { effects: [openTask('c1', 'reported', 'inspector')] });
      await commit(ctx.store, { ...a, taskDue: [{ taskKey: 'c1:reported', dueAt: '2026-03-05T16:00:00.000Z' }] });
      const b = createCommit('c2', { effects: [openTask('c2', 'reported', 'inspector')] });
      await commit(ctx.store, { ...b, taskDue: [{ taskKey: 'c2:reported', dueAt: '2026-03-01T16:00:00.000Z' }] });
      const c = createCommit('c3', { effects: [openTask('c3', 'reported', 'inspector')] });
      await commit(ctx.store, { ...c, taskDue: [{ taskKey: 'c3:reported', dueAt: null }] });
      expect((await ctx.store.listTasks({ orderBy: 'due' })).map((t) => t.caseId)).toEqual(['c2', 'c1', 'c3']);
      expect((await ctx.store.listTasks({ dueBefore: '2026-03-02T00:00:00.000Z' })).map((t) => t.caseId)).toEqual(['c2']);
      // A later commit moves the due time without re-opening the task (an extension, a pause).
      const later = nextCommit(a.record, {});
      await commit(ctx.store, { ...later, taskDue: [{ taskKey: 'c1:reported', dueAt: '2026-02-28T16:00:00.000Z' }] });
      expect((await ctx.store.listTasks({ orderBy: 'due' })).map((t) => [t.caseId, t.dueAt])).toEqual([
        ['c1', '2026-02-28T16:00:00.000Z'],
        ['c2', '2026-03-01T16:00:00.000Z'],
        ['c3', null],
      ]);
    });

    it('lists events up to toSeq inclusive', async () => {
      let record = await createCase(ctx.store, 'c1');
      for (let i = 0; i < 3; i++) {
        const req = nextCommit(record);
        await commit(ctx.store, req);
        record = req.record;
      }
      expect((await ctx.store.listEvents('c1', { toSeq: 2 })).map((e) => e.seq)).toEqual([1, 2]);
      expect(await ctx.store.listEvents('nobody')).toEqual([]);
    });

    it('refuses a stale expectedVersion with version_conflict and writes nothing', async () => {
      const v1 = await createCase(ctx.store, 'c1', { effects: [openTask('c1', 'reported', 'inspector')] });
      const winner = nextCommit(v1, { payload: { n: 1 } });
      await commit(ctx.store, winner);
      const loser = nextCommit(v1, { payload: { n: 2 }, effects: [caseClosed('c1')] });
      await expect(commit(ctx.store, loser)).rejects.toMatchObject({ code: 'version_conflict', details: { caseId: 'c1', expected: 1, actual: 2 } });
      expect(await ctx.store.getCase('c1')).toEqual(winner.record);
      expect((await ctx.store.listEvents('c1')).map((e) => e.payload)).toEqual([{}, { n: 1 }]);
      expect(await ctx.store.listTasks({ caseId: 'c1' })).toHaveLength(1);
    });

    it('refuses to create a case whose id or creation key exists, with version_conflict', async () => {
      const first = await createCase(ctx.store, 'c1', { creationKey: 'k' });
      await commit(ctx.store, nextCommit(first));
      await expect(commit(ctx.store, createCommit('c1'))).rejects.toMatchObject({ code: 'version_conflict', details: { expected: 0, actual: 2 } });
      await expect(commit(ctx.store, createCommit('c2', { creationKey: 'k', effects: [openTask('c2', 'a', 'r')] }))).rejects.toMatchObject({ code: 'version_conflict', details: { caseId: 'c2', expected: 0, actual: 2 } });
      expect(await ctx.store.getCase('c2')).toBeUndefined();
      expect(await ctx.store.listTasks({})).toEqual([]);
      expect(await ctx.store.countCases()).toBe(1);
    });

    it('refuses a duplicate seq with version_conflict even when the case row lies', async () => {
      await createCase(ctx.store, 'c1');
      // Simulate a writer that bypassed the optimistic check: the row says 0, the log has seq 1.
      await ctx.store.knex('cases').where({ id: 'c1' }).update({ version: 0 });
      const forged = nextCommit({ ...(await ctx.store.getCase('c1'))!, version: 0 });
      await expect(commit(ctx.store, forged)).rejects.toMatchObject({ code: 'version_conflict' });
      expect((await ctx.store.getCase('c1'))!.version).toBe(0);
      expect(await ctx.store.listEvents('c1')).toHaveLength(1);
    });

    it('reports case_not_found when updating a missing case', async () => {
      const ghost = nextCommit(createCommit('ghost').record);
      await expect(commit(ctx.store, ghost)).rejects.toMatchObject({ code: 'case_not_found' });
      expect(await ctx.store.listEvents('ghost')).toEqual([]);
    });

    it('refuses an incoherent request with internal_error', async () => {
      const v1 = await createCase(ctx.store, 'c1');
      const req = nextCommit(v1);
      await expect(commit(ctx.store, { ...req, event: { ...req.event, seq: 3 } })).rejects.toMatchObject({ code: 'internal_error' });
      await expect(commit(ctx.store, { ...req, record: { ...req.record, lastHash: 'other' } })).rejects.toMatchObject({ code: 'internal_error' });
      expect(await ctx.store.listEvents('c1')).toHaveLength(1);
    });

    it('finds events by idempotency key per case, and refuses a reused key with idempotency_conflict', async () => {
      const a1 = await createCase(ctx.store, 'a');
      const b1 = await createCase(ctx.store, 'b');
      const a2 = nextCommit(a1, { idempotencyKey: 'send-1' });
      await commit(ctx.store, a2);
      await commit(ctx.store, nextCommit(b1, { idempotencyKey: 'send-1' }));
      expect(await ctx.store.transaction((tx) => tx.findEventByKey('a', 'send-1'))).toEqual(a2.event);
      expect(await ctx.store.transaction((tx) => tx.findEventByKey('a', 'send-2'))).toBeUndefined();
      await expect(commit(ctx.store, nextCommit(a2.record, { idempotencyKey: 'send-1' }))).rejects.toMatchObject({ code: 'idempotency_conflict' });
      expect(await ctx.store.listEvents('a')).toHaveLength(2);
    });

    it('finds a case by its creation key and locks a case by id', async () => {
      const record = await createCase(ctx.store, 'c1', { creationKey: 'create-1' });
      await ctx.store.transaction(async (tx) => {
        expect(await tx.findCaseByCreationKey('create-1')).toEqual(record);
        expect(await tx.findCaseByCreationKey('create-2')).toBeUndefined();
        expect(await tx.lockCase('c1')).toEqual(record);
        expect(await tx.lockCase('c2')).toBeUndefined();
      });
    });

    it('closes every remaining task of a case on case-closed', async () => {
      const v1 = await createCase(ctx.store, 'c1', { effects: [openTask('c1', 'left', 'inspector'), openTask('c1', 'right', 'enterprise')] });
      await createCase(ctx.store, 'c2', { effects: [openTask('c2', 'left', 'inspector')] });
      await commit(ctx.store, nextCommit(v1, { status: 'done', value: 'closed', effects: [caseClosed('c1')] }));
      expect((await ctx.store.getCase('c1'))!.status).toBe('done');
      expect((await ctx.store.listTasks({})).map((t) => t.taskKey)).toEqual(['c2:left']);
    });

    it('arms and cancels timers with the commit, and drops the rest when the case closes', async () => {
      const timerKeys = async () => (await ctx.store.knex('timers').select('timer_key').orderBy('due_at')).map((r: { timer_key: string }) => r.timer_key);
      const due = setTimer('c1', 'rectify', '2026-04-01T16:00:00.000Z');
      const remind = setTimer('c1', 'rectify', '2026-03-30T16:00:00.000Z', 'remind');
      const v1 = await createCase(ctx.store, 'c1', { effects: [due, remind] });
      expect(await timerKeys()).toEqual([remind.timerKey, due.timerKey]);
      expect(await ctx.store.knex('timers').where({ timer_key: due.timerKey }).first()).toMatchObject({ case_id: 'c1', workflow_id: 'hazard', kind: 'due', due_at: '2026-04-01T16:00:00.000Z', set_seq: 1 });
      const stale = nextCommit(v1, { effects: [cancelTimer(remind.timerKey)] });
      await commit(ctx.store, stale);
      expect(await timerKeys()).toEqual([due.timerKey]);
      await expect(commit(ctx.store, { ...stale, effects: [setTimer('c1', 'other', '2026-05-01T00:00:00.000Z')] })).rejects.toMatchObject({ code: 'version_conflict' });
      expect(await timerKeys()).toHaveLength(1);
      await commit(ctx.store, nextCommit(stale.record, { status: 'done', effects: [caseClosed('c1')] }));
      expect(await timerKeys()).toEqual([]);
    });

    it('round-trips JSON values exactly', async () => {
      const data = {
        标题: '危险化学品仓库未按规定设置防火间距', nested: { a: [1, 2.5, -7, 0.1 + 0.2, 1e21, 2 ** 53 - 1, 1e-7], b: { c: null, d: true, e: false } },
        text: 'quotes " \' back\\slash\nnewline\ttab 😀 \u202e', empty: { o: {}, a: [] }, zero: 0,
      };
      const v1 = await createCase(ctx.store, 'c1', { data, payload: { data }, actor: { id: 'u1', roles: ['inspector', 'chief'], org: '长沙市', name: '李四' }, effects: [openTask('c1', 'reported', 'inspector', 'district-a', '整改复查')] });
      expect((await ctx.store.getCase('c1'))!.state.data).toEqual(data);
      const [event] = await ctx.store.listEvents('c1');
      expect(event).toEqual(createCommit('c1', { data, payload: { data }, actor: { id: 'u1', roles: ['inspector', 'chief'], org: '长沙市', name: '李四' } }).event);
      expect(event!.state).toEqual(v1.state);
      // A plain-string title must come back as a string, not as JSON text or a parsed value.
      expect((await ctx.store.listTasks({ caseId: 'c1' }))[0]!.title).toBe('整改复查');
    });

    it('serves plain reads while a transaction is open, showing only committed data', async () => {
      const v1 = await createCase(ctx.store, 'c1');
      await ctx.store.transaction(async (tx) => {
        await tx.commit(nextCommit((await tx.lockCase('c1'))!));
        expect((await ctx.store.getCase('c1'))!.version).toBe(v1.version);
      });
      expect((await ctx.store.getCase('c1'))!.version).toBe(2);
    });
  });
}

function appendOnlyContract(ctx: StoreContext): void {
  describe('append-only events', () => {
    it('refuses a raw UPDATE or DELETE of case_events', async () => {
      await createCase(ctx.store, 'c1');
      await expect(ctx.store.knex('case_events').where({ case_id: 'c1' }).update({ type: 'forged' })).rejects.toThrow();
      await expect(ctx.store.knex('case_events').where({ case_id: 'c1' }).delete()).rejects.toThrow();
      await expect(ctx.store.knex('case_events').delete()).rejects.toThrow();
      if (ctx.store.dialect === 'postgres') await expect(ctx.store.knex.raw('TRUNCATE case_events CASCADE')).rejects.toThrow();
      expect((await ctx.store.listEvents('c1'))[0]!.type).toBe('case.created');
    });

    it('lets tamperEvent change one event, then guards the table again', async () => {
      const v1 = await createCase(ctx.store, 'c1');
      await commit(ctx.store, nextCommit(v1, { payload: { text: 'A' } }));
      await tamperEvent(ctx.store, 'c1', 2, { payload: { text: 'B' }, at: '2020-01-01T00:00:00.000Z' });
      const events = await ctx.store.listEvents('c1');
      expect(events[1]).toMatchObject({ seq: 2, payload: { text: 'B' }, at: '2020-01-01T00:00:00.000Z' });
      expect(events[0]).toEqual(createCommit('c1').event);
      await expect(tamperEvent(ctx.store, 'c1', 9, { payload: {} })).rejects.toThrow();
      await expect(ctx.store.knex('case_events').where({ case_id: 'c1' }).update({ type: 'forged' })).rejects.toThrow();
    });
  });
}

storeContract('sqlite', freshSqliteStore, true);
storeContract('postgres', freshPostgresStore, await postgresAvailableForSuite());
