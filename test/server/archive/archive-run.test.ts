/**
 * `duban archive` at the store level, on SQLite and PostgreSQL: closed cases
 * go to an archive whose hash and root are recorded, their runtime rows go,
 * they still read, verify and replay from the archive; a run killed between
 * any two steps is finished by the next; a changed byte fails verification
 * naming the case.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createEngine, createKnexAnchorStore, createKnexArchiveStore, createManualClock, type ManualClock } from '../../../engine/index.js';
import type { KnexStore } from '../../../engine/adapters/knex-store.js';
import { archiveClosedCases, type ArchiveDeps, type ArchiveStep } from '../../../server/archive/archive-run.js';
import { archiveAwareEngine } from '../../../server/archive/archived-engine.js';
import { verifyArchive } from '../../../server/archive/verify-archive.js';
import { chief, clerk, counterWorkflow } from '../../support/counter-workflow.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';

const backends = [
  { name: 'sqlite' as const, enabled: true, fresh: freshSqliteStore },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite(), fresh: freshPostgresStore },
];

/** Tables that hold a case's runtime rows (case_id column). */
const RUNTIME_TABLES = ['case_events', 'case_snapshots', 'event_salts', 'tasks', 'timers', 'outbox'] as const;

let out: string;
beforeEach(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-archive-'));
});
afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

async function setup(store: KnexStore, clock: ManualClock) {
  const archives = createKnexArchiveStore(store);
  const engine = archiveAwareEngine(await createEngine({ store, clock, workflows: [counterWorkflow] }), { reader: archives.reader });
  const deps: ArchiveDeps = { engine, runs: archives.runs, reader: archives.reader, anchors: createKnexAnchorStore(store) };
  /** Opens a counter case, adds notes, and closes it unless `open`. */
  const caseWith = async (notes: number, open = false) => {
    const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    for (let i = 0; i < notes; i++) await engine.send(c.id, { type: 'note', payload: { text: `检查记录${i + 1}` } }, clerk);
    if (!open) {
      await engine.send(c.id, { type: 'submit' }, clerk);
      await engine.send(c.id, { type: 'approve' }, chief);
    }
    return c.id;
  };
  const rowsOf = async (caseId: string) => {
    const counts: Record<string, number> = {};
    for (const t of RUNTIME_TABLES) counts[t] = Number((await store.knex(t).where({ case_id: caseId }).count({ n: '*' }))[0]!.n);
    return counts;
  };
  return { engine, deps, archives, caseWith, rowsOf };
}

describe.each(backends)('archive on $name', ({ enabled, fresh }) => {
  it.skipIf(!enabled)('archives the cases closed before the date, prunes their rows, and still reads, verifies and replays them from the archive', async () => {
    const { store, cleanup } = await fresh({ snapshotEvery: 2 });
    onTestFinished(cleanup);
    const clock = createManualClock('2026-01-05T01:00:00.000Z');
    const { engine, deps, archives, caseWith, rowsOf } = await setup(store, clock);
    const oldA = await caseWith(3);
    const oldB = await caseWith(1);
    const stillOpen = await caseWith(2, true);
    clock.set('2026-03-01T01:00:00.000Z');
    const closedLater = await caseWith(1);
    const historyBefore = await engine.history(oldA);
    expect((await rowsOf(oldA)).case_snapshots).toBeGreaterThan(0);

    const [run, ...more] = await archiveClosedCases(deps, { closedBefore: '2026-02-01T00:00:00+08:00', outDir: out, createdBy: 'test' });
    expect(more).toEqual([]);
    expect(run!.archive).toMatchObject({ state: 'pruned', cases: 2 });
    expect((await archives.reader.casesOf(run!.archive.id)).map((c) => [c.caseId, c.state])).toEqual([oldA, oldB].sort().map((id) => [id, 'pruned']));
    for (const id of [oldA, oldB]) expect(Object.values(await rowsOf(id)).every((n) => n === 0)).toBe(true);
    expect((await rowsOf(stillOpen)).case_events).toBe(3);
    expect((await rowsOf(closedLater)).case_events).toBe(4);

    // Still listed (the case row stays), history from the archive, replay from it, verify accounts for it.
    expect((await engine.findCase(oldA))?.status).toBe('done');
    expect(await engine.history(oldA)).toEqual(historyBefore);
    expect((await engine.replay(oldA, { atSeq: 2 })).state.data).toMatchObject({ count: 1 });
    expect(await engine.verify()).toMatchObject({ ok: true, casesChecked: 4, casesArchived: 2 });

    const dir = run!.archive.dir;
    const good = await verifyArchive(dir, { reader: archives.reader });
    expect(good).toMatchObject({ ok: true, archiveId: run!.archive.id, archiveHash: run!.archive.archiveHash, cases: 2, events: historyBefore.length + 4, failures: [] });

    // A second run finds nothing new.
    expect(await archiveClosedCases(deps, { closedBefore: '2026-02-01T00:00:00+08:00', outDir: out, createdBy: 'test' })).toEqual([]);

    // One changed byte in a case file: verification names the case; the history refuses to read it.
    const file = path.join(dir, 'cases', `${encodeURIComponent(oldB)}.json`);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('检查记录1', '检查记录9'));
    const bad = await verifyArchive(dir, { reader: archives.reader });
    expect(bad.ok).toBe(false);
    expect(bad.failures).toEqual([expect.objectContaining({ caseId: oldB, reason: expect.stringMatching(/does not match the hash/) })]);
    await expect(engine.history(oldB)).rejects.toMatchObject({ code: 'invalid_archive' });
    // …even with the manifest's file hash fixed up: then the chain names the case and the database the archive's hash.
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { cases: { caseId: string; sha256: string }[] };
    const { createHash } = await import('node:crypto');
    manifest.cases.find((c) => c.caseId === oldB)!.sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const rewritten = await verifyArchive(dir, { reader: archives.reader });
    expect(rewritten.failures).toContainEqual(expect.objectContaining({ caseId: oldB, reason: expect.stringMatching(/altered/) }));
    expect(rewritten.failures).toContainEqual(expect.objectContaining({ caseId: null, reason: expect.stringMatching(/differs from the hash the database recorded/) }));
  });

  it.skipIf(!enabled)('refuses to delete the events of a case that is not archived', async () => {
    const { store, cleanup } = await fresh();
    onTestFinished(cleanup);
    const { caseWith } = await setup(store, createManualClock('2026-01-05T01:00:00.000Z'));
    const id = await caseWith(1);
    await expect(store.knex('case_events').where({ case_id: id }).delete()).rejects.toThrow(/append-only/);
  });

  const steps: ArchiveStep[] = ['planned', 'case-written', 'written', 'recorded', 'case-pruned'];
  it.skipIf(!enabled).each(steps)('finishes a run killed after step %s when run again', async (killAt) => {
    const { store, cleanup } = await fresh();
    onTestFinished(cleanup);
    const clock = createManualClock('2026-01-05T01:00:00.000Z');
    const { engine, deps, archives, caseWith, rowsOf } = await setup(store, clock);
    const ids = [await caseWith(2), await caseWith(1), await caseWith(3)];
    const histories = await Promise.all(ids.map((id) => engine.history(id)));
    clock.set('2026-03-01T01:00:00.000Z');
    const opts = { closedBefore: '2026-02-01T00:00:00+08:00', outDir: out, createdBy: 'test' };
    await expect(archiveClosedCases(deps, { ...opts, afterStep: (step) => {
      if (step === killAt) throw new Error(`killed after ${step}`);
    } })).rejects.toThrow(`killed after ${killAt}`);
    const [half] = await archives.runs.unfinished();
    expect(half).toBeDefined();

    const finished = await archiveClosedCases(deps, opts);
    expect(finished).toEqual([{ archive: expect.objectContaining({ id: half!.id, state: 'pruned', cases: 3 }), resumed: true }]);
    expect(await archives.reader.listArchives()).toHaveLength(1);
    for (const [i, id] of ids.entries()) {
      expect((await rowsOf(id)).case_events).toBe(0);
      expect(await engine.history(id)).toEqual(histories[i]);
    }
    expect(await verifyArchive(finished[0]!.archive.dir, { reader: archives.reader })).toMatchObject({ ok: true, cases: 3 });
    expect(await engine.verify()).toMatchObject({ ok: true, casesArchived: 3 });
  });
});
