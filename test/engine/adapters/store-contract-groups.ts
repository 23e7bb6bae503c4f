/**
 * Groups of the Store contract (see store-contract.test.ts, which runs them on
 * every backend): migrations, definitions, concurrency, listing.
 */
import { describe, expect, it } from 'vitest';
import type { KnexStore } from '../../../engine/adapters/knex-store.js';
import { MIGRATIONS_TABLE, migrationSource } from '../../../engine/adapters/migrations/index.js';
import type { CaseRecord, CommitRequest, Store } from '../../../engine/ports.js';
import { buildDefinition, createCommit, nextCommit, openTask } from '../../support/builders.js';
import type { FreshStore } from '../../support/stores.js';

/** What each contract test gets: a fresh, migrated store. */
export interface StoreContext {
  fresh: FreshStore;
  store: KnexStore;
}

/** Commits a request in its own transaction. */
export function commit(store: Store, req: CommitRequest): Promise<void> {
  return store.transaction((tx) => tx.commit(req));
}

/** Creates a case and returns its record. */
export async function createCase(store: Store, caseId: string, opts: Parameters<typeof createCommit>[1] = {}): Promise<CaseRecord> {
  const req = createCommit(caseId, opts);
  await commit(store, req);
  return req.record;
}

/** Appends one event to a case, retrying from a fresh read on version_conflict. Returns the attempts taken. */
async function appendWithRetry(store: Store, caseId: string, read: 'lock' | 'optimistic', writer: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const seen = read === 'optimistic' ? await store.getCase(caseId) : undefined;
      await store.transaction(async (tx) => {
        const current = read === 'lock' ? await tx.lockCase(caseId) : seen;
        await tx.commit(nextCommit(current!, { payload: { writer } }));
      });
      return attempt;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'version_conflict' || attempt > 200) throw error;
    }
  }
}

export function migrationsContract(ctx: StoreContext): void {
  describe('migrations', () => {
    it('are idempotent', async () => {
      await ctx.store.migrate();
      await ctx.store.migrate();
      expect(await ctx.store.countCases()).toBe(0);
    });

    it('roll back, and migrate a bare database from several processes at once', async () => {
      const { knex } = ctx.store;
      await knex.migrate.rollback({ migrationSource, tableName: MIGRATIONS_TABLE }, true);
      expect(await knex.schema.hasTable('case_events')).toBe(false);
      await knex.schema.dropTable(`${MIGRATIONS_TABLE}_lock`).dropTable(MIGRATIONS_TABLE);
      const others = [ctx.fresh.reopen(), ctx.fresh.reopen(), ctx.fresh.reopen()];
      try {
        await Promise.all([ctx.store.migrate(), ...others.map((s) => s.migrate())]);
      } finally {
        await Promise.all(others.map((s) => s.close()));
      }
      await createCase(ctx.store, 'c1');
      expect(await ctx.store.countCases()).toBe(1);
    });
  });
}

export function definitionsContract(ctx: StoreContext): void {
  describe('definitions', () => {
    it('saves a version once: created, then exists, then definition_conflict for other content', async () => {
      const def = buildDefinition('hazard', 1, { id: 'hazard', title: { zh: '隐患排查治理' }, states: { a: { on: { go: 'b' } } } });
      expect(await ctx.store.saveDefinition(def)).toBe('created');
      expect(await ctx.store.saveDefinition(def)).toBe('exists');
      await expect(ctx.store.saveDefinition({ ...def, hash: 'other' })).rejects.toMatchObject({ code: 'definition_conflict' });
      expect(await ctx.store.getDefinition('hazard', 1)).toEqual(def);
    });

    it('returns the latest version when none is given, and lists all in order', async () => {
      for (const v of [2, 10, 1]) await ctx.store.saveDefinition(buildDefinition('hazard', v));
      await ctx.store.saveDefinition(buildDefinition('complaint', 1));
      expect((await ctx.store.getDefinition('hazard'))!.version).toBe(10);
      expect(await ctx.store.getDefinition('hazard', 3)).toBeUndefined();
      expect(await ctx.store.getDefinition('unknown')).toBeUndefined();
      expect((await ctx.store.listDefinitions()).map((d) => `${d.workflowId}@${d.version}`)).toEqual(['complaint@1', 'hazard@1', 'hazard@2', 'hazard@10']);
    });

    it('keeps each version\'s owner org (null: the root), lists the owners of a workflow, and refuses a version number another org holds', async () => {
      await ctx.store.saveDefinition(buildDefinition('hazard', 1));
      const district = buildDefinition('hazard', 3, { id: 'hazard', version: 3 }, undefined, 'donghu');
      expect(await ctx.store.saveDefinition(district)).toBe('created');
      expect(await ctx.store.saveDefinition(district)).toBe('exists');
      await expect(ctx.store.saveDefinition({ ...district, ownerOrg: 'xishan' })).rejects.toMatchObject({ code: 'definition_conflict' });
      await expect(ctx.store.saveDefinition({ ...district, ownerOrg: null })).rejects.toMatchObject({ code: 'definition_conflict' });
      await ctx.store.saveDefinition(buildDefinition('hazard', 2, undefined, undefined, 'donghu-qingshui'));
      expect(await ctx.store.getDefinition('hazard', 3)).toEqual(district);
      expect((await ctx.store.getDefinition('hazard', 1))!.ownerOrg).toBeNull();
      expect(await ctx.store.listDefinitionOwners('hazard')).toEqual([{ version: 1, ownerOrg: null }, { version: 2, ownerOrg: 'donghu-qingshui' }, { version: 3, ownerOrg: 'donghu' }]);
      expect(await ctx.store.listDefinitionOwners('unknown')).toEqual([]);
      expect(await ctx.store.transaction((tx) => tx.listDefinitionOwners('hazard'))).toHaveLength(3);
      expect((await ctx.store.listDefinitions()).map((d) => d.ownerOrg)).toEqual([null, 'donghu-qingshui', 'donghu']);
    });

    it('creates a version exactly once under concurrent saves', async () => {
      const def = buildDefinition('hazard', 1);
      const results = await Promise.all(Array.from({ length: 8 }, () => ctx.store.saveDefinition(def)));
      expect(results.filter((r) => r === 'created')).toHaveLength(1);
      expect(results.filter((r) => r === 'exists')).toHaveLength(7);
    });
  });
}

export function concurrencyContract(ctx: StoreContext): void {
  describe('concurrency', () => {
    const N = 20;
    for (const read of ['lock', 'optimistic'] as const) {
      it(`serialises ${N} parallel writers of one case (${read} read): seq 1..${N + 1}, no gap, no duplicate`, async () => {
        await createCase(ctx.store, 'c1');
        await Promise.all(Array.from({ length: N }, (_, writer) => appendWithRetry(ctx.store, 'c1', read, writer)));
        const events = await ctx.store.listEvents('c1');
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: N + 1 }, (_, i) => i + 1));
        expect(new Set(events.slice(1).map((e) => e.payload.writer)).size).toBe(N);
        for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
        expect((await ctx.store.getCase('c1'))!.version).toBe(N + 1);
      });
    }

    it('makes a second lockCase wait for the first transaction and see its commit', async () => {
      await createCase(ctx.store, 'c1');
      const order: string[] = [];
      let locked!: () => void;
      const firstHoldsLock = new Promise<void>((resolve) => (locked = resolve));
      const first = ctx.store.transaction(async (tx) => {
        const current = (await tx.lockCase('c1'))!;
        order.push('first locked');
        locked();
        await new Promise((resolve) => setTimeout(resolve, 150));
        await tx.commit(nextCommit(current));
        order.push('first committing');
      });
      await firstHoldsLock;
      const seen = await ctx.store.transaction(async (tx) => {
        const current = await tx.lockCase('c1');
        order.push('second locked');
        return current!.version;
      });
      await first;
      expect(order).toEqual(['first locked', 'first committing', 'second locked']);
      expect(seen).toBe(2);
    });

    it('lets exactly one of several concurrent creations with one creation key win', async () => {
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => commit(ctx.store, createCommit(`c${i}`, { creationKey: 'same' }))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'version_conflict' });
      expect(await ctx.store.countCases()).toBe(1);
    });
  });
}

export function listingContract(ctx: StoreContext): void {
  describe('listing', () => {
    it('filters tasks by roles, orgs, case and workflow, ordered by opening time then key', async () => {
      await createCase(ctx.store, 'c1', { at: '2026-03-02T01:00:00.000Z', effects: [openTask('c1', 'b', 'inspector', 'org-1'), openTask('c1', 'a', 'enterprise', 'org-2')] });
      await createCase(ctx.store, 'c2', { at: '2026-03-02T00:00:00.000Z', workflowId: 'complaint', effects: [openTask('c2', 'x', 'inspector', 'org-2')] });
      await createCase(ctx.store, 'c3', { at: '2026-03-02T02:00:00.000Z', effects: [openTask('c3', 'y', 'chief', 'org-1')] });
      const keys = async (filter: Parameters<Store['listTasks']>[0]) => (await ctx.store.listTasks(filter)).map((t) => t.taskKey);
      expect(await keys({})).toEqual(['c2:x', 'c1:a', 'c1:b', 'c3:y']);
      expect(await keys({ roles: ['inspector'] })).toEqual(['c2:x', 'c1:b']);
      expect(await keys({ orgs: ['org-1'] })).toEqual(['c1:b', 'c3:y']);
      expect(await keys({ roles: ['inspector', 'chief'], orgs: ['org-1'] })).toEqual(['c1:b', 'c3:y']);
      expect(await keys({ caseId: 'c1' })).toEqual(['c1:a', 'c1:b']);
      expect(await keys({ workflowId: 'complaint' })).toEqual(['c2:x']);
      expect(await keys({ limit: 2 })).toEqual(['c2:x', 'c1:a']);
      expect(await keys({ roles: [] })).toEqual([]);
    });

    it('pages case ids in the same byte order on every backend', async () => {
      const ids = ['c-03', 'B', 'c-01', '案-2', 'a', 'c-02', '案-1'];
      for (const id of ids) await createCase(ctx.store, id);
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await ctx.store.listCaseIds(after, 3);
        if (page.length === 0) break;
        pages.push(page);
        after = page.at(-1);
      }
      expect(pages).toEqual([['B', 'a', 'c-01'], ['c-02', 'c-03', '案-1'], ['案-2']]);
      expect(await ctx.store.countCases()).toBe(ids.length);
    });
  });
}
