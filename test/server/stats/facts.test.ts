import { describe, expect, it, onTestFinished } from 'vitest';
import { createEngine, createManualClock, belongsAt, countsAsAccident, factsOf, isOpenMajorHazardAt, isOverdueAt, isRectified, rectifiedOnTime, type CaseFacts, type EventRecord } from '../../../engine/index.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';
import { statsClerk as clerk, statsWorkflows } from '../../support/stats-workflows.js';
import { computeFacts, createFactsProjection, factsDefinitions, rebuildFacts } from '../../../server/stats/facts-store.js';
import { createKnexStatsStore } from '../../../server/stats/knex-stats.js';
import { builtinWorkflows } from '../../../workflows/index.js';

const defs = factsDefinitions(statsWorkflows);

async function setup(backend: 'sqlite' | 'postgres') {
  const fresh = backend === 'sqlite' ? await freshSqliteStore() : await freshPostgresStore();
  onTestFinished(fresh.cleanup);
  fresh.store.addProjection(createFactsProjection(defs));
  const clock = createManualClock('2026-11-02T02:00:00.000Z');
  const engine = await createEngine({ store: fresh.store, clock, workflows: statsWorkflows });
  const fireDue = async () => {
    for (const t of await fresh.store.timers.listDue(clock.now().toISOString(), 100)) await engine.fireTimer(t);
  };
  return { store: fresh.store, stats: createKnexStatsStore(fresh.store), engine, clock, fireDue };
}

const day = 86_400_000;

describe.each(['sqlite', 'postgres'] as const)('case facts (%s)', (backend) => {
  it('are kept in each step and rebuilt identically from the history; at= ignores later events', async () => {
    const { stats, engine, clock, fireDue } = await setup(backend);
    const history = (id: string) => engine.history(id);
    // A major hazard, overdue after ten days, escalated a day later, then written off.
    const h1 = (await engine.createCase({ workflowId: 'hazard', org: 'district-a', actor: clerk, data: { grade: 'major', sector: '危险化学品', source: 'inspection' } })).case.id;
    // A general hazard written off on the second day.
    const h2 = (await engine.createCase({ workflowId: 'hazard', org: 'district-a', actor: clerk, data: { grade: 'general', sector: '建筑施工' } })).case.id;
    clock.advance(day);
    await engine.send(h2, { type: 'writeOff' }, clerk);
    // An accident confirmed as serious with 3 deaths, later dismissed.
    const a1 = (await engine.createCase({ workflowId: 'accident', org: 'district-a', actor: clerk, data: { sector: '道路运输', occurredAt: '2026-11-01T08:00:00.000Z', deaths: 3, seriousInjuries: 2, directLossCny: 1_200_000 } })).case.id;
    await engine.send(a1, { type: 'confirm', payload: { grade: 'serious', listed: true } }, clerk);
    const beforeOverdue = clock.now().toISOString();
    clock.advance(12 * day);
    await fireDue();
    await fireDue();
    await engine.send(h1, { type: 'writeOff' }, clerk);
    await engine.send(a1, { type: 'dismiss' }, clerk);

    const live = await stats.facts.list();
    expect(live).toHaveLength(3);
    const f1 = live.find((f) => f.caseId === h1)!;
    expect(f1).toMatchObject({ workflowId: 'hazard', grade: 'major', industry: '危险化学品', source: 'inspection', terminated: false, deadlinesMet: 0, deadlinesMissed: 1 });
    expect(f1.firstOverdueAt).not.toBeNull();
    expect(f1.escalations).toBeGreaterThanOrEqual(1);
    expect(live.find((f) => f.caseId === h2)).toMatchObject({ deadlinesMet: 1, deadlinesMissed: 0, firstOverdueAt: null });
    expect(live.find((f) => f.caseId === a1)).toMatchObject({ grade: 'serious', deaths: 3, injuries: 2, directLossCny: 1_200_000, listed: true, terminated: true });

    // Rebuilt from the history: the same rows.
    expect(await rebuildFacts(stats.facts, history, defs)).toBe(3);
    expect(await stats.facts.list()).toEqual(live);

    // As of before the overdue firing: h1 open and not overdue, a1 confirmed and not dismissed.
    const past = await computeFacts(stats.facts, history, defs, beforeOverdue);
    const p1 = past.find((f) => f.caseId === h1)!;
    expect(p1).toMatchObject({ closedAt: null, firstOverdueAt: null, escalations: 0 });
    expect(isOpenMajorHazardAt(p1, beforeOverdue)).toBe(true);
    expect(countsAsAccident(past.find((f) => f.caseId === a1)!)).toBe(true);
    expect(countsAsAccident(live.find((f) => f.caseId === a1)!)).toBe(false);
    // Before anything existed: nothing.
    expect(await computeFacts(stats.facts, history, defs, '2026-11-01T00:00:00.000Z')).toEqual([]);
  });
});

describe('the fold', () => {
  it('reads the terminated final states from the built-in definitions', () => {
    const d = factsDefinitions(builtinWorkflows);
    expect(d.get('hazard')?.terminatedStates).toEqual(['rejected', 'transferred', 'cancelled']);
    expect(d.get('accident')?.terminatedStates).toEqual(['dismissed']);
  });

  it('is the same over the same events, and stops at `at`', () => {
    const ev = (seq: number, at: string, type: string, data: Record<string, unknown>, status: 'active' | 'done' = 'active', value = 'open', deadlines: { key: string; status: string }[] = []): EventRecord =>
      ({ caseId: 'c', seq, type, at, payload: {}, actor: clerk, idempotencyKey: null, env: { calendars: {} }, prevHash: '', hash: '', state: { caseId: 'c', org: 'x', value, data, status, seq, deadlines } }) as unknown as EventRecord;
    const events = [
      ev(1, '2026-11-01T00:00:00.000Z', 'case.created', { grade: 'general' }, 'active', 'open', [{ key: 'k', status: 'running' }]),
      ev(2, '2026-11-05T00:00:00.000Z', 'regrade', { grade: 'major' }, 'active', 'open', [{ key: 'k', status: 'running' }]),
      ev(3, '2026-11-09T00:00:00.000Z', 'writeOff', { grade: 'major' }, 'done', 'closed'),
    ];
    const def = { id: 'hazard', terminatedStates: ['rejected'] };
    expect(factsOf(def, events)).toEqual(factsOf(def, events));
    expect(factsOf(def, events, '2026-11-04T00:00:00.000Z')?.grade).toBe('general');
    expect(factsOf(def, events)).toMatchObject({ grade: 'major', closedAt: '2026-11-09T00:00:00.000Z', deadlinesMet: 1, terminated: false });
  });
});

describe('counting rules (worked examples)', () => {
  const base: CaseFacts = {
    caseId: 'c', workflowId: 'hazard', org: 'x', seq: 1, grade: 'major', industry: null, source: null, openedAt: '2026-10-20T00:00:00.000Z', closedAt: null, terminated: false,
    firstOverdueAt: null, occurredAt: null, confirmedAt: null, deaths: null, injuries: null, directLossCny: null, deadlinesMet: 0, deadlinesMissed: 0, escalations: 0, listed: false, openDeadlines: {},
  };
  it('overdue: overdue by then and still open then', () => {
    const f = { ...base, firstOverdueAt: '2026-11-10T00:00:00.000Z', closedAt: '2026-11-20T00:00:00.000Z' };
    expect(isOverdueAt(f, '2026-11-09T00:00:00.000Z')).toBe(false);
    expect(isOverdueAt(f, '2026-11-15T00:00:00.000Z')).toBe(true);
    expect(isOverdueAt(f, '2026-11-30T00:00:00.000Z')).toBe(false);
  });
  it('rectified on time: written off before any deadline went overdue', () => {
    expect(rectifiedOnTime({ ...base, closedAt: '2026-11-05T00:00:00.000Z' })).toBe(true);
    expect(rectifiedOnTime({ ...base, closedAt: '2026-11-20T00:00:00.000Z', firstOverdueAt: '2026-11-10T00:00:00.000Z' })).toBe(false);
    expect(isRectified({ ...base, closedAt: '2026-11-20T00:00:00.000Z', firstOverdueAt: '2026-11-10T00:00:00.000Z' })).toBe(true);
    // Rejected is not rectified at all.
    expect(isRectified({ ...base, closedAt: '2026-11-05T00:00:00.000Z', terminated: true })).toBe(false);
    // Not yet closed at the report's instant.
    expect(isRectified({ ...base, closedAt: '2026-12-02T00:00:00.000Z' }, '2026-11-30T23:59:59.999Z')).toBe(false);
  });
  it('open major hazard: graded major, opened by then, not closed by then', () => {
    expect(isOpenMajorHazardAt(base, '2026-11-30T00:00:00.000Z')).toBe(true);
    expect(isOpenMajorHazardAt({ ...base, grade: 'general' }, '2026-11-30T00:00:00.000Z')).toBe(false);
    expect(isOpenMajorHazardAt({ ...base, closedAt: '2026-11-15T00:00:00.000Z' }, '2026-11-30T00:00:00.000Z')).toBe(false);
    expect(isOpenMajorHazardAt(base, '2026-10-01T00:00:00.000Z')).toBe(false);
  });
  it('the month a case belongs to: an accident by when it happened, anything else by when it was opened', () => {
    const acc = { ...base, workflowId: 'accident', openedAt: '2026-11-02T00:00:00.000Z', occurredAt: '2026-10-31T15:00:00.000Z' };
    expect(belongsAt(acc)).toBe('2026-10-31T15:00:00.000Z');
    expect(belongsAt({ ...acc, occurredAt: null })).toBe('2026-11-02T00:00:00.000Z');
    expect(belongsAt(base)).toBe('2026-10-20T00:00:00.000Z');
  });
  it('an accident counts once its grade is confirmed and while it is not dismissed', () => {
    const acc = { ...base, workflowId: 'accident' };
    expect(countsAsAccident(acc)).toBe(false);
    expect(countsAsAccident({ ...acc, confirmedAt: '2026-11-02T00:00:00.000Z' })).toBe(true);
    expect(countsAsAccident({ ...acc, confirmedAt: '2026-11-02T00:00:00.000Z', terminated: true })).toBe(false);
  });
});
