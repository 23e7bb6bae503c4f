/**
 * 约谈 and 通报 as cases (issue 10), run by the engine over the demo org tree:
 * who may interview whom (by level), the notice, the record signed by both
 * sides, the follow-up deadline on the working-day calendar and its
 * escalation; a circular drafted, checked, signed by a leader, issued to its
 * addressees and closed when every read receipt is back (and, when public,
 * once published).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { validateDefinition } from '../../engine/core/validate-definition.js';
import { createEngine, createManualClock, type Actor, type Engine, type KnexStore, type ManualClock } from '../../engine/index.js';
import { createTemplateCatalog } from '../../notifications/templates.js';
import { createOrgDirectory, createOrgResolver } from '../../server/access.js';
import { DEMO_ORG_TREE } from '../../server/demo.js';
import { importOrgTree } from '../../server/people.js';
import { createKnexPeopleStore } from '../../server/index.js';
import { setDocNumberPrefix } from '../../server/doc-numbers.js';
import { builtinWorkflows, circularReceiptWorkflow, circularWorkflow, interviewWorkflow } from '../../workflows/index.js';
import { freshSqliteStore } from '../support/stores.js';
import { fireDueTimers } from '../support/workflow-driver.js';
import { runWorkflowProperties } from '../support/workflow-properties.js';

const NOW = '2026-03-02T02:00:00.000Z'; // Monday 10:00 in Shanghai
const person = (id: string, org: string, ...roles: string[]): Actor => ({ id, roles, org });
const districtOffice = person('donghu-office', 'donghu', 'safetyCommitteeOffice');
const districtLeader = person('donghu-leader', 'donghu', 'safetyCommitteeLeader');
const cityOffice = person('city-office', 'jiangzhou', 'safetyCommitteeOffice');
const cityReviewer = person('city-reviewer', 'jiangzhou', 'regulatorReviewer');
const cityLeader = person('city-leader', 'jiangzhou', 'safetyCommitteeLeader');
const townshipHead = person('qingshui-head', 'donghu-qingshui', 'unitHead');
const townshipHandler = person('qingshui-handler', 'donghu-qingshui', 'unitHandler');

const attendees = [{ name: '孙镇长', post: '镇长' }];
const PROPOSAL = {
  intervieweeOrg: 'donghu-qingshui',
  intervieweeName: '清水镇人民政府',
  reason: '辖区重大事故隐患逾期未整改',
  matters: ['粉尘涉爆企业除尘系统隐患逾期未整改', '网格员巡查不到位'],
  meetingAt: '2026-03-05T02:00:00.000Z',
  place: '东湖区应急管理局三楼会议室',
  interviewers: [{ name: '赵局长', post: '区安委办主任' }],
  requiredAttendees: attendees,
  legalBasis: '《安全生产约谈实施办法（试行）》',
  source: 'hazardOverdue',
  linkedCaseId: 'donghu:H-2026-0007',
};
const RECORD = { minutes: '通报隐患整改滞后情况，镇长表态限期整改', presentAttendees: attendees, commitments: ['3月12日前完成除尘系统改造', '每周开展网格巡查'], interviewerSignature: '赵局长' };

describe('the interview and circular definitions', () => {
  it('validate against the template catalogue and are registered, receipts before the circular', () => {
    const templates = createTemplateCatalog();
    for (const wf of [interviewWorkflow, circularWorkflow, circularReceiptWorkflow]) expect(validateDefinition(wf, { templates })).toMatchObject({ ok: true });
    const order = builtinWorkflows.map((w) => w.id);
    expect(order).toEqual(expect.arrayContaining(['interview', 'circular']));
    expect(order.indexOf('circular-receipt')).toBeLessThan(order.indexOf('circular'));
  });
});

runWorkflowProperties(interviewWorkflow, { numRuns: 60 });
runWorkflowProperties(circularWorkflow, { numRuns: 60 });
runWorkflowProperties(circularReceiptWorkflow, { numRuns: 60, initialData: { circularCaseId: 'C1', docNo: '东安委办通〔2026〕3号', title: '关于清水镇隐患整改滞后的通报', unitName: '清水镇', issuerOrg: 'donghu' } });

describe('interviews and circulars in the engine', () => {
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
    // Each office's document series: the numbers are taken from these counters when a leader signs.
    for (const [org, series, prefix] of [['donghu', 'interviewNotice', '东安委办约'], ['jiangzhou', 'interviewNotice', '江安委办约'], ['jiangzhou', 'circular', '江安委办通'], ['donghu', 'circular', '东安委办通']] as const) {
      await setDocNumberPrefix(store, { org, series, prefix, setBy: 'admin', at: NOW });
    }
    return { engine, store, clock };
  }

  /** Moves the clock and fires every timer due by then, earliest first. */
  const advanceTo = async (engine: Engine, store: KnexStore, clock: ManualClock, iso: string): Promise<string[]> =>
    (await fireDueTimers(engine, store, clock, iso)).map(({ timer: t }) => `${t.kind}${t.kind === 'signal' ? '' : ` ${t.deadlineKey}`}`);

  async function approvedInterview(engine: Engine, proposal: Record<string, unknown> = PROPOSAL): Promise<string> {
    const { case: c } = await engine.createCase({ workflowId: 'interview', org: 'donghu', actor: districtOffice });
    await engine.send(c.id, { type: 'propose', payload: proposal }, districtOffice);
    await engine.send(c.id, { type: 'approve', payload: {} }, districtLeader);
    return c.id;
  }

  it('a district interviews its township: notice, attendance, a record signed by both sides, the written report, closed', async () => {
    const { engine, clock } = await setup();
    const id = await approvedInterview(engine);
    // The notice's task lands in the township, where its head sees it.
    expect((await engine.listTasks({ orgs: ['donghu-qingshui'] })).map((t) => [t.caseId, t.stateId, t.role])).toEqual([[id, 'notified', 'unitHead']]);
    await engine.send(id, { type: 'confirmAttendance', payload: { confirmedAttendees: attendees } }, townshipHead);
    clock.set('2026-03-05T04:00:00.000Z');
    await engine.send(id, { type: 'recordMeeting', payload: RECORD }, districtOffice);
    // The district cannot sign for the township.
    await expect(engine.send(id, { type: 'signRecord', payload: { intervieweeSignature: '孙镇长' } }, districtOffice)).rejects.toMatchObject({ code: 'forbidden' });
    await engine.send(id, { type: 'signRecord', payload: { intervieweeSignature: '孙镇长' } }, townshipHead);
    const following = await engine.getCase(id);
    expect(following.stateLabel).toBe('followingUp');
    // 5 working days from Thursday 2026-03-05: due at the end of Thursday 2026-03-12.
    expect((await engine.listTasks({ caseId: id }))[0]).toMatchObject({ stateId: 'followingUp', org: 'donghu-qingshui', dueAt: '2026-03-12T16:00:00.000Z' });
    await engine.send(id, { type: 'submitFollowUp', payload: { followUpReport: '除尘系统改造已完成，网格巡查制度已建立' } }, townshipHandler);
    await engine.send(id, { type: 'returnFollowUp', payload: { reviewComments: '请补充改造验收记录' } }, districtOffice);
    await engine.send(id, { type: 'submitFollowUp', payload: { followUpReport: '补充验收记录', followUpEvidence: ['验收记录.pdf'] } }, townshipHandler);
    await engine.send(id, { type: 'acceptFollowUp', payload: { reviewComments: '同意销号' } }, districtOffice);
    const closed = await engine.getCase(id);
    expect(closed).toMatchObject({ status: 'done', stateLabel: 'closed' });
    expect(closed.data).toMatchObject({ reworkCount: 1, intervieweeSignature: '孙镇长', interviewerSignature: '赵局长', commitments: RECORD.commitments });
    expect(await engine.verify()).toMatchObject({ ok: true });
  });

  it('by level: a district may not interview a neighbouring district or the city; the city may interview a district', async () => {
    const { engine } = await setup();
    const { case: c } = await engine.createCase({ workflowId: 'interview', org: 'donghu', actor: districtOffice });
    for (const org of ['xishan-songlin', 'jiangzhou', 'donghu']) {
      await engine.send(c.id, { type: 'propose', payload: { ...PROPOSAL, intervieweeOrg: org } }, districtOffice);
      const before = await engine.getCase(c.id);
      await expect(engine.send(c.id, { type: 'approve', payload: {} }, districtLeader)).rejects.toMatchObject({ code: 'org_out_of_jurisdiction' });
      // Nothing was written by the refused approval.
      expect((await engine.getCase(c.id)).version).toBe(before.version);
      await engine.send(c.id, { type: 'returnProposal', payload: { approvalComments: '被约谈单位不在本级管辖范围' } }, districtLeader);
    }
    const { case: city } = await engine.createCase({ workflowId: 'interview', org: 'jiangzhou', actor: cityOffice });
    await engine.send(city.id, { type: 'propose', payload: { ...PROPOSAL, intervieweeOrg: 'donghu', intervieweeName: '东湖区人民政府' } }, cityOffice);
    await engine.send(city.id, { type: 'approve', payload: {} }, cityLeader);
    expect((await engine.listTasks({ caseId: city.id })).map((t) => t.org)).toEqual(['donghu']);
    // The three refused approvals gave their numbers back: the city's first notice is number 1, the district has issued none.
    expect((await engine.getCase(city.id)).data.noticeNo).toBe('江安委办约〔2026〕1号');
    const { case: next } = await engine.createCase({ workflowId: 'interview', org: 'donghu', actor: districtOffice });
    await engine.send(next.id, { type: 'propose', payload: PROPOSAL }, districtOffice);
    await engine.send(next.id, { type: 'approve', payload: {} }, districtLeader);
    expect((await engine.getCase(next.id)).data.noticeNo).toBe('东安委办约〔2026〕1号');
  });

  it('a missed written report is marked overdue on the working-day calendar and escalated two working days later', async () => {
    const { engine, store, clock } = await setup();
    const id = await approvedInterview(engine);
    clock.set('2026-03-05T04:00:00.000Z');
    await engine.send(id, { type: 'recordMeeting', payload: RECORD }, districtOffice);
    await engine.send(id, { type: 'signRecord', payload: { intervieweeSignature: '孙镇长' } }, townshipHead);
    expect(await advanceTo(engine, store, clock, '2026-03-12T01:00:00.000Z')).toEqual(['remind followingUp#followUp']);
    expect(await advanceTo(engine, store, clock, '2026-03-13T00:00:00.000Z')).toEqual(['due followingUp#followUp']);
    expect((await engine.getCase(id)).data).toMatchObject({ followUpOverdue: true, escalated: false });
    // Saturday and Sunday do not count: two working days after Thursday's end is the end of Monday 2026-03-16.
    expect(await advanceTo(engine, store, clock, '2026-03-16T12:00:00.000Z')).toEqual([]);
    expect(await advanceTo(engine, store, clock, '2026-03-17T00:00:00.000Z')).toEqual(['escalate followingUp#followUp']);
    expect((await engine.getCase(id)).data).toMatchObject({ escalated: true, escalationNote: '逾期未书面报告整改落实情况，已报告约谈方领导' });
  });

  it('a circular is signed by a leader, numbered, issued to its addressees, and done when every receipt is back and it is published', async () => {
    const { engine, store, clock } = await setup();
    const { case: c } = await engine.createCase({ workflowId: 'circular', org: 'jiangzhou', actor: cityOffice });
    const draft = {
      title: '关于东湖区重大事故隐患逾期未整改的通报',
      kind: 'criticism',
      body: '经查，东湖区清水镇粉尘涉爆企业除尘系统重大事故隐患逾期未整改……',
      addressees: [{ org: 'donghu', name: '东湖区安委会' }, { org: 'xishan', name: '西山区安委会' }],
      scope: 'public',
      source: 'hazardOverdue',
    };
    // A criticism names whom it criticises.
    await expect(engine.send(c.id, { type: 'submitDraft', payload: draft }, cityOffice)).rejects.toMatchObject({ code: 'guard_failed' });
    await engine.send(c.id, { type: 'submitDraft', payload: { ...draft, criticisedUnits: ['东湖区清水镇人民政府'] } }, cityOffice);
    await engine.send(c.id, { type: 'approveDraft', payload: {} }, cityReviewer);
    // Only a leader signs; the number is the counter's, never typed.
    await expect(engine.send(c.id, { type: 'sign', payload: { signatory: '王主任', issueDate: '2026-03-02' } }, cityOffice)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(engine.send(c.id, { type: 'sign', payload: { docNo: '江安委办通〔2026〕7号', signatory: '王主任', issueDate: '2026-03-02' } }, cityLeader)).rejects.toMatchObject({ code: 'invalid_input', issues: [{ code: 'read_only_field' }] });
    await engine.send(c.id, { type: 'sign', payload: { signatory: '王主任', issueDate: '2026-03-02' }, idempotencyKey: 'sign-1' }, cityLeader);
    const issued = await engine.getCase(c.id);
    // The refused attempts took no number: this is the city's first circular of 2026, recorded in the event.
    expect(issued.data.docNo).toBe('江安委办通〔2026〕1号');
    const events = await store.listEvents(c.id);
    expect(events.at(-1)).toMatchObject({ type: 'sign', payload: { docNo: '江安委办通〔2026〕1号' } });
    // A retry with the same key is the same event, not a second number.
    const again = await engine.send(c.id, { type: 'sign', payload: { signatory: '王主任', issueDate: '2026-03-02' }, idempotencyKey: 'sign-1' }, cityLeader);
    expect(again.duplicate).toBe(true);
    expect(issued.children[0]).toBeDefined();
    expect(issued.children.map((ch) => ch.org)).toEqual(['donghu', 'xishan']);
    for (const child of issued.children) {
      const unitHead = person(`${child.org}-head`, child.org, 'unitHead');
      expect((await engine.listTasks({ caseId: child.caseId })).map((t) => [t.role, t.org])).toEqual([['unitHead', child.org]]);
      await engine.send(child.caseId, { type: 'confirmRead', payload: { relayNote: '已传达至各镇街' } }, unitHead);
    }
    // Each receipt reaches the circular as a signal the timer service delivers.
    expect(await advanceTo(engine, store, clock, NOW)).toEqual(['signal', 'signal']);
    // Every unit has read it, but a public circular is not done until it is published.
    expect(await engine.getCase(c.id)).toMatchObject({ stateLabel: 'issued', data: { readUnits: 2 } });
    await engine.send(c.id, { type: 'publish', payload: { publicationRef: '江州市应急管理局网站·通知公告' } }, cityOffice);
    expect(await engine.getCase(c.id)).toMatchObject({ status: 'done', stateLabel: 'completed' });
    expect(await engine.verify()).toMatchObject({ ok: true });
  });

  it('an internal circular is done when the last receipt returns, and may not be published', async () => {
    const { engine, store, clock } = await setup();
    const { case: c } = await engine.createCase({ workflowId: 'circular', org: 'donghu', actor: districtOffice });
    const office = person('donghu-office', 'donghu', 'safetyCommitteeOffice');
    await engine.send(c.id, { type: 'submitDraft', payload: { title: '关于春节期间安全生产工作的通报', kind: 'information', body: '……', addressees: [{ org: 'donghu-qingshui', name: '清水镇' }], scope: 'internal', source: 'other', copyUnits: ['donghu-qingshui'] } }, office);
    await engine.send(c.id, { type: 'approveDraft', payload: {} }, person('donghu-reviewer', 'donghu', 'regulatorReviewer'));
    await engine.send(c.id, { type: 'sign', payload: { signatory: '赵主任', issueDate: '2026-03-02' } }, districtLeader);
    expect((await engine.getCase(c.id)).data.docNo).toBe('东安委办通〔2026〕1号');
    // 抄送: the township's head has a copy to read, and reading it is recorded; nobody else may.
    const [copy] = (await engine.getCase(c.id)).copies!;
    expect(copy).toMatchObject({ stateId: 'issued', to: [{ role: 'unitHead', org: 'donghu-qingshui' }], reads: [] });
    await expect(engine.send(c.id, { type: 'copy.read', payload: { copy: copy!.key } }, office)).rejects.toMatchObject({ code: 'forbidden' });
    const head = person('qingshui-head', 'donghu-qingshui', 'unitHead');
    await engine.send(c.id, { type: 'copy.read', payload: { copy: copy!.key } }, head);
    expect((await engine.getCase(c.id)).copies![0]!.reads.map((r) => r.userId)).toEqual(['qingshui-head']);
    await expect(engine.send(c.id, { type: 'publish', payload: { publicationRef: '网站' } }, office)).rejects.toMatchObject({ code: 'guard_failed' });
    const [child] = (await engine.getCase(c.id)).children;
    await engine.send(child!.caseId, { type: 'confirmRead', payload: {} }, townshipHandler);
    expect(await advanceTo(engine, store, clock, NOW)).toEqual(['signal']);
    expect(await engine.getCase(c.id)).toMatchObject({ status: 'done', data: { readUnits: 1 } });
  });
});
