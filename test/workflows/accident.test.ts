import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../engine/core/compile.js';
import { DeadlineSchema } from '../../engine/core/definition-schema.js';
import type { Effect } from '../../engine/core/effects.js';
import { validateDefinition } from '../../engine/core/validate-definition.js';
import { createTemplateCatalog } from '../../notifications/templates.js';
import { availableEvents, type StepResult } from '../../engine/core/step.js';
import { TIMER_ACTOR, type CaseState } from '../../engine/core/types.js';
import { accidentWorkflow, GRADE_THRESHOLDS } from '../../workflows/accident.js';
import { FOUR_NO_PASS_CONDITIONS } from '../../workflows/four-no-pass.js';
import { accidentWorkflow as exported, builtinWorkflows } from '../../workflows/index.js';
import { CONFIRM, CONFIRM_ALL, OPEN } from '../support/four-no-pass-fixtures.js';
import { as, builtinEnv, createDriver, envWith2027, fails, guardMessages, tasks, timers, type Cmd } from '../support/workflow-driver.js';

// Accident at 08:30 Beijing time on Monday 2026-03-02; reported at 10:00.
const OCCURRED = '2026-03-02T08:30:00+08:00';
const at = (iso: string) => new Date(iso);
const T_REPORT = at('2026-03-02T02:00:00.000Z');
const T_TEAM = at('2026-03-03T02:00:00.000Z');
const T_SUBMIT = at('2026-04-20T02:00:00.000Z');
const T_APPROVED = at('2026-04-28T02:00:00.000Z');

const d = createDriver(accidentWorkflow, { env: builtinEnv(), now: T_REPORT });
// Past the approval date plus one year the evaluation deadline needs the 2027 calendar.
const d27 = createDriver(accidentWorkflow, { env: envWith2027(), now: T_APPROVED });
const { wf } = d;

const REPORT_KEY = 'inquiry.progress.investigating#report';
const LEVEL_KEY = 'inquiry.progress.reported#levelReport';
const WINDOW_7 = 'inquiry.casualtyWindow.sevenDays#casualtyUpdates';
const WINDOW_30 = 'inquiry.casualtyWindow.thirtyDays#casualtyUpdates';

const P = {
  report: {
    enterpriseName: '某化工有限公司',
    enterpriseId: '91320500MA1XXXXXXX',
    sector: '危险化学品',
    unitProfile: '精细化工生产企业，从业人员320人',
    occurredAt: OCCURRED,
    location: '某市化工园区纬五路8号 3号车间',
    sceneDescription: '反应釜区域有限空间',
    briefCourse: '检修作业人员进入反应釜未检测气体，发生中毒，施救人员相继中毒',
    accidentType: 'hazardousChemicals',
    deaths: 3,
    seriousInjuries: 2,
    directLossCny: 8_600_000,
    measuresTaken: '停产、警戒、救治伤员',
  },
  listing: { listingTrigger: 'grade', listingProposalNote: '较大事故，建议省安委会挂牌督办' },
  notice: {
    accidentName: '某化工有限公司“3·2”较大中毒事故',
    supervisedMatters: ['依法依规开展事故调查', '严肃追究责任', '落实整改措施'],
    listingDeadline: '2026-06-30',
    delistingMethod: '市政府结案后报省安委办审核，同意后摘牌并公告',
    publicationUrls: ['https://yjt.example.gov.cn/gpdb/2026-3'],
  },
  team: { teamLead: '王某（副市长）', teamMemberUnits: ['government', 'emergencyMgmt', 'publicSecurity', 'supervisoryOrgan', 'tradeUnion'], teamExperts: ['化工安全专家赵某'], teamFormedOn: '2026-03-03' },
  appraisal: { appraisalAgency: '某省安全生产科学研究院', appraisalSubject: '反应釜内有毒气体成分及来源' },
  sections: {
    unitProfile: '某化工有限公司概况',
    courseAndRescue: '事故经过及救援',
    casualtiesAndLoss: '3人死亡，2人重伤，直接经济损失860万元',
    causeAndNature: '直接原因、间接原因；生产安全责任事故',
    responsibility: '对责任人员和单位的处理建议',
    preventionMeasures: '防范和整改措施建议',
  },
  approve: {
    approvalDocNo: '某政复〔2026〕12号',
    approvedAt: '2026-04-28',
    responsiblePersons: [{ name: '张某', position: '生产副总', proposedHandling: '移送司法机关' }],
    correctiveMeasures: ['建立有限空间作业审批制度', '更换气体检测报警装置'],
  },
  publish: { handlingPublicationUrl: 'https://www.example.gov.cn/sgcl/2026-12', handlingPublishedOn: '2026-06-25' },
};
const draftPayload = { draftReport: P.sections, evidenceList: ['询问笔录12份', '技术鉴定报告'] };
const finalReport = { investigationReport: P.sections, evidenceList: ['询问笔录12份', '技术鉴定报告'], signedByAllMembers: true };

// ---------------------------------------------------------------------------
// Reaching each state (a listed serious accident unless stated).

const draft = () => d.start({}, T_REPORT);
const reported = (extra: Record<string, unknown> = {}) => d.send(draft().state, 'reportAccident', 'enterprisePrincipal', { ...P.report, ...extra });
// Art. 10: the report reaches the level the grade requires (for any grade: up to the ministry) before the team is formed.
const ESCALATE_ALL: Cmd[] = (['city', 'province', 'ministry'] as const).map((toLevel) => ['escalateReport', 'regulatorReviewer', { toLevel }]);
const graded = (extra: Record<string, unknown> = {}) => d.send(d.run(reported(extra).state, ESCALATE_ALL).state, 'computeGrade', 'system');
const listed = () => d.run(graded().state, [['proposeListing', 'safetyCommitteeOffice', P.listing], ['approveListing', 'safetyCommitteeLeader', P.notice]]);
const investigating = () => d.send(listed().state, 'formTeam', 'governmentLeader', P.team, T_TEAM);
const investigatingUnlisted = (extra: Record<string, unknown> = {}) => d.send(graded(extra).state, 'formTeam', 'governmentLeader', P.team, T_TEAM);
const draftApproved = () => d.run(investigating().state, [['submitDraftReport', 'investigationTeamLead', draftPayload, T_SUBMIT], ['approveDraft', 'safetyCommitteeOffice', {}, T_SUBMIT]]);
const approving = () => d.send(draftApproved().state, 'submitReport', 'investigationTeamLead', finalReport, T_SUBMIT);
const approved = () => d.send(approving().state, 'approve', 'governmentLeader', P.approve, T_APPROVED);
const spawned = () => d.send(approved().state, 'spawnHandling', 'system', {}, T_APPROVED);
/** Every hazard case a corrective measure opened ends closed (the engine's case.childDone). */
const hazardsClosed = (r: StepResult): StepResult =>
  (r.state.children ?? []).reduce((acc, c) => ({ ...d.direct(acc.state, { type: 'case.childDone', payload: { child: c.caseId, finalState: 'closed' }, actor: TIMER_ACTOR }, T_APPROVED), effects: r.effects }), r);
const handling = () => hazardsClosed(spawned());
const handled = () => d.run(handling().state, [...CONFIRM_ALL, ['publishHandlingResult', 'governmentLeader', P.publish]]);
const delistingRequested = () => d.send(handled().state, 'requestDelisting', 'governmentLeader', { closurePackage: ['批复文件', '处理结果', '整改落实报告', '公开证明'] });
const delisted = () => d.send(delistingRequested().state, 'delist', 'safetyCommitteeLeader', { delistingPublicationUrl: 'https://yjt.example.gov.cn/gpdb/2026-3-zp' });
const closed = () => d.send(delisted().state, 'closeCase', 'governmentLeader', { filingRef: '省安委办备〔2026〕8号' });
const postEvaluation = () => d27.send(closed().state, 'startPostEvaluation', 'system');

const due = (r: StepResult | CaseState) => ('state' in r ? r.state : r).deadlines.map((x) => `${x.key} ${x.dueDate ?? x.dueAt} ${x.status}`);
const deadlineDef = (stateId: string, id: string) => DeadlineSchema.parse(wf.tree.byId.get(stateId)!.def.deadlines!.find((x) => x.id === id));

describe('accident workflow definition', () => {
  it('compiles and is exported among the built-in workflows', () => {
    expect(wf.ref).toBe('accident@2');
    expect(exported).toBe(accidentWorkflow);
    expect(builtinWorkflows).toContain(accidentWorkflow);
  });

  it('declares the states of DOMAIN §7.2 and the four no-let-go gate under handling', () => {
    const ids = wf.tree.nodes.map((n) => n.id);
    for (const id of [
      'draft', 'inquiry.progress.reported', 'inquiry.progress.gradingProvisional', 'inquiry.progress.listingProposed', 'inquiry.progress.listed',
      'inquiry.progress.investigating.working', 'inquiry.progress.investigating.appraisal', 'inquiry.progress.investigating.extensionRequested',
      'inquiry.progress.investigating.draftReview', 'inquiry.progress.investigating.draftReturned', 'inquiry.progress.investigating.draftApproved',
      'inquiry.casualtyWindow.sevenDays', 'inquiry.casualtyWindow.thirtyDays', 'inquiry.casualtyWindow.expired', 'reportSubmitted', 'approving',
      'approvingExtraordinary', 'approved', 'handling.publication.pending', 'handled', 'delistingRequested', 'delisted', 'closed',
      'postEvaluation.inProgress', 'postEvaluation.reportDrafted', 'evaluated', 'dismissed',
      ...FOUR_NO_PASS_CONDITIONS.flatMap((c) => ['open', 'evidenceSubmitted', 'confirmed'].map((s) => `handling.fourNoPass.${c}.${s}`)),
    ]) expect(ids, id).toContain(id);
    expect(wf.tree.byId.get('inquiry')?.kind).toBe('parallel');
    expect(wf.tree.byId.get('handling')?.kind).toBe('parallel');
    expect(wf.tree.byId.get('handling.fourNoPass')?.kind).toBe('parallel');
    expect(wf.tree.nodes.filter((n) => n.kind === 'final' && n.path.length === 1).map((n) => n.id).sort()).toEqual(['dismissed', 'evaluated', 'investigationEscalated']);
    expect(wf.tree.byId.get('closed')?.def.tags).toContain('closed');
  });

  it('declares the roles of DOMAIN §4.1 it uses, system included', () => {
    expect([...accidentWorkflow.roles].sort()).toEqual(
      ['assessmentAgency', 'enterprisePrincipal', 'enterpriseSafetyOfficer', 'expert', 'governmentLeader', 'inspector', 'investigationTeamLead', 'investigationTeamMember', 'regulatorLeader', 'regulatorReviewer', 'safetyCommitteeLeader', 'safetyCommitteeOffice', 'supervisoryCommission', 'system'].sort(),
    );
  });

  it('gives every human state a task with zh and en titles', () => {
    for (const node of wf.tree.nodes) {
      if (node.kind !== 'atomic' || node.def.always && !node.def.on) continue;
      expect(node.def.task?.title, node.id).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
    }
  });

  it('lists every handled event in the catalogue with zh and en titles', () => {
    const handled = new Set(wf.tree.transitions.flatMap((t) => (t.event && t.event !== 'onDone' ? [t.event] : [])));
    expect(Object.keys(accidentWorkflow.events).sort()).toEqual([...handled].sort());
    for (const info of Object.values(accidentWorkflow.events)) expect(info.title).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
  });

  it('names only notification templates that exist', () => {
    const v = validateDefinition(accidentWorkflow, { templates: createTemplateCatalog() });
    expect(v.ok ? [] : v.issues).toEqual([]);
  });

  it('titles every data field in Chinese', () => {
    for (const [name, field] of Object.entries(accidentWorkflow.data.properties)) expect((field as { title?: string }).title, name).toMatch(/[\u4e00-\u9fff]/);
  });

  it('declares the statutory deadlines with their anchors and legal basis', () => {
    expect(deadlineDef('inquiry.progress.investigating', 'report')).toMatchObject({
      duration: 'P60D',
      anchor: { field: 'occurredAt' },
      remind: [{ before: '-P10D' }, { before: '-P3D' }],
      pause: ['inquiry.progress.investigating.appraisal'],
      extension: { roles: ['governmentLeader'], max: 'P60D', times: 1 },
      legalBasis: { zh: expect.stringContaining('第二十七条、第二十九条') },
      onExpire: 'markOverdue',
    });
    expect(deadlineDef('inquiry.casualtyWindow.sevenDays', 'casualtyUpdates')).toMatchObject({ duration: 'P7D', anchor: { field: 'occurredAt' }, onExpire: 'closeCasualtyWindow' });
    expect(deadlineDef('inquiry.casualtyWindow.thirtyDays', 'casualtyUpdates')).toMatchObject({ duration: 'P30D', anchor: { field: 'occurredAt' }, onExpire: 'closeCasualtyWindow' });
    expect(deadlineDef('approving', 'approval')).toMatchObject({ duration: 'P15D', anchor: 'entry' });
    expect(deadlineDef('approving', 'approval').extension).toBeUndefined();
    expect(deadlineDef('approvingExtraordinary', 'approval')).toMatchObject({ duration: 'P30D', extension: { roles: ['governmentLeader'], max: 'P30D', times: 1 } });
    expect(deadlineDef('postEvaluation', 'evaluation')).toMatchObject({ duration: 'P1Y', anchor: { field: 'approvedAt' }, legalBasis: { zh: expect.stringContaining('第八十六条') } });
  });
});

describe('grade (Art. 3: the highest criterion wins)', () => {
  const gradeOf = (deaths: number, seriousInjuries: number, directLossCny: number) => reported({ deaths, seriousInjuries, directLossCny }).state.data;
  const table: [deaths: number, injuries: number, loss: number, grade: string, level: string][] = [
    [0, 0, 0, 'general', 'county'],
    [2, 0, 0, 'general', 'county'],
    [3, 0, 0, 'serious', 'city'],
    [9, 0, 0, 'serious', 'city'],
    [10, 0, 0, 'major', 'province'],
    [29, 0, 0, 'major', 'province'],
    [30, 0, 0, 'extraordinary', 'stateCouncil'],
    [0, 9, 0, 'general', 'county'],
    [0, 10, 0, 'serious', 'city'],
    [0, 49, 0, 'serious', 'city'],
    [0, 50, 0, 'major', 'province'],
    [0, 99, 0, 'major', 'province'],
    [0, 100, 0, 'extraordinary', 'stateCouncil'],
    [0, 0, 9_999_999, 'general', 'county'],
    [0, 0, 10_000_000, 'serious', 'city'],
    [0, 0, 49_999_999, 'serious', 'city'],
    [0, 0, 50_000_000, 'major', 'province'],
    [0, 0, 99_999_999.99, 'major', 'province'],
    [0, 0, 100_000_000, 'extraordinary', 'stateCouncil'],
    [2, 9, 9_999_999, 'general', 'county'],
    [2, 50, 0, 'major', 'province'],
    [3, 0, 100_000_000, 'extraordinary', 'stateCouncil'],
    [10, 9, 9_999_999, 'major', 'province'],
    [9, 49, 50_000_000, 'major', 'province'],
    [29, 100, 0, 'extraordinary', 'stateCouncil'],
  ];
  it.each(table)('deaths %i, serious injuries %i, loss %d → %s (investigated by %s)', (deaths, injuries, loss, grade, level) => {
    expect(gradeOf(deaths, injuries, loss)).toMatchObject({ grade, investigatingLevel: level, gradeHistory: [grade] });
  });

  it('keeps the thresholds as data and recomputes the same grade from the recorded numbers', () => {
    expect(GRADE_THRESHOLDS.map((t) => [t.grade, t.deaths, t.seriousInjuries, t.directLossCny])).toEqual([
      ['extraordinary', 30, 100, 100_000_000],
      ['major', 10, 50, 50_000_000],
      ['serious', 3, 10, 10_000_000],
    ]);
    for (const [deaths, injuries, loss, grade] of table) {
      const r = graded({ deaths, seriousInjuries: injuries, directLossCny: loss });
      expect(r.state.data.grade).toBe(grade);
    }
    // The definition is plain JSON: the same grade after a JSON round trip (what a stored definition replays with).
    const again = compileWorkflow(JSON.parse(JSON.stringify(accidentWorkflow)));
    expect(again.tree.transitions.length).toBe(wf.tree.transitions.length);
  });
});

describe('reporting (Arts. 9–12)', () => {
  it('opens the report task for a new case', () => {
    const r = draft();
    expect(r.state.value).toBe('draft');
    expect(tasks(r.effects)).toEqual(['+draft@enterprisePrincipal']);
  });

  it('records the Art. 12 report, computes the grade and starts the 2-hour and casualty clocks', () => {
    const r = reported();
    expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: 'reported', casualtyWindow: 'thirtyDays' } });
    expect(r.state.data).toMatchObject({ ...P.report, grade: 'serious', investigatingLevel: 'city', reportedAt: T_REPORT.toISOString(), reportedBy: 'u-enterprisePrincipal', listed: false, casualtyWindowClosed: false });
    expect(tasks(r.effects)).toEqual(expect.arrayContaining(['-draft', '+inquiry.progress.reported@regulatorReviewer', '+inquiry.casualtyWindow.thirtyDays@regulatorReviewer']));
    expect(timers(r.effects).sort()).toEqual(expect.arrayContaining([`set ${LEVEL_KEY} due 2026-03-02T04:00:00.000Z`, `set ${WINDOW_30} due 2026-04-01T16:00:00.000Z`]));
  });

  it('escalates level by level, each level with a new 2-hour clock', () => {
    const r = d.send(reported().state, 'escalateReport', 'regulatorReviewer', { toLevel: 'city', notifiedAgencies: ['公安', '工会'] }, at('2026-03-02T03:00:00.000Z'));
    expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: 'reported', casualtyWindow: 'thirtyDays' } });
    expect(r.state.data).toMatchObject({ reportLevels: ['city'], notifiedAgencies: ['公安', '工会'] });
    expect(timers(r.effects)).toEqual(expect.arrayContaining([`cancel ${LEVEL_KEY} due`, `set ${LEVEL_KEY} due 2026-03-02T05:00:00.000Z`]));
    const r2 = d.send(r.state, 'escalateReport', 'regulatorLeader', { toLevel: 'province' });
    expect(r2.state.data).toMatchObject({ reportLevels: ['city', 'province'], notifiedAgencies: ['公安', '工会'] });
    fails(() => d.send(r.state, 'escalateReport', 'enterprisePrincipal', { toLevel: 'province' }), 'forbidden');
    fails(() => d.send(r.state, 'escalateReport', 'inspector', { toLevel: 'village' }), 'invalid_input');
  });

  it('flags a late escalation when the 2-hour timer fires', () => {
    const r = d.fire(reported().state, LEVEL_KEY, 'due', at('2026-03-02T04:00:00.000Z'));
    expect(r.state.data.escalationLate).toBe(true);
    expect(due(r)).toContain(`${LEVEL_KEY} 2026-03-02T04:00:00.000Z overdue`);
  });

  it('grades provisionally and stops the escalation clock', () => {
    const r = graded();
    expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: 'gradingProvisional', casualtyWindow: 'thirtyDays' } });
    expect(r.state.data).toMatchObject({ grade: 'serious', gradedAt: T_REPORT.toISOString() });
    expect(tasks(r.effects)).toEqual(['-inquiry.progress.reported', '+inquiry.progress.gradingProvisional@safetyCommitteeOffice']);
    expect(timers(r.effects)).toEqual(expect.arrayContaining([`cancel ${LEVEL_KEY} due`]));
    fails(() => d.send(reported().state, 'computeGrade', 'enterprisePrincipal'), 'forbidden');
  });

  it('clears gate statuses given at creation, so handling cannot start confirmed', () => {
    const forged = { ...Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [`${c}Status`, 'confirmed'])), handlingPublishedOn: '2026-03-01' };
    const s = d.send(d.start(forged, T_REPORT).state, 'reportAccident', 'enterprisePrincipal', P.report).state;
    expect(s.data).toMatchObject({ ...Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [`${c}Status`, null])), handlingPublishedOn: null });
  });

  it('checks the report', () => {
    const s = draft().state;
    fails(() => d.send(s, 'reportAccident', 'enterprisePrincipal', { ...P.report, occurredAt: '2026-03-02T08:30:00' }), 'invalid_input');
    fails(() => d.send(s, 'reportAccident', 'enterprisePrincipal', { ...P.report, accidentType: 'earthquake' }), 'invalid_input');
    fails(() => d.send(s, 'reportAccident', 'enterprisePrincipal', { ...P.report, deaths: -1 }), 'invalid_input');
    fails(() => d.send(s, 'reportAccident', 'enterprisePrincipal', { ...P.report, deaths: 1.5 }), 'invalid_input');
    const { briefCourse: _b, ...noCourse } = P.report;
    expect(fails(() => d.send(s, 'reportAccident', 'enterprisePrincipal', noCourse), 'invalid_input').issues?.[0]?.path).toEqual(['payload', 'briefCourse']);
    fails(() => d.send(s, 'reportAccident', 'governmentLeader', P.report), 'forbidden');
    expect(d.send(s, 'reportAccident', 'inspector', P.report).state.data.reportedBy).toBe('u-inspector');
  });

  it('dismisses a report that is not a work-safety accident', () => {
    const r = d.send(reported().state, 'dismiss', 'governmentLeader', { dismissReason: 'naturalDisaster', dismissNote: '经核查系山洪灾害' });
    expect(r.state).toMatchObject({ value: 'dismissed', status: 'done', data: { dismissReason: 'naturalDisaster' } });
    expect(tasks(r.effects).sort()).toEqual(expect.arrayContaining(['-inquiry.casualtyWindow.thirtyDays', '-inquiry.progress.reported', 'done:dismissed']));
    expect(timers(r.effects).sort()).toEqual(expect.arrayContaining([`cancel ${LEVEL_KEY} due`, `cancel ${WINDOW_30} due`]));
    expect(d.send(graded().state, 'dismiss', 'regulatorLeader', { dismissReason: 'criminalCase', dismissNote: '刑事案件' }).state.value).toBe('dismissed');
    fails(() => d.send(investigatingUnlisted().state, 'dismiss', 'governmentLeader', { dismissReason: 'criminalCase', dismissNote: 'x' }), 'invalid_transition');
  });
});

describe('casualty updates and re-grading (Arts. 13, 20)', () => {
  it('opens a 7-day window for road and fire accidents and a 30-day one otherwise, anchored at occurredAt', () => {
    for (const type of ['road', 'fire']) {
      const r = reported({ accidentType: type });
      expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: 'reported', casualtyWindow: 'sevenDays' } });
      expect(due(r)).toContain(`${WINDOW_7} 2026-03-09 running`);
    }
    for (const type of ['industrial', 'construction', 'mining', 'waterway', 'other']) expect(due(reported({ accidentType: type }))).toContain(`${WINDOW_30} 2026-04-01 running`);
  });

  it('re-grades on each update and moves the investigation up when the grade rises', () => {
    let r = d.send(reported().state, 'updateCasualties', 'inspector', { deaths: 10, seriousInjuries: 4, directLossCny: 12_000_000, casualtyUpdateNote: '1名重伤员抢救无效死亡' });
    expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: 'reported', casualtyWindow: 'thirtyDays' } });
    expect(r.state.data).toMatchObject({ deaths: 10, seriousInjuries: 4, grade: 'major', previousGrade: 'serious', gradeRaised: true, investigatingLevel: 'province', gradeHistory: ['serious', 'major'], casualtyUpdateCount: 1 });
    expect(r.effects).toEqual([]);
    // A lower grade is recorded, but the investigation does not move down.
    r = d.send(r.state, 'updateCasualties', 'regulatorReviewer', { deaths: 9, seriousInjuries: 4, directLossCny: 12_000_000, missingPersons: 0 });
    expect(r.state.data).toMatchObject({ grade: 'serious', previousGrade: 'major', gradeRaised: false, investigatingLevel: 'province', gradeHistory: ['serious', 'major', 'serious'], casualtyUpdateCount: 2, missingPersons: 0 });
    r = d.send(r.state, 'updateCasualties', 'regulatorReviewer', { deaths: 30, seriousInjuries: 4, directLossCny: 12_000_000 });
    expect(r.state.data).toMatchObject({ grade: 'extraordinary', gradeRaised: true, investigatingLevel: 'stateCouncil', missingPersons: 0 });
  });

  it('re-grades a road accident within its 7-day window', () => {
    const r = d.send(reported({ accidentType: 'road' }).state, 'updateCasualties', 'regulatorReviewer', { deaths: 3, seriousInjuries: 12, directLossCny: 0 }, at('2026-03-08T02:00:00.000Z'));
    expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: 'reported', casualtyWindow: 'sevenDays' } });
    expect(r.state.data).toMatchObject({ grade: 'serious', gradeRaised: false, seriousInjuries: 12, casualtyUpdateCount: 1 });
  });

  it('accepts updates in any phase of the inquiry while the window is open', () => {
    const r = d.send(investigating().state, 'updateCasualties', 'inspector', { deaths: 4, seriousInjuries: 1, directLossCny: 9_000_000 }, at('2026-03-20T02:00:00.000Z'));
    expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: { investigating: 'working' }, casualtyWindow: 'thirtyDays' } });
    expect(r.state.data).toMatchObject({ deaths: 4, grade: 'serious', gradeRaised: false });
  });

  it('checks the update', () => {
    const s = reported().state;
    fails(() => d.send(s, 'updateCasualties', 'inspector', { deaths: 4 }), 'invalid_input');
    fails(() => d.send(s, 'updateCasualties', 'enterprisePrincipal', { deaths: 4, seriousInjuries: 0, directLossCny: 0 }), 'forbidden');
    fails(() => d.send(draft().state, 'updateCasualties', 'inspector', { deaths: 4, seriousInjuries: 0, directLossCny: 0 }), 'invalid_transition');
  });

  it.each([
    ['road', WINDOW_7, '2026-03-09T16:00:00.000Z', 'sevenDays'],
    ['fire', WINDOW_7, '2026-03-09T16:00:00.000Z', 'sevenDays'],
    ['industrial', WINDOW_30, '2026-04-01T16:00:00.000Z', 'thirtyDays'],
  ])('closes the %s window (%s) when its timer fires, after which updates are refused', (type, key, dueAt, windowState) => {
    const before = investigatingUnlisted({ accidentType: type }).state;
    expect(timers(reported({ accidentType: type }).effects)).toContain(`set ${key} due ${dueAt}`);
    const r = d.fire(before, key, 'due', at(dueAt));
    expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: { investigating: 'working' }, casualtyWindow: 'expired' } });
    expect(r.state.data).toMatchObject({ casualtyWindowClosed: true, casualtyWindowClosedAt: dueAt });
    expect(tasks(r.effects)).toEqual([`-inquiry.casualtyWindow.${windowState}`]);
    expect(r.state.deadlines.map((x) => x.key)).toEqual(expect.arrayContaining([REPORT_KEY]));
    const e = fails(() => d.send(r.state, 'updateCasualties', 'inspector', { deaths: 5, seriousInjuries: 0, directLossCny: 0 }), 'invalid_transition');
    expect(e.message).toContain('casualtyWindow.expired');
  });

  it('closes the window only by the timer service, and ignores a stale timer', () => {
    const s = reported({ accidentType: 'road' }).state;
    fails(() => d.send(s, 'closeCasualtyWindow', 'regulatorReviewer'), 'system_only_event');
    const dl = s.deadlines.find((x) => x.key === WINDOW_7)!;
    fails(() => d.direct(s, { type: 'deadline.due', payload: { deadline: WINDOW_7, index: 0, generation: dl.generation + 1 }, actor: TIMER_ACTOR }), 'timer_stale');
    fails(() => d.direct(s, { type: 'deadline.due', payload: { deadline: WINDOW_7, index: 0, generation: 0 }, actor: { id: 'u-system', roles: ['system'] } }), 'system_only_event');
  });

  it('arms a window that has already passed so its timer closes it at once', () => {
    // Reported 10 days late: the 7-day window ended on 03-09; its due timer is armed in the past and fires first.
    const r = d.send(d.start({}, at('2026-03-12T02:00:00.000Z')).state, 'reportAccident', 'inspector', { ...P.report, accidentType: 'road' }, at('2026-03-12T02:00:00.000Z'));
    expect(due(r)).toContain(`${WINDOW_7} 2026-03-09 running`);
    expect(timers(r.effects).filter((t) => t.includes('casualtyUpdates'))).toEqual([expect.stringContaining('due')]);
    const closed = d.fire(r.state, WINDOW_7, 'due', at('2026-03-12T02:00:01.000Z'));
    expect(closed.state.value).toMatchObject({ inquiry: { casualtyWindow: 'expired' } });
    expect(closed.state.data.casualtyWindowClosed).toBe(true);
  });
});

describe('listing (挂牌督办)', () => {
  it('proposes, approves with the listing notice, and forms the team', () => {
    let r = d.send(graded().state, 'proposeListing', 'safetyCommitteeOffice', P.listing);
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: 'listingProposed' } });
    expect(r.state.data).toMatchObject({ ...P.listing, listingProposedAt: T_REPORT.toISOString() });
    expect(tasks(r.effects)).toEqual(['-inquiry.progress.gradingProvisional', '+inquiry.progress.listingProposed@safetyCommitteeLeader']);
    r = d.send(r.state, 'approveListing', 'safetyCommitteeLeader', P.notice);
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: 'listed' } });
    expect(r.state.data).toMatchObject({ ...P.notice, listed: true, listedAt: T_REPORT.toISOString() });
    expect(tasks(r.effects)).toEqual(['-inquiry.progress.listingProposed', '+inquiry.progress.listed@governmentLeader']);
    r = d.send(r.state, 'formTeam', 'governmentLeader', P.team, T_TEAM);
    expect(r.state.value).toEqual({ inquiry: { initialReport: 'pending', progress: { investigating: 'working' }, casualtyWindow: 'thirtyDays' } });
    expect(r.state.data).toMatchObject(P.team);
    expect(tasks(r.effects)).toEqual(['-inquiry.progress.listed', '+inquiry.progress.investigating.working@investigationTeamLead']);
  });

  it('goes back to the unlisted path when the leader declines', () => {
    let r = d.send(graded().state, 'proposeListing', 'safetyCommitteeOffice', P.listing);
    r = d.send(r.state, 'declineListing', 'safetyCommitteeLeader', { listingDeclinedReason: '由市级督办' });
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: 'gradingProvisional' } });
    expect(r.state.data).toMatchObject({ listed: false, listingDeclinedReason: '由市级督办' });
    expect(d.send(r.state, 'formTeam', 'governmentLeader', P.team).state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'working' } } });
  });

  it('forms the team directly when the accident is not listed', () => {
    const r = investigatingUnlisted();
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'working' } } });
    expect(r.state.data.listed).toBe(false);
  });

  it('checks the notice and the roles', () => {
    const proposed = d.send(graded().state, 'proposeListing', 'safetyCommitteeOffice', P.listing).state;
    const { delistingMethod: _m, ...noMethod } = P.notice;
    fails(() => d.send(proposed, 'approveListing', 'safetyCommitteeLeader', noMethod), 'invalid_input');
    fails(() => d.send(proposed, 'approveListing', 'safetyCommitteeLeader', { ...P.notice, supervisedMatters: [] }), 'invalid_input');
    fails(() => d.send(proposed, 'approveListing', 'safetyCommitteeLeader', { ...P.notice, listingDeadline: '2026-6-30' }), 'invalid_input');
    fails(() => d.send(proposed, 'approveListing', 'safetyCommitteeOffice', P.notice), 'forbidden');
    fails(() => d.send(graded().state, 'proposeListing', 'safetyCommitteeLeader', P.listing), 'forbidden');
    fails(() => d.send(graded().state, 'formTeam', 'investigationTeamLead', P.team), 'forbidden');
    fails(() => d.send(graded().state, 'formTeam', 'governmentLeader', { ...P.team, teamMemberUnits: [] }), 'invalid_input');
    expect(fails(() => d.send(proposed, 'formTeam', 'governmentLeader', P.team), 'invalid_transition').details.accepted).toEqual(expect.arrayContaining(['approveListing', 'closeCasualtyWindow', 'declineListing', 'updateCasualties']));
  });
});

describe('the 60-day report clock (Arts. 27, 29)', () => {
  it('runs 60 days from the accident date, not from team formation, with reminders at −10 and −3 days', () => {
    const r = investigating();
    expect(due(r)).toContain(`${REPORT_KEY} 2026-05-06 running`);
    expect(r.state.deadlines.find((x) => x.key === REPORT_KEY)).toMatchObject({ dueAt: '2026-05-06T16:00:00.000Z', startedAt: '2026-03-02T00:30:00.000Z', legalBasis: { zh: expect.stringContaining('60日') } });
    expect(timers(r.effects)).toEqual(expect.arrayContaining([`set ${REPORT_KEY} due 2026-05-06T16:00:00.000Z`]));
    // The first reminder fires, the second is armed.
    const r2 = d.fire(r.state, REPORT_KEY, 'remind', at('2026-04-26T16:00:00.000Z'));
    expect(timers(r2.effects)[0]).toBe(`cancel ${REPORT_KEY} remind`);
  });

  it('stops during technical appraisal and moves the due date by exactly the paused days', () => {
    let r = d.send(investigating().state, 'startAppraisal', 'investigationTeamLead', P.appraisal, at('2026-03-20T02:00:00.000Z'));
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'appraisal' } } });
    expect(r.state.deadlines.find((x) => x.key === REPORT_KEY)).toMatchObject({ status: 'paused', dueDate: '2026-05-06', pausedAt: '2026-03-20T02:00:00.000Z' });
    expect(timers(r.effects)).toEqual([`cancel ${REPORT_KEY} due`, `cancel ${REPORT_KEY} remind`]);
    expect(tasks(r.effects)).toEqual(['-inquiry.progress.investigating.working', '+inquiry.progress.investigating.appraisal@investigationTeamLead']);
    r = d.send(r.state, 'endAppraisal', 'investigationTeamLead', { appraisalReportRef: '鉴定报告〔2026〕3号' }, at('2026-03-30T02:00:00.000Z'));
    expect(r.state.deadlines.find((x) => x.key === REPORT_KEY)).toMatchObject({ status: 'running', dueDate: '2026-05-11', dueAt: '2026-05-11T16:00:00.000Z', pausedDays: 10, generation: 1 });
    expect(timers(r.effects)).toEqual([`set ${REPORT_KEY} due 2026-05-11T16:00:00.000Z`, `set ${REPORT_KEY} remind 2026-04-30T16:00:00.000Z`]);
    // A second appraisal adds its days too.
    r = d.run(r.state, [
      ['startAppraisal', 'investigationTeamLead', P.appraisal, at('2026-04-01T02:00:00.000Z')],
      ['endAppraisal', 'investigationTeamLead', { appraisalReportRef: '补充鉴定' }, at('2026-04-04T02:00:00.000Z')],
    ]);
    expect(r.state.deadlines.find((x) => x.key === REPORT_KEY)).toMatchObject({ dueDate: '2026-05-14', pausedDays: 13 });
    expect(r.state.data.appraisalCount).toBe(2);
  });

  it('refuses a timer for a paused clock', () => {
    const s = d.send(investigating().state, 'startAppraisal', 'investigationTeamLead', P.appraisal).state;
    fails(() => d.fire(s, REPORT_KEY, 'due'), 'timer_stale');
  });

  it('flags the report overdue when the timer fires, and keeps investigating', () => {
    const r = d.fire(investigating().state, REPORT_KEY, 'due', at('2026-05-06T16:00:00.000Z'));
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'working' } } });
    expect(r.state.data.reportOverdue).toBe(true);
    expect(due(r)).toContain(`${REPORT_KEY} 2026-05-06 overdue`);
    fails(() => d.send(investigating().state, 'markOverdue', 'governmentLeader'), 'system_only_event');
  });
});

describe('extension of the investigation (Art. 29: ≤ 60 days, once)', () => {
  const requested = () => d.send(investigating().state, 'requestExtension', 'investigationTeamLead', { extensionReason: '需进一步查明间接原因', extensionDays: 30 }, at('2026-04-10T02:00:00.000Z'));

  it('493号令 第二十九条: the government\'s approval is one step that moves the clock and records the approval', () => {
    let r = requested();
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'extensionRequested' } } });
    expect(r.state.data).toMatchObject({ extensionReason: '需进一步查明间接原因', extensionDays: 30 });
    expect(tasks(r.effects)).toEqual(['-inquiry.progress.investigating.working', '+inquiry.progress.investigating.extensionRequested@governmentLeader']);
    expect(due(r)).toContain(`${REPORT_KEY} 2026-05-06 running`);
    r = d.extend(r.state, REPORT_KEY, 'P30D', 'governmentLeader', at('2026-04-11T02:00:00.000Z'));
    expect(r.state.deadlines.find((x) => x.key === REPORT_KEY)).toMatchObject({ dueDate: '2026-06-05', dueAt: '2026-06-05T16:00:00.000Z', generation: 1, extensions: [{ by: 'P30D', actor: 'u-governmentLeader' }] });
    expect(timers(r.effects)).toEqual(expect.arrayContaining([`cancel ${REPORT_KEY} due`, `cancel ${REPORT_KEY} remind`, `set ${REPORT_KEY} due 2026-06-05T16:00:00.000Z`]));
    // The same step took the approval: back to work, approval recorded with who and when.
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'working' } } });
    expect(r.state.data).toMatchObject({ extensionGranted: true, extensionApprovedBy: 'u-governmentLeader', extensionApprovedAt: '2026-04-11T02:00:00.000Z' });
    expect(due(r)).toContain(`${REPORT_KEY} 2026-06-05 running`);
    // Only once.
    expect(guardMessages(fails(() => d.send(r.state, 'requestExtension', 'investigationTeamLead', { extensionReason: 'x', extensionDays: 10 }), 'guard_failed'))).toEqual(['The deadline was already extended once']);
    fails(() => d.extend(r.state, REPORT_KEY, 'P10D'), 'invalid_transition');
  });

  it('refuses to extend past 60 days in total, counted after the appraisal pause', () => {
    const s = requested().state;
    expect(fails(() => d.extend(s, REPORT_KEY, 'P62D'), 'invalid_data').issues?.[0]?.code).toBe('extension_too_long');
    expect(d.extend(s, REPORT_KEY, 'P60D').state.deadlines.find((x) => x.key === REPORT_KEY)?.dueDate).toBe('2026-07-06');
    const paused = d.run(investigating().state, [
      ['startAppraisal', 'investigationTeamLead', P.appraisal, at('2026-03-20T02:00:00.000Z')],
      ['endAppraisal', 'investigationTeamLead', { appraisalReportRef: 'R' }, at('2026-03-30T02:00:00.000Z')],
      ['requestExtension', 'investigationTeamLead', { extensionReason: '鉴定后需补充调查', extensionDays: 60 }, at('2026-03-31T02:00:00.000Z')],
    ]).state;
    expect(d.extend(paused, REPORT_KEY, 'P60D').state.deadlines.find((x) => x.key === REPORT_KEY)?.dueDate).toBe('2026-07-10');
    expect(fails(() => d.extend(paused, REPORT_KEY, 'P70D'), 'invalid_data').issues?.[0]?.code).toBe('extension_too_long');
  });

  it('lets only the government leader extend or decide', () => {
    const s = requested().state;
    fails(() => d.extend(s, REPORT_KEY, 'P30D', 'investigationTeamLead'), 'forbidden');
    // The approval cannot be sent on its own (it would not move the clock), by anyone.
    expect(fails(() => d.send(s, 'approveExtension', 'governmentLeader'), 'forbidden').details).toMatchObject({ sendInstead: 'deadline.extend' });
    // Forms do not offer it either; denying stays an ordinary event.
    expect(availableEvents(wf, s, as('governmentLeader'), T_REPORT).map((e) => e.type)).toEqual(['denyExtension']);
    // Nor can the clock move without the approval: outside a pending request, deadline.extend is refused.
    fails(() => d.extend(investigating().state, REPORT_KEY, 'P30D'), 'invalid_transition');
    fails(() => d.send(investigating().state, 'requestExtension', 'investigationTeamLead', { extensionReason: 'x', extensionDays: 61 }), 'invalid_input');
    fails(() => d.send(investigating().state, 'requestExtension', 'governmentLeader', { extensionReason: 'x', extensionDays: 30 }), 'forbidden');
  });

  it('returns to work with the clock unchanged when the extension is denied, and allows a new request', () => {
    const r = d.send(requested().state, 'denyExtension', 'governmentLeader', { extensionDenyReason: '理由不充分' });
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'working' } } });
    expect(r.state.data).toMatchObject({ extensionGranted: false, extensionDenyReason: '理由不充分' });
    expect(due(r)).toContain(`${REPORT_KEY} 2026-05-06 running`);
    expect(r.effects.filter((e) => e.type === 'set-timer' || e.type === 'cancel-timer')).toEqual([]);
    expect(d.send(r.state, 'requestExtension', 'investigationTeamLead', { extensionReason: '补充鉴定', extensionDays: 15 }).state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'extensionRequested' } } });
  });
});

describe('draft review by the listing authority and report submission', () => {
  it('reviews the draft of a listed accident, returned once, before the report goes in', () => {
    let r = investigating();
    expect(guardMessages(fails(() => d.send(r.state, 'submitReport', 'investigationTeamLead', finalReport), 'guard_failed'))[0]).toContain('listing authority');
    r = d.send(r.state, 'submitDraftReport', 'investigationTeamLead', draftPayload);
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'draftReview' } } });
    expect(tasks(r.effects)).toEqual(['-inquiry.progress.investigating.working', '+inquiry.progress.investigating.draftReview@safetyCommitteeOffice']);
    r = d.send(r.state, 'returnDraft', 'safetyCommitteeOffice', { draftReviewComments: '补充间接原因分析' });
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'draftReturned' } } });
    expect(r.state.data).toMatchObject({ draftReturnCount: 1, draftReviewComments: '补充间接原因分析' });
    r = d.send(r.state, 'resubmitDraft', 'investigationTeamMember', { draftReport: { ...P.sections, causeAndNature: '补充后的原因分析' } });
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'draftReview' } } });
    expect(r.state.data).toMatchObject({ evidenceList: draftPayload.evidenceList, draftReport: { causeAndNature: '补充后的原因分析' } });
    r = d.send(r.state, 'approveDraft', 'safetyCommitteeLeader', { draftReviewComments: '同意' });
    expect(r.state.value).toMatchObject({ inquiry: { initialReport: 'pending', progress: { investigating: 'draftApproved' } } });
    // The report clock kept running through the review.
    expect(due(r)).toContain(`${REPORT_KEY} 2026-05-06 running`);
    r = d.send(r.state, 'submitReport', 'investigationTeamLead', finalReport, T_SUBMIT);
    expect(r.state.value).toBe('approving');
    expect(r.state.data).toMatchObject({ ...finalReport, reportSubmittedAt: T_SUBMIT.toISOString() });
  });

  it('submits the report of an unlisted accident directly, and needs every signature', () => {
    const s = investigatingUnlisted().state;
    fails(() => d.send(s, 'submitDraftReport', 'investigationTeamLead', draftPayload), 'guard_failed');
    fails(() => d.send(s, 'submitReport', 'investigationTeamLead', { ...finalReport, signedByAllMembers: false }), 'guard_failed');
    const { preventionMeasures: _p, ...fiveSections } = P.sections;
    expect(fails(() => d.send(s, 'submitReport', 'investigationTeamLead', { ...finalReport, investigationReport: fiveSections }), 'invalid_input').issues?.[0]?.path).toEqual(['payload', 'investigationReport', 'preventionMeasures']);
    const r = d.send(s, 'submitReport', 'investigationTeamLead', finalReport, T_SUBMIT);
    expect(r.state.value).toBe('approving');
  });

  it('refuses the wrong reviewers and an empty return', () => {
    const review = d.send(investigating().state, 'submitDraftReport', 'investigationTeamLead', draftPayload).state;
    fails(() => d.send(review, 'approveDraft', 'governmentLeader'), 'forbidden');
    fails(() => d.send(review, 'returnDraft', 'safetyCommitteeOffice', {}), 'invalid_input');
    fails(() => d.send(review, 'submitReport', 'investigationTeamLead', finalReport), 'invalid_transition');
  });

  it('ends the inquiry on submission: cancels the report and window clocks, starts the approval clock', () => {
    const r = approving();
    expect(tasks(r.effects).sort()).toEqual(expect.arrayContaining(['+approving@governmentLeader', '-inquiry.casualtyWindow.thirtyDays', '-inquiry.progress.investigating.draftApproved']));
    expect(timers(r.effects).sort()).toEqual(expect.arrayContaining(
      [
        `cancel ${REPORT_KEY} due`,
        `cancel ${REPORT_KEY} remind`,
        `cancel ${WINDOW_30} due`,
        'set approving#approval due 2026-05-06T16:00:00.000Z',
      ].sort(),
    ));
    // 15 days end on 2026-05-05 (劳动节), rolled over to 2026-05-06 (民法典 第二百零三条).
    expect(due(r)).toEqual(['approving#approval 2026-05-06 running']);
  });
});

describe('approval (Art. 32)', () => {
  it('gives the government 15 days, not extensible, and flags it overdue', () => {
    const s = approving().state;
    // No extension is declared: the deadline itself refuses, whoever asks.
    expect(fails(() => d.extend(s, 'approving#approval', 'P5D'), 'invalid_data').issues?.[0]?.code).toBe('not_extensible');
    const r = d.fire(s, 'approving#approval', 'due', at('2026-05-06T16:00:00.000Z'));
    expect(r.state).toMatchObject({ value: 'approving', data: { approvalOverdue: true } });
  });

  it('gives 30 days plus at most 30 for an extraordinary accident', () => {
    const s = d.send(investigatingUnlisted({ deaths: 30 }).state, 'submitReport', 'investigationTeamLead', finalReport, T_SUBMIT).state;
    expect(s.value).toBe('approvingExtraordinary');
    expect(due(s)).toEqual(['approvingExtraordinary#approval 2026-05-20 running']);
    // 30 more days end on 2026-06-19 (端午), rolled over to Monday 2026-06-22 (民法典 第二百零三条).
    fails(() => d.extend(s, 'approvingExtraordinary#approval', 'P35D'), 'invalid_data');
    const r = d.extend(s, 'approvingExtraordinary#approval', 'P30D');
    expect(due(r)).toEqual(['approvingExtraordinary#approval 2026-06-22 running']);
    expect(d.fire(r.state, 'approvingExtraordinary#approval', 'due', at('2026-06-22T16:00:00.000Z')).state.data.approvalOverdue).toBe(true);
    expect(d.send(r.state, 'approve', 'governmentLeader', P.approve).state.value).toBe('approved');
  });

  it('records the approval and dispatches the handling', () => {
    let r = approved();
    expect(r.state.value).toBe('approved');
    expect(r.state.data).toMatchObject(P.approve);
    expect(tasks(r.effects)).toEqual(['-approving', '+approved@governmentLeader']);
    expect(timers(r.effects).sort()).toEqual(['cancel approving#approval due', 'cancel approving#approval remind'].sort());
    fails(() => d.send(approving().state, 'approve', 'governmentLeader', { ...P.approve, correctiveMeasures: [] }), 'invalid_input');
    fails(() => d.send(approving().state, 'approve', 'safetyCommitteeLeader', P.approve), 'forbidden');
    r = d.send(r.state, 'spawnHandling', 'system');
    expect(r.state.value).toEqual({
      handling: { fourNoPass: Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [c, 'open'])), publication: 'pending' },
    });
    expect(tasks(r.effects).sort()).toEqual(
      [
        '-approved',
        '+handling.fourNoPass.causeIdentified.open@investigationTeamLead',
        '+handling.fourNoPass.responsiblePersonsHandled.open@regulatorReviewer',
        '+handling.fourNoPass.measuresImplemented.open@enterprisePrincipal',
        '+handling.fourNoPass.personnelEducated.open@enterprisePrincipal',
        '+handling.publication.pending@governmentLeader',
      ].sort(),
    );
  });
});

describe('handling, the four no-let-go gate and delisting', () => {
  const delistPayload = { delistingPublicationUrl: 'https://yjt.example.gov.cn/gpdb/2026-3-zp' };

  it('refuses to request delisting, delist or close while conditions are open, naming them', () => {
    let r = handling();
    for (const [event, role, payload] of [
      ['requestDelisting', 'governmentLeader', { closurePackage: ['x'] }],
      ['delist', 'safetyCommitteeLeader', delistPayload],
      ['closeCase', 'governmentLeader', { filingRef: 'F' }],
    ] as const) {
      const e = fails(() => d.send(r.state, event, role, payload), 'guard_failed');
      expect(guardMessages(e)).toEqual([...Object.values(OPEN), 'publication is open: the handling result is not published']);
      expect(e.details.state).toBe('handling.{fourNoPass.{causeIdentified.open, responsiblePersonsHandled.open, measuresImplemented.open, personnelEducated.open}, publication.pending}');
    }
    r = d.run(r.state, [...CONFIRM.causeIdentified, ...CONFIRM.personnelEducated, ['publishHandlingResult', 'safetyCommitteeOffice', P.publish]]);
    const e = fails(() => d.send(r.state, 'delist', 'safetyCommitteeLeader', delistPayload), 'guard_failed');
    expect(guardMessages(e)).toEqual([OPEN.responsiblePersonsHandled, OPEN.measuresImplemented]);
    expect(e.message).toContain('responsiblePersonsHandled.open');
    fails(() => d.send(r.state, 'delist', 'governmentLeader', delistPayload), 'forbidden');
  });

  it('moves to handled once the four conditions are confirmed and the result is published', () => {
    let r = d.run(handling().state, CONFIRM_ALL);
    expect(r.state.value).toEqual({ handling: { fourNoPass: Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [c, 'confirmed'])), publication: 'pending' } });
    expect(guardMessages(fails(() => d.send(r.state, 'closeCase', 'governmentLeader', { filingRef: 'F' }), 'guard_failed'))).toEqual(['publication is open: the handling result is not published']);
    fails(() => d.send(r.state, 'publishHandlingResult', 'governmentLeader', { ...P.publish, handlingPublicationUrl: 'not a url' }), 'invalid_input');
    r = d.send(r.state, 'publishHandlingResult', 'governmentLeader', P.publish);
    expect(r.state.value).toBe('handled');
    expect(r.state.data).toMatchObject({ ...P.publish, ...Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [`${c}Status`, 'confirmed'])) });
    expect(tasks(r.effects)).toEqual(['-handling.publication.pending', '+handled@governmentLeader']);
  });

  it('requests delisting (a listed accident cannot close before), and the authority delists', () => {
    const h = handled().state;
    expect(guardMessages(fails(() => d.send(h, 'closeCase', 'governmentLeader', { filingRef: 'F' }), 'guard_failed'))[0]).toContain('delisted first');
    let r = d.send(h, 'requestDelisting', 'governmentLeader', { closurePackage: ['批复文件'] });
    expect(r.state).toMatchObject({ value: 'delistingRequested', data: { closurePackage: ['批复文件'], delistingRequestedAt: T_REPORT.toISOString() } });
    expect(tasks(r.effects)).toEqual(['-handled', '+delistingRequested@safetyCommitteeOffice']);
    fails(() => d.send(r.state, 'delist', 'safetyCommitteeOffice', delistPayload), 'forbidden');
    r = d.send(r.state, 'delist', 'safetyCommitteeLeader', delistPayload);
    expect(r.state).toMatchObject({ value: 'delisted', data: { ...delistPayload, delistedAt: T_REPORT.toISOString() } });
    r = d.send(r.state, 'closeCase', 'safetyCommitteeOffice', { filingRef: '备案8号' });
    expect(r.state).toMatchObject({ value: 'closed', status: 'active', data: { filingRef: '备案8号', closedBy: 'u-safetyCommitteeOffice' } });
    expect(tasks(r.effects)).toEqual(['-delisted', '+closed@safetyCommitteeOffice']);
  });

  it('sends a rejected delisting back to handling, reopening only the conditions named', () => {
    let r = d.send(delistingRequested().state, 'rejectDelisting', 'safetyCommitteeOffice', { delistingRejectReason: '整改措施未全部落实', reopenConditions: ['measuresImplemented'] });
    expect(r.state.value).toEqual({
      handling: { fourNoPass: { causeIdentified: 'confirmed', responsiblePersonsHandled: 'confirmed', measuresImplemented: 'open', personnelEducated: 'confirmed' }, publication: 'published' },
    });
    expect(r.state.data).toMatchObject({ measuresImplementedStatus: 'reopened', causeIdentifiedStatus: 'confirmed', delistingRejectReason: '整改措施未全部落实', delistingRejectCount: 1 });
    // Only the reopened condition's task stays open.
    const open = new Set<string>();
    for (const t of tasks(r.effects)) {
      if (t.startsWith('+')) open.add(t.slice(1).split('@')[0]!);
      else open.delete(t.slice(1));
    }
    expect([...open]).toEqual(['handling.fourNoPass.measuresImplemented.open']);
    expect(guardMessages(fails(() => d.send(r.state, 'requestDelisting', 'governmentLeader', { closurePackage: ['x'] }), 'guard_failed'))).toEqual([OPEN.measuresImplemented]);
    r = d.run(r.state, CONFIRM.measuresImplemented);
    expect(r.state.value).toBe('handled');
    r = d.run(r.state, [['requestDelisting', 'governmentLeader', { closurePackage: ['补充整改报告'] }], ['delist', 'safetyCommitteeLeader', delistPayload]]);
    expect(r.state.value).toBe('delisted');
  });

  it.each([
    ['causeIdentified', 'rejectCauseEvidence', 'governmentLeader'],
    ['responsiblePersonsHandled', 'rejectDispositions', 'regulatorLeader'],
    ['measuresImplemented', 'rejectMeasuresEvidence', 'inspector'],
    ['personnelEducated', 'rejectEducationEvidence', 'regulatorReviewer'],
  ] as const)('sends rejected %s evidence back to open within handling', (c, reject, confirmer) => {
    let r = d.run(handling().state, [CONFIRM[c][0]!]);
    r = d.send(r.state, reject, confirmer, { reason: '证明材料不足' });
    expect(r.state.value).toMatchObject({ handling: { fourNoPass: { [c]: 'open' } } });
    expect(r.state.data).toMatchObject({ [`${c}Status`]: 'rejected', [`${c}ReviewComment`]: '证明材料不足' });
    expect(guardMessages(fails(() => d.send(r.state, 'closeCase', 'governmentLeader', { filingRef: 'F' }), 'guard_failed'))).toContain(OPEN[c]);
    r = d.run(r.state, CONFIRM[c]);
    expect(r.state.value).toMatchObject({ handling: { fourNoPass: { [c]: 'confirmed' } } });
  });

  it('returns straight to handled when a rejection reopens nothing', () => {
    const r = d.send(delistingRequested().state, 'rejectDelisting', 'safetyCommitteeLeader', { delistingRejectReason: '申请材料不全' });
    expect(r.state.value).toBe('handled');
    expect(r.state.data).toMatchObject({ delistingRejectCount: 1, delistingRejectReason: '申请材料不全' });
    fails(() => d.send(delistingRequested().state, 'rejectDelisting', 'safetyCommitteeLeader', {}), 'invalid_input');
    fails(() => d.send(delistingRequested().state, 'rejectDelisting', 'safetyCommitteeLeader', { delistingRejectReason: 'x', reopenConditions: ['all'] }), 'invalid_input');
  });

  it('closes an unlisted accident directly once handled', () => {
    let r = d.send(investigatingUnlisted().state, 'submitReport', 'investigationTeamLead', finalReport, T_SUBMIT);
    r = hazardsClosed(d.run(r.state, [['approve', 'governmentLeader', P.approve, T_APPROVED], ['spawnHandling', 'governmentLeader']]));
    r = d.run(r.state, [...CONFIRM_ALL, ['publishHandlingResult', 'governmentLeader', P.publish]]);
    expect(r.state.value).toBe('handled');
    expect(guardMessages(fails(() => d.send(r.state, 'requestDelisting', 'governmentLeader', { closurePackage: ['x'] }), 'guard_failed'))[0]).toContain('unlisted accident is closed directly');
    r = d.send(r.state, 'closeCase', 'governmentLeader', { filingRef: '某县结〔2026〕3号' });
    expect(r.state).toMatchObject({ value: 'closed', data: { filingRef: '某县结〔2026〕3号', closedAt: T_REPORT.toISOString() } });
  });
});

describe('post-closure evaluation (Safety Law Art. 86)', () => {
  it('counts the year in calendar days even past the built-in 2026 calendar (no rest day is consulted)', () => {
    const r = d.send(closed().state, 'startPostEvaluation', 'system');
    expect(due(r)).toEqual(['postEvaluation#evaluation 2027-04-28 running']);
  });

  it('runs one year from the approval date, with a reminder a month before', () => {
    const r = postEvaluation();
    expect(r.state.value).toEqual({ postEvaluation: 'inProgress' });
    expect(due(r)).toEqual(['postEvaluation#evaluation 2027-04-28 running']);
    expect(timers(r.effects)).toEqual(['set postEvaluation#evaluation due 2027-04-28T16:00:00.000Z', 'set postEvaluation#evaluation remind 2027-03-27T16:00:00.000Z']);
    expect(tasks(r.effects)).toEqual(['-closed', '+postEvaluation.inProgress@safetyCommitteeOffice']);
    fails(() => d27.send(closed().state, 'startPostEvaluation', 'governmentLeader'), 'forbidden');
    const late = d27.fire(r.state, 'postEvaluation#evaluation', 'due', at('2027-04-28T16:00:00.000Z'));
    expect(late.state.data.evaluationOverdue).toBe(true);
  });

  it('requires findings and an accountability referral when measures were not implemented', () => {
    const s = postEvaluation().state;
    fails(() => d27.send(s, 'submitEvaluationReport', 'expert', { evaluationReportRef: '评估报告', measuresFoundImplemented: false }), 'guard_failed');
    const r = d27.send(s, 'submitEvaluationReport', 'assessmentAgency', {
      evaluationReportRef: '评估报告',
      measuresFoundImplemented: false,
      evaluationFindings: '气体检测报警装置未联网',
      reopenedConditions: ['measuresImplemented'],
      accountabilityReferred: true,
    });
    expect(r.state).toMatchObject({ value: { postEvaluation: 'reportDrafted' }, data: { reopenedConditions: ['measuresImplemented'], accountabilityReferred: true } });
  });

  it('returns the evaluation once, then publishes it and ends the case', () => {
    let r = d27.send(postEvaluation().state, 'submitEvaluationReport', 'safetyCommitteeOffice', { evaluationReportRef: '评估报告初稿', measuresFoundImplemented: true });
    expect(tasks(r.effects)).toEqual(['-postEvaluation.inProgress', '+postEvaluation.reportDrafted@governmentLeader']);
    r = d27.send(r.state, 'returnEvaluation', 'governmentLeader', { evaluationReturnComment: '补充现场核查情况' });
    expect(r.state.value).toEqual({ postEvaluation: 'inProgress' });
    r = d27.run(r.state, [
      ['submitEvaluationReport', 'safetyCommitteeOffice', { evaluationReportRef: '评估报告', measuresFoundImplemented: true }],
      ['publishEvaluation', 'governmentLeader', { evaluationPublicationUrl: 'https://www.example.gov.cn/pg/2027-1', evaluationPublishedOn: '2027-03-15' }],
    ]);
    expect(r.state).toMatchObject({ value: 'evaluated', status: 'done', data: { evaluationPublishedOn: '2027-03-15' } });
    expect(tasks(r.effects)).toEqual(['-postEvaluation.reportDrafted', 'done:evaluated']);
    expect(timers(r.effects).sort()).toEqual(['cancel postEvaluation#evaluation due', 'cancel postEvaluation#evaluation remind'].sort());
  });
});

describe('notifications (DOMAIN §7.4, §8.3)', () => {
  const notices = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'notify' ? [`${e.template}:${e.kind}→${e.to.map((t) => ('role' in t ? t.role : '?')).join(',')}`] : []));

  it('announces the listing', () => {
    const r = d.send(d.send(graded().state, 'proposeListing', 'safetyCommitteeOffice', P.listing).state, 'approveListing', 'safetyCommitteeLeader', P.notice);
    expect(notices(r.effects)).toEqual(['listing-published:info→governmentLeader,safetyCommitteeOffice,regulatorLeader']);
  });

  it('reminds the team and the office before the report is due, and alerts them when it is overdue', () => {
    let r = d.fire(investigating().state, REPORT_KEY, 'remind', at('2026-04-20T16:00:00.000Z'));
    expect(notices(r.effects)).toEqual(['due-soon:dueSoon→investigationTeamLead,safetyCommitteeOffice']);
    r = d.fire(r.state, REPORT_KEY, 'due', at('2026-05-01T16:00:00.000Z'));
    expect(notices(r.effects)).toEqual(['overdue:overdue→safetyCommitteeOffice,governmentLeader']);
  });

  it('tells the condition owners on approval and announces the completed handling', () => {
    expect(notices(handling().effects)).toEqual(['task-assigned:actionRequired→investigationTeamLead,regulatorReviewer,enterprisePrincipal']);
    const r = d.send(d.run(handling().state, CONFIRM_ALL).state, 'publishHandlingResult', 'governmentLeader', P.publish);
    expect(notices(r.effects)).toEqual(['gate-complete:info→safetyCommitteeOffice,governmentLeader']);
  });
});

describe('the whole case', () => {
  it('runs a listed accident from report to evaluated', () => {
    const steps: [Cmd, unknown][] = [
      [['reportAccident', 'enterprisePrincipal', P.report], { inquiry: { initialReport: 'pending', progress: 'reported', casualtyWindow: 'thirtyDays' } }],
      [['escalateReport', 'regulatorReviewer', { toLevel: 'city' }], { inquiry: { initialReport: 'pending', progress: 'reported', casualtyWindow: 'thirtyDays' } }],
      [['escalateReport', 'regulatorReviewer', { toLevel: 'province' }], { inquiry: { initialReport: 'pending', progress: 'reported', casualtyWindow: 'thirtyDays' } }],
      [['computeGrade', 'system'], { inquiry: { initialReport: 'pending', progress: 'gradingProvisional', casualtyWindow: 'thirtyDays' } }],
      [['proposeListing', 'safetyCommitteeOffice', P.listing], { inquiry: { initialReport: 'pending', progress: 'listingProposed', casualtyWindow: 'thirtyDays' } }],
      [['approveListing', 'safetyCommitteeLeader', P.notice], { inquiry: { initialReport: 'pending', progress: 'listed', casualtyWindow: 'thirtyDays' } }],
      [['formTeam', 'governmentLeader', P.team, T_TEAM], { inquiry: { initialReport: 'pending', progress: { investigating: 'working' }, casualtyWindow: 'thirtyDays' } }],
      [['startAppraisal', 'investigationTeamLead', P.appraisal, at('2026-03-20T02:00:00.000Z')], { inquiry: { initialReport: 'pending', progress: { investigating: 'appraisal' }, casualtyWindow: 'thirtyDays' } }],
      [['endAppraisal', 'investigationTeamLead', { appraisalReportRef: 'R' }, at('2026-03-30T02:00:00.000Z')], { inquiry: { initialReport: 'pending', progress: { investigating: 'working' }, casualtyWindow: 'thirtyDays' } }],
      [['submitDraftReport', 'investigationTeamLead', draftPayload, at('2026-04-15T02:00:00.000Z')], { inquiry: { initialReport: 'pending', progress: { investigating: 'draftReview' }, casualtyWindow: 'thirtyDays' } }],
      [['approveDraft', 'safetyCommitteeOffice', {}, at('2026-04-18T02:00:00.000Z')], { inquiry: { initialReport: 'pending', progress: { investigating: 'draftApproved' }, casualtyWindow: 'thirtyDays' } }],
      [['submitReport', 'investigationTeamLead', finalReport, T_SUBMIT], 'approving'],
      [['approve', 'governmentLeader', P.approve, T_APPROVED], 'approved'],
      [['spawnHandling', 'system', {}, T_APPROVED], expect.objectContaining({ handling: expect.anything() })],
      ...CONFIRM_ALL.map((c): [Cmd, unknown] => [c, expect.anything()]),
      [['publishHandlingResult', 'governmentLeader', P.publish], 'handled'],
      [['requestDelisting', 'governmentLeader', { closurePackage: ['结案材料'] }], 'delistingRequested'],
      [['delist', 'safetyCommitteeLeader', { delistingPublicationUrl: 'https://yjt.example.gov.cn/zp' }], 'delisted'],
      [['closeCase', 'governmentLeader', { filingRef: '备案8号' }], 'closed'],
      [['startPostEvaluation', 'system'], { postEvaluation: 'inProgress' }],
      [['submitEvaluationReport', 'expert', { evaluationReportRef: '评估报告', measuresFoundImplemented: true }], { postEvaluation: 'reportDrafted' }],
      [['publishEvaluation', 'governmentLeader', { evaluationPublicationUrl: 'https://www.example.gov.cn/pg', evaluationPublishedOn: '2027-04-01' }], 'evaluated'],
    ];
    let state = d27.start({}, T_REPORT).state;
    let closedHazards = 0;
    for (const [[type, who, payload, when], value] of steps) {
      state = d27.send(state, type, who, payload ?? {}, when ?? T_APPROVED).state;
      expect(state.value, type).toEqual(value);
      if (type === 'spawnHandling') {
        // The hazard cases of the corrective measures end closed before the gate can confirm the measures.
        closedHazards = state.children?.length ?? 0;
        state = hazardsClosed({ state, effects: [], payload: {} }).state;
      }
    }
    expect(state.status).toBe('done');
    expect(state.seq).toBe(steps.length + 1 + closedHazards);
  });

  it.each([
    ['dismissed', () => d.send(reported().state, 'dismiss', 'governmentLeader', { dismissReason: 'duplicateReport', dismissNote: '重复报告' }).state],
    ['evaluated', () => d27.run(postEvaluation().state, [
      ['submitEvaluationReport', 'expert', { evaluationReportRef: 'r', measuresFoundImplemented: true }],
      ['publishEvaluation', 'governmentLeader', { evaluationPublicationUrl: 'https://x.example.cn/p', evaluationPublishedOn: '2027-04-01' }],
    ]).state],
  ])('%s absorbs every event with case_closed', (name, reach) => {
    const s = reach();
    expect(s).toMatchObject({ value: name, status: 'done', deadlines: [] });
    const everyone = as(...accidentWorkflow.roles);
    for (const type of [...Object.keys(accidentWorkflow.events), 'bogus', 'deadline.extend']) fails(() => d.direct(s, { type, payload: {}, actor: everyone }), 'case_closed');
  });
});

describe('issue 9 corrections (493号令)', () => {
  it('493号令 第九条、第三十五条: a company report more than 1 hour after the accident is flagged 迟报', () => {
    // The fixture's report came at 10:00, 1.5 hours after the accident.
    expect(reported().state.data).toMatchObject({ lateReport: true, reportDelayHours: 1.5 });
    const onTime = d.send(draft().state, 'reportAccident', 'regulatorReviewer', { ...P.report, reportedAt: '2026-03-02T09:00:00+08:00' }, T_REPORT);
    expect(onTime.state.data).toMatchObject({ lateReport: false, reportDelayHours: 0.5 });
    const late = d.send(draft().state, 'reportAccident', 'regulatorReviewer', { ...P.report, reportedAt: '2026-03-02T11:00:00+08:00' }, at('2026-03-02T04:00:00.000Z'));
    expect(late.state.data).toMatchObject({ lateReport: true, reportDelayHours: 2.5, reportedAt: '2026-03-02T11:00:00+08:00' });
    // Before the accident, or in the future: refused.
    fails(() => d.send(draft().state, 'reportAccident', 'regulatorReviewer', { ...P.report, reportedAt: '2026-03-02T08:00:00+08:00' }, T_REPORT), 'guard_failed');
    fails(() => d.send(draft().state, 'reportAccident', 'regulatorReviewer', { ...P.report, reportedAt: '2026-03-03T08:00:00+08:00' }, T_REPORT), 'guard_failed');
  });

  it('493号令 第三十六条: a later discovery records 瞒报 or 谎报 and tells the leaders', () => {
    const r = d.send(investigatingUnlisted().state, 'recordConcealment', 'inspector', { concealment: 'concealed', concealmentFindings: '隐瞒2人死亡', concealmentDiscoveredVia: 'tipOff' });
    expect(r.state.data).toMatchObject({ concealment: 'concealed', concealmentDiscoveredVia: 'tipOff', concealmentRecordedAt: T_REPORT.toISOString() });
    expect(r.effects.some((e) => e.type === 'notify')).toBe(true);
    fails(() => d.send(investigatingUnlisted().state, 'recordConcealment', 'enterprisePrincipal', { concealment: 'falsified', concealmentFindings: 'x', concealmentDiscoveredVia: 'media' }), 'forbidden');
  });

  it('493号令 第十条: the team is formed only once the report reached the level the grade requires', () => {
    const low = d.send(d.send(reported().state, 'escalateReport', 'regulatorReviewer', { toLevel: 'city' }).state, 'computeGrade', 'system').state;
    expect(low.data.grade).toBe('serious');
    fails(() => d.send(low, 'formTeam', 'governmentLeader', P.team, T_TEAM), 'guard_failed');
    // After grading, the report can still be sent up (补报 to the required level).
    const up = d.send(low, 'escalateReport', 'regulatorLeader', { toLevel: 'province' });
    expect(up.state.data.reportLevels).toEqual(['city', 'province']);
    expect(d.send(up.state, 'formTeam', 'governmentLeader', P.team, T_TEAM).state.value).toMatchObject({ inquiry: { progress: { investigating: 'working' } } });
  });

  it('493号令 第二十条: a raised grade moves the investigation to the higher government as a linked hand-over', () => {
    const s = investigatingUnlisted({ deaths: 2 }).state;
    fails(() => d.send(s, 'escalateInvestigation', 'governmentLeader', { escalatedToOrg: 'city-x', escalationReason: '升级' }), 'guard_failed');
    const raised = d.send(s, 'updateCasualties', 'inspector', { deaths: 4, seriousInjuries: 0, directLossCny: 0 }).state;
    expect(raised.data).toMatchObject({ gradeRaised: true, grade: 'serious', investigatingLevel: 'city' });
    const r = d.send(raised, 'escalateInvestigation', 'governmentLeader', { escalatedToOrg: 'city-x', escalationReason: '死亡人数升至4人，升级为较大事故' });
    expect(r.state).toMatchObject({ value: 'investigationEscalated', status: 'done' });
    const spawnEffect = r.effects.find((e) => e.type === 'spawn-case') as Extract<Effect, { type: 'spawn-case' }> | undefined;
    expect(spawnEffect).toMatchObject({ workflowId: 'accident', data: { escalatedFromCaseId: 'c1', deaths: 4, enterpriseName: P.report.enterpriseName } });
    expect(r.state.children?.[0]).toMatchObject({ workflowId: 'accident', finalState: null });
  });

  it('地方挂牌督办办法 and 两报告: timers for team formation (5 days), the listing decision and the initial written report', () => {
    const g = graded().state;
    expect(due(g)).toEqual(expect.arrayContaining(['inquiry.progress.gradingProvisional#teamFormation 2026-03-09 running', 'inquiry.initialReport.pending#initialReport 2026-03-17 running']));
    const late = d.fire(g, 'inquiry.progress.gradingProvisional#teamFormation', 'due', at('2026-03-09T16:00:00.000Z'));
    expect(late.state.data.teamFormationOverdue).toBe(true);
    const proposed = d.send(g, 'proposeListing', 'safetyCommitteeOffice', P.listing).state;
    expect(d.fire(proposed, 'inquiry.progress.listingProposed#listingDecision', 'due', at('2026-03-05T16:00:00.000Z')).state.data.listingDecisionOverdue).toBe(true);
    const overdue = d.fire(g, 'inquiry.initialReport.pending#initialReport', 'due', at('2026-03-17T16:00:00.000Z'));
    expect(overdue.state.data.initialReportOverdue).toBe(true);
    const sent = d.send(g, 'submitInitialReport', 'regulatorReviewer', { initialReportRef: '某安委办〔2026〕5号' });
    expect(sent.state.value).toMatchObject({ inquiry: { initialReport: 'submitted' } });
    expect(sent.state.deadlines.map((x) => x.key)).not.toContain('inquiry.initialReport.pending#initialReport');
  });

  it('民法典 第二百零三条: every day-count deadline of the workflow rolls over a rest day, and says so', () => {
    for (const node of wf.tree.nodes) for (const dl of node.def.deadlines ?? []) {
      if (/^P\d+[DY]$/.test(dl.duration)) expect({ id: dl.id, rollover: dl.rollover, basis: typeof dl.legalBasis === 'object' ? dl.legalBasis.zh : dl.legalBasis }).toMatchObject({ rollover: true, basis: expect.stringContaining('第二百零三条') });
    }
  });

  it('493号令 第三十二条、第三十三条: handling refers penalty and discipline and opens a linked hazard case per corrective measure', () => {
    const a = d.send(approving().state, 'approve', 'governmentLeader', { ...P.approve, penaltyReferralTo: '市应急管理局执法支队', disciplineReferralTo: '市纪委监委' }, T_APPROVED);
    const r = d.send(a.state, 'spawnHandling', 'system', {}, T_APPROVED);
    expect(r.state.data).toMatchObject({ penaltyReferralTo: '市应急管理局执法支队', penaltyReferredAt: T_APPROVED.toISOString(), disciplineReferredAt: T_APPROVED.toISOString() });
    const spawned = r.effects.filter((e) => e.type === 'spawn-case');
    // The penalty referral opens one enforcement case, then one hazard case per measure.
    expect(spawned.map((e) => e.workflowId)).toEqual(['enforcement', 'hazard', 'hazard']);
    expect(spawned[1]).toMatchObject({ workflowId: 'hazard', data: { description: `事故整改措施：${P.approve.correctiveMeasures[0]}` } });
    // Opened with the team (interview) and on approval (circular), then these.
    expect(r.state.children?.map((c) => c.workflowId)).toEqual(['interview', 'circular', 'enforcement', 'hazard', 'hazard']);
  });

  it('四不放过 (整改措施未落实不放过): the gate confirms the measures only once every linked hazard case is closed', () => {
    const s = d.run(spawned().state, CONFIRM.measuresImplemented.slice(0, 1)).state;
    const confirm = CONFIRM.measuresImplemented[1]!;
    expect(guardMessages(fails(() => d.send(s, confirm[0], confirm[1], confirm[2]), 'guard_failed'))).toEqual(['A hazard case opened for a corrective measure is not closed yet']);
    // One closed, one cancelled: still refused; the cancelled one is not a closed hazard.
    const [h1, h2] = s.children!.filter((c) => c.workflowId === 'hazard');
    let t = d.direct(s, { type: 'case.childDone', payload: { child: h1!.caseId, finalState: 'closed' }, actor: TIMER_ACTOR }, T_APPROVED).state;
    const cancelled = d.direct(t, { type: 'case.childDone', payload: { child: h2!.caseId, finalState: 'cancelled' }, actor: TIMER_ACTOR }, T_APPROVED).state;
    fails(() => d.send(cancelled, confirm[0], confirm[1], confirm[2]), 'guard_failed');
    t = d.direct(t, { type: 'case.childDone', payload: { child: h2!.caseId, finalState: 'closed' }, actor: TIMER_ACTOR }, T_APPROVED).state;
    const r = d.send(t, confirm[0], confirm[1], confirm[2]);
    expect(r.state.data).toMatchObject({ measuresImplementedStatus: 'confirmed', measuresImplementedConfirmedBy: 'u-inspector', measuresInspectionRecordNo: '某应急检〔2026〕77号' });
  });

  it('bars the closing of the case while a linked hazard case is open (the gate reads the children, not a typed id)', () => {
    const s = d.run(spawned().state, [...CONFIRM.causeIdentified, ...CONFIRM.responsiblePersonsHandled, ...CONFIRM.personnelEducated, CONFIRM.measuresImplemented[0]!]).state;
    expect(s.value).toMatchObject({ handling: { fourNoPass: { measuresImplemented: 'evidenceSubmitted' } } });
    expect(guardMessages(fails(() => d.send(s, 'closeCase', 'governmentLeader', { filingRef: 'F' }), 'guard_failed'))).toContain(OPEN.measuresImplemented);
  });
});

describe('follow-on cases opened as linked cases (issues 9, 10)', () => {
  const spawns = (r: StepResult) => r.effects.flatMap((e) => (e.type === 'spawn-case' ? [e] : []));

  it('安全生产约谈实施办法: forming the team for a 较大 or graver accident opens an interview of the enterprise at the regulator; a 一般 accident opens none', () => {
    const r = investigating();
    const [interview] = spawns(r);
    expect(spawns(r)).toHaveLength(1);
    expect(interview).toMatchObject({
      workflowId: 'interview', org: 'district-a', handOver: { rule: 'regulatorOf', named: 'district-a' },
      data: { intervieweeName: P.report.enterpriseName, intervieweeOrg: P.report.enterpriseId, source: 'accident', linkedCaseId: 'c1', legalBasis: expect.stringContaining('安委〔2018〕2号') },
    });
    expect(r.state.data.interviewOpenedAt).toBe(T_TEAM.toISOString());
    expect(r.state.children).toEqual([expect.objectContaining({ workflowId: 'interview', finalState: null, handOver: 'regulatorOf' })]);
    const general = investigatingUnlisted({ deaths: 1 });
    expect(spawns(general)).toEqual([]);
    expect(general.state.data.interviewOpenedAt).toBeUndefined();
    // A listed 一般 accident (e.g. a typical one) forms its team without an interview too.
    const g = d.run(graded({ deaths: 1 }).state, [['proposeListing', 'safetyCommitteeOffice', { listingTrigger: 'typicalGeneral' }], ['approveListing', 'safetyCommitteeLeader', P.notice]]).state;
    expect(spawns(d.send(g, 'formTeam', 'governmentLeader', P.team, T_TEAM))).toEqual([]);
  });

  it('493号令 第三十二条、第三十四条: approving the report opens the 事故警示通报 in drafting at the office, signed by people, never sent by a timer', () => {
    const r = approved();
    const [circular] = spawns(r);
    expect(circular).toMatchObject({
      workflowId: 'circular', org: 'district-a', handOver: { rule: 'regulatorOf', named: 'district-a' },
      data: { kind: 'cautionary', source: 'accident', linkedCaseId: 'c1', title: `关于${P.report.enterpriseName}生产安全事故的警示通报`, body: expect.stringContaining(P.approve.approvalDocNo) },
    });
    expect(r.state.data.circularOpenedAt).toBe(T_APPROVED.toISOString());
  });

  it('批复落实: a penalty referral opens an enforcement case linked to the accident; a discipline referral goes to the 纪检监察机关', () => {
    const noReferral = spawned();
    expect(spawns(noReferral).map((e) => e.workflowId)).toEqual(['hazard', 'hazard']);
    expect(noReferral.state.data).toMatchObject({ penaltyReferredAt: null, disciplineReferredAt: null, penaltyCaseOrgs: [] });
    const a = d.send(approving().state, 'approve', 'governmentLeader', { ...P.approve, penaltyReferralTo: '市应急管理局执法支队', disciplineReferralTo: '市纪委监委' }, T_APPROVED);
    const r = d.send(a.state, 'spawnHandling', 'system', {}, T_APPROVED);
    expect(spawns(r)[0]).toMatchObject({
      workflowId: 'enforcement', handOver: { rule: 'regulatorOf', named: 'district-a' },
      data: { partyName: P.report.enterpriseName, partyType: 'unit', source: 'accident', linkedCaseId: 'c1', violation: expect.stringContaining('市应急管理局执法支队') },
    });
    const recipients = r.effects.flatMap((e) => (e.type === 'notify' ? e.to.map((t) => ('role' in t ? t.role : '?')) : []));
    expect(recipients).toContain('supervisoryCommission');
    expect(noReferral.effects.flatMap((e) => (e.type === 'notify' ? e.to.map((t) => ('role' in t ? t.role : '?')) : []))).not.toContain('supervisoryCommission');
    // The enforcement case's decision comes back with its end.
    const child = r.state.children!.find((c) => c.workflowId === 'enforcement')!;
    const ended = d.direct(r.state, { type: 'case.childDone', payload: { child: child.caseId, finalState: 'closed', result: { fineAmount: 300000, decision: 'penalty', decisionNo: '某应急罚〔2026〕9号' } }, actor: TIMER_ACTOR }, T_APPROVED);
    expect(ended.state.children!.find((c) => c.workflowId === 'enforcement')).toMatchObject({ finalState: 'closed', result: { fineAmount: 300000, decisionNo: '某应急罚〔2026〕9号' } });
  });

  it('四不放过: the investigating government hands the follow-up to the local government once, as a linked four-no-pass case', () => {
    const s = handling().state;
    const payload = { fourNoPassOrg: 'district-b' };
    expect(guardMessages(fails(() => d.send(s, 'handOverFourNoPass', 'governmentLeader', { fourNoPassOrg: 'district-a' }), 'guard_failed'))[0]).toContain('handed over once');
    fails(() => d.send(s, 'handOverFourNoPass', 'inspector', payload), 'forbidden');
    const r = d.send(s, 'handOverFourNoPass', 'safetyCommitteeOffice', payload);
    expect(spawns(r)).toEqual([expect.objectContaining({ workflowId: 'four-no-pass', org: 'district-b', handOver: { rule: 'regulatorOf', named: 'district-b', scope: 'below' }, data: { accidentCaseId: 'c1', accidentName: `${P.report.enterpriseName}（${P.report.location}）生产安全事故` } })]);
    expect(r.state.data).toMatchObject({ fourNoPassOrg: 'district-b', fourNoPassHandedOverAt: T_REPORT.toISOString() });
    fails(() => d.send(r.state, 'handOverFourNoPass', 'governmentLeader', payload), 'guard_failed');
  });

  it('四不放过: the local case closing counts its conditions here; the measures wait for their hazard cases', () => {
    // Measures' hazard cases still open: the other three count, the measures stay open.
    const s = d.send(spawned().state, 'handOverFourNoPass', 'governmentLeader', { fourNoPassOrg: 'district-b' }).state;
    const local = s.children!.find((c) => c.workflowId === 'four-no-pass')!;
    const r = d.send(s, 'case.childDone', TIMER_ACTOR, { child: local.caseId, finalState: 'closed' });
    expect(r.state.value).toMatchObject({ handling: { fourNoPass: { causeIdentified: 'confirmed', responsiblePersonsHandled: 'confirmed', measuresImplemented: 'open', personnelEducated: 'confirmed' } } });
    expect(r.state.data).toMatchObject({ causeIdentifiedStatus: 'confirmed', measuresImplementedStatus: null });
    // With the hazard cases closed, the local case's end confirms all four.
    const closedHazards = s.children!.filter((c) => c.workflowId === 'hazard').reduce((acc, c) => d.direct(acc, { type: 'case.childDone', payload: { child: c.caseId, finalState: 'closed' }, actor: TIMER_ACTOR }).state, s);
    const all = d.send(closedHazards, 'case.childDone', TIMER_ACTOR, { child: local.caseId, finalState: 'closed' });
    expect(all.state.value).toMatchObject({ handling: { fourNoPass: Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [c, 'confirmed'])) } });
  });
});

// Runs last (vitest keeps declaration order within a file).
describe('coverage', () => {
  it('exercised every event transition of the definition', () => {
    const untaken = new Set(d27.untaken());
    expect(d.untaken().filter((k) => untaken.has(k)), d.untaken().join(' ')).toEqual([]);
  });
});
