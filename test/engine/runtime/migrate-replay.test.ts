/**
 * Property: whatever a case went through before and after a migration
 * (workflow events, 退回, 跳转, 拿回, 终止, time passing), replaying its
 * history — from event 1 and from snapshots — reproduces every stored state,
 * across the definition versions.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, EngineError, type Actor, type Engine } from '../../../engine/index.js';
import { admin, chief, clerk, movesWorkflow, movesWorkflowV2 } from '../../support/moves-workflow.js';
import { freshSqliteStore } from '../../support/stores.js';

type Step = { kind: 'send'; type: string; who: Actor; payload: Record<string, unknown> } | { kind: 'wait'; hours: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom<Step>(
    { kind: 'send', type: 'submit', who: clerk, payload: {} },
    { kind: 'send', type: 'approve', who: chief, payload: {} },
    { kind: 'send', type: 'file', who: clerk, payload: {} },
    { kind: 'send', type: 'case.sendBack', who: chief, payload: { to: 'draft', reason: '退回补正' } },
    { kind: 'send', type: 'case.sendBack', who: clerk, payload: { to: 'draft', reason: '退回补正' } },
    { kind: 'send', type: 'case.terminate', who: chief, payload: { reason: '终止' } },
  ),
  fc.constantFrom('draft', 'review', 'check', 'archive').map((to): Step => ({ kind: 'send', type: 'case.jump', who: admin, payload: { to, reason: '调整' } })),
  fc.constant<Step>({ kind: 'send', type: 'task.takeBack', who: clerk, payload: { seq: -1, reason: '拿回' } }),
  fc.integer({ min: 1, max: 200 }).map((hours): Step => ({ kind: 'wait', hours })),
);

const seed = process.env.DUBAN_FC_SEED ? Number(process.env.DUBAN_FC_SEED) : process.env.CI ? 20_261_129 : undefined;

describe('migration and replay', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function play(e: Engine, clock: ReturnType<typeof createManualClock>, id: string, steps: Step[]): Promise<void> {
    for (const s of steps) {
      if (s.kind === 'wait') {
        clock.advance(s.hours * 3_600_000);
        continue;
      }
      const payload = s.type === 'task.takeBack' ? { ...s.payload, seq: (await e.findCase(id))!.version } : s.payload;
      try {
        await e.send(id, { type: s.type, payload }, s.who);
      } catch (err) {
        // Refusals are part of the game (wrong state, wrong role, closed case); anything else is a bug.
        if (!(err instanceof EngineError)) throw err;
      }
    }
  }

  it('replays every stored state exactly across a migration', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 12 }), fc.array(stepArb, { maxLength: 12 }), async (before, after) => {
        const { store, cleanup } = await freshSqliteStore({ snapshotEvery: 3 });
        cleanups.push(cleanup);
        const clock = createManualClock('2026-03-02T02:00:00.000Z');
        const e = await createEngine({ store, clock, workflows: [movesWorkflow] });
        const { case: c } = await e.createCase({ workflowId: 'moves', org: 'district-a', actor: clerk });
        await play(e, clock, c.id, before);
        await e.registerWorkflow(movesWorkflowV2);
        const report = await e.migrateCases({ workflowId: 'moves', fromVersion: 1, toVersion: 2, map: { states: { draft: 'draft', review: 'check', archive: 'archive' } }, actor: admin });
        const record = (await e.findCase(c.id))!;
        // A running case is always covered by this mapping; a closed one is left alone.
        expect(report.migrated).toBe(record.status === 'active' && report.cases.length > 0 ? 1 : 0);
        const after1 = (await e.findCase(c.id))!;
        if (after1.workflowVersion === 2) await play(e, clock, c.id, after.map((s) => (s.kind === 'send' && s.type === 'case.jump' && s.payload.to === 'review' ? { ...s, payload: { ...s.payload, to: 'check' } } : s)));
        const final = (await e.findCase(c.id))!;
        expect((await e.verify(c.id)).ok).toBe(true);
        expect((await e.replay(c.id, { fromStart: true })).state).toEqual(final.state);
        for (const ev of await e.history(c.id)) expect((await e.replay(c.id, { atSeq: ev.seq })).state).toEqual(ev.state);
        await cleanup();
        cleanups.pop();
      }),
      { numRuns: 15, ...(seed === undefined ? {} : { seed }) },
    );
  }, 240_000);
});
