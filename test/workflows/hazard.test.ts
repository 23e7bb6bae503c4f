import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock } from '../../engine/index.js';
import { supervisionAssignmentWorkflow, supervisionLetterWorkflow } from '../../workflows/supervision-letter.js';
import { interviewWorkflow } from '../../workflows/interview.js';
import { circularReceiptWorkflow, circularWorkflow } from '../../workflows/circular.js';
import { freshSqliteStore } from '../support/stores.js';
import { compileWorkflow } from '../../engine/core/compile.js';
import { decide } from '../../engine/core/decide.js';
import type { Effect } from '../../engine/core/effects.js';
import type { TransitionInfo } from '../../engine/core/state-tree.js';
import { initialStep, step, type StepResult } from '../../engine/core/step.js';
import { TIMER_ACTOR, type Actor, type CaseState, type Command } from '../../engine/core/types.js';
import { EngineError, formatPath, type GuardFailedError } from '../../engine/errors.js';
import { hazardWorkflow } from '../../workflows/hazard.js';
import { builtinWorkflows, hazardWorkflow as exported } from '../../workflows/index.js';
import { builtinStepEnv } from '../support/workflow-properties.js';
import { EXTENSION_LEAD, REWORK_LIMIT } from '../../workflows/hazard.js';
const EXTENSION_LEAD_TEXT = EXTENSION_LEAD.replace(' workdays', ' working days');

const wf = compileWorkflow(hazardWorkflow);
const env = builtinStepEnv();
const NOW = new Date('2026-03-02T02:00:00.000Z');
const ORG = 'district-a';
/** The value of a case in `active`: its handling state (rectifying has sub-states) and, by default, no listing. */
const W = (work: string, listing: string = 'unlisted') => ({ active: { work: work === 'rectifying' ? { rectifying: 'ongoing' } : work, listing } });
// `as('system')` is the engine's own actor: the role `system` counts only for `system:*` ids.
const as = (...roles: string[]): Actor => ({ id: roles.length === 1 && roles[0] === 'system' ? 'system:driver' : `u-${roles.join('+')}`, roles, org: ORG });

// ---------------------------------------------------------------------------
// Driving the workflow, and recording which declared transitions were taken.

const taken = new Set<string>();
const keyOf = (t: TransitionInfo) => formatPath(t.jsonPath);

function send(state: CaseState, type: string, role: string | Actor, payload: Record<string, unknown> = {}): StepResult {
  const actor = typeof role === 'string' ? as(role) : role;
  // `decide` reports every transition xstate took (the event's, then the automatic ones it led to).
  const r = decide(wf, state, { type, payload, actor }, NOW, env);
  // A signature that does not decide its task takes no transition; every other command must.
  if (r.transition === null && type !== 'task.sign') throw new Error(`no declared transition explains ${type}`);
  for (const path of r.transitions) taken.add(path);
  return r;
}

type Cmd = [type: string, role: string, payload?: Record<string, unknown>];
function run(state: CaseState, cmds: Cmd[]): StepResult {
  let r: StepResult | undefined;
  for (const [type, role, payload] of cmds) {
    r = send(r?.state ?? state, type, role, payload);
  }
  if (!r) throw new Error('no commands');
  return r;
}

function fails(fn: () => unknown, code: string): EngineError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe(code);
    return e as EngineError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** Task and closing effects in short form: `-draft`, `+reported@regulatorReviewer`, `done:closed`. */
function tasks(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'open-task' ? [`+${e.stateId}@${e.role}`] : e.type === 'close-task' ? [`-${e.stateId}`] : e.type === 'case-closed' ? [`done:${e.finalState}`] : []));
}

/** Timer effects in short form: `set reported#triage due 2026-03-05T15:59:59.999Z`, `cancel <timerKey>`. */
function timers(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'set-timer' ? [`set ${e.deadlineKey} ${e.kind} ${e.dueAt}`] : e.type === 'cancel-timer' ? [`cancel ${e.timerKey.split(':')[1]}`] : []));
}

/** Notify effects in short form: `template kind role@org,…` (a field recipient as `field=values`). */
function notices(effects: Effect[]): string[] {
  return effects.flatMap((e) =>
    e.type === 'notify' ? [`${e.template} ${e.kind} ${e.to.map((r) => ('role' in r ? `${r.role}@${r.org}` : 'user' in r ? r.user : `${r.field}=${r.values.join('|')}`)).join(',')}`] : [],
  );
}

/** The zh wording of a refused guard. */
function zhGuard(e: EngineError): string {
  const m = (e as GuardFailedError).guardMessage;
  return typeof m === 'string' ? m : (m?.zh ?? '');
}

function direct(state: CaseState, cmd: Command): StepResult {
  return step(wf, state, cmd, NOW, env);
}

// ---------------------------------------------------------------------------
// Payloads.

const TRANSFER = { transferOrg: 'zhujian-ju', transferTarget: '市住建局', transferReason: '在建工地，属住建部门监管' };
const P = {
  submit: {
    source: 'gridPatrol',
    location: '开发区纬三路12号 2号车间',
    gridId: 'G-0103',
    enterpriseId: 'E-1001',
    sector: '工贸',
    description: '粉尘涉爆车间除尘系统未设置泄爆装置',
    photos: ['files/p1.jpg'],
    foundAt: '2026-03-01T09:30:00+08:00',
    proposedGrade: 'major',
    hazardCategory: '粉尘防爆',
  },
  accept: { jurisdictionConfirmed: true, dedupeKey: 'E-1001/粉尘防爆/2号车间' },
  gradeGeneral: { grade: 'general', responsibleUnit: 'E-1001 设备科', rectificationDeadline: '2026-03-16' },
  gradeMajor: { grade: 'major', criteriaItemId: '工贸-粉尘-1', gradingEvidence: ['files/e1.pdf'], responsibleUnit: 'E-1001', rectificationDeadline: '2026-06-30' },
  order: { orderNo: '（2026）应急责改〔001〕号', orderDeadline: '2026-03-16', measures: '加装泄爆装置' },
  rectification: { rectificationEvidence: ['files/after.jpg'], rectificationCost: 12000, completedOn: '2026-03-10' },
  pass: { reinspectionOpinion: '整改到位，同意销号', signatures: ['张三', '李四'] },
  fail: (newDeadline: string) => ({ reinspectionOpinion: '泄爆口朝向人员通道，重新整改', newDeadline }),
  requirePlan: (suspendProduction: boolean) => ({ suspendProduction, planDeadline: '2026-03-16', ...(suspendProduction ? { suspensionScope: 'partial' } : {}) }),
  submitPlan: {
    hazardReport: { statusAndCause: '除尘系统无泄爆', harmAndDifficulty: '可能导致粉尘爆炸，需停线改造' },
    rectificationPlan: {
      objectivesAndTasks: '消除粉尘爆炸风险',
      methodsAndMeasures: '改造除尘系统',
      fundsAndMaterials: '专项资金50万元',
      responsibleOrgAndPersons: '设备科 王五',
      timeLimitAndRequirements: '2026年6月30日前完成',
      safetyAndEmergencyMeasures: '停线并落实应急预案',
    },
    interimControls: '停用2号车间',
    workersCongressReport: { reportedOn: '2026-03-12', summary: '已向职工代表大会报告隐患情况及治理方案，职工代表无异议' },
  },
  approvePlan: { approvedDeadline: '2026-06-30', approvalComment: '同意' },
  assessment: { assessorType: 'qualifiedAgency', assessorName: '某安全评价公司' },
  assessmentDone: { assessmentReport: 'files/assessment.pdf' },
  list: { name: 'E-1001粉尘防爆重大事故隐患', supervisedMatters: '除尘系统改造', deadline: '2026-06-30', delistingMethod: '验收合格后由安委会摘牌并公告' },
};

// ---------------------------------------------------------------------------
// Reaching each state.

const draft = () => initialStep(wf, { caseId: 'h1', org: ORG, data: {}, actor: as('gridOfficer') }, NOW, env);
const reported = () => send(draft().state, 'submit', 'gridOfficer', P.submit);
const accepted = () => send(reported().state, 'accept', 'townshipSafetyOffice', P.accept);
const generalGraded = (extra: Record<string, unknown> = {}) => send(accepted().state, 'grade', 'inspector', { ...P.gradeGeneral, ...extra });
const rectifyingGeneral = () => send(generalGraded().state, 'issueOrder', 'inspector', P.order);
const verifyingGeneral = () => send(rectifyingGeneral().state, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification);
const majorGraded = () => send(accepted().state, 'grade', 'expert', P.gradeMajor);
const planPending = (suspend = false) => send(majorGraded().state, 'requirePlan', 'regulatorLeader', P.requirePlan(suspend));
const planReview = (suspend = false) => send(planPending(suspend).state, 'submitPlan', 'enterprisePrincipal', P.submitPlan);
const rectifyingMajor = (suspend = false) => send(planReview(suspend).state, 'approvePlan', 'regulatorLeader', P.approvePlan);
const assessing = (suspend = false) =>
  run(rectifyingMajor(suspend).state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['startAssessment', 'enterprisePrincipal', P.assessment]]);
const resumptionApplicationPending = () => send(assessing(true).state, 'assessmentDone', 'assessmentAgency', P.assessmentDone);
const resumptionReview = () => send(resumptionApplicationPending().state, 'applyForResumption', 'enterprisePrincipal', { resumptionApplication: '恢复生产申请报告（附评估报告）' });
const listedMajor = () => run(rectifyingMajor().state, [['list', 'safetyCommitteeLeader', P.list], ['publishListing', 'safetyCommitteeOffice', { listingPublication: '市应急管理局网站 2026年第3号公告' }]]);

// ---------------------------------------------------------------------------

describe('hazard workflow definition', () => {
  it('compiles and is exported among the built-in workflows', () => {
    expect(wf.ref).toBe('hazard@2');
    expect(exported).toBe(hazardWorkflow);
    expect(builtinWorkflows).toContain(hazardWorkflow);
  });

  it('declares the states of DOMAIN §5.2, with the active ones under `active`', () => {
    expect(wf.tree.nodes.map((n) => n.id).sort()).toEqual(
      [
        'draft', 'selfRectifying', 'selfVerifying', 'reported', 'rejected', 'transferred', 'cancelled', 'closed', 'active',
        'active.listing', 'active.listing.unlisted', 'active.listing.publishing', 'active.listing.listed',
        'active.work', 'active.work.accepted', 'active.work.graded', 'active.work.generalGraded', 'active.work.majorGraded', 'active.work.planPending', 'active.work.planReview',
        'active.work.rectifying', 'active.work.rectifying.ongoing', 'active.work.rectifying.letterOpened', 'active.work.rectificationSubmitted', 'active.work.assessing', 'active.work.jointAcceptance',
        'active.work.resumptionApplicationPending', 'active.work.resumptionReview', 'active.work.verifying', 'active.work.delistingPending',
      ].sort(),
    );
    const finals = wf.tree.nodes.filter((n) => n.kind === 'final').map((n) => n.id);
    expect(finals.sort()).toEqual(['cancelled', 'closed', 'rejected', 'transferred']);
    expect(wf.tree.byId.get('closed')?.def.tags).toContain('closed');
  });

  it('gives every human state a task and every deadline an overdue handler run by system', () => {
    for (const node of wf.tree.nodes) {
      if (node.kind === 'final' || node.def.always) continue;
      if (node.kind === 'atomic' && node.id !== 'active.listing.unlisted') {
        expect(node.def.task, node.id).toBeDefined();
        expect(node.def.task!.title).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
      }
      for (const d of node.def.deadlines ?? []) {
        expect(node.def.tags, node.id).toContain('overdue-tracked');
        expect(d.legalBasis, `${node.id}.${d.id}`).toBeDefined();
        expect(['markOverdue', 'markListingOverdue']).toContain(d.onExpire);
        const handler = node.def.on?.[d.onExpire!];
        expect(handler && !Array.isArray(handler) && handler.roles).toEqual(['system']);
      }
    }
    const deadlines = Object.fromEntries(wf.tree.nodes.flatMap((n) => (n.def.deadlines ?? []).map((d) => [n.id, d])));
    expect(deadlines['reported']).toMatchObject({ duration: '3 workdays' });
    expect(deadlines['active.work.planPending']).toMatchObject({ duration: '10 workdays', remind: [{ before: '-3 workdays' }] });
    expect(deadlines['active.work.rectifying']).toMatchObject({ dueField: 'rectificationDue', remind: [{ before: '-3 workdays' }, { before: '-3 workdays', event: 'closeExtensionWindow' }] });
    expect(deadlines['active.work.verifying']).toMatchObject({ duration: 'P10D' });
    expect(deadlines['active.work.resumptionReview']).toMatchObject({ duration: 'P10D' });
  });

  it('lists every handled event in the catalogue with zh and en titles', () => {
    const handled = new Set(wf.tree.transitions.flatMap((t) => (t.event ? [t.event] : [])));
    expect(Object.keys(hazardWorkflow.events).sort()).toEqual([...handled].sort());
    for (const info of Object.values(hazardWorkflow.events)) expect(info.title).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
  });
});

describe('reporting and triage', () => {
  it('opens the draft task for a new case', () => {
    const r = draft();
    expect(r.state.value).toBe('draft');
    expect(tasks(r.effects)).toEqual(['+draft@enterpriseSafetyOfficer']);
  });

  it('submits a report, records it with zeroed counters and hands the case to triage', () => {
    const r = reported();
    expect(r.state.value).toBe('reported');
    expect(r.state.data).toMatchObject({ ...P.submit, reportedBy: 'u-gridOfficer', submittedAt: NOW.toISOString(), reworkCount: 0, extensionCount: 0, listed: false, suspended: false, overdue: false });
    expect(tasks(r.effects)).toEqual(['-draft', '+reported@regulatorReviewer']);
  });

  it('lets the system submit a tip-off case', () => {
    const r = send(draft().state, 'submit', 'system', { ...P.submit, source: 'tipOff', tipOffCaseId: 'T-2026-0042' });
    expect(r.state.data).toMatchObject({ source: 'tipOff', tipOffCaseId: 'T-2026-0042', reportedBy: 'system:driver' });
  });

  it('cancels a draft into the terminal cancelled state', () => {
    const r = send(draft().state, 'cancel', 'enterprisePrincipal', { cancelReason: '误报' });
    expect(r.state).toMatchObject({ value: 'cancelled', status: 'done', data: { cancelReason: '误报' } });
    expect(tasks(r.effects)).toEqual(['-draft', 'done:cancelled']);
  });

  it('rejects a report with a reason code', () => {
    const r = send(reported().state, 'reject', 'regulatorReviewer', { rejectReason: 'duplicate', duplicateOf: 'H-2026-0007' });
    expect(r.state).toMatchObject({ value: 'rejected', status: 'done', data: { rejectReason: 'duplicate', duplicateOf: 'H-2026-0007' } });
    expect(tasks(r.effects)).toEqual(['-reported', 'done:rejected']);
    const e = fails(() => direct(reported().state, { type: 'reject', payload: { rejectReason: 'boring' }, actor: as('regulatorReviewer') }), 'invalid_input');
    expect(e.issues?.[0]?.path).toEqual(['payload', 'rejectReason']);
  });

  it('DOMAIN §5.2 移交: ends as transferred and opens a linked case at the receiving regulator, which starts in triage', () => {
    const r = send(reported().state, 'transfer', 'townshipSafetyOffice', TRANSFER);
    expect(r.state).toMatchObject({ value: 'transferred', status: 'done', data: { transferOrg: 'zhujian-ju', transferTarget: '市住建局', transferOrgs: ['zhujian-ju'] } });
    const spawned = r.effects.filter((e) => e.type === 'spawn-case');
    expect(spawned).toHaveLength(1);
    const child = spawned[0]!;
    expect(child).toMatchObject({ workflowId: 'hazard', parentCaseId: 'h1', handOver: { rule: 'regulatorOf', named: 'zhujian-ju' } });
    expect(child.type === 'spawn-case' && child.data).toMatchObject({ ...P.submit, transferredFromCaseId: 'h1', transferredFromOrg: ORG, transferReason: TRANSFER.transferReason, reportedBy: 'u-gridOfficer' });
    expect(r.state.children).toMatchObject([{ caseId: child.type === 'spawn-case' ? child.childCaseId : '', workflowId: 'hazard' }]);
    // The receiving body's case starts in triage there, with the report as sent.
    const received = initialStep(wf, { caseId: 'h2', org: 'zhujian-ju', data: child.type === 'spawn-case' ? child.data : {}, actor: TIMER_ACTOR }, NOW, env);
    expect(received.state.value).toBe('reported');
    expect(tasks(received.effects)).toContain('+reported@regulatorReviewer');
    taken.add('states.draft.always');
    fails(() => direct(reported().state, { type: 'transfer', payload: { transferTarget: '市住建局' }, actor: as('townshipSafetyOffice') }), 'invalid_input');
  });

  it('accepts a report within the jurisdiction and refuses it otherwise', () => {
    const r = accepted();
    expect(r.state.value).toEqual(W('accepted'));
    expect(r.state.data).toMatchObject({ dedupeKey: P.accept.dedupeKey, acceptedBy: 'u-townshipSafetyOffice', acceptedAt: NOW.toISOString() });
    expect(tasks(r.effects)).toEqual(['-reported', '+active.work.accepted@inspector']);
    fails(() => send(reported().state, 'accept', 'regulatorReviewer', { ...P.accept, jurisdictionConfirmed: false }), 'guard_failed');
  });

  it('refuses actors without the step roles', () => {
    const e = fails(() => send(draft().state, 'submit', 'expert', P.submit), 'forbidden');
    expect(e.details.roles).toEqual(['enterpriseSafetyOfficer', 'enterprisePrincipal', 'gridOfficer', 'inspector', 'system']);
    fails(() => send(reported().state, 'accept', 'inspector', P.accept), 'forbidden');
    fails(() => send(reported().state, 'reject', 'gridOfficer', { rejectReason: 'notAHazard' }), 'forbidden');
    fails(() => send(draft().state, 'cancel', 'system', { cancelReason: 'x' }), 'forbidden');
  });

  it('rejects a payload that is missing fields, has unknown ones or a bad date', () => {
    const { photos: _photos, ...noPhotos } = P.submit;
    expect(fails(() => send(draft().state, 'submit', 'gridOfficer', noPhotos), 'invalid_input').issues?.[0]?.path).toEqual(['payload', 'photos']);
    fails(() => send(draft().state, 'submit', 'gridOfficer', { ...P.submit, photos: [] }), 'invalid_input');
    fails(() => send(draft().state, 'submit', 'gridOfficer', { ...P.submit, foundAt: '2026-03-01' }), 'invalid_input');
    fails(() => send(draft().state, 'submit', 'gridOfficer', { ...P.submit, secret: 1 }), 'invalid_input');
    fails(() => send(draft().state, 'submit', 'gridOfficer'), 'invalid_input');
  });

  it('names the accepted events when an event does not apply', () => {
    expect(fails(() => send(draft().state, 'pass', 'inspector', P.pass), 'invalid_transition').details.accepted).toEqual(['cancel', 'submit']);
    expect(fails(() => send(reported().state, 'list', 'safetyCommitteeLeader', P.list), 'invalid_transition').details.accepted).toEqual(['accept', 'markOverdue', 'reject', 'transfer']);
    expect(fails(() => send(accepted().state, 'issueOrder', 'inspector', P.order), 'invalid_transition').details.accepted).toEqual(['grade', 'issueWarning', 'list']);
  });
});

describe('grading', () => {
  it('routes a general hazard through the transient graded state', () => {
    const r = generalGraded({ fixedOnSpot: true });
    expect(r.state.value).toEqual(W('generalGraded'));
    expect(r.state.data).toMatchObject({ grade: 'general', fixedOnSpot: true, responsibleUnit: P.gradeGeneral.responsibleUnit, gradedBy: 'u-inspector' });
    expect(tasks(r.effects)).toEqual(['-active.work.accepted', '+active.work.generalGraded@inspector']);
  });

  it('requires the criteria item and evidence for a major hazard', () => {
    const { criteriaItemId: _c, ...noCriteria } = P.gradeMajor;
    fails(() => send(accepted().state, 'grade', 'expert', noCriteria), 'guard_failed');
    fails(() => send(accepted().state, 'grade', 'expert', { ...P.gradeMajor, gradingEvidence: undefined }), 'guard_failed');
    const r = majorGraded();
    expect(r.state.value).toEqual(W('majorGraded'));
    expect(r.state.data).toMatchObject({ grade: 'major', criteriaItemId: P.gradeMajor.criteriaItemId });
    expect(tasks(r.effects)).toEqual(['-active.work.accepted', '+active.work.majorGraded@inspector']);
  });

  it('refuses an unknown grade and a grader without the role', () => {
    fails(() => send(accepted().state, 'grade', 'inspector', { ...P.gradeGeneral, grade: 'severe' }), 'invalid_input');
    fails(() => send(accepted().state, 'grade', 'regulatorLeader', P.gradeGeneral), 'forbidden');
  });
});

describe('general hazard', () => {
  it('runs order → rectification → re-inspection → closed', () => {
    let r = rectifyingGeneral();
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data).toMatchObject({ orderNo: P.order.orderNo, orderDeadline: '2026-03-16', rectificationDue: '2026-03-16' });
    expect(tasks(r.effects)).toEqual(['-active.work.generalGraded', '+active.work.rectifying.ongoing@enterpriseSafetyOfficer']);
    r = send(r.state, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification);
    expect(r.state.value).toEqual(W('verifying'));
    expect(tasks(r.effects)).toEqual(['-active.work.rectifying.ongoing', '+active.work.verifying@inspector']);
    r = send(r.state, 'pass', 'gridOfficer', P.pass);
    expect(r.state).toMatchObject({ value: 'closed', status: 'done', data: { reinspectionOpinion: P.pass.reinspectionOpinion, closedAt: NOW.toISOString() } });
    expect(tasks(r.effects)).toEqual(['-active.work.verifying', 'done:closed']);
  });

  it(`DOMAIN §5.3 退回重新整改: counts the rework and alerts the leaders once it reaches the limit (${REWORK_LIMIT})`, () => {
    let r = verifyingGeneral();
    r = send(r.state, 'fail', 'inspector', P.fail('2026-03-31'));
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data).toMatchObject({ reworkCount: 1, rectificationDue: '2026-03-31' });
    expect(tasks(r.effects)).toEqual(['-active.work.verifying', '+active.work.rectifying.ongoing@enterpriseSafetyOfficer']);
    expect(notices(r.effects).filter((n) => n.startsWith('rework-escalated'))).toEqual([]);
    r = run(r.state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['fail', 'inspector', P.fail('2026-04-15')]]);
    expect(r.state.data).toMatchObject({ reworkCount: 2, rectificationDue: '2026-04-15' });
    expect(notices(r.effects).filter((n) => n.startsWith('rework-escalated'))).toEqual([`rework-escalated escalated regulatorLeader@${ORG},safetyCommitteeLeader@${ORG}`]);
    r = run(r.state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['pass', 'inspector', P.pass]]);
    expect(r.state).toMatchObject({ value: 'closed', data: { reworkCount: 2 } });
    fails(() => send(verifyingGeneral().state, 'fail', 'gridOfficer', P.fail('2026-03-31')), 'forbidden');
    fails(() => send(verifyingGeneral().state, 'fail', 'inspector', { reinspectionOpinion: 'x' }), 'invalid_input');
  });

  it('verifies an on-the-spot fix and closes it', () => {
    let r = send(generalGraded({ fixedOnSpot: true }).state, 'fixOnSpot', 'inspector', { photosBefore: ['b.jpg'], photosAfter: ['a.jpg'] });
    expect(r.state.value).toEqual(W('verifying'));
    expect(tasks(r.effects)).toEqual(['-active.work.generalGraded', '+active.work.verifying@inspector']);
    r = send(r.state, 'pass', 'inspector', P.pass);
    expect(r.state.value).toBe('closed');
  });

  it('refuses an on-the-spot fix that grading did not record', () => {
    fails(() => send(generalGraded().state, 'fixOnSpot', 'inspector', { photosBefore: ['b.jpg'], photosAfter: ['a.jpg'] }), 'guard_failed');
    fails(() => send(generalGraded({ fixedOnSpot: false }).state, 'fixOnSpot', 'inspector', { photosBefore: ['b.jpg'], photosAfter: ['a.jpg'] }), 'guard_failed');
    fails(() => send(generalGraded({ fixedOnSpot: true }).state, 'fixOnSpot', 'inspector', { photosBefore: ['b.jpg'] }), 'invalid_input');
  });

  it('checks the rectification report', () => {
    const s = rectifyingGeneral().state;
    fails(() => send(s, 'submitRectification', 'enterprisePrincipal', P.rectification), 'forbidden');
    fails(() => send(s, 'submitRectification', 'enterpriseSafetyOfficer', { ...P.rectification, rectificationCost: -1 }), 'invalid_input');
    fails(() => send(s, 'submitRectification', 'enterpriseSafetyOfficer', { ...P.rectification, completedOn: '2026-02-30' }), 'invalid_input');
    fails(() => send(s, 'issueOrder', 'inspector', P.order), 'invalid_transition');
  });
});

describe('major hazard', () => {
  it('runs plan → review (returned once) → rectification → assessment → re-inspection → closed without suspension', () => {
    let r = planPending(false);
    expect(r.state.value).toEqual(W('planPending'));
    expect(r.state.data).toMatchObject({ suspended: false, planDeadline: '2026-03-16' });
    expect(tasks(r.effects)).toEqual(['-active.work.majorGraded', '+active.work.planPending@enterprisePrincipal']);
    r = send(r.state, 'submitPlan', 'enterprisePrincipal', P.submitPlan);
    expect(r.state.value).toEqual(W('planReview'));
    expect(tasks(r.effects)).toEqual(['-active.work.planPending', '+active.work.planReview@regulatorLeader']);
    r = send(r.state, 'returnPlan', 'regulatorReviewer', { returnComments: '补充应急预案', planDeadline: '2026-03-23' });
    expect(r.state.value).toEqual(W('planPending'));
    expect(r.state.data).toMatchObject({ returnComments: '补充应急预案', planDeadline: '2026-03-23' });
    expect(r.state.deadlines).toMatchObject([{ key: 'active.work.planPending#planSubmission', dueDate: '2026-03-23' }]);
    r = run(r.state, [['submitPlan', 'enterprisePrincipal', P.submitPlan], ['approvePlan', 'regulatorLeader', P.approvePlan]]);
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data).toMatchObject({ approvedDeadline: '2026-06-30', rectificationDue: '2026-06-30', rectificationPlan: P.submitPlan.rectificationPlan });
    r = send(r.state, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification);
    expect(r.state.value).toEqual(W('rectificationSubmitted'));
    expect(tasks(r.effects)).toEqual(['-active.work.rectifying.ongoing', '+active.work.rectificationSubmitted@enterprisePrincipal']);
    fails(() => send(r.state, 'startAssessment', 'inspector', P.assessment), 'forbidden');
    r = send(r.state, 'startAssessment', 'enterprisePrincipal', P.assessment);
    expect(r.state.value).toEqual(W('assessing'));
    expect(tasks(r.effects)).toEqual(['-active.work.rectificationSubmitted', '+active.work.assessing@expert']);
    r = send(r.state, 'assessmentDone', 'expert', P.assessmentDone);
    expect(r.state.value).toEqual(W('jointAcceptance'));
    // 联合验收 (会签): each department signs; the last signature closes the case through the system's jointAccepted.
    expect(tasks(r.effects)).toEqual(['-active.work.assessing', '+active.work.jointAcceptance@inspector', '+active.work.jointAcceptance@regulatorReviewer', '+active.work.jointAcceptance@safetyCommitteeOffice']);
    fails(() => send(r.state, 'jointAccepted', 'regulatorLeader'), 'system_only_event');
    r = send(r.state, 'task.sign', 'inspector', { task: 'active.work.jointAcceptance', decision: 'approve', comment: '现场核查合格' });
    r = send(r.state, 'task.sign', 'regulatorReviewer', { task: 'active.work.jointAcceptance', decision: 'approve' });
    expect(r.state.value).toEqual(W('jointAcceptance'));
    r = send(r.state, 'task.sign', 'safetyCommitteeOffice', { task: 'active.work.jointAcceptance', decision: 'approve' });
    expect(r.state).toMatchObject({ value: 'closed', status: 'done', data: { rectificationAccepted: true, jointAcceptedAt: NOW.toISOString() } });
  });

  it('联合验收: one department refusing sends the major hazard back to rectification', () => {
    let r = send(assessing().state, 'assessmentDone', 'expert', P.assessmentDone);
    r = send(r.state, 'task.sign', 'regulatorReviewer', { task: 'active.work.jointAcceptance', decision: 'reject', comment: '除尘系统未完成改造' });
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data.reworkCount).toBe(1);
  });

  it('安全生产法 第四十一条: records the report of a major hazard to the 职工代表大会 with the plan, and refuses the plan without it', () => {
    const r = planReview();
    expect(r.state.data.workersCongressReport).toEqual(P.submitPlan.workersCongressReport);
    const { workersCongressReport: _w, ...noCongress } = P.submitPlan;
    const e = fails(() => send(planPending().state, 'submitPlan', 'enterprisePrincipal', noCongress), 'invalid_input');
    expect(e.issues?.[0]?.path).toEqual(['payload', 'workersCongressReport']);
  });

  it('16号令 第二十二条、第二十三条: a stopped major hazard waits for the written application to resume; the 10-day review runs from its receipt', () => {
    let r = planPending(true);
    expect(r.state.data).toMatchObject({ suspended: true, suspensionScope: 'partial' });
    r = resumptionApplicationPending();
    expect(r.state.value).toEqual(W('resumptionApplicationPending'));
    expect(tasks(r.effects)).toEqual(['-active.work.assessing', '+active.work.resumptionApplicationPending@enterprisePrincipal']);
    expect(r.state.deadlines).toEqual([]);
    // The application arrives later: the clock starts at its receipt, not at the assessment.
    const later = new Date('2026-03-20T02:00:00.000Z');
    const applied = step(wf, r.state, { type: 'applyForResumption', payload: { resumptionApplication: '恢复生产申请报告（附评估报告）' }, actor: as('enterprisePrincipal') }, later, env);
    taken.add('states.active.states.work.states.resumptionApplicationPending.on.applyForResumption');
    expect(applied.state.value).toEqual(W('resumptionReview'));
    expect(applied.state.data).toMatchObject({ resumptionApplicationReceivedAt: later.toISOString() });
    expect(applied.state.deadlines.map((d) => `${d.key} ${d.dueDate}`)).toEqual(['active.work.resumptionReview#resumptionReview 2026-03-30']);
    // A receipt recorded by the office counts from that time.
    const received = send(r.state, 'applyForResumption', 'enterprisePrincipal', { resumptionApplication: '书面申请', receivedAt: '2026-03-03T09:00:00+08:00' });
    expect(received.state.deadlines.map((d) => d.dueDate)).toEqual(['2026-03-13']);
  });

  it('runs a suspended major hazard through resumption review, denied once then approved', () => {
    let r = resumptionReview();
    expect(r.state.value).toEqual(W('resumptionReview'));
    expect(tasks(r.effects)).toEqual(['-active.work.resumptionApplicationPending', '+active.work.resumptionReview@regulatorLeader']);
    r = send(r.state, 'denyResumption', 'regulatorLeader', { defects: ['泄爆片未检测'], newDeadline: '2026-07-15' });
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data).toMatchObject({ defects: ['泄爆片未检测'], rectificationDue: '2026-07-15', reworkCount: 1, suspended: true });
    r = run(r.state, [
      ['submitRectification', 'enterpriseSafetyOfficer', P.rectification],
      ['startAssessment', 'enterpriseSafetyOfficer', { assessorType: 'ownExperts', assessorName: '企业技术负责人及专家组' }],
      ['assessmentDone', 'expert', P.assessmentDone],
      ['applyForResumption', 'enterprisePrincipal', { resumptionApplication: '再次申请恢复生产' }],
    ]);
    expect(r.state.value).toEqual(W('resumptionReview'));
    r = send(r.state, 'approveResumption', 'regulatorLeader', { onSiteReviewRecord: '现场审查合格' });
    expect(r.state).toMatchObject({ value: 'closed', status: 'done', data: { suspended: false, resumptionApprovedAt: NOW.toISOString(), closedAt: NOW.toISOString() } });
    expect(tasks(r.effects)).toEqual(['-active.work.resumptionReview', 'done:closed']);
  });

  it('checks the plan, its six elements and who reviews it', () => {
    const { fundsAndMaterials: _f, ...fiveElements } = P.submitPlan.rectificationPlan;
    const e = fails(() => send(planPending().state, 'submitPlan', 'enterprisePrincipal', { ...P.submitPlan, rectificationPlan: fiveElements }), 'invalid_input');
    expect(e.issues?.[0]?.path).toEqual(['payload', 'rectificationPlan', 'fundsAndMaterials']);
    fails(() => send(planPending().state, 'submitPlan', 'enterpriseSafetyOfficer', P.submitPlan), 'forbidden');
    fails(() => send(planReview().state, 'approvePlan', 'regulatorReviewer', P.approvePlan), 'forbidden');
    fails(() => send(planReview().state, 'returnPlan', 'regulatorLeader', { returnComments: 'x', planDeadline: '2026-03-23' }), 'forbidden');
    fails(() => send(planReview().state, 'returnPlan', 'regulatorReviewer', { returnComments: 'x' }), 'invalid_input');
    fails(() => send(majorGraded().state, 'requirePlan', 'regulatorLeader', {}), 'invalid_input');
    fails(() => send(majorGraded().state, 'requirePlan', 'enterprisePrincipal', P.requirePlan(false)), 'forbidden');
    fails(() => send(assessing().state, 'assessmentDone', 'inspector', P.assessmentDone), 'forbidden');
    fails(() => send(resumptionReview().state, 'denyResumption', 'regulatorLeader', { defects: [], newDeadline: '2026-07-15' }), 'invalid_input');
    fails(() => send(resumptionReview().state, 'approveResumption', 'inspector', { onSiteReviewRecord: 'x' }), 'forbidden');
    fails(() => send(resumptionApplicationPending().state, 'applyForResumption', 'inspector', { resumptionApplication: 'x' }), 'forbidden');
  });

  it('本地规定 重大事故隐患治理期限最长1年: refuses a plan deadline past one year from the determination', () => {
    expect(majorGraded().state.data.majorCap).toBe('2027-03-02');
    const e = fails(() => send(planReview().state, 'approvePlan', 'regulatorLeader', { approvedDeadline: '2027-03-03' }), 'guard_failed');
    expect(zhGuard(e)).toContain('1年');
    expect(send(planReview().state, 'approvePlan', 'regulatorLeader', { approvedDeadline: '2027-03-02' }).state.value).toEqual(W('rectifying'));
  });
});

describe('self-check hazards (企业自查)', () => {
  const selfReport = { ...P.submit, source: 'selfCheck', proposedGrade: 'general', rectificationDeadline: '2026-03-09' };
  const selfRectifying = () => send(draft().state, 'submit', 'enterpriseSafetyOfficer', selfReport);

  it('16号令 第十五条: a general hazard of the company\'s own check is rectified, verified and closed by the company', () => {
    let r = selfRectifying();
    expect(r.state.value).toBe('selfRectifying');
    expect(r.state.data).toMatchObject({ grade: 'general', rectificationDue: '2026-03-09', responsibleUnit: P.submit.enterpriseId, reportedBy: 'u-enterpriseSafetyOfficer' });
    expect(tasks(r.effects)).toEqual(['-draft', '+selfRectifying@enterpriseSafetyOfficer']);
    expect(r.state.deadlines.map((d) => `${d.key} ${d.dueDate}`)).toEqual(['selfRectifying#selfRectification 2026-03-09']);
    r = send(r.state, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification);
    expect(r.state.value).toBe('selfVerifying');
    r = send(r.state, 'selfReject', 'enterprisePrincipal', { selfVerificationRecord: '警示标识未更新', newDeadline: '2026-03-11' });
    expect(r.state).toMatchObject({ value: 'selfRectifying', data: { reworkCount: 1, rectificationDue: '2026-03-11' } });
    r = run(r.state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['selfVerify', 'enterprisePrincipal', { selfVerificationRecord: '经验收整改到位' }]]);
    expect(r.state).toMatchObject({ value: 'closed', status: 'done', data: { selfClosed: true, selfVerifiedBy: 'u-enterprisePrincipal', closedAt: NOW.toISOString() } });
    // No regulator acceptance, grading or re-inspection on the way.
    expect(r.state.data.acceptedAt ?? null).toBeNull();
    expect(r.state.data.gradedBy ?? null).toBeNull();
    expect(r.state.data.reinspectionOpinion ?? null).toBeNull();
  });

  it('16号令 第十五条: the company must set its own deadline; a self-check major hazard, and other sources, go to the regulator', () => {
    const { rectificationDeadline: _d, ...noDeadline } = selfReport;
    const e = fails(() => send(draft().state, 'submit', 'enterpriseSafetyOfficer', noDeadline), 'guard_failed');
    expect(zhGuard(e)).toContain('整改期限');
    expect(send(draft().state, 'submit', 'enterpriseSafetyOfficer', { ...selfReport, proposedGrade: 'major' }).state.value).toBe('reported');
    expect(send(draft().state, 'submit', 'enterpriseSafetyOfficer', { ...selfReport, source: 'inspection' }).state.value).toBe('reported');
    fails(() => send(draft().state, 'submit', 'gridOfficer', selfReport), 'guard_failed');
  });

  it('16号令 第二十条: the regulator sees the record, may spot-check it and take it over into regulator grading', () => {
    let r = send(selfRectifying().state, 'spotCheck', 'inspector', { spotCheckRecord: '抽查现场，整改正在进行' });
    expect(r.state).toMatchObject({ value: 'selfRectifying', data: { spotCheckRecord: '抽查现场，整改正在进行', spotCheckedBy: 'u-inspector' } });
    r = send(r.state, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification);
    r = send(r.state, 'spotCheck', 'inspector', { spotCheckRecord: '抽查验收资料' });
    expect(r.state.value).toBe('selfVerifying');
    fails(() => send(r.state, 'spotCheck', 'enterprisePrincipal', { spotCheckRecord: 'x' }), 'forbidden');
    const taken = send(r.state, 'takeOver', 'inspector', { takeOverReason: '抽查发现整改不到位' });
    expect(taken.state.value).toEqual(W('accepted'));
    expect(tasks(taken.effects)).toEqual(['-selfVerifying', '+active.work.accepted@inspector']);
    const early = send(selfRectifying().state, 'takeOver', 'inspector', { takeOverReason: '隐患可能为重大事故隐患' });
    expect(early.state.value).toEqual(W('accepted'));
  });

  it('flags a company deadline overdue without leaving the state', () => {
    const r = send(selfRectifying().state, 'markOverdue', 'system', { deadlineId: 'selfRectification' });
    expect(r.state).toMatchObject({ value: 'selfRectifying', data: { overdue: true, overdueDeadline: 'selfRectification' } });
  });
});

describe('listing (挂牌督办)', () => {
  it('16号令 第二十条: lists a major hazard with its own deadline, a publication clock and a publication record', () => {
    let r = send(rectifyingMajor().state, 'list', 'safetyCommitteeLeader', P.list);
    expect(r.state.value).toEqual(W('rectifying', 'publishing'));
    expect(r.state.data).toMatchObject({ listed: true, listingName: P.list.name, supervisedMatters: P.list.supervisedMatters, listingDeadline: P.list.deadline, delistingMethod: P.list.delistingMethod, listedAt: NOW.toISOString() });
    expect(tasks(r.effects)).toEqual(['+active.listing.publishing@safetyCommitteeOffice']);
    expect(r.state.deadlines.map((d) => `${d.key} ${d.dueDate}`)).toContain('active.listing.publishing#listingPublication 2026-03-09');
    r = send(r.state, 'publishListing', 'safetyCommitteeOffice', { listingPublication: '市应急管理局网站 2026年第3号公告' });
    expect(r.state.value).toEqual(W('rectifying', 'listed'));
    expect(r.state.data).toMatchObject({ listingPublication: '市应急管理局网站 2026年第3号公告', listingPublishedAt: NOW.toISOString() });
    expect(notices(r.effects)).toContain(`listing-published info ${['enterprisePrincipal', 'enterpriseSafetyOfficer', 'regulatorLeader', 'safetyCommitteeLeader'].map((x) => `${x}@${ORG}`).join(',')}`);
    expect(r.state.deadlines.map((d) => `${d.key} ${d.dueDate} ${d.status}`)).toContain('active.listing.listed#listing 2026-06-30 running');
    const overdue = send(r.state, 'markListingOverdue', 'system', { deadlineId: 'listing' });
    expect(overdue.state.data).toMatchObject({ listingOverdue: true, listingOverdueDeadline: 'listing', overdue: false });
    const late = send(send(rectifyingMajor().state, 'list', 'safetyCommitteeLeader', P.list).state, 'markListingOverdue', 'system', { deadlineId: 'listingPublication' });
    expect(late.state.data).toMatchObject({ listingOverdue: true, listingOverdueDeadline: 'listingPublication' });
  });

  it('16号令 第二十三条: a listed hazard is written off only after delisting (摘牌) and its publication', () => {
    let r = run(listedMajor().state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['startAssessment', 'enterprisePrincipal', P.assessment], ['assessmentDone', 'expert', P.assessmentDone]]);
    const sign = (role: string) => ['task.sign', role, { task: 'active.work.jointAcceptance', decision: 'approve' }] as Cmd;
    r = run(r.state, [sign('inspector'), sign('regulatorReviewer'), sign('safetyCommitteeOffice')]);
    expect(r.state.value).toEqual(W('delistingPending', 'listed'));
    expect(r.state.data).toMatchObject({ rectificationAccepted: true });
    expect(r.state.data.closedAt ?? null).toBeNull();
    expect(tasks(r.effects)).toEqual(['-active.work.jointAcceptance', '-active.work.jointAcceptance', '-active.work.jointAcceptance', '-active.work.jointAcceptance', '+active.work.delistingPending@safetyCommitteeLeader']);

    fails(() => send(r.state, 'delist', 'safetyCommitteeLeader', { delistingNotice: '同意摘牌' }), 'invalid_input');
    r = send(r.state, 'delist', 'safetyCommitteeLeader', { delistingNotice: '经验收合格，同意摘牌', delistingPublication: '市应急管理局网站 2026年第9号公告' });
    expect(r.state).toMatchObject({ value: 'closed', data: { delisted: true, delistedAt: NOW.toISOString(), delistingPublication: '市应急管理局网站 2026年第9号公告', closedAt: NOW.toISOString() } });
    expect(notices(r.effects)[0]).toBe(`delisting-published info ${['enterprisePrincipal', 'enterpriseSafetyOfficer', 'regulatorLeader', 'safetyCommitteeLeader'].map((x) => `${x}@${ORG}`).join(',')}`);
    // An unlisted hazard closes without a delisting, and its closing text claims none.
    const closed = send(verifyingGeneral().state, 'pass', 'inspector', P.pass);
    expect(closed.state.data).toMatchObject({ listed: false });
    expect(closed.state.data.delisted ?? null).toBeNull();
    expect(JSON.stringify(hazardWorkflow.states.closed)).not.toContain('摘牌');
  });

  it('a stopped, listed major hazard approved for resumption waits for delisting too', () => {
    const r = run(rectifyingMajor(true).state, [
      ['list', 'safetyCommitteeLeader', P.list],
      ['submitRectification', 'enterpriseSafetyOfficer', P.rectification],
      ['startAssessment', 'enterprisePrincipal', P.assessment],
      ['assessmentDone', 'expert', P.assessmentDone],
      ['applyForResumption', 'enterprisePrincipal', { resumptionApplication: '恢复生产申请' }],
      ['approveResumption', 'regulatorLeader', { onSiteReviewRecord: '现场审查合格' }],
    ]);
    expect(r.state.value).toEqual(W('delistingPending', 'publishing'));
    expect(r.state.data).toMatchObject({ suspended: false, rectificationAccepted: true });
  });

  it('refuses a general hazard, a second listing, other roles and an incomplete listing notice', () => {
    const e = fails(() => send(accepted().state, 'list', 'safetyCommitteeLeader', P.list), 'guard_failed');
    expect(zhGuard(e)).toContain('重大事故隐患');
    fails(() => send(rectifyingGeneral().state, 'list', 'safetyCommitteeLeader', P.list), 'guard_failed');
    fails(() => send(listedMajor().state, 'list', 'safetyCommitteeLeader', P.list), 'invalid_transition');
    fails(() => send(majorGraded().state, 'list', 'regulatorLeader', P.list), 'forbidden');
    fails(() => send(majorGraded().state, 'list', 'safetyCommitteeLeader', { ...P.list, delistingMethod: undefined }), 'invalid_input');
    expect(send(majorGraded().state, 'list', 'safetyCommitteeLeader', P.list).state.value).toEqual(W('majorGraded', 'publishing'));
  });
});

describe('escalation of an overdue major hazard (DOMAIN §4.2, §5.4)', () => {
  const key = 'active.work.rectifying#rectification';
  const overdue = (r: StepResult) => {
    const due = direct(r.state, { type: 'deadline.due', payload: { deadline: key, index: 0, generation: 0 }, actor: TIMER_ACTOR });
    const first = direct(due.state, { type: 'deadline.escalate', payload: { deadline: key, index: 0, generation: 0 }, actor: TIMER_ACTOR });
    return direct(first.state, { type: 'deadline.escalate', payload: { deadline: key, index: 1, generation: 0 }, actor: TIMER_ACTOR });
  };

  it('16号令 第二十条 督办: 10 working days past the deadline a major hazard opens a supervision letter (督办函), a linked case at the regulator naming the responsible unit', () => {
    const r = overdue(rectifyingMajor());
    taken.add('states.active.states.work.states.rectifying.states.ongoing.on.openSupervisionLetter[0]');
    expect(r.state.value).toEqual({ active: { work: { rectifying: 'letterOpened' }, listing: 'unlisted' } });
    expect(notices(r.effects)).toContain(`escalated escalated regulatorLeader@${ORG},safetyCommitteeLeader@${ORG}`);
    const spawned = r.effects.filter((e) => e.type === 'spawn-case');
    expect(spawned).toHaveLength(1);
    expect(spawned[0]).toMatchObject({ workflowId: 'supervision-letter', parentCaseId: 'h1', handOver: { rule: 'regulatorOf', named: ORG } });
    expect(spawned[0]!.type === 'spawn-case' && spawned[0]!.data).toMatchObject({ linkedCaseIds: ['h1'], proposedUnit: P.gradeMajor.responsibleUnit, proposedUnitOrg: ORG, matters: expect.stringContaining(P.submit.description) });
    // The rectification clock keeps running (the state is not left), and the company's task stays.
    expect(r.state.deadlines.map((d) => `${d.key} ${d.status}`)).toEqual([`${key} overdue`]);
    expect(tasks(r.effects)).toEqual(['-active.work.rectifying.ongoing', '+active.work.rectifying.letterOpened@enterpriseSafetyOfficer']);
    // Submitting the rectification leaves the letter state as any other.
    expect(send(r.state, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification).state.value).toEqual(W('rectificationSubmitted'));
  });

  it('a general hazard is escalated to the leaders without a letter', () => {
    const r = overdue(rectifyingGeneral());
    taken.add('states.active.states.work.states.rectifying.states.ongoing.on.openSupervisionLetter[1]');
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data).toMatchObject({ escalatedAt: NOW.toISOString() });
    expect(r.effects.filter((e) => e.type === 'spawn-case')).toEqual([]);
    fails(() => send(rectifyingGeneral().state, 'openSupervisionLetter', 'inspector'), 'system_only_event');
  });

  const escalate = (r: StepResult, index: number) => direct(r.state, { type: 'deadline.escalate', payload: { deadline: key, index, generation: 0 }, actor: TIMER_ACTOR });
  const spawnedOf = (r: StepResult) => r.effects.flatMap((e) => (e.type === 'spawn-case' ? [e] : []));

  it('issue 10 约谈、通报: still not rectified 15 working days past the deadline, an interview of the responsible unit; 20, a circular; both linked cases at the regulator', () => {
    for (const ev of ['openInterview', 'openCircular']) for (const i of [0, 1]) taken.add(`states.active.states.work.states.rectifying.on.${ev}[${i}]`);
    const letter = overdue(rectifyingMajor());
    const interview = escalate(letter, 2);
    expect(notices(interview.effects)).toContain(`escalated escalated regulatorLeader@${ORG},safetyCommitteeLeader@${ORG}`);
    expect(spawnedOf(interview)).toMatchObject([{ workflowId: 'interview', handOver: { rule: 'regulatorOf', named: ORG } }]);
    expect(spawnedOf(interview)[0]!.data).toMatchObject({ intervieweeOrg: P.submit.enterpriseId, intervieweeName: P.gradeMajor.responsibleUnit, source: 'hazardOverdue', linkedCaseId: 'h1', matters: [expect.stringContaining(P.gradeMajor.responsibleUnit)] });
    expect(interview.state.data.interviewOpenedAt).toBe(NOW.toISOString());
    const circular = escalate(interview, 3);
    expect(spawnedOf(circular)).toMatchObject([{ workflowId: 'circular', handOver: { rule: 'regulatorOf', named: ORG } }]);
    expect(spawnedOf(circular)[0]!.data).toMatchObject({ kind: 'criticism', source: 'hazardOverdue', linkedCaseId: 'h1', criticisedUnits: [P.gradeMajor.responsibleUnit], title: expect.stringContaining('逾期未整改') });
    // The hazard keeps its letter, interview and circular as children; the company's task stays.
    expect(circular.state.children!.map((c) => c.workflowId)).toEqual(['supervision-letter', 'interview', 'circular']);
    expect(circular.state.value).toEqual({ active: { work: { rectifying: 'letterOpened' }, listing: 'unlisted' } });
    // A general hazard opens neither.
    const general = overdue(rectifyingGeneral());
    expect(spawnedOf(escalate(escalate(general, 2), 3))).toEqual([]);
    fails(() => send(rectifyingMajor().state, 'openInterview', 'regulatorLeader'), 'system_only_event');
  });

  it(`issue 10: a major hazard returned for rework a ${REWORK_LIMIT}nd time opens an interview, a ${REWORK_LIMIT + 1}rd a circular, later ones neither`, () => {
    // A major hazard's rectification is accepted jointly (联合验收): one department refusing returns it for rework.
    const acceptingMajor = (from: StepResult) => run(from.state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['startAssessment', 'enterprisePrincipal', P.assessment], ['assessmentDone', 'assessmentAgency', P.assessmentDone]]);
    const refuse = (from: StepResult) => send(acceptingMajor(from).state, 'task.sign', 'regulatorReviewer', { task: 'active.work.jointAcceptance', decision: 'reject', comment: '除尘系统未完成改造' });
    let r = refuse(rectifyingMajor());
    expect(r.state.value).toEqual(W('rectifying'));
    expect(spawnedOf(r)).toEqual([]);
    r = refuse(r);
    expect(r.state.data.reworkCount).toBe(REWORK_LIMIT);
    expect(spawnedOf(r)).toMatchObject([{ workflowId: 'interview', data: { source: 'hazardRework', linkedCaseId: 'h1' } }]);
    r = refuse(r);
    expect(spawnedOf(r)).toMatchObject([{ workflowId: 'circular', data: { kind: 'criticism', linkedCaseId: 'h1' } }]);
    r = refuse(r);
    expect(spawnedOf(r)).toEqual([]);
    expect(r.state.children!.map((c) => c.workflowId)).toEqual(['interview', 'circular']);
    // The same ladder when resumption is refused.
    let d = send(resumptionReview().state, 'denyResumption', 'regulatorLeader', { defects: ['泄爆片未检测'], newDeadline: '2026-07-15' });
    const again = (x: StepResult) => run(x.state, [
      ['submitRectification', 'enterpriseSafetyOfficer', P.rectification],
      ['startAssessment', 'enterpriseSafetyOfficer', { assessorType: 'ownExperts', assessorName: '企业技术负责人及专家组' }],
      ['assessmentDone', 'expert', P.assessmentDone],
      ['applyForResumption', 'enterprisePrincipal', { resumptionApplication: '再次申请恢复生产' }],
      ['denyResumption', 'regulatorLeader', { defects: ['仍未检测'], newDeadline: '2026-08-15' }],
    ]);
    d = again(d);
    expect(spawnedOf(d)).toMatchObject([{ workflowId: 'interview' }]);
    d = again(d);
    expect(spawnedOf(d)).toMatchObject([{ workflowId: 'circular' }]);
  });

});

describe('extension of the rectification deadline', () => {
  const request = { extensionReason: '设备到货延迟', requestedDeadline: '2026-04-10' };

  it('records a request in place, then a denial', () => {
    let r = send(rectifyingGeneral().state, 'requestExtension', 'enterprisePrincipal', request);
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data).toMatchObject({ extensionRequested: true, ...request, rectificationDue: '2026-03-16' });
    expect(notices(r.effects)).toEqual([`task-assigned actionRequired regulatorLeader@${ORG}`]);
    fails(() => send(r.state, 'requestExtension', 'enterpriseSafetyOfficer', request), 'guard_failed');
    r = send(r.state, 'denyExtension', 'regulatorLeader', { extensionDenyReason: '理由不充分' });
    expect(r.state.data).toMatchObject({ extensionRequested: false, extensionDenyReason: '理由不充分', rectificationDue: '2026-03-16', extensionCount: 0 });
    expect(r.effects).toEqual([]);
  });

  it('grants the requested date and restarts the rectification clock', () => {
    let r = send(rectifyingGeneral().state, 'requestExtension', 'enterpriseSafetyOfficer', request);
    r = send(r.state, 'grantExtension', 'regulatorLeader');
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data).toMatchObject({ extensionRequested: false, rectificationDue: '2026-04-10', extensionCount: 1 });
    expect(tasks(r.effects)).toEqual(['-active.work.rectifying.ongoing', '+active.work.rectifying.ongoing@enterpriseSafetyOfficer']);
    r = send(r.state, 'requestExtension', 'enterpriseSafetyOfficer', { ...request, requestedDeadline: '2026-05-10' });
    r = send(r.state, 'grantExtension', 'regulatorLeader', { grantedDeadline: '2026-04-30' });
    expect(r.state.data).toMatchObject({ rectificationDue: '2026-04-30', extensionCount: 2 });
  });

  it(`本地规定 延期须在期限届满前申请: a request arriving less than ${EXTENSION_LEAD_TEXT} before the deadline is refused`, () => {
    const s = rectifyingGeneral().state;
    const key = 'active.work.rectifying#rectification';
    // The second reminder rung closes the window, 3 working days before the due date.
    const dl = s.deadlines[0]!;
    const first = direct(s, { type: 'deadline.remind', payload: { deadline: key, index: 0, generation: dl.generation }, actor: TIMER_ACTOR });
    const closed = direct(first.state, { type: 'deadline.remind', payload: { deadline: key, index: 1, generation: dl.generation }, actor: TIMER_ACTOR });
    taken.add('states.active.states.work.states.rectifying.on.closeExtensionWindow');
    expect(closed.state.data).toMatchObject({ extensionWindowClosed: true });
    const e = fails(() => send(closed.state, 'requestExtension', 'enterpriseSafetyOfficer', request), 'guard_failed');
    expect(zhGuard(e)).toContain('3个工作日前');
    expect(send(s, 'closeExtensionWindow', 'system').state.data).toMatchObject({ extensionWindowClosed: true });
    // A date not later than the current deadline is no extension.
    fails(() => send(s, 'requestExtension', 'enterpriseSafetyOfficer', { ...request, requestedDeadline: '2026-03-16' }), 'guard_failed');
  });

  it('本地规定 重大事故隐患治理期限最长1年: an extension of a major hazard cannot pass one year from its determination', () => {
    const s = rectifyingMajor().state;
    fails(() => send(s, 'requestExtension', 'enterprisePrincipal', { ...request, requestedDeadline: '2027-03-03' }), 'guard_failed');
    const pending = send(s, 'requestExtension', 'enterprisePrincipal', { ...request, requestedDeadline: '2027-03-02' }).state;
    fails(() => send(pending, 'grantExtension', 'regulatorLeader', { grantedDeadline: '2027-04-01' }), 'guard_failed');
    expect(send(pending, 'grantExtension', 'regulatorLeader').state.data).toMatchObject({ rectificationDue: '2027-03-02' });
    // A general hazard has no such cap.
    expect(send(rectifyingGeneral().state, 'requestExtension', 'enterprisePrincipal', { ...request, requestedDeadline: '2027-06-30' }).state.data.extensionRequested).toBe(true);
  });

  it('refuses a decision without a pending request, and the wrong roles', () => {
    const s = rectifyingGeneral().state;
    fails(() => send(s, 'grantExtension', 'regulatorLeader'), 'guard_failed');
    fails(() => send(s, 'denyExtension', 'regulatorLeader', { extensionDenyReason: 'x' }), 'guard_failed');
    fails(() => send(s, 'requestExtension', 'inspector', request), 'forbidden');
    const pending = send(s, 'requestExtension', 'enterpriseSafetyOfficer', request).state;
    fails(() => send(pending, 'grantExtension', 'regulatorReviewer'), 'forbidden');
    fails(() => send(pending, 'requestExtension', 'enterpriseSafetyOfficer', { extensionReason: 'x' }), 'invalid_input');
  });

  it('drops a pending request when the rectification is submitted', () => {
    const pending = send(rectifyingGeneral().state, 'requestExtension', 'enterpriseSafetyOfficer', request).state;
    expect(send(pending, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification).state.data.extensionRequested).toBe(false);
  });
});

describe('deadlines', () => {
  const due = (r: StepResult) => r.state.deadlines.map((d) => `${d.key} ${d.dueDate} ${d.status}`);

  it('starts the triage clock of 3 working days on report and stops it on acceptance', () => {
    const r = reported();
    expect(due(r)).toEqual(['reported#triage 2026-03-05 running']);
    expect(timers(r.effects)).toEqual([expect.stringMatching(/^set reported#triage due /)]);
    const a = send(r.state, 'accept', 'regulatorReviewer', P.accept);
    expect(a.state.deadlines).toEqual([]);
    expect(a.effects.filter((e) => e.type === 'cancel-timer')).toHaveLength(1);
  });

  it('runs the plan clock to the ordered date and the rectification clock to the order deadline, with a due-soon reminder', () => {
    const plan = planPending();
    expect(due(plan)).toEqual(['active.work.planPending#planSubmission 2026-03-16 running']);
    expect(timers(plan.effects).map((t) => t.split(' ').slice(0, 3).join(' ')).sort()).toEqual(['set active.work.planPending#planSubmission due', 'set active.work.planPending#planSubmission remind']);
    const r = rectifyingGeneral();
    expect(due(r)).toEqual(['active.work.rectifying#rectification 2026-03-16 running']);
    expect(timers(r.effects).map((t) => t.split(' ')[2]).sort()).toEqual(['due', 'remind']);
  });

  it('安全生产违法行为行政处罚办法 复查10日: a submitted rectification starts the re-inspection clock at once, with no inspector action', () => {
    const r = verifyingGeneral();
    expect(due(r)).toEqual(['active.work.verifying#verification 2026-03-12 running']);
    expect(r.state.deadlines[0]).toMatchObject({ startedAt: NOW.toISOString() });
    expect(timers(r.effects).filter((t) => t.startsWith('set'))).toEqual([expect.stringMatching(/^set active\.work\.verifying#verification due /)]);
  });

  it('gives re-inspection and resumption review 10 days', () => {
    expect(due(verifyingGeneral())).toEqual(['active.work.verifying#verification 2026-03-12 running']);
    expect(due(resumptionReview())).toEqual(['active.work.resumptionReview#resumptionReview 2026-03-12 running']);
  });

  it('moves the rectification clock when an extension is granted', () => {
    const pending = send(rectifyingGeneral().state, 'requestExtension', 'enterpriseSafetyOfficer', { extensionReason: '设备到货延迟', requestedDeadline: '2026-04-10' });
    expect(due(pending)).toEqual(['active.work.rectifying#rectification 2026-03-16 running']);
    const granted = send(pending.state, 'grantExtension', 'regulatorLeader');
    expect(due(granted)).toEqual(['active.work.rectifying#rectification 2026-04-10 running']);
    expect(granted.effects.filter((e) => e.type === 'cancel-timer')).toHaveLength(2);
  });

  it('flags the case overdue when the timer service reports the deadline due', () => {
    const before = rectifyingGeneral().state;
    const dl = before.deadlines[0]!;
    const r = direct(before, { type: 'deadline.due', payload: { deadline: dl.key, index: 0, generation: dl.generation }, actor: TIMER_ACTOR });
    expect(r.state.value).toEqual(W('rectifying'));
    expect(r.state.data).toMatchObject({ overdue: true, overdueDeadline: null });
    expect(due(r)).toEqual(['active.work.rectifying#rectification 2026-03-16 overdue']);
  });

  const states: [string, () => StepResult, string][] = [
    ['reported', reported, 'triage'],
    ['planPending', () => planPending(), 'planSubmission'],
    ['rectifying', rectifyingGeneral, 'rectification'],
    ['verifying', verifyingGeneral, 'verification'],
    ['resumptionReview', resumptionReview, 'resumptionReview'],
  ];
  it.each(states)('flags %s overdue without leaving it', (_name, reach, deadlineId) => {
    const before = reach().state;
    const r = send(before, 'markOverdue', { id: 'system:timer', roles: ['system'] }, { deadlineId });
    expect(r.state.value).toEqual(before.value);
    expect(r.state.data).toMatchObject({ overdue: true, overdueDeadline: deadlineId });
    expect(r.effects).toEqual([]);
    fails(() => send(before, 'markOverdue', 'inspector', { deadlineId }), 'system_only_event');
  });

  it('accepts an expiry without a payload', () => {
    expect(send(reported().state, 'markOverdue', 'system').state.data).toMatchObject({ overdue: true, overdueDeadline: null });
  });

  it('is not accepted where no deadline runs', () => {
    fails(() => send(accepted().state, 'markOverdue', 'system'), 'invalid_transition');
    fails(() => send(draft().state, 'markOverdue', 'system'), 'invalid_transition');
  });
});

describe('final states', () => {
  const finals: [string, () => CaseState][] = [
    ['cancelled', () => send(draft().state, 'cancel', 'gridOfficer', { cancelReason: 'x' }).state],
    ['rejected', () => send(reported().state, 'reject', 'regulatorReviewer', { rejectReason: 'notAHazard' }).state],
    ['transferred', () => send(reported().state, 'transfer', 'regulatorReviewer', TRANSFER).state],
    ['closed', () => send(verifyingGeneral().state, 'pass', 'inspector', P.pass).state],
  ];
  it.each(finals)('%s absorbs every event with case_closed', (name, reach) => {
    const s = reach();
    expect(s).toMatchObject({ value: name, status: 'done' });
    const everyone = as(...hazardWorkflow.roles);
    for (const type of [...Object.keys(hazardWorkflow.events), 'bogus']) fails(() => direct(s, { type, payload: {}, actor: everyone }), 'case_closed');
  });
});

describe('notifications (DOMAIN §5.6)', () => {
  const at = (...roles: string[]) => roles.map((r) => `${r}@${ORG}`).join(',');

  it('tells the task role of each human state it enters, but not the draft author', () => {
    expect(notices(draft().effects)).toEqual([]);
    expect(notices(reported().effects)).toEqual([`task-assigned actionRequired ${at('regulatorReviewer', 'townshipSafetyOffice')}`]);
    expect(notices(accepted().effects)).toEqual([`task-assigned actionRequired ${at('inspector')}`]);
    expect(notices(generalGraded().effects)).toEqual([`task-assigned actionRequired ${at('inspector')}`]);
    expect(notices(rectifyingGeneral().effects)).toEqual([`task-assigned actionRequired ${at('enterprisePrincipal', 'enterpriseSafetyOfficer')}`]);
    expect(notices(planPending().effects)).toEqual([`task-assigned actionRequired ${at('enterprisePrincipal', 'enterpriseSafetyOfficer')}`]);
    expect(notices(planReview().effects)).toEqual([`task-assigned actionRequired ${at('regulatorLeader')}`]);
    expect(notices(assessing().effects)).toEqual([`task-assigned actionRequired ${at('expert', 'assessmentAgency')}`]);
    expect(notices(resumptionReview().effects)).toEqual([`task-assigned actionRequired ${at('regulatorLeader')}`]);
    expect(notices(verifyingGeneral().effects)).toEqual([`task-assigned actionRequired ${at('inspector')}`]);
    for (const e of reported().effects) if (e.type === 'notify') expect(e.vars.data).toMatchObject({ description: P.submit.description });
  });

  it('also tells the safety committee of a major hazard, for listing', () => {
    expect(notices(majorGraded().effects)).toEqual([`task-assigned actionRequired ${at('inspector')}`, `task-assigned info ${at('safetyCommitteeLeader')}`]);
  });

  it('tells the reporter of rejection, transfer and write-off', () => {
    expect(notices(send(reported().state, 'reject', 'regulatorReviewer', { rejectReason: 'notAHazard' }).effects)).toEqual(['rejected info reportedBy=u-gridOfficer']);
    expect(notices(send(reported().state, 'transfer', 'regulatorReviewer', TRANSFER).effects)).toEqual(['transferred info reportedBy=u-gridOfficer']);
    expect(notices(send(verifyingGeneral().state, 'pass', 'inspector', P.pass).effects)).toEqual([`case-closed closed reportedBy=u-gridOfficer,${at('enterpriseSafetyOfficer')}`]);
  });

  it('sends due-soon before, overdue at and the escalation ladder after the rectification deadline', () => {
    let s = rectifyingGeneral().state;
    const key = 'active.work.rectifying#rectification';
    const remind = direct(s, { type: 'deadline.remind', payload: { deadline: key, index: 0, generation: 0 }, actor: TIMER_ACTOR });
    expect(notices(remind.effects)).toEqual([`due-soon dueSoon ${at('enterpriseSafetyOfficer')}`]);
    const due = direct(remind.state, { type: 'deadline.due', payload: { deadline: key, index: 0, generation: 0 }, actor: TIMER_ACTOR });
    expect(notices(due.effects)).toEqual([`overdue overdue ${at('enterpriseSafetyOfficer')}`]);
    const overdueNotice = due.effects.find((e) => e.type === 'notify');
    expect(overdueNotice?.type === 'notify' && overdueNotice.vars.deadline).toMatchObject({ key, status: 'overdue', dueDate: '2026-03-16' });
    expect(timers(due.effects).filter((t) => t.startsWith('set'))).toEqual([`set ${key} escalate 2026-03-19T16:00:00.000Z`]);
    s = due.state;
    const first = direct(s, { type: 'deadline.escalate', payload: { deadline: key, index: 0, generation: 0 }, actor: TIMER_ACTOR });
    expect(notices(first.effects)).toEqual([`reminder-letter escalated ${at('enterprisePrincipal', 'enterpriseSafetyOfficer')}`]);
    const second = direct(first.state, { type: 'deadline.escalate', payload: { deadline: key, index: 1, generation: 0 }, actor: TIMER_ACTOR });
    expect(notices(second.effects)).toEqual([`escalated escalated ${at('regulatorLeader', 'safetyCommitteeLeader')}`]);
  });

  it('escalates an overdue regulator deadline to the superior', () => {
    const r = reported().state;
    const due = direct(r, { type: 'deadline.due', payload: { deadline: 'reported#triage', index: 0, generation: 0 }, actor: TIMER_ACTOR });
    expect(notices(due.effects)).toEqual([`overdue overdue ${at('regulatorReviewer')}`]);
    const esc = direct(due.state, { type: 'deadline.escalate', payload: { deadline: 'reported#triage', index: 0, generation: 0 }, actor: TIMER_ACTOR });
    expect(notices(esc.effects)).toEqual([`escalated escalated ${at('regulatorLeader')}`]);
  });

  it('sends an acknowledged warning for a major hazard along the chain principal → grid officer → township office', () => {
    const r = send(planPending().state, 'issueWarning', 'inspector', { warning: '强降雨，停用2号车间并撤离人员' });
    expect(r.state.value).toEqual(W('planPending'));
    expect(r.state.data).toMatchObject({ lastWarning: '强降雨，停用2号车间并撤离人员', warnedAt: NOW.toISOString(), warningCount: 1 });
    const [warning] = r.effects;
    expect(warning).toMatchObject({
      type: 'notify',
      template: 'acknowledged-warning',
      kind: 'acknowledgedWarning',
      to: [{ role: 'enterprisePrincipal', org: ORG }],
      ack: { within: 'PT30M', chain: [[{ role: 'gridOfficer', org: ORG }], [{ role: 'townshipSafetyOffice', org: ORG }]] },
    });
    expect(send(r.state, 'issueWarning', 'system', { warning: '再次预警' }).state.data.warningCount).toBe(2);
    fails(() => send(rectifyingGeneral().state, 'issueWarning', 'inspector', { warning: 'x' }), 'guard_failed');
    fails(() => send(planPending().state, 'issueWarning', 'enterprisePrincipal', { warning: 'x' }), 'forbidden');
  });
});

describe('through the engine', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  const grid: Actor = { id: 'grid-wang', roles: ['gridOfficer'], org: 'district-a' };
  const township: Actor = { id: 'township-a', roles: ['townshipSafetyOffice'], org: 'district-a' };

  it('DOMAIN §5.2 移交: the sending case ends as transferred with the link, and the receiving body holds a linked case in triage; replay stays exact', async () => {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    const engine = await createEngine({ store, clock: createManualClock(NOW), workflows: [hazardWorkflow] });
    const { case: c } = await engine.createCase({ workflowId: 'hazard', org: 'district-a', actor: grid, caseId: 'H-2026-0001' });
    await engine.send(c.id, { type: 'submit', payload: P.submit }, grid);
    await engine.send(c.id, { type: 'transfer', payload: { ...TRANSFER, transferOrg: 'district-b' } }, township);
    const sent = await engine.getCase(c.id);
    expect(sent.stateLabel).toBe('transferred');
    expect(sent.children).toMatchObject([{ workflowId: 'hazard', org: 'district-b' }]);
    const childId = sent.children![0]!.caseId;
    const received = await engine.getCase(childId);
    expect(received).toMatchObject({ org: 'district-b', stateLabel: 'reported', parent: { caseId: c.id } });
    expect(received.data).toMatchObject({ description: P.submit.description, transferredFromCaseId: c.id, transferredFromOrg: 'district-a', transferReason: TRANSFER.transferReason });
    expect((await engine.listTasks({ orgs: ['district-b'] })).map((t) => [t.caseId, t.stateId])).toEqual([[childId, 'reported']]);
    // The receiving body handles it as any report of its own.
    const b = (roles: string[]): Actor => ({ id: `b-${roles[0]}`, roles, org: 'district-b' });
    await engine.send(childId, { type: 'accept', payload: P.accept }, b(['regulatorReviewer']));
    expect((await engine.getCase(childId)).value).toEqual(W('accepted'));
    expect((await engine.verify()).ok).toBe(true);
  });

  it('DOMAIN §4.2 督办函: an overdue major hazard opens a supervision letter at the regulator, linked to the hazard', async () => {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    const clock = createManualClock(NOW);
    const engine = await createEngine({ store, clock, workflows: [hazardWorkflow, supervisionAssignmentWorkflow, supervisionLetterWorkflow, interviewWorkflow, circularReceiptWorkflow, circularWorkflow] });
    const { case: c } = await engine.createCase({ workflowId: 'hazard', org: 'district-a', actor: grid, caseId: 'H-2026-0002' });
    const a = (roles: string[]): Actor => ({ id: `a-${roles[0]}`, roles, org: 'district-a' });
    const steps: [string, string[], Record<string, unknown>][] = [
      ['submit', ['gridOfficer'], P.submit],
      ['accept', ['townshipSafetyOffice'], P.accept],
      ['grade', ['expert'], P.gradeMajor],
      ['requirePlan', ['regulatorLeader'], P.requirePlan(false)],
      ['submitPlan', ['enterprisePrincipal'], P.submitPlan],
      ['approvePlan', ['regulatorLeader'], { approvedDeadline: '2026-03-20' }],
    ];
    for (const [type, roles, payload] of steps) await engine.send(c.id, { type, payload }, a(roles));
    // Fire every timer due by 30 working days after the deadline.
    clock.set('2026-05-06T00:00:00.000Z');
    for (let i = 0; i < 10; i++) {
      const due = await store.timers.listDue(clock.now().toISOString(), 50);
      if (due.length === 0) break;
      for (const t of due) await engine.fireTimer(t);
    }
    const hazard = await engine.getCase(c.id);
    expect(hazard.value).toEqual({ active: { work: { rectifying: 'letterOpened' }, listing: 'unlisted' } });
    expect(hazard.data).toMatchObject({ overdue: true });
    // 10 working days past the deadline the letter, 15 the interview, 20 the circular: each a linked case.
    expect(hazard.children!.map((ch) => ch.workflowId)).toEqual(['supervision-letter', 'interview', 'circular']);
    for (const ch of hazard.children!.slice(1)) expect(await engine.getCase(ch.caseId)).toMatchObject({ org: 'district-a', parent: { caseId: c.id }, data: { linkedCaseId: c.id, source: 'hazardOverdue' } });
    const letter = await engine.getCase(hazard.children![0]!.caseId);
    expect(letter).toMatchObject({ stateLabel: 'drafting', parent: { caseId: c.id } });
    expect(letter.data).toMatchObject({ linkedCaseIds: [c.id], proposedUnit: P.gradeMajor.responsibleUnit, proposedUnitOrg: 'district-a' });
    expect((await engine.verify()).ok).toBe(true);
  });
});

// Runs last (vitest keeps declaration order within a file).
describe('coverage', () => {
  it('exercised every transition of the definition', () => {
    expect(wf.tree.transitions.map(keyOf).filter((k) => !taken.has(k))).toEqual([]);
  });
});
