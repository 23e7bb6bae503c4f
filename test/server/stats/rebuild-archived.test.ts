/**
 * `duban stats rebuild` over a database with archived cases: their runtime
 * rows (events, snapshots) are pruned, so the rebuild reads their histories
 * from the archive (through the archive-aware engine's `history`, checked
 * against the hash recorded for each file) and gives the same facts; without
 * the archive it refuses rather than drop them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createEngine, createKnexAnchorStore, createKnexArchiveStore, createManualClock } from '../../../engine/index.js';
import { archiveClosedCases } from '../../../server/archive/archive-run.js';
import { archiveAwareEngine } from '../../../server/archive/archived-engine.js';
import { createFactsProjection, factsDefinitions, rebuildFacts } from '../../../server/stats/facts-store.js';
import { createKnexStatsStore } from '../../../server/stats/knex-stats.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';
import { miniHazard, statsClerk, statsWorkflows } from '../../support/stats-workflows.js';

describe.each(['sqlite', 'postgres'] as const)('stats rebuild with archived cases (%s)', (backend) => {
  it('rebuilds the facts of pruned cases from their archived histories, identical to those kept step by step', async () => {
    const fresh = backend === 'sqlite' ? await freshSqliteStore({ snapshotEvery: 2 }) : await freshPostgresStore({ snapshotEvery: 2 });
    onTestFinished(fresh.cleanup);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-rebuild-archived-'));
    onTestFinished(() => fs.rmSync(out, { recursive: true, force: true }));
    const { store } = fresh;
    const defs = factsDefinitions(statsWorkflows);
    store.addProjection(createFactsProjection(defs));
    const clock = createManualClock('2026-01-05T01:00:00.000Z');
    const archives = createKnexArchiveStore(store);
    const engine = archiveAwareEngine(await createEngine({ store, clock, workflows: statsWorkflows }), { reader: archives.reader });
    const actor = { ...statsClerk, org: 'east' };
    const ids: string[] = [];
    for (const grade of ['major', 'general', 'major']) {
      const { case: c } = await engine.createCase({ workflowId: miniHazard.id, org: 'east', actor, data: { grade, sector: '工贸' } });
      ids.push(c.id);
    }
    // Two closed in January (archived below), one left open.
    await engine.send(ids[0]!, { type: 'regrade', payload: { grade: 'general' } }, actor);
    await engine.send(ids[0]!, { type: 'writeOff' }, actor);
    await engine.send(ids[1]!, { type: 'reject' }, actor);
    const stats = createKnexStatsStore(store);
    const before = await stats.facts.list();
    const closed = before.filter((f) => f.closedAt !== null).map((f) => f.caseId);
    expect(closed.length).toBeGreaterThan(0);

    clock.set('2026-03-01T01:00:00.000Z');
    const [run] = await archiveClosedCases({ engine, runs: archives.runs, reader: archives.reader, anchors: createKnexAnchorStore(store) }, { closedBefore: '2026-02-01T00:00:00+08:00', outDir: out, createdBy: 'test' });
    expect(run!.archive).toMatchObject({ state: 'pruned', cases: closed.length });
    expect(await store.knex('case_events').whereIn('case_id', closed).count({ n: '*' }).then((r) => Number(r[0]!.n))).toBe(0);

    expect(await rebuildFacts(stats.facts, (id) => engine.history(id), defs)).toBe(ids.length);
    expect(await stats.facts.list()).toEqual(before);
    expect((await stats.facts.list()).filter((f) => closed.includes(f.caseId))).toHaveLength(closed.length);

    // A history that does not read the archive (no archive directory): the rebuild is refused and the facts stay.
    const plain = await createEngine({ store, clock, workflows: statsWorkflows });
    await expect(rebuildFacts(stats.facts, (id) => plain.history(id), defs)).rejects.toMatchObject({ code: 'invalid_archive' });
    expect(await stats.facts.list()).toEqual(before);
  });
});
