/**
 * 专项整治进展报告 (issue 10) run by the engine over the demo org tree: the
 * district fills it in, only the campaign's owner reviews it, a missed report
 * is marked overdue after three working days, and the property suite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { validateDefinition } from '../../engine/core/validate-definition.js';
import { createEngine, createManualClock, type Actor, type Engine, type KnexStore, type ManualClock } from '../../engine/index.js';
import { createTemplateCatalog } from '../../notifications/templates.js';
import { createOrgDirectory, createOrgResolver } from '../../server/access.js';
import { DEMO_ORG_TREE } from '../../server/demo.js';
import { importOrgTree } from '../../server/people.js';
import { createKnexPeopleStore } from '../../server/index.js';
import { builtinWorkflows, campaignReportWorkflow } from '../../workflows/index.js';
import { freshSqliteStore } from '../support/stores.js';
import { fireDueTimers } from '../support/workflow-driver.js';
import { runWorkflowProperties } from '../support/workflow-properties.js';

const NOW = '2026-03-09T01:00:00.000Z'; // Monday 2026-03-09, 09:00 in Shanghai
const person = (id: string, org: string, ...roles: string[]): Actor => ({ id, roles, org });
const districtOffice = person('donghu-office', 'donghu', 'safetyCommitteeOffice');
const cityOffice = person('city-office', 'jiangzhou', 'safetyCommitteeOffice');
const INITIAL = {
  campaignId: 'dust-2026', campaignTitle: '粉尘涉爆企业专项整治', ownerOrg: 'jiangzhou', districtName: '东湖区', period: 'weekly',
  periodFrom: '2026-03-02', periodTo: '2026-03-08', found: 12, rectified: 9, otherCases: 3, targetFound: 20, targetRectified: 20,
};
const PROGRESS = { inspectedUnits: 35, measures: '组织联合检查 3 次', problems: '部分企业除尘系统改造滞后', nextSteps: '下周完成复查' };

describe('the campaign report definition', () => {
  it('validates against the template catalogue and is registered', () => {
    expect(validateDefinition(campaignReportWorkflow, { templates: createTemplateCatalog() })).toMatchObject({ ok: true });
    expect(builtinWorkflows.map((w) => w.id)).toContain('campaign-report');
  });
});

// The suite acts from one org (`district-a`): owning the campaign there lets it reach the owner's review too.
runWorkflowProperties(campaignReportWorkflow, { numRuns: 80, initialData: { ...INITIAL, ownerOrg: 'district-a' } });

describe('campaign reports in the engine', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function setup(): Promise<{ engine: Engine; store: KnexStore; clock: ManualClock }> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    await store.migrate();
    const clock = createManualClock(NOW);
    const people = createKnexPeopleStore(store);
    await importOrgTree(people, clock, DEMO_ORG_TREE);
    const engine = await createEngine({ store, clock, orgs: createOrgResolver(createOrgDirectory(people), people), workflows: builtinWorkflows });
    return { engine, store, clock };
  }

  it('the district reports, the owner returns it once, then accepts; the district cannot accept its own', async () => {
    const { engine } = await setup();
    const { case: c } = await engine.createCase({ workflowId: 'campaign-report', org: 'donghu', data: INITIAL, actor: cityOffice });
    expect((await engine.listTasks({ caseId: c.id })).map((t) => [t.role, t.org])).toEqual([['safetyCommitteeOffice', 'donghu']]);
    await engine.send(c.id, { type: 'submitReport', payload: PROGRESS }, districtOffice);
    expect((await engine.listTasks({ caseId: c.id })).map((t) => [t.role, t.org])).toEqual([['safetyCommitteeOffice', 'jiangzhou']]);
    await expect(engine.send(c.id, { type: 'acceptReport', payload: {} }, districtOffice)).rejects.toMatchObject({ code: 'guard_failed' });
    await engine.send(c.id, { type: 'returnReport', payload: { reviewComments: '请补充复查计划' } }, cityOffice);
    await engine.send(c.id, { type: 'submitReport', payload: { ...PROGRESS, nextSteps: '3月13日前完成复查' } }, districtOffice);
    await engine.send(c.id, { type: 'acceptReport', payload: { reviewComments: '同意' } }, cityOffice);
    expect(await engine.getCase(c.id)).toMatchObject({ status: 'done', stateLabel: 'accepted', data: { nextSteps: '3月13日前完成复查', submitOverdue: false } });
  });

  it('a report not submitted within three working days is marked overdue (the weekend does not count)', async () => {
    const { engine, store, clock } = await setup();
    clock.set('2026-03-12T02:00:00.000Z'); // Thursday
    const { case: c } = await engine.createCase({ workflowId: 'campaign-report', org: 'donghu', data: INITIAL, actor: cityOffice });
    // Thursday + 3 working days: Friday, Monday, Tuesday — due at the end of Tuesday 2026-03-17.
    expect((await engine.listTasks({ caseId: c.id }))[0]).toMatchObject({ dueAt: '2026-03-17T16:00:00.000Z' });
    await fireDueTimers(engine, store, clock, '2026-03-17T15:00:00.000Z');
    expect((await engine.getCase(c.id)).data).toMatchObject({ submitOverdue: false });
    await fireDueTimers(engine, store, clock, '2026-03-17T16:30:00.000Z');
    expect((await engine.getCase(c.id)).data).toMatchObject({ submitOverdue: true });
    // Still open: a late report is still a report.
    await engine.send(c.id, { type: 'submitReport', payload: PROGRESS }, districtOffice);
    expect((await engine.getCase(c.id)).stateLabel).toBe('reviewing');
  });
});
