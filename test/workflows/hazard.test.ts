import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../engine/core/compile.js';
import { decide } from '../../engine/core/decide.js';
import type { Effect } from '../../engine/core/effects.js';
import type { TransitionInfo } from '../../engine/core/state-tree.js';
import { acceptedEvents, initialStep, step, type StepResult } from '../../engine/core/step.js';
import { TIMER_ACTOR, type Actor, type CaseState, type Command } from '../../engine/core/types.js';
import { EngineError, formatPath } from '../../engine/errors.js';
import { hazardWorkflow } from '../../workflows/hazard.js';
import { builtinWorkflows, hazardWorkflow as exported } from '../../workflows/index.js';
import { builtinStepEnv } from '../support/workflow-properties.js';

const wf = compileWorkflow(hazardWorkflow);
const env = builtinStepEnv();
const NOW = new Date('2026-03-02T02:00:00.000Z');
const ORG = 'district-a';
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
  if (r.transition === null) throw new Error(`no declared transition explains ${type}`);
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

function direct(state: CaseState, cmd: Command): StepResult {
  return step(wf, state, cmd, NOW, env);
}

// ---------------------------------------------------------------------------
// Payloads.

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
const verifyingGeneral = () => run(rectifyingGeneral().state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['startVerify', 'system']]);
const majorGraded = () => send(accepted().state, 'grade', 'expert', P.gradeMajor);
const planPending = (suspend = false) => send(majorGraded().state, 'requirePlan', 'regulatorLeader', P.requirePlan(suspend));
const planReview = (suspend = false) => send(planPending(suspend).state, 'submitPlan', 'enterprisePrincipal', P.submitPlan);
const rectifyingMajor = (suspend = false) => send(planReview(suspend).state, 'approvePlan', 'regulatorLeader', P.approvePlan);
const assessing = (suspend = false) =>
  run(rectifyingMajor(suspend).state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['startAssessment', 'enterprisePrincipal', P.assessment]]);
const resumptionReview = () => send(assessing(true).state, 'assessmentDone', 'assessmentAgency', P.assessmentDone);

// ---------------------------------------------------------------------------

describe('hazard workflow definition', () => {
  it('compiles and is exported among the built-in workflows', () => {
    expect(wf.ref).toBe('hazard@1');
    expect(exported).toBe(hazardWorkflow);
    expect(builtinWorkflows).toContain(hazardWorkflow);
  });

  it('declares the states of DOMAIN §5.2, with the active ones under `active`', () => {
    expect(wf.tree.nodes.map((n) => n.id).sort()).toEqual(
      [
        'draft', 'reported', 'rejected', 'transferred', 'cancelled', 'closed', 'active', 'active.accepted', 'active.graded', 'active.generalGraded', 'active.majorGraded',
        'active.planPending', 'active.planReview', 'active.rectifying', 'active.rectificationSubmitted', 'active.assessing', 'active.resumptionReview', 'active.verifying',
      ].sort(),
    );
    const finals = wf.tree.nodes.filter((n) => n.kind === 'final').map((n) => n.id);
    expect(finals.sort()).toEqual(['cancelled', 'closed', 'rejected', 'transferred']);
    expect(wf.tree.byId.get('closed')?.def.tags).toContain('closed');
  });

  it('gives every human state a task and every deadline an overdue handler run by system', () => {
    for (const node of wf.tree.nodes) {
      if (node.kind !== 'atomic' || node.def.always) continue;
      expect(node.def.task, node.id).toBeDefined();
      expect(node.def.task!.title).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
      for (const d of node.def.deadlines ?? []) {
        expect(node.def.tags, node.id).toContain('overdue-tracked');
        expect(d.legalBasis, `${node.id}.${d.id}`).toBeDefined();
        expect(d.onExpire).toBe('markOverdue');
        const handler = node.def.on?.markOverdue;
        expect(handler && !Array.isArray(handler) && handler.roles).toEqual(['system']);
      }
    }
    const deadlines = Object.fromEntries(wf.tree.nodes.flatMap((n) => (n.def.deadlines ?? []).map((d) => [n.id, d])));
    expect(deadlines['reported']).toMatchObject({ duration: '3 workdays' });
    expect(deadlines['active.planPending']).toMatchObject({ duration: '10 workdays', remind: [{ before: '-3 workdays' }] });
    expect(deadlines['active.rectifying']).toMatchObject({ dueField: 'rectificationDue', remind: [{ before: '-3 workdays' }] });
    expect(deadlines['active.verifying']).toMatchObject({ duration: 'P10D' });
    expect(deadlines['active.resumptionReview']).toMatchObject({ duration: 'P10D' });
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

  it('transfers a report to another department', () => {
    const r = send(reported().state, 'transfer', 'townshipSafetyOffice', { transferTarget: '市住建局', transferReason: '在建工地，属住建部门监管' });
    expect(r.state).toMatchObject({ value: 'transferred', status: 'done', data: { transferTarget: '市住建局' } });
    fails(() => direct(reported().state, { type: 'transfer', payload: { transferTarget: '市住建局' }, actor: as('townshipSafetyOffice') }), 'invalid_input');
  });

  it('accepts a report within the jurisdiction and refuses it otherwise', () => {
    const r = accepted();
    expect(r.state.value).toEqual({ active: 'accepted' });
    expect(r.state.data).toMatchObject({ dedupeKey: P.accept.dedupeKey, acceptedBy: 'u-townshipSafetyOffice', acceptedAt: NOW.toISOString() });
    expect(tasks(r.effects)).toEqual(['-reported', '+active.accepted@inspector']);
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
    expect(r.state.value).toEqual({ active: 'generalGraded' });
    expect(r.state.data).toMatchObject({ grade: 'general', fixedOnSpot: true, responsibleUnit: P.gradeGeneral.responsibleUnit, gradedBy: 'u-inspector' });
    expect(tasks(r.effects)).toEqual(['-active.accepted', '+active.generalGraded@inspector']);
  });

  it('requires the criteria item and evidence for a major hazard', () => {
    const { criteriaItemId: _c, ...noCriteria } = P.gradeMajor;
    fails(() => send(accepted().state, 'grade', 'expert', noCriteria), 'guard_failed');
    fails(() => send(accepted().state, 'grade', 'expert', { ...P.gradeMajor, gradingEvidence: undefined }), 'guard_failed');
    const r = majorGraded();
    expect(r.state.value).toEqual({ active: 'majorGraded' });
    expect(r.state.data).toMatchObject({ grade: 'major', criteriaItemId: P.gradeMajor.criteriaItemId });
    expect(tasks(r.effects)).toEqual(['-active.accepted', '+active.majorGraded@inspector']);
  });

  it('refuses an unknown grade and a grader without the role', () => {
    fails(() => send(accepted().state, 'grade', 'inspector', { ...P.gradeGeneral, grade: 'severe' }), 'invalid_input');
    fails(() => send(accepted().state, 'grade', 'regulatorLeader', P.gradeGeneral), 'forbidden');
  });
});

describe('general hazard', () => {
  it('runs order → rectification → re-inspection → closed', () => {
    let r = rectifyingGeneral();
    expect(r.state.value).toEqual({ active: 'rectifying' });
    expect(r.state.data).toMatchObject({ orderNo: P.order.orderNo, orderDeadline: '2026-03-16', rectificationDue: '2026-03-16' });
    expect(tasks(r.effects)).toEqual(['-active.generalGraded', '+active.rectifying@enterpriseSafetyOfficer']);
    r = send(r.state, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification);
    expect(r.state.value).toEqual({ active: 'rectificationSubmitted' });
    expect(tasks(r.effects)).toEqual(['-active.rectifying', '+active.rectificationSubmitted@inspector']);
    fails(() => send(r.state, 'startAssessment', 'enterprisePrincipal', P.assessment), 'guard_failed');
    r = send(r.state, 'startVerify', 'inspector');
    expect(r.state.value).toEqual({ active: 'verifying' });
    r = send(r.state, 'pass', 'gridOfficer', P.pass);
    expect(r.state).toMatchObject({ value: 'closed', status: 'done', data: { reinspectionOpinion: P.pass.reinspectionOpinion, closedAt: NOW.toISOString() } });
    expect(tasks(r.effects)).toEqual(['-active.verifying', 'done:closed']);
  });

  it('sends a failed re-inspection back to rectification and counts the rework', () => {
    let r = verifyingGeneral();
    r = send(r.state, 'fail', 'inspector', P.fail('2026-03-31'));
    expect(r.state.value).toEqual({ active: 'rectifying' });
    expect(r.state.data).toMatchObject({ reworkCount: 1, rectificationDue: '2026-03-31' });
    expect(tasks(r.effects)).toEqual(['-active.verifying', '+active.rectifying@enterpriseSafetyOfficer']);
    r = run(r.state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['startVerify', 'system'], ['fail', 'inspector', P.fail('2026-04-15')]]);
    expect(r.state.data).toMatchObject({ reworkCount: 2, rectificationDue: '2026-04-15' });
    r = run(r.state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['startVerify', 'system'], ['pass', 'inspector', P.pass]]);
    expect(r.state).toMatchObject({ value: 'closed', data: { reworkCount: 2 } });
    fails(() => send(verifyingGeneral().state, 'fail', 'gridOfficer', P.fail('2026-03-31')), 'forbidden');
    fails(() => send(verifyingGeneral().state, 'fail', 'inspector', { reinspectionOpinion: 'x' }), 'invalid_input');
  });

  it('verifies an on-the-spot fix and closes it', () => {
    let r = send(generalGraded({ fixedOnSpot: true }).state, 'fixOnSpot', 'inspector', { photosBefore: ['b.jpg'], photosAfter: ['a.jpg'] });
    expect(r.state.value).toEqual({ active: 'verifying' });
    expect(tasks(r.effects)).toEqual(['-active.generalGraded', '+active.verifying@inspector']);
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
    expect(r.state.value).toEqual({ active: 'planPending' });
    expect(r.state.data).toMatchObject({ suspended: false, planDeadline: '2026-03-16' });
    expect(tasks(r.effects)).toEqual(['-active.majorGraded', '+active.planPending@enterprisePrincipal']);
    r = send(r.state, 'submitPlan', 'enterprisePrincipal', P.submitPlan);
    expect(r.state.value).toEqual({ active: 'planReview' });
    expect(tasks(r.effects)).toEqual(['-active.planPending', '+active.planReview@regulatorLeader']);
    r = send(r.state, 'returnPlan', 'regulatorReviewer', { returnComments: '补充应急预案', planDeadline: '2026-03-23' });
    expect(r.state.value).toEqual({ active: 'planPending' });
    expect(r.state.data).toMatchObject({ returnComments: '补充应急预案', planDeadline: '2026-03-23' });
    expect(r.state.deadlines).toMatchObject([{ key: 'active.planPending#planSubmission', dueDate: '2026-03-23' }]);
    r = run(r.state, [['submitPlan', 'enterprisePrincipal', P.submitPlan], ['approvePlan', 'regulatorLeader', P.approvePlan]]);
    expect(r.state.value).toEqual({ active: 'rectifying' });
    expect(r.state.data).toMatchObject({ approvedDeadline: '2026-06-30', rectificationDue: '2026-06-30', rectificationPlan: P.submitPlan.rectificationPlan });
    r = send(r.state, 'submitRectification', 'enterpriseSafetyOfficer', P.rectification);
    fails(() => send(r.state, 'startVerify', 'inspector'), 'guard_failed');
    fails(() => send(r.state, 'startAssessment', 'inspector', P.assessment), 'forbidden');
    r = send(r.state, 'startAssessment', 'enterprisePrincipal', P.assessment);
    expect(r.state.value).toEqual({ active: 'assessing' });
    expect(tasks(r.effects)).toEqual(['-active.rectificationSubmitted', '+active.assessing@expert']);
    r = send(r.state, 'assessmentDone', 'expert', P.assessmentDone);
    expect(r.state.value).toEqual({ active: 'verifying' });
    r = send(r.state, 'pass', 'inspector', P.pass);
    expect(r.state).toMatchObject({ value: 'closed', status: 'done' });
  });

  it('runs a suspended major hazard through resumption review, denied once then approved', () => {
    let r = planPending(true);
    expect(r.state.data).toMatchObject({ suspended: true, suspensionScope: 'partial' });
    r = resumptionReview();
    expect(r.state.value).toEqual({ active: 'resumptionReview' });
    expect(tasks(r.effects)).toEqual(['-active.assessing', '+active.resumptionReview@regulatorLeader']);
    r = send(r.state, 'denyResumption', 'regulatorLeader', { defects: ['泄爆片未检测'], newDeadline: '2026-07-15' });
    expect(r.state.value).toEqual({ active: 'rectifying' });
    expect(r.state.data).toMatchObject({ defects: ['泄爆片未检测'], rectificationDue: '2026-07-15', reworkCount: 1, suspended: true });
    r = run(r.state, [
      ['submitRectification', 'enterpriseSafetyOfficer', P.rectification],
      ['startAssessment', 'enterpriseSafetyOfficer', { assessorType: 'ownExperts', assessorName: '企业技术负责人及专家组' }],
      ['assessmentDone', 'expert', P.assessmentDone],
    ]);
    expect(r.state.value).toEqual({ active: 'resumptionReview' });
    r = send(r.state, 'approveResumption', 'regulatorLeader', { onSiteReviewRecord: '现场审查合格' });
    expect(r.state).toMatchObject({ value: 'closed', status: 'done', data: { suspended: false, resumptionApprovedAt: NOW.toISOString(), closedAt: NOW.toISOString() } });
    expect(tasks(r.effects)).toEqual(['-active.resumptionReview', 'done:closed']);
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
  });
});

describe('listing (挂牌督办)', () => {
  const cases: [string, () => StepResult][] = [
    ['accepted', accepted],
    ['planPending', () => planPending()],
    ['rectifying', rectifyingGeneral],
    ['verifying', verifyingGeneral],
    ['resumptionReview', resumptionReview],
  ];
  it.each(cases)('lists the hazard from %s without leaving the state', (_name, reach) => {
    const before = reach().state;
    const r = send(before, 'list', 'safetyCommitteeLeader', P.list);
    expect(r.state.value).toEqual(before.value);
    expect(r.state.data).toMatchObject({ listed: true, listingName: P.list.name, supervisedMatters: P.list.supervisedMatters, listingDeadline: P.list.deadline, delistingMethod: P.list.delistingMethod, listedAt: NOW.toISOString() });
    expect(notices(r.effects)).toEqual([`listing-published info ${['enterprisePrincipal', 'regulatorLeader', 'safetyCommitteeLeader'].map((x) => `${x}@${ORG}`).join(',')}`]);
    expect(r.effects.filter((e) => e.type !== 'notify')).toEqual([]);
    expect(acceptedEvents(wf, r.state.value)).toContain('list');
    fails(() => send(r.state, 'list', 'safetyCommitteeLeader', P.list), 'guard_failed');
  });

  it('keeps the listing through the rest of the case', () => {
    const listed = send(rectifyingGeneral().state, 'list', 'safetyCommitteeLeader', P.list);
    const r = run(listed.state, [['submitRectification', 'enterpriseSafetyOfficer', P.rectification], ['startVerify', 'system'], ['pass', 'inspector', P.pass]]);
    expect(r.state).toMatchObject({ value: 'closed', data: { listed: true } });
  });

  it('refuses other roles and an incomplete listing notice', () => {
    fails(() => send(accepted().state, 'list', 'safetyCommitteeOffice', P.list), 'forbidden');
    fails(() => send(accepted().state, 'list', 'regulatorLeader', P.list), 'forbidden');
    fails(() => send(accepted().state, 'list', 'safetyCommitteeLeader', { ...P.list, delistingMethod: undefined }), 'invalid_input');
  });
});

describe('extension of the rectification deadline', () => {
  const request = { extensionReason: '设备到货延迟', requestedDeadline: '2026-04-10' };

  it('records a request in place, then a denial', () => {
    let r = send(rectifyingGeneral().state, 'requestExtension', 'enterprisePrincipal', request);
    expect(r.state.value).toEqual({ active: 'rectifying' });
    expect(r.state.data).toMatchObject({ extensionRequested: true, ...request, rectificationDue: '2026-03-16' });
    expect(r.effects).toEqual([]);
    fails(() => send(r.state, 'requestExtension', 'enterpriseSafetyOfficer', request), 'guard_failed');
    r = send(r.state, 'denyExtension', 'regulatorLeader', { extensionDenyReason: '理由不充分' });
    expect(r.state.data).toMatchObject({ extensionRequested: false, extensionDenyReason: '理由不充分', rectificationDue: '2026-03-16', extensionCount: 0 });
    expect(r.effects).toEqual([]);
  });

  it('grants the requested date and restarts the rectification clock', () => {
    let r = send(rectifyingGeneral().state, 'requestExtension', 'enterpriseSafetyOfficer', request);
    r = send(r.state, 'grantExtension', 'regulatorLeader');
    expect(r.state.value).toEqual({ active: 'rectifying' });
    expect(r.state.data).toMatchObject({ extensionRequested: false, rectificationDue: '2026-04-10', extensionCount: 1 });
    expect(tasks(r.effects)).toEqual(['-active.rectifying', '+active.rectifying@enterpriseSafetyOfficer']);
    r = send(r.state, 'requestExtension', 'enterpriseSafetyOfficer', { ...request, requestedDeadline: '2026-05-10' });
    r = send(r.state, 'grantExtension', 'regulatorLeader', { grantedDeadline: '2026-04-30' });
    expect(r.state.data).toMatchObject({ rectificationDue: '2026-04-30', extensionCount: 2 });
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
    expect(due(plan)).toEqual(['active.planPending#planSubmission 2026-03-16 running']);
    expect(timers(plan.effects).map((t) => t.split(' ').slice(0, 3).join(' ')).sort()).toEqual(['set active.planPending#planSubmission due', 'set active.planPending#planSubmission remind']);
    const r = rectifyingGeneral();
    expect(due(r)).toEqual(['active.rectifying#rectification 2026-03-16 running']);
    expect(timers(r.effects).map((t) => t.split(' ')[2]).sort()).toEqual(['due', 'remind']);
  });

  it('gives re-inspection and resumption review 10 days', () => {
    expect(due(verifyingGeneral())).toEqual(['active.verifying#verification 2026-03-12 running']);
    expect(due(resumptionReview())).toEqual(['active.resumptionReview#resumptionReview 2026-03-12 running']);
  });

  it('moves the rectification clock when an extension is granted', () => {
    const pending = send(rectifyingGeneral().state, 'requestExtension', 'enterpriseSafetyOfficer', { extensionReason: '设备到货延迟', requestedDeadline: '2026-04-10' });
    expect(due(pending)).toEqual(['active.rectifying#rectification 2026-03-16 running']);
    const granted = send(pending.state, 'grantExtension', 'regulatorLeader');
    expect(due(granted)).toEqual(['active.rectifying#rectification 2026-04-10 running']);
    expect(granted.effects.filter((e) => e.type === 'cancel-timer')).toHaveLength(2);
  });

  it('flags the case overdue when the timer service reports the deadline due', () => {
    const before = rectifyingGeneral().state;
    const dl = before.deadlines[0]!;
    const r = direct(before, { type: 'deadline.due', payload: { deadline: dl.key, index: 0, generation: dl.generation }, actor: TIMER_ACTOR });
    expect(r.state.value).toEqual({ active: 'rectifying' });
    expect(r.state.data).toMatchObject({ overdue: true, overdueDeadline: null });
    expect(due(r)).toEqual(['active.rectifying#rectification 2026-03-16 overdue']);
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
    ['transferred', () => send(reported().state, 'transfer', 'regulatorReviewer', { transferTarget: 'x', transferReason: 'y' }).state],
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
    expect(notices(send(reported().state, 'transfer', 'regulatorReviewer', { transferTarget: '市住建局', transferReason: '在建工地' }).effects)).toEqual(['transferred info reportedBy=u-gridOfficer']);
    expect(notices(send(verifyingGeneral().state, 'pass', 'inspector', P.pass).effects)).toEqual([`case-closed closed reportedBy=u-gridOfficer,${at('enterpriseSafetyOfficer')}`]);
  });

  it('sends due-soon before, overdue at and the escalation ladder after the rectification deadline', () => {
    let s = rectifyingGeneral().state;
    const key = 'active.rectifying#rectification';
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
    expect(r.state.value).toEqual({ active: 'planPending' });
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

// Runs last (vitest keeps declaration order within a file).
describe('coverage', () => {
  it('exercised every transition of the definition', () => {
    expect(wf.tree.transitions.map(keyOf).filter((k) => !taken.has(k))).toEqual([]);
  });
});
