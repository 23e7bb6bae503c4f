import { afterEach, describe, expect, it } from 'vitest';
import { anchorSigningKey, createEngine, createKnexAnchorStore, createManualClock, generateAnchorKey, makeCheckpoint, verifyAnchors, type AnchorStore, type Engine, type KnexStore, type ManualClock } from '../../../engine/index.js';
import { chief, clerk, counterWorkflow } from '../../support/counter-workflow.js';
import { rechainCase } from '../../support/rechain.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];
const key = anchorSigningKey(generateAnchorKey().privateKeyPem);
const HOUR = 3_600_000;

describe.each(backends)('anchor checkpoints on $name', ({ make, enabled }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  interface World {
    store: KnexStore;
    engine: Engine;
    anchors: AnchorStore;
    clock: ManualClock;
    /** The anchor log's text so far. */
    log: () => string;
    append: (line: string) => void;
    checkpoint: (onlyIfOlderThanMs?: number) => ReturnType<typeof makeCheckpoint>;
  }
  async function world(): Promise<World> {
    const { store, cleanup } = await make();
    cleanups.push(cleanup);
    const clock = createManualClock('2026-03-02T02:00:00.000Z');
    const engine = await createEngine({ store, clock, workflows: [counterWorkflow] });
    const anchors = createKnexAnchorStore(store);
    let text = '';
    const checkpoint = (onlyIfOlderThanMs?: number) =>
      makeCheckpoint({ anchors, clock, key, owner: 'test', readLog: () => Promise.resolve(text), appendLine: (line) => Promise.resolve(void (text += `${line}\n`)), onlyIfOlderThanMs });
    return { store, engine, anchors, clock, log: () => text, append: (line) => void (text += `${line}\n`), checkpoint };
  }
  async function caseWithNotes(e: Engine, notes: number): Promise<string> {
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    for (let i = 0; i < notes; i++) await e.send(c.id, { type: 'note', payload: { text: `第${i + 1}条` } }, clerk);
    return c.id;
  }

  it.skipIf(!enabled)('passes an untouched database against every checkpoint made over its life', async () => {
    const w = await world();
    const a = await caseWithNotes(w.engine, 2);
    expect(await w.checkpoint()).toMatchObject({ made: true, line: { seq: 1, cases: 1 } });
    await caseWithNotes(w.engine, 1);
    await w.engine.send(a, { type: 'submit' }, clerk);
    await w.engine.send(a, { type: 'approve' }, chief);
    w.clock.advance(HOUR);
    expect(await w.checkpoint()).toMatchObject({ made: true, line: { seq: 2, cases: 2 } });
    const r = await verifyAnchors(w.anchors, w.log());
    expect(r).toMatchObject({ ok: true, checkpoints: 2, contradictions: [], logFailure: undefined, keyIds: [key.keyId] });
    expect(r.headsChecked).toBe(3);
  });

  it.skipIf(!enabled)('names the first checkpoint a re-chained history contradicts, though verify passes', async () => {
    const w = await world();
    const quiet = await caseWithNotes(w.engine, 1);
    const target = await caseWithNotes(w.engine, 1);
    await w.checkpoint(); // 1: target at seq 2
    await w.engine.send(target, { type: 'note', payload: { text: '第二条' } }, clerk);
    w.clock.advance(HOUR);
    await w.checkpoint(); // 2: target at seq 3
    await w.engine.send(target, { type: 'note', payload: { text: '第三条' } }, clerk);
    w.clock.advance(HOUR);
    await w.checkpoint(); // 3: target at seq 4

    // Event 3 now names another clerk; every later hash and the case row follow.
    await rechainCase(w.store, target, 3, { actor: { ...clerk, id: 'u-someone-else' } });
    expect((await w.engine.verify()).ok).toBe(true);

    const r = await verifyAnchors(w.anchors, w.log());
    expect(r.ok).toBe(false);
    expect(r.logFailure).toBeUndefined();
    expect(r.contradictions).toMatchObject([{ checkpoint: 2, at: '2026-03-02T03:00:00.000Z', caseId: target, seq: 3 }]);
    expect(r.contradictions.some((c) => c.caseId === quiet)).toBe(false);
  });

  it.skipIf(!enabled)('names the checkpoint whose anchored event was deleted with the events after it', async () => {
    const w = await world();
    const target = await caseWithNotes(w.engine, 3);
    await w.checkpoint();
    await w.store.knex.transaction(async (trx) => {
      if (w.store.dialect === 'postgres') await trx.raw('SET LOCAL session_replication_role = replica');
      else await trx.raw('DROP TRIGGER case_events_append_only_delete');
      await trx('case_events').where({ case_id: target }).andWhere('seq', '>', 2).delete();
    });
    expect((await verifyAnchors(w.anchors, w.log())).contradictions).toMatchObject([{ checkpoint: 1, caseId: target, seq: 4 }]);
  });

  it.skipIf(!enabled)('makes a periodic checkpoint only once the newest one is an interval old, and one process per seq', async () => {
    const w = await world();
    await caseWithNotes(w.engine, 0);
    expect(await w.checkpoint(HOUR)).toMatchObject({ made: true, line: { seq: 1 } });
    w.clock.advance(HOUR - 1);
    expect(await w.checkpoint(HOUR)).toEqual({ made: false, reason: 'not_due' });
    w.clock.advance(1);
    expect(await w.checkpoint(HOUR)).toMatchObject({ made: true, line: { seq: 2 } });
    // Another process took seq 3 between this one's read and its claim.
    expect(await w.anchors.claimCheckpoint(3, w.clock.now().toISOString(), 'other')).toBe(true);
    expect(await w.anchors.claimCheckpoint(3, w.clock.now().toISOString(), 'test')).toBe(false);
    expect(await w.checkpoint()).toMatchObject({ made: true, line: { seq: 4 } });
    expect((await verifyAnchors(w.anchors, w.log())).ok).toBe(true);
  });

  it.skipIf(!enabled)('extends the log after the signing key is rotated; verify then needs both public keys', async () => {
    const w = await world();
    await caseWithNotes(w.engine, 1);
    await w.checkpoint();
    const rotated = anchorSigningKey(generateAnchorKey().privateKeyPem);
    const next = () => makeCheckpoint({ anchors: w.anchors, clock: w.clock, key: rotated, owner: 't', readLog: () => Promise.resolve(w.log()), appendLine: (line) => Promise.resolve(void w.append(line)) });
    expect(await next()).toMatchObject({ made: true, line: { seq: 2, keyId: rotated.keyId } });
    expect(await next()).toMatchObject({ made: true, line: { seq: 3 } });
    expect((await verifyAnchors(w.anchors, w.log())).logFailure).toMatchObject({ checkpoint: 2, reason: expect.stringMatching(/not the first line's key/) });
    expect((await verifyAnchors(w.anchors, w.log(), { keys: [key] })).logFailure).toMatchObject({ checkpoint: 2 });
    expect(await verifyAnchors(w.anchors, w.log(), { keys: [key, rotated] })).toMatchObject({ ok: true, checkpoints: 3, keyIds: [key.keyId, rotated.keyId] });
  });

  it.skipIf(!enabled)('refuses to extend a log whose last line was altered', async () => {
    const w = await world();
    await caseWithNotes(w.engine, 0);
    await w.checkpoint();
    const altered = w.log().replace(/"cases":1/, '"cases":2');
    const r = makeCheckpoint({ anchors: w.anchors, clock: w.clock, key, owner: 't', readLog: () => Promise.resolve(altered), appendLine: () => Promise.resolve() });
    await expect(r).rejects.toMatchObject({ code: 'invalid_anchor_log' });
  });
});
