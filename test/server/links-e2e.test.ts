/**
 * Issue 10 over HTTP, as the roles that act: a circular drafted, checked,
 * signed with a 文号 from the office's counter and read by its addressees; an
 * overdue major hazard that opens an interview and a circular, each carried
 * through by the district; an enforcement case opened from a tip-off whose
 * decided fine sets the tipster's reward; an accident that opens its interview,
 * circular, enforcement and four no-pass cases as linked cases; and a tip-off
 * extension approved only from the org above.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../engine/index.js';
import { createUser } from '../../server/people.js';
import { builtinWorkflows } from '../../workflows/index.js';
import { fireDueTimers } from '../support/workflow-driver.js';
import { testServer, type TestServer } from './support.js';
import { as, expectError } from './support-http.js';

let s: TestServer;
afterEach(async () => s?.cleanup());

const USERS: [string, string, string[]][] = [
  ['city-reviewer', 'jiangzhou', ['regulatorReviewer']],
  ['donghu-office', 'donghu', ['safetyCommitteeOffice']],
  ['donghu-leader', 'donghu', ['safetyCommitteeLeader']],
  ['donghu-head', 'donghu', ['unitHead']],
  ['xishan-head', 'xishan', ['unitHead']],
  ['chem-head', 'qingshui-chem', ['unitHead', 'unitHandler']],
  ['officer-donghu', 'donghu', ['tipOffOfficer']],
  ['reward-donghu', 'donghu', ['rewardCommittee']],
];

async function server(): Promise<void> {
  s = await testServer('sqlite', { workflows: builtinWorkflows.filter((w) => w.id !== 'hazard') });
  for (const [id, orgId, roles] of USERS) s.tokens[id] = (await createUser(s.people, s.clock, { id, name: id, orgId, roles })).token;
}

/** Sends an event over HTTP and expects it accepted; returns the case view. */
async function send(userId: string, caseId: string, type: string, payload: Record<string, unknown> = {}): Promise<{ data: Record<string, unknown>; stateLabel: string; status: string; children: { caseId: string; workflowId: string }[] }> {
  const res = await as(s, userId).post(`/api/v1/cases/${encodeURIComponent(caseId)}/events`, { type, payload });
  expect({ type, status: res.status, error: res.body.error }).toMatchObject({ type, status: 200 });
  return res.body.case;
}
const view = async (userId: string, caseId: string) => (await as(s, userId).get(`/api/v1/cases/${encodeURIComponent(caseId)}`)).body.case ?? (await as(s, userId).get(`/api/v1/cases/${encodeURIComponent(caseId)}`)).body;
const setPrefix = (userId: string, org: string, series: string, prefix: string) => as(s, userId).post(`/api/v1/orgs/${org}/doc-number-series/${series}`, { prefix });
const fire = (iso: string) => fireDueTimers(s.engine, s.fresh.store, s.clock, iso);

describe('a circular over HTTP (issue 10 通报)', () => {
  it('is drafted, checked, signed by a leader with the next 文号 of the office, issued and read by its addressees', async () => {
    await server();
    const open = async () => (await as(s, 'committee-office').post('/api/v1/cases', { workflowId: 'circular', org: 'jiangzhou' })).body.case.id as string;
    const draft = { title: '关于春节前安全生产大检查情况的通报', kind: 'information', body: '各区安委会：现将检查情况通报如下……', addressees: [{ org: 'donghu', name: '东湖区安委会' }, { org: 'xishan', name: '西山区安委会' }], scope: 'internal', source: 'other' };
    const first = await open();
    await send('committee-office', first, 'submitDraft', draft);
    await send('city-reviewer', first, 'approveDraft', { reviewComments: '同意' });
    // No prefix set yet: refused with its own code, nothing written.
    expectError(await as(s, 'committee-leader').post(`/api/v1/cases/${first}/events`, { type: 'sign', payload: { signatory: '王主任', issueDate: '2026-03-02' } }), 409, 'doc_number_not_configured');
    // The district's admin may not set the city's series; the city's admin may.
    expectError(await setPrefix('admin-donghu', 'jiangzhou', 'circular', '江安委办通'), 404, 'org_not_found');
    expect((await setPrefix('admin', 'jiangzhou', 'circular', '江安委办通')).body).toEqual({ series: 'circular', title: '通报', prefix: '江安委办通', lastSeq: 0, year: 2026 });
    // A typed number is refused: the number is the counter's.
    expectError(await as(s, 'committee-leader').post(`/api/v1/cases/${first}/events`, { type: 'sign', payload: { docNo: '江安委办通〔2026〕9号', signatory: '王主任', issueDate: '2026-03-02' } }), 422, 'invalid_input');
    const signed = await send('committee-leader', first, 'sign', { signatory: '王主任', issueDate: '2026-03-02' });
    expect(signed.data.docNo).toBe('江安委办通〔2026〕1号');
    const second = await open();
    await send('committee-office', second, 'submitDraft', { ...draft, title: '关于节后复工复产安全工作的通报' });
    await send('city-reviewer', second, 'approveDraft');
    expect((await send('committee-leader', second, 'sign', { signatory: '王主任', issueDate: '2026-03-03' })).data.docNo).toBe('江安委办通〔2026〕2号');
    expect((await as(s, 'committee-office').get('/api/v1/orgs/jiangzhou/doc-number-series')).body.items).toEqual([{ series: 'circular', title: '通报', prefix: '江安委办通', lastSeq: 2, year: 2026 }]);
    // Each addressee's unit head confirms the receipt of the first circular; it is then done.
    for (const child of signed.children) {
      const head = child.caseId.length > 0 && (await view('committee-office', child.caseId)).org === 'donghu' ? 'donghu-head' : 'xishan-head';
      const receipt = await send(head, child.caseId, 'confirmRead', { relayNote: '已传达至各镇街' });
      expect(receipt.data).toMatchObject({ docNo: '江安委办通〔2026〕1号' });
    }
    await fire('2026-03-02T02:00:00.000Z');
    expect(await view('committee-office', first)).toMatchObject({ status: 'done', data: { readUnits: 2 } });
  });
});

describe('an overdue major hazard over HTTP (issue 10 约谈、通报 as linked cases)', () => {
  it('opens an interview and a circular at the district, which notifies, holds and numbers them', async () => {
    await server();
    await setPrefix('admin-donghu', 'donghu', 'interviewNotice', '东安委办约');
    await setPrefix('admin-donghu', 'donghu', 'circular', '东安委办通');
    const at = (roles: string[], org = 'donghu'): Actor => ({ id: `setup-${roles[0]}`, roles, org });
    const { case: h } = await s.engine.createCase({ workflowId: 'hazard', org: 'donghu-qingshui-g1', actor: at(['gridOfficer'], 'donghu-qingshui-g1') });
    const steps: [string, string[], Record<string, unknown>][] = [
      ['submit', ['gridOfficer'], { source: 'gridPatrol', location: '清水镇工业园一路1号 2号车间', enterpriseId: 'qingshui-chem', sector: '工贸', description: '粉尘涉爆车间除尘系统未设置泄爆装置', photos: ['files/p1.jpg'], foundAt: '2026-03-01T09:30:00+08:00', proposedGrade: 'major', hazardCategory: '粉尘防爆' }],
      ['accept', ['townshipSafetyOffice'], { jurisdictionConfirmed: true, dedupeKey: 'qingshui-chem/粉尘防爆/2号车间' }],
      ['grade', ['expert'], { grade: 'major', criteriaItemId: '工贸-粉尘-1', gradingEvidence: ['files/e1.pdf'], responsibleUnit: '江州清水化工有限公司', rectificationDeadline: '2026-06-30' }],
      ['requirePlan', ['regulatorLeader'], { suspendProduction: false, planDeadline: '2026-03-16' }],
      ['submitPlan', ['enterprisePrincipal'], {
        hazardReport: { statusAndCause: '除尘系统无泄爆', harmAndDifficulty: '可能导致粉尘爆炸，需停线改造' },
        rectificationPlan: { objectivesAndTasks: '消除粉尘爆炸风险', methodsAndMeasures: '改造除尘系统', fundsAndMaterials: '专项资金50万元', responsibleOrgAndPersons: '设备科 王五', timeLimitAndRequirements: '2026年6月30日前完成', safetyAndEmergencyMeasures: '停线并落实应急预案' },
        interimControls: '停用2号车间',
        workersCongressReport: { reportedOn: '2026-03-12', summary: '已向职工代表大会报告隐患情况及治理方案' },
      }],
      ['approvePlan', ['regulatorLeader'], { approvedDeadline: '2026-06-30', approvalComment: '同意' }],
    ];
    for (const [type, roles, payload] of steps) await s.engine.send(h.id, { type, payload }, at(roles));
    // Due 2026-06-30; the letter 10, the interview 15, the circular 20 working days later.
    await fire('2026-08-10T00:00:00.000Z');
    const hazard = await s.engine.getCase(h.id);
    expect(hazard.children.map((c) => c.workflowId)).toEqual(['supervision-letter', 'interview', 'circular']);
    const interviewId = hazard.children[1]!.caseId;
    const circularId = hazard.children[2]!.caseId;
    // The district's office sees both as its own tasks.
    const tasks = (await as(s, 'donghu-office').get('/api/v1/tasks')).body.items as { caseId: string }[];
    expect(tasks.map((t) => t.caseId)).toEqual(expect.arrayContaining([interviewId, circularId]));
    expect((await view('donghu-office', interviewId)).data).toMatchObject({ intervieweeOrg: 'qingshui-chem', source: 'hazardOverdue', linkedCaseId: h.id });

    // 约谈: proposed, approved with a numbered notice, attended, recorded, signed, reported on, closed.
    const attendees = [{ name: '钱总', post: '总经理' }];
    await send('donghu-office', interviewId, 'propose', {
      intervieweeOrg: 'qingshui-chem', intervieweeName: '江州清水化工有限公司', reason: '重大事故隐患逾期未整改', matters: ['除尘系统泄爆装置逾期未整改'],
      meetingAt: '2026-08-12T02:00:00.000Z', place: '东湖区应急管理局三楼会议室', interviewers: [{ name: '赵局长', post: '区安委办主任' }], requiredAttendees: attendees,
      legalBasis: '《安全生产约谈实施办法（试行）》', source: 'hazardOverdue', linkedCaseId: h.id,
    });
    expect((await send('donghu-leader', interviewId, 'approve', { approvalComments: '同意约谈' })).data.noticeNo).toBe('东安委办约〔2026〕1号');
    await send('chem-head', interviewId, 'confirmAttendance', { confirmedAttendees: attendees });
    s.clock.set('2026-08-12T04:00:00.000Z');
    await send('donghu-office', interviewId, 'recordMeeting', { minutes: '企业负责人表态限期整改', presentAttendees: attendees, commitments: ['8月19日前完成除尘系统改造'], interviewerSignature: '赵局长' });
    await send('chem-head', interviewId, 'signRecord', { intervieweeSignature: '钱总' });
    await send('chem-head', interviewId, 'submitFollowUp', { followUpReport: '除尘系统改造已完成' });
    expect(await send('donghu-office', interviewId, 'acceptFollowUp', { reviewComments: '同意销号' })).toMatchObject({ status: 'done' });

    // 通报: drafted with the criticised unit, checked, signed with the district's next number, read by the company.
    expect((await view('donghu-office', circularId)).data).toMatchObject({ kind: 'criticism', criticisedUnits: ['江州清水化工有限公司'], linkedCaseId: h.id });
    await send('donghu-office', circularId, 'submitDraft', { title: '关于江州清水化工有限公司重大事故隐患逾期未整改的通报', kind: 'criticism', body: '……现予通报批评。', addressees: [{ org: 'qingshui-chem', name: '江州清水化工有限公司' }], scope: 'internal', criticisedUnits: ['江州清水化工有限公司'], source: 'hazardOverdue', linkedCaseId: h.id });
    await send('reviewer', circularId, 'approveDraft');
    const signed = await send('donghu-leader', circularId, 'sign', { signatory: '赵主任', issueDate: '2026-08-12' });
    expect(signed.data.docNo).toBe('东安委办通〔2026〕1号');
    await send('chem-head', signed.children[0]!.caseId, 'confirmRead', { relayNote: '已组织全员学习' });
    await fire('2026-08-12T05:00:00.000Z');
    expect(await view('donghu-office', circularId)).toMatchObject({ status: 'done' });
    expect((await s.engine.verify()).ok).toBe(true);
  });
});

describe('an enforcement case from a tip-off over HTTP (issue 10 执法 → 举报奖励)', () => {
  it('decides a fine that the tip-off reward is computed from', async () => {
    await server();
    const intake = await as(s, 'officer-donghu').post('/api/v1/tipoffs', {
      data: { channel: 'hotline12350', content: '清水化工夜间违规生产，除尘系统无泄爆装置', reportedParty: '江州清水化工有限公司', reportedPartyOrg: 'qingshui-chem', tipsterName: '王举报', anonymous: false, realName: true, receivedAt: '2026-03-02T01:30:00.000Z' },
    });
    expect(intake.status).toBe(201);
    const tip = intake.body.caseId as string;
    await send('officer-donghu', tip, 'accept');
    await send('inspector', tip, 'substantiate', { findings: '现场核实：2号车间除尘系统未设泄爆装置', evidence: ['files/site.jpg'] });
    await send('officer-donghu', tip, 'reply', { replyText: '经核查属实，已移送立案查处。' });
    const opened = await send('officer-donghu', tip, 'openEnforcement');
    const enforcement = opened.children.find((c) => c.workflowId === 'enforcement')!.caseId;
    expect((await view('leader', enforcement)).data).toMatchObject({ source: 'tipOff', linkedCaseId: tip, partyName: '江州清水化工有限公司' });
    // No fine yet: the committee cannot grant a reward from one.
    await send('officer-donghu', tip, 'conclude');
    expectError(await as(s, 'reward-donghu').post(`/api/v1/cases/${tip}/events`, { type: 'grantReward', payload: { rewardAmount: 4500, firstValidRealNameTipster: true } }), 422, 'guard_failed');

    await send('leader', enforcement, 'file', { partyName: '江州清水化工有限公司', partyType: 'unit', violation: '未按规定设置泄爆装置', source: 'tipOff', linkedCaseId: tip, filingNo: '东应急立〔2026〕21号', officers: ['张检（执法证号 36010001）', '钱检（执法证号 36010002）'] });
    await send('inspector', enforcement, 'addEvidence', { evidence: ['现场检查记录', '询问笔录'] });
    await send('inspector', enforcement, 'finishInvestigation', { findings: '该公司粉尘涉爆车间未设泄爆装置，违反安全生产法第三十六条' });
    await send('inspector', enforcement, 'inform', { penaltyKinds: ['fine'], fineAmount: 30000, legalBasis: '安全生产法第九十九条', noticeNo: '东应急告〔2026〕21号' });
    await send('inspector', enforcement, 'waiveRights');
    await send('reviewer', enforcement, 'reviewLegality', { legalReview: '事实清楚，证据确凿，程序合法' });
    await send('leader', enforcement, 'decide', { decision: 'penalty', decisionNo: '东应急罚〔2026〕21号', fineAmount: 30000, decisionReason: '依法处罚' });
    await send('inspector', enforcement, 'serve', { serviceMethod: 'inPerson' });
    await send('inspector', enforcement, 'recordPayment', { paidAt: '2026-03-05T03:00:00.000Z' });
    await send('leader', enforcement, 'close', { closingReport: '罚款已缴清，结案' });
    // The end of the enforcement case reaches the tip-off with its fine.
    await fire('2026-03-02T03:00:00.000Z');
    expect((await view('reward-donghu', tip)).data).toMatchObject({ fineAmount: 30000, penaltyDecisionNo: '东应急罚〔2026〕21号', enforcementOutcome: 'closed' });
    // The fine cannot be typed; 15 % of 30,000 is 4,500.
    expectError(await as(s, 'reward-donghu').post(`/api/v1/cases/${tip}/events`, { type: 'grantReward', payload: { fineAmount: 2000000, rewardAmount: 300000, firstValidRealNameTipster: true } }), 422, 'invalid_input');
    expectError(await as(s, 'reward-donghu').post(`/api/v1/cases/${tip}/events`, { type: 'grantReward', payload: { rewardAmount: 3000, firstValidRealNameTipster: true } }), 422, 'guard_failed');
    expect((await send('reward-donghu', tip, 'grantReward', { rewardAmount: 4500, firstValidRealNameTipster: true })).data).toMatchObject({ rewardAmount: 4500, fineAmount: 30000 });
    expect((await s.engine.verify()).ok).toBe(true);
  });
});

describe('an accident opens its follow-on cases over HTTP (issues 9, 10)', () => {
  it('opens the interview, circular and enforcement as linked cases, hands the four no-pass to the district, which cannot be opened directly', async () => {
    await server();
    const city = (roles: string[]): Actor => ({ id: `city-${roles[0]}`, roles, org: 'jiangzhou' });
    const { case: a } = await s.engine.createCase({ workflowId: 'accident', org: 'jiangzhou', actor: city(['regulatorReviewer']) });
    const report = {
      enterpriseName: '江州清水化工有限公司', enterpriseId: 'qingshui-chem', sector: '危险化学品', unitProfile: '精细化工生产企业', occurredAt: '2026-03-02T08:30:00+08:00',
      location: '清水镇工业园一路1号 3号车间', briefCourse: '检修作业人员进入反应釜未检测气体，发生中毒', accidentType: 'hazardousChemicals', deaths: 3, seriousInjuries: 2, directLossCny: 8_600_000, measuresTaken: '停产、警戒、救治伤员',
    };
    const sections = { unitProfile: '概况', courseAndRescue: '经过及救援', casualtiesAndLoss: '3人死亡', causeAndNature: '生产安全责任事故', responsibility: '处理建议', preventionMeasures: '整改措施建议' };
    const steps: [string, string[], Record<string, unknown>][] = [
      ['reportAccident', ['enterprisePrincipal'], report],
      ...(['city', 'province', 'ministry'].map((toLevel) => ['escalateReport', ['regulatorReviewer'], { toLevel }]) as [string, string[], Record<string, unknown>][]),
      ['computeGrade', ['regulatorReviewer'], {}],
      ['formTeam', ['governmentLeader'], { teamLead: '王某（副市长）', teamMemberUnits: ['government', 'emergencyMgmt', 'supervisoryOrgan'], teamFormedOn: '2026-03-02' }],
      ['submitReport', ['investigationTeamLead'], { investigationReport: sections, evidenceList: ['询问笔录'], signedByAllMembers: true }],
      ['approve', ['governmentLeader'], { approvalDocNo: '江政复〔2026〕12号', approvedAt: '2026-03-02', responsiblePersons: [{ name: '张某', position: '生产副总', proposedHandling: '行政处罚' }], correctiveMeasures: ['建立有限空间作业审批制度'], penaltyReferralTo: '市应急管理局', disciplineReferralTo: '市纪委监委' }],
      ['spawnHandling', ['governmentLeader'], {}],
    ];
    for (const [type, roles, payload] of steps) await s.engine.send(a.id, { type, payload }, city(roles));
    const accident = await s.engine.getCase(a.id);
    expect(accident.children.map((c) => c.workflowId)).toEqual(['interview', 'circular', 'enforcement', 'hazard']);
    const [interview, circular, enforcement] = accident.children.map((c) => c.caseId);
    // Each is the city office's (or regulator's) own case, linked back to the accident, and the accident lists it.
    expect((await view('committee-office', interview!)).data).toMatchObject({ source: 'accident', linkedCaseId: a.id, intervieweeOrg: 'qingshui-chem' });
    expect(await view('committee-office', circular!)).toMatchObject({ status: 'active', stateLabel: 'drafting', data: { source: 'accident', linkedCaseId: a.id, kind: 'cautionary' } });
    expect((await view('committee-office', enforcement!)).data).toMatchObject({ source: 'accident', linkedCaseId: a.id, partyName: '江州清水化工有限公司' });
    const tasks = (await as(s, 'committee-office').get('/api/v1/tasks')).body.items as { caseId: string }[];
    expect(tasks.map((t) => t.caseId)).toEqual(expect.arrayContaining([interview, circular]));
    expect((await view('committee-office', a.id)).children.map((c: { workflowId: string }) => c.workflowId)).toEqual(['interview', 'circular', 'enforcement', 'hazard']);

    // 四不放过: never opened by hand, over the API or the 新建 page; the city hands it to the district.
    expectError(await as(s, 'reviewer').post('/api/v1/cases', { workflowId: 'four-no-pass', org: 'donghu', data: { accidentCaseId: a.id } }), 409, 'parent_case_required');
    expect((await as(s, 'admin').get('/new')).text).not.toContain('/new/four-no-pass');
    s.tokens['city-leader'] = (await createUser(s.people, s.clock, { id: 'city-leader', name: '市长', orgId: 'jiangzhou', roles: ['governmentLeader'] })).token;
    const handed = await send('city-leader', a.id, 'handOverFourNoPass', { fourNoPassOrg: 'donghu' });
    const local = handed.children.find((c) => c.workflowId === 'four-no-pass')!.caseId;
    expect(await view('reviewer', local)).toMatchObject({ org: 'donghu', data: { accidentCaseId: a.id } });
    expect((await s.engine.verify()).ok).toBe(true);
  });
});

describe('a tip-off extension over HTTP (举报奖励办法: the higher-level department approves)', () => {
  it('refuses an approver of the same level and accepts one from the org above', async () => {
    await server();
    s.tokens['donghu-superior'] = (await createUser(s.people, s.clock, { id: 'donghu-superior', name: '区局领导', orgId: 'donghu', roles: ['superiorDepartmentLeader'] })).token;
    s.tokens['city-superior'] = (await createUser(s.people, s.clock, { id: 'city-superior', name: '市局领导', orgId: 'jiangzhou', roles: ['superiorDepartmentLeader'] })).token;
    const intake = await as(s, 'officer-donghu').post('/api/v1/tipoffs', {
      data: { channel: 'hotline12350', content: '清水化工夜间违规生产', reportedParty: '江州清水化工有限公司', reportedPartyOrg: 'qingshui-chem', anonymous: true, realName: false, receivedAt: '2026-03-02T01:30:00.000Z' },
    });
    const tip = intake.body.caseId as string;
    await send('officer-donghu', tip, 'accept');
    const extend = { deadline: 'handling.verifying#verification', by: 'P30D', reason: '涉及多个部门，需联合核查' };
    const refused = await as(s, 'donghu-superior').post(`/api/v1/cases/${tip}/events`, { type: 'deadline.extend', payload: extend });
    expectError(refused, 422, 'guard_failed');
    expect(JSON.stringify(refused.body.error)).toContain('上级机构');
    expect((await send('city-superior', tip, 'deadline.extend', extend)).data).toMatchObject({ extensionApprovedBy: 'city-superior' });
    // The orgs above the case were recorded when it was opened: replay reads them from there.
    expect((await s.engine.verify()).ok).toBe(true);
  });
});
