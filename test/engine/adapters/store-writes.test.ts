/**
 * How the store writes, on SQLite and PostgreSQL: few prepared statements per
 * send, events that store what changed with a full snapshot every N events
 * (replay and verify exact across them, a tampered snapshot named
 * by its seq), and group commit (concurrent units in one transaction, per-case
 * order kept, a failing unit failing no other).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, hashEvent, type Engine } from '../../../engine/index.js';
import type { KnexStore } from '../../../engine/adapters/knex-store.js';
import { storedDelta } from '../../../engine/adapters/state-delta.js';
import { MIGRATIONS_TABLE, migrationSource } from '../../../engine/adapters/migrations/index.js';
import { createCommit, nextCommit } from '../../support/builders.js';
import { tamperEvent } from '../../support/tamper.js';
import { chief, clerk, counterWorkflow } from '../../support/counter-workflow.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore, type ExtraStoreOptions, type FreshStore } from '../../support/stores.js';

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

const TX_CONTROL = /^(BEGIN|COMMIT|ROLLBACK)/;

describe.each(backends)('store writes on $name', ({ make, enabled }) => {
  let fresh: FreshStore | undefined;
  afterEach(async () => {
    await fresh?.cleanup();
    fresh = undefined;
  });
  let statements: string[] = [];
  async function setUp(extra: ExtraStoreOptions = {}): Promise<{ store: KnexStore; engine: Engine }> {
    statements = [];
    fresh = await make({ onStatement: (sql) => statements.push(sql), ...extra });
    const engine = await createEngine({ store: fresh.store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [counterWorkflow] });
    return { store: fresh.store, engine };
  }
  /** Statements one call ran, transaction control left out. */
  async function counted(fn: () => Promise<unknown>): Promise<string[]> {
    statements = [];
    await fn();
    return statements.filter((s) => !TX_CONTROL.test(s));
  }

  describe.skipIf(!enabled)('statements', () => {
    it('writes a send without effects with at most 4 statements, and no task row when no due time moved', async () => {
      const { engine } = await setUp();
      const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
      await engine.send(c.id, { type: 'note', payload: { text: 'warm' } }, clerk);
      for (let i = 0; i < 20; i++) {
        const sql = await counted(() => engine.send(c.id, { type: 'note', payload: { text: `第${i}条` } }, clerk));
        expect(sql.length, sql.join('\n')).toBeLessThanOrEqual(4);
        expect(sql.some((s) => s.includes('tasks'))).toBe(false);
      }
      // With an idempotency key (every timer firing has one): one lookup more.
      const keyed = await counted(() => engine.send(c.id, { type: 'note', payload: { text: 'k' }, idempotencyKey: 'k-1' }, clerk));
      expect(keyed.length, keyed.join('\n')).toBeLessThanOrEqual(4);
      // Leaving the state does write its tasks.
      const moved = await counted(() => engine.send(c.id, { type: 'submit' }, clerk));
      expect(moved.filter((s) => s.includes('tasks')).length).toBeGreaterThan(0);
    });

    it('rewrites only the case columns that changed', async () => {
      const { engine } = await setUp();
      const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
      const sql = await counted(() => engine.send(c.id, { type: 'note', payload: { text: 'a' } }, clerk));
      const update = sql.find((s) => s.startsWith('UPDATE cases'))!;
      expect(update).not.toMatch(/workflow_id|org =|status =/);
    });
  });

  describe.skipIf(!enabled)('snapshots', () => {
    it('stores deltas, snapshots every N events and at case end, and replays exactly to any seq', async () => {
      const { store, engine } = await setUp({ snapshotEvery: 4 });
      const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
      for (let i = 1; i <= 10; i++) await engine.send(c.id, { type: 'note', payload: { text: `n${i}` } }, clerk);
      await engine.send(c.id, { type: 'submit' }, clerk);
      await engine.send(c.id, { type: 'approve' }, chief);
      // None at case end (seq 13): the case row holds that state.
      expect((await store.listSnapshots(c.id)).map((s) => s.seq)).toEqual([4, 8, 12]);
      const raw = (await store.knex('case_events').where({ case_id: c.id }).orderBy('seq')) as { seq: number; state: unknown }[];
      const decoded = raw.map((r) => (typeof r.state === 'string' ? JSON.parse(r.state) : r.state) as unknown);
      expect(storedDelta(decoded[0])).toBeUndefined();
      expect(decoded.slice(1).every((s) => storedDelta(s) !== undefined)).toBe(true);
      const events = await store.listEvents(c.id);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      for (const e of events) expect((await engine.replay(c.id, { atSeq: e.seq })).state).toEqual(e.state);
      // From event 1, no snapshot used: the same states.
      for (const e of events) expect((await engine.replay(c.id, { atSeq: e.seq, fromStart: true })).state).toEqual(e.state);
      // A range read starting between snapshots gives the same states.
      expect(await store.listEvents(c.id, { fromSeq: 6, toSeq: 10 })).toEqual(events.slice(5, 10));
      expect((await store.getCase(c.id))!.state).toEqual(events[12]!.state);
      expect((await engine.verify(c.id)).ok).toBe(true);
    });

    it('reads rows holding full states (written before migration 014, or without the state before) beside delta rows', async () => {
      const { store } = await setUp({ snapshotEvery: 4 });
      const commits = [createCommit('m1', { data: { n: 0 } })];
      await store.transaction((tx) => tx.commit(commits[0]!));
      for (let i = 1; i <= 13; i++) {
        const prev = commits[i - 1]!;
        const next = nextCommit(prev.record, { data: { n: i, ...(i % 3 === 0 ? { third: [i] } : {}) }, value: i % 2 ? 'odd' : 'even' });
        // Events 2 and 3 in the old form, the rest as deltas.
        const req = i <= 2 ? next : { ...next, previousState: prev.record.state };
        await store.transaction((tx) => tx.commit(req), { caseId: 'm1' });
        commits.push(next);
      }
      const expected = commits.map((c) => c.event);
      expect(await store.listEvents('m1')).toEqual(expected);
      expect(await store.listEvents('m1', { fromSeq: 9, toSeq: 11 })).toEqual(expected.slice(8, 11));
      expect(await store.listEvents('m1', { fromSeq: 2, toSeq: 3 })).toEqual(expected.slice(1, 3));
      expect((await store.listSnapshots('m1')).map((s) => s.seq)).toEqual([4, 8, 12]);
      expect(await store.transaction((tx) => tx.listEvents('m1', { fromSeq: 13 }))).toEqual(expected.slice(12));
    });

    it('withdraws across a snapshot (the state before the last event is rebuilt)', async () => {
      const { engine } = await setUp({ snapshotEvery: 2 });
      const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
      await engine.send(c.id, { type: 'note', payload: { text: 'a' } }, clerk);
      await engine.send(c.id, { type: 'note', payload: { text: 'b' } }, clerk);
      const submitted = await engine.send(c.id, { type: 'submit' }, clerk);
      const back = await engine.send(c.id, { type: 'task.withdraw', payload: { seq: submitted.event.seq, reason: '材料有误' } }, clerk);
      expect(back.case.stateLabel).toBe('open');
      expect(back.case.data).toEqual({ count: 2, lastNote: 'b' });
      expect((await engine.verify(c.id)).ok).toBe(true);
      expect((await engine.replay(c.id)).state).toEqual((await engine.history(c.id)).at(-1)!.state);
    });

    it('fails verify at the seq of a tampered snapshot', async () => {
      const { store, engine } = await setUp({ snapshotEvery: 4 });
      const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
      for (let i = 1; i <= 9; i++) await engine.send(c.id, { type: 'note', payload: { text: `n${i}` } }, clerk);
      const [, second] = await store.listSnapshots(c.id);
      const forged = { ...second!.state, data: { ...second!.state.data, count: 99 } };
      await store.knex('case_snapshots').where({ case_id: c.id, seq: 8 }).update({ state: JSON.stringify(forged) });
      const report = await engine.verify(c.id);
      expect(report.ok).toBe(false);
      expect(report.failures[0]).toMatchObject({ caseId: c.id, seq: 8 });
      expect(report.failures[0]!.reason).toMatch(/snapshot/);
    });
  });

  describe.skipIf(!enabled)('migration 027', () => {
    it('upgrades a database whose events store prev_hash: the chain reads and verifies the same, the end snapshot kept', async () => {
      const { store, engine } = await setUp({ snapshotEvery: 4 });
      const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
      for (let i = 1; i <= 9; i++) await engine.send(c.id, { type: 'note', payload: { text: `n${i}` } }, clerk);
      await engine.send(c.id, { type: 'submit' }, clerk);
      await engine.send(c.id, { type: 'approve' }, chief);
      const events = await store.listEvents(c.id);
      // Back to the schema before 027: every row gets its prev_hash back, as earlier versions wrote it.
      await store.knex.migrate.down({ migrationSource, tableName: MIGRATIONS_TABLE, name: '027-event-link' });
      const rows = (await store.knex('case_events').select('seq', 'prev_hash', 'hash').where({ case_id: c.id }).orderBy('seq')) as { seq: number; prev_hash: string; hash: string }[];
      expect(rows.map((r) => r.prev_hash)).toEqual(events.map((e) => e.prevHash));
      // Earlier versions also kept a snapshot at case end.
      await store.knex('case_snapshots').insert({ case_id: c.id, seq: 11, state: JSON.stringify(events[10]!.state), hash: events[10]!.hash });
      await store.migrate();
      expect(await store.listEvents(c.id)).toEqual(events);
      expect(await store.listEvents(c.id, { fromSeq: 10 })).toEqual(events.slice(9));
      expect((await engine.verify(c.id)).ok).toBe(true);
      expect((await engine.replay(c.id, { atSeq: 11 })).state).toEqual(events[10]!.state);
      // A later event of the upgraded case links to the last hash as before.
      const { case: d } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
      const sent = await engine.send(d.id, { type: 'note', payload: { text: 'after' } }, clerk);
      expect(sent.event.prevHash).toBe((await store.listEvents(d.id))[0]!.hash);
      expect((await engine.verify()).ok).toBe(true);
    });

    it('still finds a row rewritten with a hash that recomputes: the next row no longer links to it', async () => {
      const { store, engine } = await setUp();
      const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
      for (let i = 1; i <= 4; i++) await engine.send(c.id, { type: 'note', payload: { text: `n${i}` } }, clerk);
      const third = (await store.listEvents(c.id))[2]!;
      const forged = { ...third, at: '2026-03-01T00:00:00.000Z' };
      await tamperEvent(store, c.id, 3, { at: forged.at, hash: hashEvent(forged) });
      const report = await engine.verify(c.id);
      expect(report.failures[0]).toMatchObject({ caseId: c.id, seq: 4 });
      expect(report.failures[0]!.reason).toMatch(/hash/);
    });
  });

  describe.skipIf(!enabled)('group commit', () => {
    it('commits concurrent units of several cases in fewer transactions, keeping each case in order', async () => {
      const { store } = await setUp();
      const cases = ['g1', 'g2', 'g3', 'g4'];
      for (const id of cases) await store.transaction((tx) => tx.commit(createCommit(id)));
      statements = [];
      const units = Array.from({ length: 40 }, (_, i) => {
        const caseId = cases[i % cases.length]!;
        return store.transaction(async (tx) => {
          const current = (await tx.lockCase(caseId))!;
          await tx.commit(nextCommit(current, { payload: { i } }));
          return i;
        }, { caseId });
      });
      expect(await Promise.all(units)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(statements.filter((s) => s.startsWith('BEGIN')).length).toBeLessThan(40);
      for (const [k, id] of cases.entries()) {
        const events = await store.listEvents(id);
        expect(events.slice(1).map((e) => e.payload.i)).toEqual(Array.from({ length: 10 }, (_, j) => j * cases.length + k));
      }
    });

    it('fails only the failing unit: one that wrote is rolled back alone, one that wrote nothing is just answered', async () => {
      const { store } = await setUp();
      for (const id of ['a', 'b', 'c']) await store.transaction((tx) => tx.commit(createCommit(id)));
      const append = (caseId: string, fail?: 'after' | 'before') =>
        store.transaction(async (tx) => {
          if (fail === 'before') throw new Error('refused before writing');
          const current = (await tx.lockCase(caseId))!;
          await tx.commit(nextCommit(current, { payload: { from: caseId } }));
          if (fail === 'after') throw new Error('failed after writing');
          return caseId;
        });
      const results = await Promise.allSettled([append('a'), append('b', 'after'), append('c'), append('a', 'before'), append('c')]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      expect((await store.listEvents('a')).map((e) => e.seq)).toEqual([1, 2]);
      expect((await store.listEvents('b')).map((e) => e.seq)).toEqual([1]);
      expect((await store.listEvents('c')).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await store.getCase('b'))!.version).toBe(1);
    });

    it('answers 8 concurrent senders with every event durable and the chain intact', async () => {
      const { store, engine } = await setUp();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk })).case.id);
      await Promise.all(Array.from({ length: 8 }, async (_, sender) => {
        for (let j = 0; j < 6; j++) await engine.send(ids[(sender + j) % ids.length]!, { type: 'note', payload: { text: `s${sender}-${j}` } }, clerk);
      }));
      let total = 0;
      for (const id of ids) total += (await store.listEvents(id)).length - 1;
      expect(total).toBe(48);
      expect((await engine.verify()).ok).toBe(true);
    });
  });
});
