import { afterEach, describe, expect, it } from 'vitest';
import { builtinCalendars, createCalendarRegistry } from '../../../engine/core/calendar/index.js';
import { compileWorkflow } from '../../../engine/core/compile.js';
import { decide } from '../../../engine/core/decide.js';
import { createEngine, createManualClock, defineWorkflow, TIMER_ACTOR, type Engine } from '../../../engine/index.js';
import type { EventRecord } from '../../../engine/ports.js';
import { applyRecorded } from '../../../engine/runtime/replay.js';
import { freshSqliteStore } from '../../support/stores.js';

const title = { zh: '整改期限', en: 'Rectification deadline' };
const legalBasis = { zh: '《安全生产事故隐患排查治理暂行规定》第十五条', en: 'Interim Provisions on Hidden Dangers, Art. 15' };
const clerk = { id: 'u-clerk', roles: ['clerk'], org: 'district-a' };

const rectify = defineWorkflow({
  id: 'rectify-demo',
  version: 1,
  title: { zh: '整改', en: 'Rectify' },
  roles: ['clerk', 'system'],
  data: { type: 'object', properties: { late: { type: 'boolean' } } },
  initial: 'open',
  states: {
    open: { on: { start: { target: 'rectifying', roles: ['clerk'] } } },
    rectifying: {
      task: { title: '整改', role: 'clerk' },
      deadlines: [{ id: 'fix', title, legalBasis, duration: '5 workdays', onExpire: 'markLate', notify: 'overdue' }],
      on: { markLate: { roles: ['system'], assign: { late: true } }, finish: { target: 'done', roles: ['clerk'] } },
    },
    done: { type: 'final' },
  },
});

describe('deadline state kept compact', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  async function engine(): Promise<Engine> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    return createEngine({ store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [rectify] });
  }

  it('stores a running deadline without the text its definition holds, shows that text, and replays and verifies exactly', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'rectify-demo', org: 'district-a', actor: clerk });
    const started = await e.send(c.id, { type: 'start' }, clerk);
    const dl = started.event.state.deadlines[0]!;
    expect(dl).not.toHaveProperty('title');
    expect(dl).not.toHaveProperty('legalBasis');
    expect(started.event.env.deadlineForm).toBe('compact');
    expect((await e.getCase(c.id, clerk)).deadlines[0]).toMatchObject({ key: 'rectifying#fix', title, legalBasis });

    // The due timer: the deadline goes overdue, its declared event runs, the overdue notice still names the deadline.
    const fired = await e.send(c.id, { type: 'deadline.due', payload: { deadline: dl.key, index: 0, generation: 0 }, idempotencyKey: 't1' }, TIMER_ACTOR);
    expect(fired.event.env.deadlineForm).toBeUndefined();
    expect(fired.event.state.deadlines[0]).toMatchObject({ status: 'overdue' });
    expect(fired.event.state.deadlines[0]).not.toHaveProperty('title');
    expect(fired.event.state.data.late).toBe(true);
    expect((await e.replay(c.id)).state).toEqual(fired.event.state);
    expect((await e.verify(c.id)).ok).toBe(true);
  });

  it('replays an event recorded before the compact form with the deadline text it recorded', async () => {
    const registry = createCalendarRegistry(builtinCalendars);
    const lookup = (id: string) => registry.get(id)!;
    const deps = { calendars: { forReplay: async () => lookup } } as unknown as Parameters<typeof applyRecorded>[0];
    const wf = compileWorkflow(rectify);
    const at = '2026-03-02T02:00:00.000Z';
    const base = { caseId: 'c1', org: 'district-a', value: 'open', data: {}, status: 'active' as const, seq: 1, deadlines: [] };
    const legacy = decide(wf, base, { type: 'start', actor: clerk }, new Date(at), { calendar: lookup });
    expect(legacy.state.deadlines[0]).toMatchObject({ title, legalBasis });
    const event = (env: EventRecord['env']): EventRecord => ({ caseId: 'c1', seq: 2, type: 'start', payload: {}, actor: clerk, at, idempotencyKey: null, state: legacy.state, env, prevHash: '', hash: '' });
    expect(await applyRecorded(deps, wf, base, event({ calendars: { cn: 1 } }))).toEqual(legacy.state);
    const compact = await applyRecorded(deps, wf, base, event({ calendars: { cn: 1 }, deadlineForm: 'compact' }));
    expect(compact.deadlines[0]).not.toHaveProperty('title');
    expect(compact.deadlines[0]).not.toHaveProperty('legalBasis');
  });

  it('names a compact deadline in its notices with the text of the definition', () => {
    const registry = createCalendarRegistry(builtinCalendars);
    const env = { calendar: (id: string) => registry.get(id)!, compactDeadlines: true };
    const wf = compileWorkflow(rectify);
    const base = { caseId: 'c1', org: 'district-a', value: 'open', data: {}, status: 'active' as const, seq: 1, deadlines: [] };
    const started = decide(wf, base, { type: 'start', actor: clerk }, new Date('2026-03-02T02:00:00.000Z'), env).state;
    const fired = decide(wf, started, { type: 'deadline.due', payload: { deadline: 'rectifying#fix', index: 0, generation: 0 }, actor: TIMER_ACTOR }, new Date('2026-03-10T00:00:00.000Z'), env);
    expect(fired.transition).toBe('states.rectifying.on.markLate');
    const notice = fired.effects.find((x) => x.type === 'notify');
    expect(notice?.type === 'notify' && notice.vars.deadline).toMatchObject({ key: 'rectifying#fix', title, legalBasis, status: 'overdue' });
    expect(fired.state.deadlines[0]).not.toHaveProperty('title');
  });
});
