/**
 * Workflow 3 — accident investigation under listed supervision (挂牌督办),
 * DOMAIN.md §3 and §7, including the four no-let-go gate (§8).
 *
 * draft → reportAccident → inquiry { progress: reported → computeGrade →
 * gradingProvisional → (proposeListing → listingProposed → approveListing →
 * listed |) formTeam → investigating { working ⇄ appraisal, extensionRequested,
 * draftReview ⇄ draftReturned → draftApproved } ; casualtyWindow } →
 * submitReport → reportSubmitted → approving (15 d) | approvingExtraordinary
 * (30 d + ≤ 30) → approve → approved → spawnHandling → handling { fourNoPass
 * gate ; publication } → handled → requestDelisting → delistingRequested →
 * delist → delisted → closeCase → closed → startPostEvaluation →
 * postEvaluation → publishEvaluation → evaluated. Unlisted: gradingProvisional
 * → formTeam; working → submitReport; handled → closeCase.
 *
 * Modelling choices ([A] unless DOMAIN tags them):
 * - The grade is a JSON Logic `assign` (`gradeExpression`): the highest grade
 *   any of deaths, serious injuries and direct loss reaches (Art. 3), computed
 *   on the report, on `computeGrade` and on every casualty update, so replay
 *   recomputes it from the recorded numbers.
 * - The casualty-update window (Arts. 13, 20) is the parallel region
 *   `inquiry.casualtyWindow`: a transient `routing` state picks `sevenDays`
 *   (road, fire) or `thirtyDays`, each with a deadline anchored at `occurredAt`
 *   whose expiry (`closeCasualtyWindow`, sent by the timer) moves to `expired`
 *   and sets `casualtyWindowClosed`. `updateCasualties` is only handled while
 *   the window is open, so later it is `invalid_transition`.
 * - The 60-day report clock is on `investigating` (anchored at `occurredAt`,
 *   Arts. 27/29), paused in `investigating.appraisal` (technical appraisal is
 *   excluded) and runs through the draft review by the listing authority.
 * - Extension (Art. 29): `requestExtension` (team lead) waits in
 *   `extensionRequested`; the government leader moves the clock with the
 *   built-in `deadline.extend` (the engine enforces `max: P60D`, once) and then
 *   records the decision with `approveExtension` (or `denyExtension`). A
 *   workflow transition cannot move a deadline, hence two commands.
 * - `handling` is parallel: the four no-let-go gate and the publication of the
 *   handling result (Art. 34). While either runs, `requestDelisting`,
 *   `delist` and `closeCase` are refused with `guard_failed`, and
 *   `details.guards` names each open condition. `delist` and `closeCase` also
 *   guard on the four statuses in the data. A rejected delisting re-enters
 *   `handling`: conditions it names are reopened, the others stay confirmed
 *   (the gate restores from the data, which `reportAccident` clears).
 * - Every deadline expires with `markOverdue` (system), which sets the flag of
 *   that deadline (`reportOverdue`, `approvalOverdue`, …) and stays put.
 * - `closed` (结案) is not final: the post-closure evaluation (Safety Law
 *   Art. 86) follows, due one year after `approvedAt`; `evaluated` is final.
 *
 * Follow-on cases, each a linked child (`source: 'accident'`, `linkedCaseId`)
 * at the regulator that governs the case's org (`regulatorOf`), visible from
 * both ends; none is issued by a timer, each is completed and signed by people:
 * - 约谈: forming the team for a 较大 or graver accident opens an interview of
 *   the enterprise (《安全生产约谈实施办法（试行）》安委〔2018〕2号 and its
 *   local versions: a 较大及以上 accident is a trigger), proposed by the office
 *   and approved by the committee's leader.
 * - 通报: approving the report (Art. 32) opens a cautionary circular (事故警示
 *   通报) in drafting at the office: drafted, checked and signed by a leader
 *   (Art. 34 publishes the handling; local 事故通报 practice circulates the
 *   lessons to the units of the jurisdiction). The office may withdraw it.
 * - 执法: `spawnHandling` (批复落实, Art. 32) opens an enforcement case
 *   (行政处罚) against the enterprise when the approval refers penalties
 *   (`penaltyReferralTo`); its fine and decision come back with its end.
 *   A referral for 党纪/政务处分 (`disciplineReferralTo`) is recorded in the
 *   same event and sent to the 纪检监察机关 (`supervisoryCommission`), which
 *   reports those dispositions in the gate (监察法 第十一条、第四十五条).
 * - 四不放过: when the investigating government sits above the place of the
 *   accident (a 较大 accident the city investigates in a district), it may
 *   hand the follow-up to the local government (`handOverFourNoPass`): a
 *   `four-no-pass` case at that org's regulator, which can only be opened
 *   this way (`startedBy: 'parent'`). When that case is closed (all four
 *   confirmed locally), the conditions still open here count as confirmed —
 *   except the measures while a measure's hazard case is open; publication,
 *   delisting and closing stay with the investigating government.
 */
// Type-only: the definition is plain data and loads without the engine.
import type { FieldSchema, TransitionDefinition, WorkflowDefinitionInput } from '../engine/index.js';
import { accidentDataProperties, casualtyFields, CONCEALMENT_KINDS, DISCOVERY_CHANNELS, DISMISS_REASONS, LISTING_TRIGGERS, REPORT_LEVELS, reportFields, reportSections, responsiblePerson, TEAM_UNITS, uri } from './accident-data.js';
import { gradeExpression, LEVEL_OF_GRADE, lookup, regrade, type Expression } from './accident-grade.js';
import { copy, dataIs, date, flag, increment, instant, oneOf, records, text, texts } from './field-helpers.js';
import { assigned, notice, role } from './notices.js';
import { clearFourNoPassStatuses, FOUR_NO_PASS_CONDITIONS, fourNoPassComplete, fourNoPassCompleteMessage, fourNoPassEvents, fourNoPassGate, fourNoPassRoles, openMeasureHazards, refusal, reopenConditionsField, reopenFourNoPassConditions, statusField, SUPERVISORY_ROLE } from './four-no-pass.js';

export { ACCIDENT_GRADES, GRADE_THRESHOLDS, gradeExpression, type AccidentGrade } from './accident-grade.js';
export { ACCIDENT_TYPES } from './accident-data.js';

const ENTERPRISE = ['enterprisePrincipal', 'enterpriseSafetyOfficer'];
const REGULATOR = ['inspector', 'regulatorReviewer', 'regulatorLeader'];
const LISTING_AUTHORITY = ['safetyCommitteeOffice', 'safetyCommitteeLeader'];
const CLOSERS = ['governmentLeader', 'safetyCommitteeOffice'];
const SYSTEM = ['system'];

/**
 * Day counts of Order 493 (60-day report, 15/30-day approval, 7/30-day casualty
 * window) follow the Civil Code's period rules, as every other deadline here:
 * a period whose last day is a statutory holiday ends on the day after it.
 */
const CIVIL_CODE_203 = { zh: '期间最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日（《民法典》第二百零三条）', en: 'A period ending on a statutory holiday ends on the next day after it (Civil Code Art. 203)' };
const withRollover = (basis: { zh: string; en: string }) => ({ zh: `${basis.zh}；${CIVIL_CODE_203.zh}`, en: `${basis.en}; ${CIVIL_CODE_203.en}` });

/** Art. 10: the level the report must reach for each grade (特别重大、重大 → 国务院安全生产监督管理部门; 较大 → 省级; 一般 → 设区的市级). */
export const REQUIRED_REPORT_LEVEL = { extraordinary: 'ministry', major: 'ministry', serious: 'province', general: 'city' } as const;
/** Whether the levels reached include the one `grade` requires; kept in `reportLevelReached` whenever either changes. */
const levelReachedFor = (grade: Expression, levels: Expression) => ({ in: [lookup(grade, REQUIRED_REPORT_LEVEL), levels] });
const reportReachedRequiredLevel = { '==': [{ var: 'data.reportLevelReached' }, true] };
const reportLevelMessage = { zh: '事故报告尚未上报至事故等级要求的层级（条例第十条）', en: 'The report has not reached the level the grade requires (Art. 10)' };

/** The company's report time: as stated by the regulator who took it down, else now. */
const companyReportedAt = { if: [{ var: 'payload.reportedAt' }, { var: 'payload.reportedAt' }, { var: 'now' }] };

/** Team formation (5 days from the accident, a local listing trigger) runs in every state before the team exists. */
const teamFormationDeadline = {
  id: 'teamFormation',
  title: { zh: '成立调查组期限', en: 'Form the investigation team' },
  duration: 'P5D',
  anchor: { field: 'occurredAt' },
  rollover: true,
  legalBasis: withRollover({ zh: '地方挂牌督办办法：事故发生后5日内未成立调查组的，予以挂牌督办', en: 'Local listing rules: no team within 5 days of the accident is a listing trigger' }),
  onExpire: 'markTeamFormationOverdue',
  notify: notice('overdue', 'overdue', role('safetyCommitteeOffice'), role('governmentLeader')),
};

const object = (properties: Record<string, FieldSchema>, required: string[] = []) => ({ type: 'object' as const, properties, required });
const dueSoon = [{ before: '-P3D', notify: 'due-soon' }];
/** An overdue report, approval or evaluation alerts the listing authority and the government (DOMAIN §7.4). */
const overdueNotice = notice('overdue', 'overdue', role('safetyCommitteeOffice'), role('governmentLeader'));
/** The report clock runs on a compound state without a task, so its reminders name their recipients. */
const reportDueSoon = notice('due-soon', 'dueSoon', role('investigationTeamLead'), role('safetyCommitteeOffice'));


/** Sets the flag of the deadline that expired; the case stays where it is. */
const markOverdue = (field: string): TransitionDefinition => ({ roles: SYSTEM, assign: { [field]: true } });

/** Refused inside `handling` while the handling result is unpublished (names the open item). */
const unpublished = (roles: string[]): TransitionDefinition =>
  refusal(roles, { zh: '事故处理结果尚未向社会公布', en: 'publication is open: the handling result is not published' });

const BLOCKED_IN_HANDLING = { requestDelisting: ['governmentLeader'], delist: ['safetyCommitteeLeader'], closeCase: CLOSERS };

/** A casualty update regrades; a higher grade may need the report to reach a higher level. */
const regradeAndCheckLevel = { ...regrade(), reportLevelReached: levelReachedFor(gradeExpression('payload'), { var: 'data.reportLevels' }) };

const escalateReportAssign = {
  // Each level once, however often it is told again.
  reportLevels: { if: [{ in: [{ var: 'payload.toLevel' }, { var: 'data.reportLevels' }] }, { var: 'data.reportLevels' }, { merge: [{ var: 'data.reportLevels' }, [{ var: 'payload.toLevel' }]] }] },
  reportLevelReached: levelReachedFor({ var: 'data.grade' }, { merge: [{ var: 'data.reportLevels' }, [{ var: 'payload.toLevel' }]] }),
  notifiedAgencies: { merge: [{ var: 'data.notifiedAgencies' }, { if: [{ var: 'payload.notifiedAgencies' }, { var: 'payload.notifiedAgencies' }, []] }] },
};

const dismiss: TransitionDefinition = {
  target: '#dismissed',
  roles: ['governmentLeader', 'regulatorLeader'],
  input: object({ dismissReason: oneOf('不予认定原因', DISMISS_REASONS), dismissNote: text('说明') }, ['dismissReason', 'dismissNote']),
  assign: copy('dismissReason', 'dismissNote'),
};

const formTeamBase = {
  target: 'investigating',
  roles: ['governmentLeader'],
  input: object(
    {
      teamLead: text('调查组组长'),
      teamMemberUnits: { type: 'array', title: '调查组成员单位', items: oneOf('成员单位', TEAM_UNITS), minItems: 1 },
      teamExperts: texts('聘请的专家', 0),
      teamFormedOn: date('成立日期'),
    },
    ['teamLead', 'teamMemberUnits', 'teamFormedOn'],
  ),
  guardMessage: reportLevelMessage,
  assign: copy('teamLead', 'teamMemberUnits', 'teamExperts', 'teamFormedOn'),
} satisfies TransitionDefinition;

/** The linked cases open at the regulator that governs the accident's org (as a hazard's escalations do). */
const atRegulator = { to: 'regulatorOf', org: { var: 'case.org' } } as const;
/** 较大、重大、特别重大: the grades that call for an interview. */
const graveGrade: Expression = { in: [{ var: 'data.grade' }, ['serious', 'major', 'extraordinary']] };

/** 约谈 of the enterprise where a 较大 or graver accident happened, opened with the team. */
const accidentInterview = {
  workflow: 'interview',
  handOver: atRegulator,
  input: {
    intervieweeOrg: { or: [{ var: 'data.enterpriseId' }, { var: 'data.enterpriseName' }] },
    intervieweeName: { var: 'data.enterpriseName' },
    reason: { cat: [{ var: 'data.enterpriseName' }, '（', { var: 'data.location' }, '）发生较大及以上生产安全事故：', { var: 'data.briefCourse' }] },
    matters: { merge: [{ cat: ['督促', { var: 'data.enterpriseName' }, '配合事故调查，全面排查整治事故隐患，落实安全生产主体责任'] }] },
    legalBasis: '《安全生产约谈实施办法（试行）》（安委〔2018〕2号）：发生较大及以上生产安全事故的，约谈事故发生单位及属地',
    source: 'accident',
    linkedCaseId: { var: 'case.id' },
  },
};

/** Forming the team (Art. 24); for a 较大 or graver accident it also opens the interview. */
const formTeam: TransitionDefinition[] = [
  { ...formTeamBase, guard: { and: [reportReachedRequiredLevel, graveGrade] }, assign: { ...formTeamBase.assign, interviewOpenedAt: { var: 'now' } }, spawn: accidentInterview },
  { ...formTeamBase, guard: { and: [reportReachedRequiredLevel, { '!': graveGrade }] } },
];

const submitReport: TransitionDefinition = {
  target: '#reportSubmitted',
  roles: ['investigationTeamLead'],
  input: object({ investigationReport: reportSections, evidenceList: texts('证据材料'), signedByAllMembers: flag('调查组成员均已签名') }, ['investigationReport', 'evidenceList', 'signedByAllMembers']),
  guard: { '==': [{ var: 'payload.signedByAllMembers' }, true] },
  guardMessage: { zh: '事故调查报告须经调查组全体成员签名（条例第三十条）', en: 'Every team member must sign the report (Art. 30)' },
  assign: { ...copy('investigationReport', 'evidenceList', 'signedByAllMembers'), reportSubmittedAt: { var: 'now' } },
};

const approve: TransitionDefinition = {
  target: 'approved',
  roles: ['governmentLeader'],
  input: object(
    {
      approvalDocNo: text('批复文号'),
      approvedAt: date('批复日期'),
      responsiblePersons: records('责任人员及处理意见', responsiblePerson, 0),
      correctiveMeasures: texts('防范和整改措施'),
      penaltyReferralTo: text('行政处罚移送的执法部门'),
      disciplineReferralTo: text('党纪政务处分移送的纪检监察机关'),
    },
    ['approvalDocNo', 'approvedAt', 'responsiblePersons', 'correctiveMeasures'],
  ),
  assign: { ...copy('approvalDocNo', 'approvedAt', 'responsiblePersons', 'correctiveMeasures', 'penaltyReferralTo', 'disciplineReferralTo'), circularOpenedAt: { var: 'now' } },
  // 事故警示通报: drafted by the office, checked, signed by a leader (Art. 34; local 事故通报 practice).
  spawn: {
    workflow: 'circular',
    handOver: atRegulator,
    input: {
      title: { cat: ['关于', { var: 'data.enterpriseName' }, '生产安全事故的警示通报'] },
      kind: 'cautionary',
      body: {
        cat: [
          { var: 'data.enterpriseName' }, '（', { var: 'data.location' }, '）发生生产安全事故：', { var: 'data.briefCourse' },
          '。事故调查报告已经批复（', { var: 'data.approvalDocNo' }, '）。各单位要深刻吸取事故教训，举一反三，全面排查整治事故隐患。',
        ],
      },
      source: 'accident',
      linkedCaseId: { var: 'case.id' },
    },
  },
};

const approvalDeadline = (duration: string, legalBasis: { zh: string; en: string }, extension?: { roles: string[]; max: string; times: number }) => ({
  id: 'approval',
  title: { zh: '批复期限', en: 'Approval' },
  duration,
  rollover: true,
  legalBasis: withRollover(legalBasis),
  onExpire: 'markOverdue',
  notify: overdueNotice,
  remind: dueSoon,
  ...(extension ? { extension } : {}),
});

const closeCase = (extraGuard: Expression): TransitionDefinition => ({
  target: '#closed',
  roles: CLOSERS,
  input: object({ filingRef: text('结案归档编号') }, ['filingRef']),
  guard: { and: [extraGuard, fourNoPassComplete] },
  guardMessage: fourNoPassCompleteMessage,
  assign: { ...copy('filingRef'), closedAt: { var: 'now' }, closedBy: { var: 'actor.id' } },
});

export const accidentWorkflow = {
  id: 'accident',
  version: 2,
  title: { zh: '生产安全事故调查处理挂牌督办', en: 'Accident investigation under listed supervision' },
  caseTitle: '{{enterpriseName}} {{location}} {{accidentType}}事故',
  description: {
    zh: '事故报告、定级、挂牌督办、调查（技术鉴定中止计时、延期）、批复、“四不放过”、摘牌、结案及整改评估；较大及以上事故成立调查组时立案约谈事故单位，批复时拟发事故警示通报，批复落实时移送行政处罚立案、移送纪检监察机关追究党纪政务责任，调查的人民政府可将“四不放过”交事故发生地的属地政府落实，均为关联案件',
    en: 'Report, grade, list, investigate (appraisal pauses the clock, extension), approve, four no-let-go, delist, close and evaluate an accident; opens as linked cases an interview (serious and graver accidents), a warning circular on approval, an enforcement case on a penalty referral and the local government’s four no-let-go follow-up',
  },
  roles: [
    ...new Set([
      ...ENTERPRISE,
      ...REGULATOR,
      ...LISTING_AUTHORITY,
      'governmentLeader',
      'investigationTeamLead',
      'investigationTeamMember',
      'expert',
      'assessmentAgency',
      ...fourNoPassRoles,
      'system',
    ]),
  ],
  data: { type: 'object', properties: accidentDataProperties },
  events: {
    reportAccident: { title: { zh: '报告事故', en: 'Report the accident' } },
    escalateReport: { title: { zh: '逐级上报', en: 'Report to the next level' } },
    computeGrade: { title: { zh: '核定事故等级', en: 'Compute the grade' } },
    dismiss: { title: { zh: '不予认定为生产安全事故', en: 'Dismiss (not a work-safety accident)' } },
    updateCasualties: { title: { zh: '补报伤亡情况', en: 'Update casualties' } },
    closeCasualtyWindow: { title: { zh: '补报期届满', en: 'Close the casualty-update window' } },
    proposeListing: { title: { zh: '提出挂牌督办建议', en: 'Propose listing' } },
    approveListing: { title: { zh: '批准挂牌督办', en: 'Approve the listing' } },
    declineListing: { title: { zh: '不予挂牌督办', en: 'Decline the listing' } },
    formTeam: { title: { zh: '成立事故调查组', en: 'Form the investigation team' } },
    startAppraisal: { title: { zh: '开始技术鉴定', en: 'Start technical appraisal' } },
    endAppraisal: { title: { zh: '技术鉴定完成', en: 'End technical appraisal' } },
    requestExtension: { title: { zh: '申请延长调查期限', en: 'Request an extension' } },
    approveExtension: { title: { zh: '批准延期', en: 'Approve the extension' } },
    denyExtension: { title: { zh: '不予延期', en: 'Deny the extension' } },
    submitDraftReport: { title: { zh: '报送调查报告（未定稿）', en: 'Submit the draft report' } },
    approveDraft: { title: { zh: '同意调查报告（未定稿）', en: 'Approve the draft report' } },
    returnDraft: { title: { zh: '退回调查报告（未定稿）', en: 'Return the draft report' } },
    resubmitDraft: { title: { zh: '重新报送调查报告（未定稿）', en: 'Resubmit the draft report' } },
    submitReport: { title: { zh: '提交事故调查报告', en: 'Submit the investigation report' } },
    approve: { title: { zh: '批复事故调查报告', en: 'Approve the report' } },
    spawnHandling: { title: { zh: '部署落实批复', en: 'Start handling' } },
    handOverFourNoPass: { title: { zh: '“四不放过”交属地落实', en: 'Hand the four no-let-go follow-up to the local government' } },
    fourNoPassCaseEnded: { title: { zh: '属地“四不放过”案件办结', en: 'The local four no-let-go case ended' } },
    ...fourNoPassEvents,
    publishHandlingResult: { title: { zh: '公布事故处理情况', en: 'Publish the handling result' } },
    requestDelisting: { title: { zh: '申请摘牌', en: 'Request delisting' } },
    delist: { title: { zh: '解除挂牌督办（摘牌）', en: 'Delist' } },
    rejectDelisting: { title: { zh: '不同意摘牌', en: 'Reject delisting' } },
    closeCase: { title: { zh: '结案', en: 'Close the case' } },
    startPostEvaluation: { title: { zh: '启动整改措施落实情况评估', en: 'Start the post-closure evaluation' } },
    submitEvaluationReport: { title: { zh: '提交评估报告', en: 'Submit the evaluation report' } },
    returnEvaluation: { title: { zh: '退回评估报告', en: 'Return the evaluation report' } },
    publishEvaluation: { title: { zh: '公开评估结果', en: 'Publish the evaluation' } },
    markOverdue: { title: { zh: '标记逾期', en: 'Mark overdue' } },
    markInitialReportOverdue: { title: { zh: '标记书面初报逾期', en: 'Mark the initial report overdue' } },
    markTeamFormationOverdue: { title: { zh: '标记调查组成立逾期', en: 'Mark the team formation overdue' } },
    recordConcealment: { title: { zh: '认定瞒报谎报', en: 'Record concealment or falsification' } },
    escalateInvestigation: { title: { zh: '提级调查', en: 'Move the investigation up' } },
    submitInitialReport: { title: { zh: '书面初报', en: 'Send the initial written report' } },
  },
  initial: 'draft',
  states: {
    draft: {
      title: { zh: '事故快报填报', en: 'Draft' },
      task: { title: { zh: '填报事故快报', en: 'Fill in the accident report' }, role: 'enterprisePrincipal' },
      on: {
        reportAccident: {
          target: 'inquiry',
          roles: ['enterprisePrincipal', 'inspector', 'regulatorReviewer', 'system'],
          input: object({ ...reportFields, reportedAt: instant('单位报告时间（代为登记电话报告时填写）') }, ['enterpriseName', 'sector', 'occurredAt', 'location', 'briefCourse', 'accidentType', 'deaths', 'seriousInjuries', 'directLossCny', 'measuresTaken']),
          // The report cannot precede the accident, nor lie in the future.
          guard: { and: [{ '>=': [{ hours_between: [{ var: 'payload.occurredAt' }, companyReportedAt] }, 0] }, { '>=': [{ hours_between: [companyReportedAt, { var: 'now' }] }, 0] }] },
          guardMessage: { zh: '报告时间不得早于事故发生时间，也不得晚于当前时间', en: 'The report time must lie between the accident and now' },
          assign: {
            ...copy(...Object.keys(reportFields)),
            reportedAt: companyReportedAt,
            reportDelayHours: { hours_between: [{ var: 'payload.occurredAt' }, companyReportedAt] },
            // Art. 9: the unit reports within 1 hour; later is 迟报 (Art. 35).
            lateReport: { '>': [{ hours_between: [{ var: 'payload.occurredAt' }, companyReportedAt] }, 1] },
            concealment: null,
            reportedBy: { var: 'actor.id' },
            grade: gradeExpression('payload'),
            investigatingLevel: lookup(gradeExpression('payload'), LEVEL_OF_GRADE),
            gradeHistory: { merge: [gradeExpression('payload')] },
            reportLevels: [],
            reportLevelReached: false,
            notifiedAgencies: [],
            listed: false,
            casualtyUpdateCount: 0,
            casualtyWindowClosed: false,
            appraisalCount: 0,
            extensionGranted: false,
            draftReturnCount: 0,
            delistingRejectCount: 0,
            // What `handling` restores on re-entry is only ever set by its own transitions, never by creation data.
            ...clearFourNoPassStatuses,
            handlingPublishedOn: null,
          },
        },
      },
    },
    inquiry: {
      type: 'parallel',
      title: { zh: '报告与调查', en: 'Reporting and investigation' },
      on: {
        // Art. 36: a report found later to have hidden (瞒报) or falsified (谎报) the accident is recorded, whatever the stage.
        recordConcealment: {
          roles: REGULATOR,
          input: object({ concealment: oneOf('瞒报或谎报', CONCEALMENT_KINDS), concealmentFindings: text('查实情况'), concealmentDiscoveredVia: oneOf('发现途径', DISCOVERY_CHANNELS) }, ['concealment', 'concealmentFindings', 'concealmentDiscoveredVia']),
          assign: { ...copy('concealment', 'concealmentFindings', 'concealmentDiscoveredVia'), concealmentRecordedAt: { var: 'now' } },
          notify: [assigned(role('regulatorLeader'), role('safetyCommitteeOffice'))],
        },
        // A regrade may need the report to reach a higher level (补报 to that level).
        escalateReport: {
          roles: REGULATOR,
          input: object({ toLevel: oneOf('上报至', REPORT_LEVELS), notifiedAgencies: texts('同时通知的部门', 0) }, ['toLevel']),
          assign: escalateReportAssign,
        },
        // Art. 20: a higher grade moves the investigation to the higher government (提级调查), handed over as a linked case.
        escalateInvestigation: {
          target: '#investigationEscalated',
          roles: ['governmentLeader', 'regulatorLeader'],
          input: object({ escalatedToOrg: text('接收调查的上级人民政府所在机构'), escalationReason: text('提级调查理由') }, ['escalatedToOrg', 'escalationReason']),
          guard: { '==': [{ var: 'data.gradeRaised' }, true] },
          guardMessage: { zh: '事故等级升高后方可提级调查（条例第二十条）', en: 'Only a raised grade moves the investigation up (Art. 20)' },
          assign: { ...copy('escalatedToOrg', 'escalationReason'), escalationTargets: { merge: [{ var: 'payload.escalatedToOrg' }] }, escalatedAt: { var: 'now' } },
        },
      },
      states: {
        initialReport: {
          title: { zh: '书面初报', en: 'Initial written report' },
          initial: 'pending',
          states: {
            pending: {
              title: { zh: '待书面初报', en: 'Pending' },
              task: { title: { zh: '向上级安委会书面初报', en: 'Send the initial written report' }, role: 'regulatorReviewer' },
              deadlines: [
                {
                  id: 'initialReport',
                  title: { zh: '书面初报期限', en: 'Initial written report' },
                  duration: 'P15D',
                  anchor: { field: 'occurredAt' },
                  rollover: true,
                  legalBasis: withRollover({ zh: '地方“两报告”制度：事故发生之日起15日内向上级安委会书面初报', en: 'Local two-report practice: initial written report within 15 days of the accident' }),
                  // Its own event: in a parallel state a shared markOverdue would flag every region at once.
                  onExpire: 'markInitialReportOverdue',
                  notify: overdueNotice,
                },
              ],
              on: {
                submitInitialReport: {
                  target: 'submitted',
                  roles: REGULATOR,
                  input: object({ initialReportRef: text('书面初报文号') }, ['initialReportRef']),
                  assign: { ...copy('initialReportRef'), initialReportSubmittedAt: { var: 'now' } },
                },
                markInitialReportOverdue: markOverdue('initialReportOverdue'),
              },
            },
            submitted: { type: 'final', title: { zh: '已书面初报', en: 'Submitted' } },
          },
        },
        progress: {
          title: { zh: '报告、定级与调查', en: 'Progress' },
          initial: 'reported',
          on: { markTeamFormationOverdue: markOverdue('teamFormationOverdue') },
          states: {
            reported: {
              title: { zh: '已报告', en: 'Reported' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '逐级上报并核定事故等级', en: 'Report up the chain and grade the accident' }, role: 'regulatorReviewer' },
              deadlines: [
                {
                  id: 'levelReport',
                  title: { zh: '逐级上报时限', en: 'Report to the next level' },
                  duration: 'PT2H',
                  legalBasis: { zh: '《生产安全事故报告和调查处理条例》第十条、第十一条：每级上报时间不得超过2小时', en: 'Order 493 Arts. 10–11: at most 2 hours per level' },
                  onExpire: 'markOverdue',
                },
                teamFormationDeadline,
              ],
              on: {
                escalateReport: {
                  // Re-enter: each level gets its own 2-hour clock.
                  target: 'reported',
                  reenter: true,
                  roles: REGULATOR,
                  input: object({ toLevel: oneOf('上报至', REPORT_LEVELS), notifiedAgencies: texts('同时通知的部门', 0) }, ['toLevel']),
                  assign: escalateReportAssign,
                },
                computeGrade: {
                  target: 'gradingProvisional',
                  roles: ['system', 'regulatorReviewer'],
                  assign: {
                    grade: gradeExpression('data'),
                    investigatingLevel: lookup(gradeExpression('data'), LEVEL_OF_GRADE),
                    gradedAt: { var: 'now' },
                    reportLevelReached: levelReachedFor(gradeExpression('data'), { var: 'data.reportLevels' }),
                  },
                },
                dismiss,
                markOverdue: markOverdue('escalationLate'),
              },
            },
            gradingProvisional: {
              title: { zh: '已初步定级', en: 'Graded (provisional)' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '研究是否挂牌督办或直接组织调查', en: 'Decide on listing or form the team' }, role: 'safetyCommitteeOffice' },
              deadlines: [teamFormationDeadline],
              on: {
                proposeListing: {
                  target: 'listingProposed',
                  roles: ['safetyCommitteeOffice'],
                  input: object({ listingTrigger: oneOf('挂牌督办事由', LISTING_TRIGGERS), listingProposalNote: text('建议说明') }, ['listingTrigger']),
                  assign: { ...copy('listingTrigger', 'listingProposalNote'), listingProposedAt: { var: 'now' } },
                },
                formTeam,
                dismiss,
              },
            },
            listingProposed: {
              title: { zh: '拟挂牌督办', en: 'Listing proposed' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '审批挂牌督办', en: 'Decide on the listing' }, role: 'safetyCommitteeLeader' },
              deadlines: [
                teamFormationDeadline,
                {
                  id: 'listingDecision',
                  title: { zh: '挂牌督办审批期限', en: 'Listing decision' },
                  duration: '3 workdays',
                  legalBasis: { zh: '本地工作规范：安委会办公室提出挂牌督办建议后3个工作日内审批', en: 'Local practice: decide on a listing proposal within 3 working days' },
                  onExpire: 'markOverdue',
                  notify: notice('overdue', 'overdue', role('safetyCommitteeLeader')),
                },
              ],
              on: {
                markOverdue: markOverdue('listingDecisionOverdue'),
                approveListing: {
                  target: 'listed',
                  roles: ['safetyCommitteeLeader'],
                  input: object(
                    {
                      accidentName: text('事故名称'),
                      supervisedMatters: texts('督办事项'),
                      listingDeadline: date('督办期限'),
                      delistingMethod: text('解除挂牌督办的方式和程序'),
                      publicationUrls: { type: 'array', title: '挂牌信息公开地址', items: uri('地址') },
                    },
                    ['accidentName', 'supervisedMatters', 'listingDeadline', 'delistingMethod'],
                  ),
                  assign: { ...copy('accidentName', 'supervisedMatters', 'listingDeadline', 'delistingMethod', 'publicationUrls'), listed: true, listedAt: { var: 'now' } },
                  // §7.4: the listed and investigating governments and the office are told; publication follows.
                  notify: [notice('listing-published', 'info', role('governmentLeader'), role('safetyCommitteeOffice'), role('regulatorLeader'))],
                },
                declineListing: {
                  target: 'gradingProvisional',
                  roles: ['safetyCommitteeLeader'],
                  input: object({ listingDeclinedReason: text('不予挂牌理由') }, ['listingDeclinedReason']),
                  assign: copy('listingDeclinedReason'),
                },
              },
            },
            listed: {
              title: { zh: '已挂牌督办', en: 'Listed' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '成立事故调查组', en: 'Form the investigation team' }, role: 'governmentLeader' },
              deadlines: [teamFormationDeadline],
              on: { formTeam },
            },
            investigating: {
              title: { zh: '调查中', en: 'Investigating' },
              tags: ['overdue-tracked'],
              initial: 'working',
              deadlines: [
                {
                  id: 'report',
                  title: { zh: '事故调查报告提交期限', en: 'Investigation report' },
                  duration: 'P60D',
                  anchor: { field: 'occurredAt' },
                  rollover: true,
                  legalBasis: withRollover({
                    zh: '《生产安全事故报告和调查处理条例》第二十七条、第二十九条：自事故发生之日起60日内提交调查报告；技术鉴定所需时间不计入；经负责事故调查的人民政府批准可延长，最长不超过60日',
                    en: 'Order 493 Arts. 27, 29: report within 60 days of the accident; appraisal time excluded; the investigating government may extend by at most 60 days',
                  }),
                  onExpire: 'markOverdue',
                  notify: overdueNotice,
                  remind: [
                    { before: '-P10D', notify: reportDueSoon },
                    { before: '-P3D', notify: reportDueSoon },
                  ],
                  pause: ['inquiry.progress.investigating.appraisal'],
                  // Art. 29: the government's approval is the extension: one step moves the clock and records it.
                  extension: { roles: ['governmentLeader'], max: 'P60D', times: 1, event: 'approveExtension' },
                },
              ],
              on: { markOverdue: markOverdue('reportOverdue') },
              states: {
                working: {
                  title: { zh: '调查取证', en: 'Working' },
                  task: { title: { zh: '开展事故调查', en: 'Investigate' }, role: 'investigationTeamLead' },
                  on: {
                    startAppraisal: {
                      target: 'appraisal',
                      roles: ['investigationTeamLead'],
                      input: object({ appraisalAgency: text('技术鉴定机构'), appraisalSubject: text('鉴定事项') }, ['appraisalAgency', 'appraisalSubject']),
                      assign: { ...copy('appraisalAgency', 'appraisalSubject'), appraisalCount: increment('appraisalCount') },
                    },
                    requestExtension: {
                      target: 'extensionRequested',
                      roles: ['investigationTeamLead'],
                      input: object({ extensionReason: text('延期理由'), extensionDays: { type: 'integer', title: '申请延长天数', minimum: 1, maximum: 60 } }, ['extensionReason', 'extensionDays']),
                      guard: { '!': { var: 'data.extensionGranted' } },
                      guardMessage: { zh: '调查期限已延长过一次', en: 'The deadline was already extended once' },
                      assign: copy('extensionReason', 'extensionDays'),
                    },
                    submitDraftReport: {
                      target: 'draftReview',
                      roles: ['investigationTeamLead'],
                      input: object({ draftReport: reportSections, evidenceList: texts('证据材料') }, ['draftReport', 'evidenceList']),
                      guard: dataIs('listed', true),
                      guardMessage: { zh: '未挂牌督办的事故无需报送未定稿审查，直接提交调查报告', en: 'Only a listed accident has its draft reviewed; submit the report' },
                      assign: copy('draftReport', 'evidenceList'),
                    },
                    submitReport: {
                      ...submitReport,
                      guard: { and: [{ '!': { var: 'data.listed' } }, submitReport.guard] },
                      guardMessage: { zh: '挂牌督办的事故，调查报告须先经挂牌督办机关审查同意；报告须经全体成员签名', en: 'A listed accident needs the listing authority to approve the draft first; every member must sign' },
                    },
                  },
                },
                appraisal: {
                  title: { zh: '技术鉴定（中止计时）', en: 'Technical appraisal (clock stopped)' },
                  task: { title: { zh: '跟踪技术鉴定', en: 'Follow the technical appraisal' }, role: 'investigationTeamLead' },
                  on: {
                    endAppraisal: {
                      target: 'working',
                      roles: ['investigationTeamLead'],
                      input: object({ appraisalReportRef: text('技术鉴定报告') }, ['appraisalReportRef']),
                      assign: copy('appraisalReportRef'),
                    },
                  },
                },
                extensionRequested: {
                  title: { zh: '延期待批', en: 'Extension requested' },
                  task: { title: { zh: '审批调查延期申请', en: 'Decide on the extension' }, role: 'governmentLeader' },
                  on: {
                    // Taken only by deadline.extend (its reason carries the decision), never on its own.
                    approveExtension: {
                      target: 'working',
                      roles: ['governmentLeader'],
                      assign: { extensionGranted: true, extensionApprovedAt: { var: 'now' }, extensionApprovedBy: { var: 'actor.id' } },
                    },
                    denyExtension: {
                      target: 'working',
                      roles: ['governmentLeader'],
                      input: object({ extensionDenyReason: text('不予延期理由') }, ['extensionDenyReason']),
                      assign: copy('extensionDenyReason'),
                    },
                  },
                },
                draftReview: {
                  title: { zh: '未定稿审查', en: 'Draft under review' },
                  task: { title: { zh: '审查事故调查报告（未定稿）', en: 'Review the draft report' }, role: 'safetyCommitteeOffice' },
                  on: {
                    approveDraft: {
                      target: 'draftApproved',
                      roles: LISTING_AUTHORITY,
                      input: object({ draftReviewComments: text('审查意见') }),
                      assign: { ...copy('draftReviewComments'), draftApprovedAt: { var: 'now' } },
                    },
                    returnDraft: {
                      target: 'draftReturned',
                      roles: LISTING_AUTHORITY,
                      input: object({ draftReviewComments: text('修改意见') }, ['draftReviewComments']),
                      assign: { ...copy('draftReviewComments'), draftReturnCount: increment('draftReturnCount') },
                    },
                  },
                },
                draftReturned: {
                  title: { zh: '未定稿退回修改', en: 'Draft returned' },
                  task: { title: { zh: '修改调查报告（未定稿）', en: 'Revise the draft report' }, role: 'investigationTeamLead' },
                  on: {
                    resubmitDraft: {
                      target: 'draftReview',
                      roles: ['investigationTeamLead', 'investigationTeamMember'],
                      input: object({ draftReport: reportSections, evidenceList: texts('证据材料') }, ['draftReport']),
                      assign: { draftReport: { var: 'payload.draftReport' }, evidenceList: { if: [{ var: 'payload.evidenceList' }, { var: 'payload.evidenceList' }, { var: 'data.evidenceList' }] } },
                    },
                  },
                },
                draftApproved: {
                  title: { zh: '未定稿已审查同意', en: 'Draft approved' },
                  task: { title: { zh: '提交事故调查报告', en: 'Submit the investigation report' }, role: 'investigationTeamLead' },
                  on: { submitReport },
                },
              },
            },
          },
        },
        casualtyWindow: {
          title: { zh: '伤亡补报期', en: 'Casualty-update window' },
          initial: 'routing',
          states: {
            routing: {
              title: { zh: '确定补报期', en: 'Routing' },
              description: { zh: '瞬时状态：道路交通、火灾事故7日，其他30日', en: 'Transient: 7 days for road and fire, 30 otherwise' },
              always: [{ target: 'sevenDays', guard: { in: [{ var: 'data.accidentType' }, ['road', 'fire']] } }, { target: 'thirtyDays' }],
            },
            sevenDays: {
              title: { zh: '补报期（7日）', en: 'Window (7 days)' },
              task: { title: { zh: '伤亡人数变化时补报（7日内）', en: 'Report casualty changes (within 7 days)' }, role: 'regulatorReviewer' },
              deadlines: [
                {
                  id: 'casualtyUpdates',
                  title: { zh: '伤亡补报期', en: 'Casualty updates' },
                  duration: 'P7D',
                  anchor: { field: 'occurredAt' },
                  rollover: true,
                  legalBasis: withRollover({ zh: '条例第十三条：道路交通事故、火灾事故自发生之日起7日内伤亡人数变化的，应当及时补报', en: 'Order 493 Art. 13: road and fire accidents, 7 days' }),
                  onExpire: 'closeCasualtyWindow',
                },
              ],
              on: {
                updateCasualties: { roles: REGULATOR, input: object(casualtyFields, ['deaths', 'seriousInjuries', 'directLossCny']), assign: regradeAndCheckLevel },
                closeCasualtyWindow: { target: 'expired', roles: SYSTEM, assign: { casualtyWindowClosed: true, casualtyWindowClosedAt: { var: 'now' } } },
              },
            },
            thirtyDays: {
              title: { zh: '补报期（30日）', en: 'Window (30 days)' },
              task: { title: { zh: '伤亡人数变化时补报（30日内）', en: 'Report casualty changes (within 30 days)' }, role: 'regulatorReviewer' },
              deadlines: [
                {
                  id: 'casualtyUpdates',
                  title: { zh: '伤亡补报期', en: 'Casualty updates' },
                  duration: 'P30D',
                  anchor: { field: 'occurredAt' },
                  rollover: true,
                  legalBasis: withRollover({ zh: '条例第十三条、第二十条：自事故发生之日起30日内伤亡人数变化的，应当及时补报；等级变化的重新确定调查主体', en: 'Order 493 Arts. 13, 20: 30 days; a higher grade may move the investigation up' }),
                  onExpire: 'closeCasualtyWindow',
                },
              ],
              on: {
                updateCasualties: { roles: REGULATOR, input: object(casualtyFields, ['deaths', 'seriousInjuries', 'directLossCny']), assign: regradeAndCheckLevel },
                closeCasualtyWindow: { target: 'expired', roles: SYSTEM, assign: { casualtyWindowClosed: true, casualtyWindowClosedAt: { var: 'now' } } },
              },
            },
            expired: { type: 'final', title: { zh: '补报期已届满', en: 'Window closed' } },
          },
        },
      },
    },
    reportSubmitted: {
      title: { zh: '调查报告已提交', en: 'Report submitted' },
      description: { zh: '瞬时状态：特别重大事故批复期限30日，其他15日', en: 'Transient: 30 days to approve an extraordinary accident, 15 otherwise' },
      always: [{ target: 'approvingExtraordinary', guard: dataIs('grade', 'extraordinary') }, { target: 'approving' }],
    },
    approving: {
      title: { zh: '批复中', en: 'Approving' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '批复事故调查报告', en: 'Approve the investigation report' }, role: 'governmentLeader' },
      deadlines: [approvalDeadline('P15D', { zh: '条例第三十二条：重大、较大、一般事故自收到调查报告之日起15日内批复', en: 'Order 493 Art. 32: 15 days from receipt' })],
      on: { approve, markOverdue: markOverdue('approvalOverdue') },
    },
    approvingExtraordinary: {
      title: { zh: '批复中（特别重大事故）', en: 'Approving (extraordinary)' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '批复特别重大事故调查报告', en: 'Approve the extraordinary-accident report' }, role: 'governmentLeader' },
      deadlines: [
        approvalDeadline(
          'P30D',
          { zh: '条例第三十二条：特别重大事故30日内批复，特殊情况下可以适当延长，最长不超过30日', en: 'Order 493 Art. 32: 30 days, extensible by at most 30' },
          { roles: ['governmentLeader'], max: 'P30D', times: 1 },
        ),
      ],
      on: { approve, markOverdue: markOverdue('approvalOverdue') },
    },
    approved: {
      title: { zh: '已批复', en: 'Approved' },
      task: { title: { zh: '部署落实批复（处罚、处分、整改、教育）', en: 'Dispatch the handling of the approval' }, role: 'governmentLeader' },
      on: {
        spawnHandling: {
          target: 'handling',
          roles: ['system', 'governmentLeader', 'safetyCommitteeOffice'],
          // Art. 32: the approval is carried out. A penalty referral opens an enforcement case (linked, at the regulator);
          // a discipline referral goes to the 纪检监察机关; every corrective measure opens a hazard case, linked as a
          // child, that the gate waits for.
          assign: {
            penaltyReferredAt: { if: [{ var: 'data.penaltyReferralTo' }, { var: 'now' }, null] },
            penaltyCaseOrgs: { if: [{ var: 'data.penaltyReferralTo' }, { merge: [{ var: 'case.org' }] }, []] },
            disciplineReferredAt: { if: [{ var: 'data.disciplineReferralTo' }, { var: 'now' }, null] },
            measureHazards: { var: 'data.correctiveMeasures' },
          },
          spawn: {
            workflow: 'enforcement',
            forEach: 'penaltyCaseOrgs',
            handOver: { to: 'regulatorOf', org: { var: 'item' } },
            input: {
              partyName: { var: 'data.enterpriseName' },
              partyType: 'unit',
              violation: { cat: ['事故调查报告批复（', { var: 'data.approvalDocNo' }, '）认定的违法行为，移送', { var: 'data.penaltyReferralTo' }, '立案查处'] },
              source: 'accident',
              linkedCaseId: { var: 'case.id' },
            },
            // The decision and fine come back with the enforcement case's end (children[].result).
            collect: ['fineAmount', 'decision', 'decisionNo'],
          },
          notify: [
            // §8.3: on approval each condition owner gets an actionRequired notice.
            assigned(role('investigationTeamLead'), role('regulatorReviewer'), role('enterprisePrincipal')),
            // 党纪/政务处分 are the 纪检监察机关's (监察法 第十一条、第四十五条): it reports them in the gate.
            { ...assigned(role(SUPERVISORY_ROLE)), when: { '!!': { var: 'data.disciplineReferralTo' } } },
          ],
        },
      },
    },
    handling: {
      type: 'parallel',
      title: { zh: '批复落实', en: 'Handling' },
      onDone: { target: 'handled' },
      on: {
        // The investigating government above the place of the accident hands the four no-let-go follow-up to the local government.
        handOverFourNoPass: {
          roles: ['governmentLeader', 'safetyCommitteeOffice'],
          input: object({ fourNoPassOrg: text('承接“四不放过”落实的属地机构') }, ['fourNoPassOrg']),
          guard: { and: [{ '!': { var: 'data.fourNoPassHandedOverAt' } }, { '!=': [{ var: 'payload.fourNoPassOrg' }, { var: 'case.org' }] }] },
          guardMessage: { zh: '“四不放过”只交属地落实一次，且交给事故发生地的下级人民政府', en: 'The follow-up is handed over once, to the local government of the place of the accident' },
          assign: { ...copy('fourNoPassOrg'), fourNoPassOrgs: { merge: [{ var: 'payload.fourNoPassOrg' }] }, fourNoPassHandedOverAt: { var: 'now' } },
          spawn: {
            workflow: 'four-no-pass',
            forEach: 'fourNoPassOrgs',
            // Only to a government below the investigating one (属地): a neighbour or a superior is refused.
            handOver: { to: 'regulatorOf', org: { var: 'item' }, scope: 'below' },
            input: {
              accidentCaseId: { var: 'case.id' },
              accidentName: { cat: [{ var: 'data.enterpriseName' }, '（', { var: 'data.location' }, '）生产安全事故'] },
            },
            onChildDone: 'fourNoPassCaseEnded',
          },
        },
        // The local case closed: every condition it confirmed counts here (the measures only once their hazard cases are closed).
        fourNoPassCaseEnded: {
          roles: SYSTEM,
          assign: Object.fromEntries(
            FOUR_NO_PASS_CONDITIONS.map((c) => {
              const closedLocally: Expression = { some: [{ var: 'children' }, { and: [{ '==': [{ var: 'workflowId' }, 'four-no-pass'] }, { '==': [{ var: 'finalState' }, 'closed'] }] }] };
              const counts = c === 'measuresImplemented' ? { and: [closedLocally, { '!': openMeasureHazards }] } : closedLocally;
              return [statusField(c), { if: [counts, 'confirmed', { var: `data.${statusField(c)}` }] }];
            }),
          ),
        },
      },
      spawn: {
        workflow: 'hazard',
        forEach: 'measureHazards',
        input: {
          source: 'inspection',
          description: { cat: ['事故整改措施：', { var: 'item' }] },
          enterpriseId: { or: [{ var: 'data.enterpriseId' }, { var: 'data.enterpriseName' }] },
          location: { var: 'data.location' },
          sector: { var: 'data.sector' },
          foundAt: { var: 'now' },
        },
      },
      states: {
        fourNoPass: fourNoPassGate({ blockedEvents: BLOCKED_IN_HANDLING, restoreConfirmed: true }),
        publication: {
          title: { zh: '处理结果公布', en: 'Publication' },
          initial: 'pending',
          states: {
            pending: {
              title: { zh: '待公布', en: 'Pending' },
              task: { title: { zh: '向社会公布事故处理情况', en: 'Publish the handling result' }, role: 'governmentLeader' },
              always: { target: 'published', guard: { '!!': { var: 'data.handlingPublishedOn' } } },
              on: {
                publishHandlingResult: {
                  target: 'published',
                  roles: ['governmentLeader', 'safetyCommitteeOffice'],
                  input: object({ handlingPublicationUrl: uri('公开地址'), handlingPublishedOn: date('公布日期') }, ['handlingPublicationUrl', 'handlingPublishedOn']),
                  assign: copy('handlingPublicationUrl', 'handlingPublishedOn'),
                },
                ...Object.fromEntries(Object.entries(BLOCKED_IN_HANDLING).map(([e, roles]) => [e, unpublished(roles)])),
              },
            },
            published: { type: 'final', title: { zh: '已公布', en: 'Published' } },
          },
        },
      },
    },
    handled: {
      title: { zh: '批复已落实', en: 'Handled' },
      task: { title: { zh: '申请摘牌或结案', en: 'Request delisting or close the case' }, role: 'governmentLeader' },
      // §8.3: all four confirmed → the listing authority (delisting may proceed) and the investigating government (case may close).
      notify: [notice('gate-complete', 'info', role('safetyCommitteeOffice'), role('governmentLeader'))],
      on: {
        requestDelisting: {
          target: 'delistingRequested',
          roles: ['governmentLeader'],
          input: object({ closurePackage: texts('摘牌申请材料（批复、处理结果、整改落实、公开证明）') }, ['closurePackage']),
          guard: { and: [dataIs('listed', true), fourNoPassComplete] },
          guardMessage: { zh: '未挂牌督办的事故直接结案；“四不放过”须全部确认', en: 'An unlisted accident is closed directly; all four conditions must be confirmed' },
          assign: { ...copy('closurePackage'), delistingRequestedAt: { var: 'now' } },
        },
        closeCase: {
          ...closeCase({ '!': { var: 'data.listed' } }),
          guardMessage: { zh: '挂牌督办的事故须先摘牌；“四不放过”须全部确认', en: 'A listed accident is delisted first; all four conditions must be confirmed' },
        },
      },
    },
    delistingRequested: {
      title: { zh: '申请摘牌', en: 'Delisting requested' },
      task: { title: { zh: '审核摘牌申请', en: 'Review the delisting request' }, role: 'safetyCommitteeOffice' },
      on: {
        delist: {
          target: 'delisted',
          roles: ['safetyCommitteeLeader'],
          input: object({ delistingPublicationUrl: uri('摘牌公告地址') }, ['delistingPublicationUrl']),
          guard: fourNoPassComplete,
          guardMessage: fourNoPassCompleteMessage,
          assign: { ...copy('delistingPublicationUrl'), delistedAt: { var: 'now' } },
        },
        rejectDelisting: {
          target: 'handling',
          roles: LISTING_AUTHORITY,
          input: object({ delistingRejectReason: text('不同意摘牌理由'), reopenConditions: reopenConditionsField }, ['delistingRejectReason']),
          // Re-entering handling spawns nothing again: the measures' hazard cases already exist.
          assign: { ...copy('delistingRejectReason'), ...reopenFourNoPassConditions('reopenConditions'), delistingRejectCount: increment('delistingRejectCount'), measureHazards: [] },
        },
      },
    },
    delisted: {
      title: { zh: '已摘牌', en: 'Delisted' },
      task: { title: { zh: '结案并报备', en: 'Close and file the case' }, role: 'governmentLeader' },
      on: { closeCase: closeCase(dataIs('listed', true)) },
    },
    closed: {
      title: { zh: '已结案', en: 'Closed' },
      tags: ['closed'],
      task: { title: { zh: '组织整改措施落实情况评估', en: 'Organise the post-closure evaluation' }, role: 'safetyCommitteeOffice' },
      on: { startPostEvaluation: { target: 'postEvaluation', roles: ['system', 'safetyCommitteeOffice'] } },
    },
    postEvaluation: {
      title: { zh: '整改措施落实情况评估', en: 'Post-closure evaluation' },
      tags: ['closed', 'overdue-tracked'],
      initial: 'inProgress',
      deadlines: [
        {
          id: 'evaluation',
          title: { zh: '整改措施落实情况评估期限', en: 'Post-closure evaluation' },
          duration: 'P1Y',
          anchor: { field: 'approvedAt' },
          rollover: true,
          legalBasis: withRollover({
            zh: '《安全生产法》第八十六条、《生产安全事故防范和整改措施落实情况评估办法》：批复后一年内组织评估并公开',
            en: 'Work Safety Law Art. 86: evaluate within one year of the approval and publish',
          }),
          onExpire: 'markOverdue',
          notify: overdueNotice,
          // §8.3: evaluation due (approval + 11 months) → the safety committee office.
          remind: [{ before: '-P1M', notify: notice('due-soon', 'dueSoon', role('safetyCommitteeOffice')) }],
        },
      ],
      on: { markOverdue: markOverdue('evaluationOverdue') },
      states: {
        inProgress: {
          title: { zh: '评估中', en: 'In progress' },
          task: { title: { zh: '开展整改措施落实情况评估', en: 'Evaluate the corrective measures' }, role: 'safetyCommitteeOffice' },
          on: {
            submitEvaluationReport: {
              target: 'reportDrafted',
              roles: ['safetyCommitteeOffice', 'expert', 'assessmentAgency'],
              input: object(
                {
                  evaluationReportRef: text('评估报告'),
                  measuresFoundImplemented: flag('整改措施已落实'),
                  evaluationFindings: text('发现的问题'),
                  reopenedConditions: { type: 'array', title: '需重新落实的条件', items: oneOf('条件', FOUR_NO_PASS_CONDITIONS) },
                  accountabilityReferred: flag('已移交问责'),
                },
                ['evaluationReportRef', 'measuresFoundImplemented'],
              ),
              // Measures found not implemented must be traced to someone (Safety Law Art. 86).
              guard: { or: [{ var: 'payload.measuresFoundImplemented' }, { and: [{ '!!': { var: 'payload.evaluationFindings' } }, { '==': [{ var: 'payload.accountabilityReferred' }, true] }] }] },
              guardMessage: { zh: '整改措施未落实的，须写明问题并移交问责', en: 'Unimplemented measures need findings and an accountability referral' },
              assign: copy('evaluationReportRef', 'measuresFoundImplemented', 'evaluationFindings', 'reopenedConditions', 'accountabilityReferred'),
            },
          },
        },
        reportDrafted: {
          title: { zh: '评估报告待公开', en: 'Report drafted' },
          task: { title: { zh: '审定并公开评估结果', en: 'Approve and publish the evaluation' }, role: 'governmentLeader' },
          on: {
            publishEvaluation: {
              target: '#evaluated',
              roles: ['governmentLeader'],
              input: object({ evaluationPublicationUrl: uri('公开地址'), evaluationPublishedOn: date('公开日期') }, ['evaluationPublicationUrl', 'evaluationPublishedOn']),
              assign: copy('evaluationPublicationUrl', 'evaluationPublishedOn'),
            },
            returnEvaluation: {
              target: 'inProgress',
              roles: ['governmentLeader'],
              input: object({ evaluationReturnComment: text('退回意见') }, ['evaluationReturnComment']),
              assign: copy('evaluationReturnComment'),
            },
          },
        },
      },
    },
    evaluated: { type: 'final', title: { zh: '已评估并公开', en: 'Evaluated and published' }, tags: ['closed'] },
    investigationEscalated: {
      type: 'final',
      title: { zh: '已提级调查', en: 'Investigation moved up' },
      description: { zh: '事故等级升高，移交上级人民政府调查', en: 'The grade rose; the higher government investigates' },
      tags: ['transferred'],
      // The receiving government's regulator gets a linked case with the report, and sees it as an incoming case.
      spawn: {
        workflow: 'accident',
        forEach: 'escalationTargets',
        handOver: { to: 'regulatorOf', org: { var: 'item' } },
        input: {
          ...Object.fromEntries(Object.keys(reportFields).map((k) => [k, { var: `data.${k}` }])),
          escalatedFromCaseId: { var: 'case.id' },
          escalationReason: { var: 'data.escalationReason' },
          reportedAt: { var: 'data.reportedAt' },
        },
      },
    },
    dismissed: { type: 'final', title: { zh: '不予认定', en: 'Dismissed' }, description: { zh: '经核查不属于生产安全事故', en: 'Not a work-safety accident' }, tags: ['terminated'] },
  },
} satisfies WorkflowDefinitionInput;

