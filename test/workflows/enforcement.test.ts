/**
 * 执法 (issue 10): the administrative penalty case, each period tested against
 * the article that sets it, counted on the working-day calendar where
 * 《行政处罚法》第八十五条 says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { validateDefinition } from '../../engine/core/validate-definition.js';
import { createEngine, createManualClock, type Actor, type Engine, type KnexStore, type ManualClock } from '../../engine/index.js';
import { createTemplateCatalog } from '../../notifications/templates.js';
import { enforcementWorkflow } from '../../workflows/index.js';
import { freshSqliteStore } from '../support/stores.js';
import { fireDueTimers } from '../support/workflow-driver.js';
import { runWorkflowProperties } from '../support/workflow-properties.js';

const NOW = '2026-03-02T02:00:00.000Z'; // Monday 10:00 in Shanghai
const ORG = 'donghu';
const inspector: Actor = { id: 'zhang', roles: ['inspector'], org: ORG };
const reviewer: Actor = { id: 'liu', roles: ['regulatorReviewer'], org: ORG };
const leader: Actor = { id: 'zhao', roles: ['regulatorLeader'], org: ORG };

const FILING = {
  partyName: '江州清水化工有限公司',
  partyType: 'unit',
  partyCode: '91360100MA35XXXX0X',
  violation: '未按规定对重大危险源进行定期检测',
  source: 'hazard',
  linkedCaseId: 'donghu:H-2026-0012',
  filingNo: '东应急立〔2026〕15号',
  officers: ['张检（执法证号 36010001）', '钱检（执法证号 36010002）'],
};

describe('the enforcement definition', () => {
  it('validates against the template catalogue', () => {
    expect(validateDefinition(enforcementWorkflow, { templates: createTemplateCatalog() })).toMatchObject({ ok: true });
  });
});

runWorkflowProperties(enforcementWorkflow, { numRuns: 60, coverageDataKeys: ['evidenceCount', 'heavyPenalty', 'fineAmount', 'paymentOverdue'] });

describe('an enforcement case in the engine', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function setup(): Promise<{ engine: Engine; store: KnexStore; clock: ManualClock }> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    const clock = createManualClock(NOW);
    const engine = await createEngine({ store, clock, workflows: [enforcementWorkflow] });
    return { engine, store, clock };
  }

  /** Moves the clock and fires every timer due by then, earliest first. */
  const advanceTo = async (engine: Engine, store: KnexStore, clock: ManualClock, iso: string): Promise<string[]> =>
    (await fireDueTimers(engine, store, clock, iso)).map(({ timer: t }) => `${t.kind} ${t.deadlineKey}`);

  async function investigated(engine: Engine): Promise<string> {
    const { case: c } = await engine.createCase({ workflowId: 'enforcement', org: ORG, actor: inspector });
    await engine.send(c.id, { type: 'file', payload: FILING }, leader);
    await expect(engine.send(c.id, { type: 'finishInvestigation', payload: { findings: '……' } }, inspector)).rejects.toMatchObject({ code: 'guard_failed' });
    await engine.send(c.id, { type: 'addEvidence', payload: { evidence: ['询问笔录（2026-03-03）', '现场检查记录', '检测报告缺失的说明'] } }, inspector);
    await engine.send(c.id, { type: 'finishInvestigation', payload: { findings: '该公司未按规定对重大危险源进行定期检测，违反安全生产法第四十条' } }, inspector);
    return c.id;
  }

  it('行政处罚法 第四十二条: filing names at least two enforcement officers', async () => {
    const { engine } = await setup();
    const { case: c } = await engine.createCase({ workflowId: 'enforcement', org: ORG, actor: inspector });
    await expect(engine.send(c.id, { type: 'file', payload: { ...FILING, officers: ['张检'] } }, leader)).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('行政处罚法 第六十条: the decision is due 90 days after filing; the head extends it once, by at most 30 days, in one event', async () => {
    const { engine } = await setup();
    const id = await investigated(engine);
    const [decision] = (await engine.getCase(id)).deadlines.filter((d) => d.key === 'open#decision');
    // Filed Monday 2026-03-02: ninety days later is Sunday 2026-05-31, a rest day, so the period ends on the next working day.
    expect(decision?.dueAt).toBe('2026-06-01T16:00:00.000Z');
    await expect(engine.send(id, { type: 'deadline.extend', payload: { deadline: decision!.key, by: 'P30D', reason: '需委托检测机构补充鉴定，案情复杂' } }, inspector)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(engine.send(id, { type: 'deadline.extend', payload: { deadline: decision!.key, by: 'P31D', reason: '案情复杂' } }, leader)).rejects.toMatchObject({ code: 'invalid_data' });
    await engine.send(id, { type: 'deadline.extend', payload: { deadline: decision!.key, by: 'P30D', reason: '需委托检测机构补充鉴定，案情复杂' } }, leader);
    const extended = (await engine.getCase(id)).deadlines.find((d) => d.key === 'open#decision')!;
    expect(extended.dueAt > decision!.dueAt).toBe(true);
    await expect(engine.send(id, { type: 'deadline.extend', payload: { deadline: decision!.key, by: 'P1D', reason: '再延一日' } }, leader)).rejects.toMatchObject({ code: 'invalid_data' });
  });

  it('行政处罚法 第六十四条、第八十五条: the hearing window is 5 working days; a heavy fine qualifies; the window closing moves the case on', async () => {
    const { engine, store, clock } = await setup();
    const id = await investigated(engine);
    // A fine without its amount is refused.
    await expect(engine.send(id, { type: 'inform', payload: { penaltyKinds: ['fine'], legalBasis: '安全生产法第九十九条', noticeNo: '东应急告〔2026〕15号' } }, inspector)).rejects.toMatchObject({ code: 'guard_failed' });
    await engine.send(id, { type: 'inform', payload: { penaltyKinds: ['fine'], fineAmount: 30000, legalBasis: '安全生产法第九十九条', noticeNo: '东应急告〔2026〕15号' } }, inspector);
    // 30,000 yuan on a unit is below the 50,000 threshold: no hearing.
    expect((await engine.getCase(id)).data).toMatchObject({ heavyPenalty: false });
    await expect(engine.send(id, { type: 'requestHearing', payload: {} }, inspector)).rejects.toMatchObject({ code: 'guard_failed' });
    await engine.send(id, { type: 'recordStatement', payload: { statement: '已于3月5日委托检测', statementAdopted: false } }, inspector);
    // Informed Monday 2026-03-02: five working days end with Monday 2026-03-09.
    expect(await advanceTo(engine, store, clock, '2026-03-09T12:00:00.000Z')).toEqual([]);
    expect(await advanceTo(engine, store, clock, '2026-03-09T16:00:00.000Z')).toEqual(['due open.informed#hearingRequest']);
    expect((await engine.getCase(id)).stateLabel).toBe('open.reviewing');
  });

  it('安全生产违法行为行政处罚办法 第三十三条 and 行政处罚法 第五十七条: a fine of 50,000 on a unit is heard, reviewed and decided collectively; served; paid late; closed', async () => {
    const { engine, store, clock } = await setup();
    const id = await investigated(engine);
    await engine.send(id, { type: 'inform', payload: { penaltyKinds: ['fine'], fineAmount: 50000, legalBasis: '安全生产法第九十九条', noticeNo: '东应急告〔2026〕16号' } }, inspector);
    expect((await engine.getCase(id)).data).toMatchObject({ heavyPenalty: true });
    await engine.send(id, { type: 'requestHearing', payload: {} }, inspector);
    await engine.send(id, { type: 'holdHearing', payload: { hearingAt: '2026-03-16T02:00:00.000Z', hearingRecord: '当事人对事实无异议，请求从轻' } }, reviewer);
    await engine.send(id, { type: 'reviewLegality', payload: { legalReview: '事实清楚，证据确凿，适用依据正确，程序合法' } }, reviewer);
    const decision = { decision: 'penalty', decisionNo: '东应急罚〔2026〕15号', fineAmount: 45000, decisionReason: '当事人积极整改，从轻处罚' };
    await expect(engine.send(id, { type: 'decide', payload: decision }, leader)).rejects.toMatchObject({ code: 'guard_failed' });
    await expect(engine.send(id, { type: 'decide', payload: { ...decision, fineAmount: 60000, collectiveDiscussion: '局务会' } }, leader)).rejects.toMatchObject({ code: 'guard_failed' });
    await engine.send(id, { type: 'decide', payload: { ...decision, collectiveDiscussion: '2026年3月18日局长办公会集体讨论决定' } }, leader);
    expect(await engine.getCase(id)).toMatchObject({ stateLabel: 'serving', data: { fineAmount: 45000, decision: 'penalty' } });
    // The decision deadline ended with the decision: its timers are gone.
    expect((await engine.getCase(id)).deadlines.map((d) => d.key)).toEqual(['serving#service']);
    clock.set('2026-03-19T02:00:00.000Z');
    await engine.send(id, { type: 'serve', payload: { serviceMethod: 'inPerson' } }, inspector);
    await expect(engine.send(id, { type: 'applyEnforcement', payload: {} }, leader)).rejects.toMatchObject({ code: 'guard_failed' });
    // Served Thursday 2026-03-19: fifteen days end on Friday 2026-04-03.
    expect(await advanceTo(engine, store, clock, '2026-04-03T12:00:00.000Z')).toEqual([]);
    expect(await advanceTo(engine, store, clock, '2026-04-04T00:00:00.000Z')).toEqual(['due executing#payment']);
    await engine.send(id, { type: 'applyEnforcement', payload: {} }, leader);
    await engine.send(id, { type: 'recordPayment', payload: { paidAt: '2026-04-10T03:00:00.000Z' } }, inspector);
    await engine.send(id, { type: 'close', payload: { closingReport: '罚款及加处罚款已缴清，结案' } }, leader);
    expect(await engine.getCase(id)).toMatchObject({ status: 'done', stateLabel: 'closed', data: { paymentOverdue: true, enforcementApplied: true } });
    expect(await engine.verify()).toMatchObject({ ok: true });
  });

  it('a decision of no penalty is served and closed without an execution step', async () => {
    const { engine } = await setup();
    const id = await investigated(engine);
    await engine.send(id, { type: 'inform', payload: { penaltyKinds: ['warning'], legalBasis: '安全生产法第九十九条', noticeNo: '东应急告〔2026〕17号' } }, inspector);
    await engine.send(id, { type: 'waiveRights', payload: {} }, inspector);
    await engine.send(id, { type: 'reviewLegality', payload: { legalReview: '同意' } }, reviewer);
    await engine.send(id, { type: 'decide', payload: { decision: 'noPenalty', decisionNo: '东应急不罚〔2026〕1号', decisionReason: '违法行为轻微并及时改正，没有造成危害后果（行政处罚法第三十三条）' } }, leader);
    await engine.send(id, { type: 'serve', payload: { serviceMethod: 'post' } }, inspector);
    expect(await engine.getCase(id)).toMatchObject({ stateLabel: 'closing', data: { fineAmount: 0 } });
  });
});
