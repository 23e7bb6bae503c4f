/**
 * Workflow 1 — the hazard lifecycle (事故隐患排查治理), DOMAIN.md §5.
 *
 * Two ways in:
 * - A general hazard a company finds in its own check (source `selfCheck`,
 *   proposed grade general) is rectified, verified and written off by the
 *   company itself (16号令 第十五条): `selfRectifying` → `selfVerifying` →
 *   `closed`. The case lies in the company's org, so the regulator sees the
 *   record; an inspector may spot-check it (`spotCheck`) or take it over
 *   (`takeOver`, into regulator grading).
 * - Every other report (grid patrol, inspection, covert visit, tip-off,
 *   campaign, or a company's major hazard) goes to the regulator: triage
 *   (accept / reject / transfer) → grade → general path (order or on-the-spot
 *   fix) or major path (plan, review, optional stoppage, assessment, written
 *   application to resume, resumption review) → re-inspection → write-off.
 *
 * Modelling choices (all [A] unless DOMAIN tags them):
 * - `active` is parallel: `work` holds the handling, `listing` the listed
 *   supervision (挂牌督办) of a major hazard with its own clocks — publication
 *   within 5 working days, then the listing deadline — and its overdue flag.
 *   A listed hazard that passes acceptance waits in `work.delistingPending`
 *   until the listing is lifted and the lifting published (摘牌); only then is
 *   it written off.
 * - "Overdue" is a flag, not a state: every deadline expires with `markOverdue`
 *   (`markListingOverdue` for the listing), sent by `system`.
 * - Dated clocks read data fields (`dueField`): `planDeadline`,
 *   `rectificationDue`, `listingDeadline`. The resumption review runs from
 *   the receipt of the written application (`resumptionApplicationReceivedAt`).
 * - Submitting a general hazard's rectification enters `verifying` at once,
 *   so the regulator's 10-day re-inspection clock starts on receipt.
 * - Escalation: 3 working days after the rectification deadline a written
 *   reminder; at 10 the leaders, and for a major hazard a supervision letter
 *   (督办函) case opened at the regulator, linked to this one and naming the
 *   responsible unit. A rework count reaching `REWORK_LIMIT` alerts the
 *   leaders. Extensions must be asked for at least `EXTENSION_LEAD` before the
 *   deadline (the window closes by timer) and, for a major hazard, cannot go
 *   past one year from its determination (`majorCap`).
 * - A transfer (移交) ends this case as `transferred` and opens a linked case
 *   at the receiving regulator (hand-over rule `regulatorOf`), which starts in
 *   triage there.
 */
import { defineWorkflow } from '../engine/index.js';
import { titlesOf } from './enum-titles.js';
import { assigned, notice, role } from './notices.js';

const ENTERPRISE = ['enterpriseSafetyOfficer', 'enterprisePrincipal'];
const REGULATOR = ['inspector', 'regulatorReviewer', 'regulatorLeader'];
const TRIAGE = ['townshipSafetyOffice', 'regulatorReviewer'];
/** Returns for rework (failed re-inspection, refused resumption) after which the leaders are alerted. */
export const REWORK_LIMIT = 2;
/** How long before the rectification deadline an extension request must arrive. */
export const EXTENSION_LEAD = '3 workdays';

const text = (title: string) => ({ type: 'string', title, minLength: 1 }) as const;
const date = (title: string) => ({ type: 'string', title, format: 'date' }) as const;
const instant = (title: string) => ({ type: 'string', title, format: 'date-time' }) as const;
const flag = (title: string) => ({ type: 'boolean', title }) as const;
const files = (title: string) => ({ type: 'array', title, items: { type: 'string', minLength: 1, contentMediaType: 'image/*' }, minItems: 1 }) as const;
const GRADES = ['general', 'major'];

/** Copies payload fields into data fields of the same name (absent optional fields become null). */
const copy = (...names: string[]) => Object.fromEntries(names.map((n) => [n, { var: `payload.${n}` }]));
const isGrade = (grade: string) => ({ '==': [{ var: 'data.grade' }, grade] });
const increment = (field: string) => ({ '+': [{ var: `data.${field}` }, 1] });
/** The same calendar date one year later (`YYYY-MM-DD`, compared as text), from an ISO date or instant. */
const oneYearAfter = (expr: unknown) => ({ cat: [{ '+': [{ substr: [expr, 0, 4] }, 1] }, { substr: [expr, 4, 6] }] });
const selfCheckGeneral = { and: [{ '==': [{ var: 'payload.source' }, 'selfCheck'] }, { '==': [{ var: 'payload.proposedGrade' }, 'general'] }] };

/** The onExpire handler every deadline-carrying state declares: flags the case, stays put. */
const overdueHandler = (flagField: string, deadlineField: string) =>
  ({
    roles: ['system'],
    input: { type: 'object', properties: { deadlineId: { type: 'string', title: '到期的期限' } } },
    assign: { [flagField]: true, [deadlineField]: { var: 'payload.deadlineId' } },
  }) as const;
const markOverdue = overdueHandler('overdue', 'overdueDeadline');

const dueSoon = [{ before: '-3 workdays', notify: 'due-soon' }];

const ENTERPRISE_ROLES = [role('enterprisePrincipal'), role('enterpriseSafetyOfficer')];
const LEADERS = [role('regulatorLeader'), role('safetyCommitteeLeader')];
const reporter = { field: 'reportedBy' };
/** After an enterprise deadline: a written reminder (催办), then the leaders, when a supervision letter is due. */
const enterpriseLadder = [
  { after: '3 workdays', notify: notice('reminder-letter', 'escalated', ...ENTERPRISE_ROLES) },
  { after: '10 workdays', notify: notice('escalated', 'escalated', ...LEADERS) },
];
/** After a regulator deadline: the superior. */
const regulatorLadder = (superior: string) => [{ after: '2 workdays', notify: notice('escalated', 'escalated', role(superior)) }];

const reportFields = {
  source: { type: 'string', title: '隐患来源', enum: ['selfCheck', 'gridPatrol', 'inspection', 'covertInspection', 'tipOff', 'campaign'], enumTitles: titlesOf(['selfCheck', 'gridPatrol', 'inspection', 'covertInspection', 'tipOff', 'campaign']) },
  location: text('隐患位置'),
  gridId: { ...text('所属网格'), refersTo: 'org' },
  enterpriseId: { ...text('生产经营单位'), refersTo: 'enterprise' },
  sector: text('行业领域'),
  description: text('隐患描述'),
  photos: files('现场照片、视频'),
  foundAt: instant('发现时间'),
  proposedGrade: { type: 'string', title: '建议等级', enum: GRADES },
  hazardCategory: text('隐患类别'),
  tipOffCaseId: text('举报件编号'),
} as const;
/** A self-check report also names the company's own deadline. */
const submitFields = { ...reportFields, rectificationDeadline: date('整改期限') } as const;
const submitRequired = ['source', 'location', 'enterpriseId', 'sector', 'description', 'photos', 'foundAt', 'hazardCategory'];
const submitAssign = {
  ...copy(...Object.keys(reportFields)),
  reportedBy: { var: 'actor.id' },
  submittedAt: { var: 'now' },
  reworkCount: 0,
  extensionCount: 0,
  extensionRequested: false,
  extensionWindowClosed: false,
  listed: false,
  suspended: false,
  overdue: false,
};

const hazardReportFields = { statusAndCause: text('隐患现状及其产生原因'), harmAndDifficulty: text('隐患的危害程度和整改难易程度分析') } as const;
const planFields = {
  objectivesAndTasks: text('治理的目标和任务'),
  methodsAndMeasures: text('采取的方法和措施'),
  fundsAndMaterials: text('经费和物资的落实'),
  responsibleOrgAndPersons: text('负责治理的机构和人员'),
  timeLimitAndRequirements: text('治理的时限和要求'),
  safetyAndEmergencyMeasures: text('安全措施和应急预案'),
} as const;
const congressFields = { reportedOn: date('报告日期'), summary: text('报告内容及职工代表意见') } as const;
const rectificationInput = {
  type: 'object',
  properties: {
    rectificationEvidence: files('整改证明材料'),
    rectificationCost: { type: 'number', title: '整改资金（元）', minimum: 0 },
    completedOn: date('整改完成日期'),
    rectificationSummary: text('整改情况说明'),
  },
  required: ['rectificationEvidence', 'rectificationCost', 'completedOn'],
} as const;
const rectificationAssign = { ...copy('rectificationEvidence', 'rectificationCost', 'completedOn', 'rectificationSummary'), extensionRequested: false, submittedRectificationAt: { var: 'now' } };
const spotCheck = {
  roles: ['inspector'],
  input: { type: 'object', properties: { spotCheckRecord: text('抽查记录') }, required: ['spotCheckRecord'] },
  assign: { ...copy('spotCheckRecord'), spotCheckedAt: { var: 'now' }, spotCheckedBy: { var: 'actor.id' } },
} as const;
const takeOver = {
  target: 'active',
  roles: ['inspector'],
  input: { type: 'object', properties: { takeOverReason: text('纳入监管整改的理由') }, required: ['takeOverReason'] },
  assign: { ...copy('takeOverReason'), acceptedBy: { var: 'actor.id' }, acceptedAt: { var: 'now' } },
} as const;
/** A return for rework that reaches the definition's limit alerts the leaders. */
const reworkAlert = notice('rework-escalated', 'escalated', ...LEADERS);
const reworkLimitReached = { '>=': [{ var: 'data.reworkCount' }, REWORK_LIMIT] };
/**
 * The linked cases an escalation opens at the regulator that governs the
 * hazard's org (as the supervision letter): 约谈 of the responsible unit, then
 * 通报 criticising it. The office completes and the leader approves or signs
 * each (nothing is sent by a timer alone).
 */
const atRegulator = { to: 'regulatorOf', org: { var: 'case.org' } } as const;
/**
 * The regulator's tasks (triage, grading, the order, re-inspection) go where routing sends the case (the
 * township or the supervising department the rule names; 管行业必须管安全), else to the case's org.
 */
const routed = { var: 'case.routedOrg' };
const interviewSpawn = (source: 'hazardOverdue' | 'hazardRework', reason: string) => ({
  workflow: 'interview',
  handOver: atRegulator,
  input: {
    intervieweeOrg: { var: 'data.enterpriseId' },
    intervieweeName: { var: 'data.responsibleUnit' },
    reason: { cat: [reason, '：', { var: 'data.description' }] },
    matters: { merge: [{ cat: ['督促', { var: 'data.responsibleUnit' }, '落实重大事故隐患整改责任，限期整改到位'] }] },
    legalBasis: '《安全生产约谈实施办法（试行）》；《安全生产事故隐患排查治理暂行规定》第二十条',
    source,
    linkedCaseId: { var: 'case.id' },
  },
});
const circularSpawn = (reason: string) => ({
  workflow: 'circular',
  handOver: atRegulator,
  input: {
    title: { cat: ['关于', { var: 'data.responsibleUnit' }, reason, '的通报'] },
    kind: 'criticism',
    body: { cat: ['经查，', { var: 'data.responsibleUnit' }, '（', { var: 'data.location' }, '）存在重大事故隐患：', { var: 'data.description' }, '。', reason, '，现予通报批评。'] },
    criticisedUnits: { merge: [{ var: 'data.responsibleUnit' }] },
    source: 'hazardOverdue',
    linkedCaseId: { var: 'case.id' },
  },
});
const plusOne = { '+': [{ var: 'data.reworkCount' }, 1] };
/**
 * A return for rework by the regulator of a major hazard: reaching the limit
 * opens an interview of the responsible unit, the next return a circular;
 * each once. A general hazard's returns only alert the leaders.
 */
const reworkLadder = <T extends Record<string, unknown>>(t: T) => [
  { ...t, guard: { and: [isGrade('major'), { '==': [plusOne, REWORK_LIMIT] }] }, spawn: interviewSpawn('hazardRework', '重大事故隐患经复查多次整改不合格') },
  { ...t, guard: { and: [isGrade('major'), { '==': [plusOne, REWORK_LIMIT + 1] }] }, spawn: circularSpawn('重大事故隐患多次整改不合格') },
  { ...t, guard: { '!': { and: [isGrade('major'), { in: [plusOne, [REWORK_LIMIT, REWORK_LIMIT + 1]] }] } } },
];

/** Closing: a listed hazard first waits for its delisting. */
const acceptAndClose = (roles: string[], input: Record<string, unknown>, assign: Record<string, unknown>) => [
  { target: 'delistingPending', roles, input, guard: { '==': [{ var: 'data.listed' }, true] }, assign: { ...assign, rectificationAccepted: true } },
  { target: '#closed', roles, input, guard: { '!=': [{ var: 'data.listed' }, true] }, assign: { ...assign, rectificationAccepted: true, closedAt: { var: 'now' } } },
];

export const hazardWorkflow = defineWorkflow({
  id: 'hazard',
  version: 2,
  title: { zh: '事故隐患排查治理', en: 'Hazard lifecycle' },
  caseTitle: '{{enterpriseId}} {{location}}：{{description}}',
  description: { zh: '隐患上报、受理、分级、整改（一般、重大）、复查验收、挂牌督办至销号；企业自查的一般隐患由企业自行整改销号', en: 'Report, triage, grade, rectify (general or major), re-inspect, list and write off a hazard; a company rectifies and closes the general hazards of its own check' },
  roles: ['enterpriseSafetyOfficer', 'enterprisePrincipal', 'gridOfficer', 'townshipSafetyOffice', 'inspector', 'regulatorReviewer', 'regulatorLeader', 'safetyCommitteeOffice', 'safetyCommitteeLeader', 'expert', 'assessmentAgency', 'system'],
  data: {
    type: 'object',
    properties: {
      ...reportFields,
      reportedBy: text('上报人'),
      submittedAt: instant('上报时间'),
      cancelReason: text('撤回原因'),
      dedupeKey: text('查重键'),
      acceptComment: text('受理意见'),
      acceptedBy: text('受理人'),
      acceptedAt: instant('受理时间'),
      rejectReason: { type: 'string', title: '不予受理原因', enum: ['notAHazard', 'duplicate', 'insufficientInfo'], enumTitles: titlesOf(['notAHazard', 'duplicate', 'insufficientInfo']) },
      rejectComment: text('不予受理说明'),
      duplicateOf: text('重复的隐患编号'),
      transferOrg: text('接收单位'),
      transferTarget: text('接收部门'),
      transferReason: text('移交原因'),
      transferOrgs: { type: 'array', title: '接收单位', items: text('接收单位') },
      transferredFromCaseId: text('移交来的隐患编号'),
      transferredFromOrg: text('移交单位'),
      grade: { type: 'string', title: '隐患等级', enum: GRADES },
      criteriaItemId: text('重大事故隐患判定标准条款'),
      gradingEvidence: files('判定依据材料'),
      responsibleUnit: text('整改责任单位'),
      rectificationDeadline: date('整改期限'),
      fixedOnSpot: flag('已现场整改'),
      gradedBy: text('分级人'),
      gradedAt: instant('分级时间'),
      majorCap: date('重大事故隐患治理期限上限'),
      orderNo: text('责令限期整改指令书编号'),
      orderDeadline: date('指令书整改期限'),
      measures: text('整改措施要求'),
      photosBefore: files('整改前照片'),
      photosAfter: files('整改后照片'),
      planDeadline: date('治理方案报送期限'),
      suspended: flag('停产停业（停止使用）'),
      suspensionScope: { type: 'string', title: '停产范围', enum: ['full', 'partial'], enumTitles: titlesOf(['full', 'partial']) },
      hazardReport: { type: 'object', title: '重大事故隐患报告', properties: hazardReportFields, required: Object.keys(hazardReportFields) },
      rectificationPlan: { type: 'object', title: '重大事故隐患治理方案', properties: planFields, required: Object.keys(planFields) },
      workersCongressReport: { type: 'object', title: '向职工代表大会报告情况', properties: congressFields, required: Object.keys(congressFields) },
      interimControls: text('治理期间的临时管控措施'),
      approvedDeadline: date('批准的治理期限'),
      approvalComment: text('审批意见'),
      listingRecommended: flag('建议挂牌督办'),
      returnComments: text('退回修改意见'),
      listed: flag('挂牌督办'),
      listingName: text('挂牌督办事项名称'),
      supervisedMatters: text('督办事项'),
      listingDeadline: date('挂牌督办期限'),
      delistingMethod: text('摘牌方式'),
      listedAt: instant('挂牌时间'),
      listingPublication: text('挂牌公告（发布渠道、文号或网址）'),
      listingPublishedAt: instant('挂牌公告时间'),
      listingOverdue: flag('挂牌督办事项逾期'),
      listingOverdueDeadline: { type: 'string', title: '逾期的挂牌督办期限' },
      delistingNotice: text('摘牌通知'),
      delistingPublication: text('摘牌公告（发布渠道、文号或网址）'),
      delisted: flag('已摘牌'),
      delistedAt: instant('摘牌时间'),
      rectificationDue: date('当前整改期限'),
      rectificationEvidence: files('整改证明材料'),
      rectificationCost: { type: 'number', title: '整改资金（元）', minimum: 0 },
      completedOn: date('整改完成日期'),
      rectificationSummary: text('整改情况说明'),
      submittedRectificationAt: instant('报告整改完成时间'),
      extensionRequested: flag('延期申请待审批'),
      extensionWindowClosed: flag('已过延期申请期限'),
      extensionReason: text('延期理由'),
      requestedDeadline: date('申请延至'),
      extensionCount: { type: 'integer', title: '已批准延期次数', minimum: 0 },
      extensionDenyReason: text('不予延期理由'),
      assessorType: { type: 'string', title: '评估主体', enum: ['ownExperts', 'qualifiedAgency'] },
      assessorName: text('评估人、评估机构'),
      assessmentReport: text('评估报告'),
      resumptionApplication: text('恢复生产书面申请'),
      resumptionApplicationReceivedAt: instant('收到恢复生产申请时间'),
      onSiteReviewRecord: text('现场审查记录'),
      resumptionApprovedAt: instant('同意恢复生产时间'),
      defects: { type: 'array', title: '存在问题', items: text('问题'), minItems: 1 },
      reinspectionOpinion: text('复查意见'),
      signatures: files('复查人员签名'),
      rectificationAccepted: flag('已复查验收合格'),
      reworkCount: { type: 'integer', title: '退回重新整改次数', minimum: 0 },
      selfVerificationRecord: text('企业验收记录'),
      selfVerifiedBy: text('企业验收人'),
      selfClosed: flag('企业自行销号'),
      spotCheckRecord: text('抽查记录'),
      spotCheckedAt: instant('抽查时间'),
      spotCheckedBy: text('抽查人'),
      takeOverReason: text('纳入监管整改的理由'),
      letterOrgs: { type: 'array', title: '督办函发往的机构', items: text('机构') },
      supervisionLetterOpenedAt: instant('发出督办函时间'),
      escalatedAt: instant('升级督办时间'),
      interviewOpenedAt: instant('提请约谈时间'),
      circularOpenedAt: instant('提请通报时间'),
      overdue: flag('已逾期'),
      overdueDeadline: { type: 'string', title: '逾期的期限' },
      lastWarning: text('最近一次预警叫应'),
      warnedAt: instant('预警时间'),
      warningCount: { type: 'integer', title: '预警叫应次数', minimum: 0, default: 0 },
      closedAt: instant('销号时间'),
      jointAcceptedAt: instant('联合验收通过时间'),
    },
  },
  events: {
    submit: { title: { zh: '上报', en: 'Submit' } },
    cancel: { title: { zh: '撤回', en: 'Cancel' } },
    accept: { title: { zh: '受理', en: 'Accept' } },
    reject: { title: { zh: '不予受理', en: 'Reject' } },
    transfer: { title: { zh: '移交', en: 'Transfer' } },
    grade: { title: { zh: '分级', en: 'Grade' } },
    openInterview: { title: { zh: '提请约谈', en: 'Open an interview' } },
    openCircular: { title: { zh: '提请通报', en: 'Open a circular' } },
    issueOrder: { title: { zh: '下达整改指令书', en: 'Issue rectification order' } },
    fixOnSpot: { title: { zh: '现场整改', en: 'Fixed on the spot' } },
    requirePlan: { title: { zh: '责令制定治理方案', en: 'Require a rectification plan' } },
    submitPlan: { title: { zh: '报送重大事故隐患报告及治理方案', en: 'Submit the report and plan' } },
    approvePlan: { title: { zh: '批准治理方案', en: 'Approve the plan' } },
    returnPlan: { title: { zh: '退回治理方案', en: 'Return the plan' } },
    list: { title: { zh: '挂牌督办', en: 'List for supervision' } },
    publishListing: { title: { zh: '公告挂牌督办', en: 'Publish the listing' } },
    markListingOverdue: { title: { zh: '标记挂牌督办逾期', en: 'Mark the listing overdue' } },
    delist: { title: { zh: '摘牌并公告', en: 'Delist and publish' } },
    submitRectification: { title: { zh: '报告整改完成', en: 'Submit rectification' } },
    requestExtension: { title: { zh: '申请延期', en: 'Request an extension' } },
    grantExtension: { title: { zh: '批准延期', en: 'Grant the extension' } },
    denyExtension: { title: { zh: '不予延期', en: 'Deny the extension' } },
    closeExtensionWindow: { title: { zh: '延期申请期限届满', en: 'Extension window closed' } },
    openSupervisionLetter: { title: { zh: '发出督办函', en: 'Open a supervision letter' } },
    startAssessment: { title: { zh: '委托评估', en: 'Start assessment' } },
    assessmentDone: { title: { zh: '提交评估报告', en: 'Assessment done' } },
    applyForResumption: { title: { zh: '提出恢复生产书面申请', en: 'Apply to resume' } },
    approveResumption: { title: { zh: '同意恢复生产', en: 'Approve resumption' } },
    denyResumption: { title: { zh: '不同意恢复生产', en: 'Deny resumption' } },
    pass: { title: { zh: '复查通过', en: 'Pass re-inspection' } },
    jointAccepted: { title: { zh: '联合验收通过', en: 'Joint acceptance passed' } },
    jointRejected: { title: { zh: '联合验收未通过', en: 'Joint acceptance failed' } },
    fail: { title: { zh: '复查不通过', en: 'Fail re-inspection' } },
    selfVerify: { title: { zh: '企业验收合格并销号', en: 'Verified and closed by the company' } },
    selfReject: { title: { zh: '企业验收不合格', en: 'Failed the company check' } },
    spotCheck: { title: { zh: '抽查', en: 'Spot-check' } },
    takeOver: { title: { zh: '纳入监管整改', en: 'Take over' } },
    markOverdue: { title: { zh: '标记逾期', en: 'Mark overdue' } },
    issueWarning: { title: { zh: '预警叫应', en: 'Acknowledged warning' } },
  },
  initial: 'draft',
  states: {
    draft: {
      title: { zh: '草稿', en: 'Draft' },
      task: { title: { zh: '填报隐患', en: 'Fill in the hazard report' }, role: 'enterpriseSafetyOfficer' },
      // A case opened by a transfer (移交) arrives complete and goes straight to triage.
      always: { target: 'reported', guard: { '!!': { var: 'data.transferredFromCaseId' } } },
      on: {
        submit: [
          {
            // 16号令 第十五条: the company fixes a general hazard of its own check itself.
            target: 'selfRectifying',
            roles: ENTERPRISE,
            input: { type: 'object', properties: submitFields, required: submitRequired },
            guard: { and: [selfCheckGeneral, { '!!': { var: 'payload.rectificationDeadline' } }] },
            guardMessage: { zh: '企业自查发现的一般事故隐患由企业自行整改，须写明整改期限', en: 'A general hazard of a company\'s own check is fixed by the company: give its deadline' },
            assign: { ...submitAssign, grade: 'general', responsibleUnit: { var: 'payload.enterpriseId' }, ...copy('rectificationDeadline'), rectificationDue: { var: 'payload.rectificationDeadline' } },
          },
          {
            target: 'reported',
            roles: [...ENTERPRISE, 'gridOfficer', 'inspector', 'system'],
            input: { type: 'object', properties: submitFields, required: submitRequired },
            guard: { '!': selfCheckGeneral },
            guardMessage: { zh: '企业自查发现的一般事故隐患由企业自行整改，须写明整改期限', en: 'A general hazard of a company\'s own check is fixed by the company: give its deadline' },
            assign: submitAssign,
          },
        ],
        cancel: {
          target: 'cancelled',
          roles: [...ENTERPRISE, 'gridOfficer', 'inspector'],
          input: { type: 'object', properties: { cancelReason: text('撤回原因') }, required: ['cancelReason'] },
          assign: ['cancelReason'],
        },
      },
    },
    selfRectifying: {
      title: { zh: '企业自行整改', en: 'Company rectifying' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '落实隐患整改', en: 'Rectify the hazard' }, role: 'enterpriseSafetyOfficer' },
      deadlines: [
        {
          id: 'selfRectification',
          title: { zh: '整改期限', en: 'Rectification' },
          duration: '5 workdays',
          dueField: 'rectificationDue',
          legalBasis: {
            zh: '《安全生产事故隐患排查治理暂行规定》第十五条：一般事故隐患由生产经营单位负责人或者有关人员立即组织整改；期限以企业确定的日期为准',
            en: 'SAWS Order No. 16 Art. 15: a general hazard is fixed at once by the unit; due at the date the company set',
          },
          onExpire: 'markOverdue',
          notify: 'overdue',
          remind: dueSoon,
          escalate: [{ after: '3 workdays', notify: notice('reminder-letter', 'escalated', ...ENTERPRISE_ROLES) }],
        },
      ],
      on: {
        submitRectification: { target: 'selfVerifying', roles: ['enterpriseSafetyOfficer'], input: rectificationInput, assign: rectificationAssign },
        spotCheck,
        takeOver,
        markOverdue,
      },
    },
    selfVerifying: {
      title: { zh: '企业验收', en: 'Company verification' },
      task: { title: { zh: '组织验收整改结果', en: 'Verify the rectification' }, role: 'enterprisePrincipal' },
      notify: [assigned(role('enterprisePrincipal'))],
      on: {
        selfVerify: {
          target: '#closed',
          roles: ['enterprisePrincipal'],
          input: { type: 'object', properties: { selfVerificationRecord: text('验收记录') }, required: ['selfVerificationRecord'] },
          assign: { ...copy('selfVerificationRecord'), selfVerifiedBy: { var: 'actor.id' }, selfClosed: true, closedAt: { var: 'now' } },
        },
        selfReject: {
          target: 'selfRectifying',
          roles: ['enterprisePrincipal'],
          input: { type: 'object', properties: { selfVerificationRecord: text('验收意见'), newDeadline: date('重新整改期限') }, required: ['selfVerificationRecord', 'newDeadline'] },
          assign: { ...copy('selfVerificationRecord'), rectificationDue: { var: 'payload.newDeadline' }, reworkCount: increment('reworkCount') },
        },
        spotCheck,
        takeOver,
      },
    },
    reported: {
      title: { zh: '已上报', en: 'Reported' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '受理隐患报告', en: 'Triage the report' }, role: 'regulatorReviewer', org: routed },
      notify: [assigned(role('regulatorReviewer', routed), role('townshipSafetyOffice'))],
      deadlines: [
        {
          id: 'triage',
          title: { zh: '受理期限', en: 'Triage' },
          duration: '3 workdays',
          legalBasis: { zh: '本地工作规范：收到隐患报告后3个工作日内决定受理、不予受理或者移交', en: 'Local practice: accept, reject or transfer within 3 working days' },
          onExpire: 'markOverdue',
          notify: 'overdue',
          escalate: regulatorLadder('regulatorLeader'),
        },
      ],
      on: {
        accept: {
          target: 'active',
          roles: TRIAGE,
          input: {
            type: 'object',
            properties: { jurisdictionConfirmed: flag('确认属本辖区管辖'), dedupeKey: text('查重键'), acceptComment: text('受理意见') },
            required: ['jurisdictionConfirmed', 'dedupeKey'],
          },
          guard: { '==': [{ var: 'payload.jurisdictionConfirmed' }, true] },
          guardMessage: { zh: '须确认属本辖区管辖；不属于的请移交', en: 'Confirm jurisdiction first; otherwise transfer the case' },
          assign: { ...copy('dedupeKey', 'acceptComment'), acceptedBy: { var: 'actor.id' }, acceptedAt: { var: 'now' } },
        },
        reject: {
          target: 'rejected',
          roles: TRIAGE,
          input: {
            type: 'object',
            properties: {
              rejectReason: { type: 'string', title: '不予受理原因', enum: ['notAHazard', 'duplicate', 'insufficientInfo'], enumTitles: titlesOf(['notAHazard', 'duplicate', 'insufficientInfo']) },
              rejectComment: text('说明'),
              duplicateOf: text('重复的隐患编号'),
            },
            required: ['rejectReason'],
          },
          assign: ['rejectReason', 'rejectComment', 'duplicateOf'],
        },
        transfer: {
          target: 'transferred',
          roles: TRIAGE,
          input: {
            type: 'object',
            properties: { transferOrg: text('接收单位'), transferTarget: text('接收部门'), transferReason: text('移交原因') },
            required: ['transferOrg', 'transferTarget', 'transferReason'],
          },
          assign: { ...copy('transferOrg', 'transferTarget', 'transferReason'), transferOrgs: { merge: [{ var: 'payload.transferOrg' }] } },
        },
        markOverdue,
      },
    },
    active: {
      title: { zh: '处置中', en: 'Active' },
      type: 'parallel',
      on: {
        issueWarning: {
          roles: ['inspector', 'regulatorLeader', 'system'],
          input: { type: 'object', properties: { warning: text('预警内容（如极端天气下的临时危险）') }, required: ['warning'] },
          guard: isGrade('major'),
          guardMessage: { zh: '预警叫应针对重大事故隐患', en: 'Acknowledged warnings are for major hazards' },
          assign: { lastWarning: { var: 'payload.warning' }, warnedAt: { var: 'now' }, warningCount: increment('warningCount') },
          notify: [
            {
              template: 'acknowledged-warning',
              kind: 'acknowledgedWarning',
              to: [role('enterprisePrincipal')],
              ack: { within: 'PT30M', chain: [[role('gridOfficer')], [role('townshipSafetyOffice')]] },
            },
          ],
        },
      },
      states: {
        listing: {
          title: { zh: '挂牌督办', en: 'Listing' },
          initial: 'unlisted',
          states: {
            unlisted: {
              title: { zh: '未挂牌', en: 'Not listed' },
              on: {
                list: {
                  target: 'publishing',
                  roles: ['safetyCommitteeLeader'],
                  input: {
                    type: 'object',
                    properties: { name: text('挂牌督办事项名称'), supervisedMatters: text('督办事项'), deadline: date('督办期限'), delistingMethod: text('摘牌方式') },
                    required: ['name', 'supervisedMatters', 'deadline', 'delistingMethod'],
                  },
                  // 16号令 第二十条: listed supervision is for major hazards.
                  guard: isGrade('major'),
                  guardMessage: { zh: '挂牌督办针对重大事故隐患', en: 'Only a major hazard is listed' },
                  assign: {
                    listed: true,
                    listingName: { var: 'payload.name' },
                    supervisedMatters: { var: 'payload.supervisedMatters' },
                    listingDeadline: { var: 'payload.deadline' },
                    delistingMethod: { var: 'payload.delistingMethod' },
                    listedAt: { var: 'now' },
                  },
                },
              },
            },
            publishing: {
              title: { zh: '挂牌待公告', en: 'Listing to publish' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '公告挂牌督办信息', en: 'Publish the listing' }, role: 'safetyCommitteeOffice' },
              notify: [assigned(role('safetyCommitteeOffice'))],
              deadlines: [
                {
                  id: 'listingPublication',
                  title: { zh: '挂牌公告期限', en: 'Listing publication' },
                  duration: '5 workdays',
                  legalBasis: { zh: '本地重大事故隐患挂牌督办规定：挂牌督办后5个工作日内向社会公告', en: 'Local listing rule: publish within 5 working days of the listing' },
                  onExpire: 'markListingOverdue',
                  notify: 'overdue',
                  escalate: regulatorLadder('safetyCommitteeLeader'),
                },
              ],
              on: {
                publishListing: {
                  target: 'listed',
                  roles: ['safetyCommitteeOffice'],
                  input: { type: 'object', properties: { listingPublication: text('公告发布渠道、文号或网址') }, required: ['listingPublication'] },
                  assign: { ...copy('listingPublication'), listingPublishedAt: { var: 'now' } },
                  notify: [notice('listing-published', 'info', ...ENTERPRISE_ROLES, ...LEADERS)],
                },
                markListingOverdue: overdueHandler('listingOverdue', 'listingOverdueDeadline'),
              },
            },
            listed: {
              title: { zh: '挂牌督办中', en: 'Listed' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '跟踪挂牌督办事项', en: 'Follow the listed matters' }, role: 'safetyCommitteeOffice' },
              deadlines: [
                {
                  id: 'listing',
                  title: { zh: '挂牌督办期限', en: 'Listing deadline' },
                  duration: 'P1Y',
                  dueField: 'listingDeadline',
                  legalBasis: { zh: '挂牌督办通知书载明的督办期限', en: 'The deadline the listing notice sets' },
                  onExpire: 'markListingOverdue',
                  notify: notice('overdue', 'overdue', role('safetyCommitteeOffice'), ...ENTERPRISE_ROLES),
                  remind: [{ before: '-3 workdays', notify: notice('due-soon', 'dueSoon', role('safetyCommitteeOffice'), ...ENTERPRISE_ROLES) }],
                  escalate: [{ after: '2 workdays', notify: notice('escalated', 'escalated', role('safetyCommitteeLeader')) }],
                },
              ],
              on: { markListingOverdue: overdueHandler('listingOverdue', 'listingOverdueDeadline') },
            },
          },
        },
        work: {
          title: { zh: '隐患处置', en: 'Handling' },
          initial: 'accepted',
          states: {
            accepted: {
              title: { zh: '已受理', en: 'Accepted' },
              task: { title: { zh: '隐患分级', en: 'Grade the hazard' }, role: 'inspector', org: routed },
              notify: [assigned(role('inspector', routed))],
              on: {
                grade: {
                  target: 'graded',
                  roles: ['inspector', 'expert'],
                  input: {
                    type: 'object',
                    properties: {
                      grade: { type: 'string', title: '隐患等级', enum: GRADES },
                      criteriaItemId: text('重大事故隐患判定标准条款'),
                      gradingEvidence: files('判定依据材料'),
                      responsibleUnit: text('整改责任单位'),
                      rectificationDeadline: date('整改期限'),
                      fixedOnSpot: flag('已现场整改'),
                    },
                    required: ['grade', 'responsibleUnit', 'rectificationDeadline'],
                  },
                  // A major grade must cite the criteria item (判定标准条款) and its evidence.
                  guard: { or: [{ '==': [{ var: 'payload.grade' }, 'general'] }, { and: [{ '!!': { var: 'payload.criteriaItemId' } }, { '!!': { var: 'payload.gradingEvidence' } }] }] },
                  guardMessage: { zh: '重大事故隐患须写明判定标准条款并附判定依据', en: 'A major hazard needs the criteria item and evidence' },
                  assign: {
                    ...copy('grade', 'criteriaItemId', 'gradingEvidence', 'responsibleUnit', 'rectificationDeadline', 'fixedOnSpot'),
                    gradedBy: { var: 'actor.id' },
                    gradedAt: { var: 'now' },
                    majorCap: { if: [{ '==': [{ var: 'payload.grade' }, 'major'] }, oneYearAfter({ var: 'now' }), null] },
                  },
                },
              },
            },
            graded: {
              title: { zh: '已分级', en: 'Graded' },
              description: { zh: '按隐患等级分别处置', en: 'Transient: branches on the grade' },
              always: [
                { target: 'generalGraded', guard: isGrade('general') },
                { target: 'majorGraded', guard: isGrade('major') },
              ],
            },
            generalGraded: {
              title: { zh: '一般隐患待处置', en: 'General hazard: order pending' },
              task: { title: { zh: '下达整改指令或确认现场整改', en: 'Issue an order or record the on-the-spot fix' }, role: 'inspector', org: routed },
              notify: [assigned(role('inspector', routed))],
              on: {
                issueOrder: {
                  target: 'rectifying',
                  roles: ['inspector'],
                  input: {
                    type: 'object',
                    properties: { orderDeadline: date('整改期限'), measures: text('整改措施要求') },
                    required: ['orderDeadline', 'measures'],
                  },
                  // 责令限期整改指令书的文号 is taken from the counter of the inspector's org (the issuing authority), never typed.
                  docNumber: { field: 'orderNo', series: 'rectificationOrder', org: 'actor' },
                  assign: { ...copy('orderNo', 'orderDeadline', 'measures'), rectificationDue: { var: 'payload.orderDeadline' } },
                },
                fixOnSpot: {
                  target: 'verifying',
                  roles: ['inspector'],
                  input: { type: 'object', properties: { photosBefore: files('整改前照片'), photosAfter: files('整改后照片') }, required: ['photosBefore', 'photosAfter'] },
                  guard: { '==': [{ var: 'data.fixedOnSpot' }, true] },
                  guardMessage: { zh: '分级时未确认已现场整改', en: 'The hazard was not recorded as fixed on the spot' },
                  assign: ['photosBefore', 'photosAfter'],
                },
              },
            },
            majorGraded: {
              title: { zh: '重大隐患待责令治理', en: 'Major hazard: plan order pending' },
              task: { title: { zh: '责令制定治理方案', en: 'Order a rectification plan' }, role: 'inspector', org: routed },
              // A major hazard also goes to the safety committee, which decides on listing.
              notify: [assigned(role('inspector', routed)), notice('task-assigned', 'info', role('safetyCommitteeLeader'))],
              on: {
                requirePlan: {
                  target: 'planPending',
                  roles: REGULATOR,
                  input: {
                    type: 'object',
                    properties: {
                      planDeadline: date('方案报送期限'),
                      suspendProduction: flag('责令停产停业（停止使用）'),
                      suspensionScope: { type: 'string', title: '停产范围', enum: ['full', 'partial'] },
                    },
                    required: ['planDeadline', 'suspendProduction'],
                  },
                  assign: { ...copy('planDeadline', 'suspensionScope'), suspended: { var: 'payload.suspendProduction' } },
                },
              },
            },
            planPending: {
              title: { zh: '待报送治理方案', en: 'Plan pending' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '报送重大事故隐患报告及治理方案', en: 'Submit the major-hazard report and plan' }, role: 'enterprisePrincipal' },
              notify: [assigned(...ENTERPRISE_ROLES)],
              deadlines: [
                {
                  id: 'planSubmission',
                  title: { zh: '治理方案报送期限', en: 'Plan submission' },
                  duration: '10 workdays',
                  dueField: 'planDeadline',
                  legalBasis: {
                    zh: '《安全生产事故隐患排查治理暂行规定》第十四条、第十五条：重大事故隐患及时报告，由主要负责人组织制定治理方案；报送期限以责令文书载明的日期为准',
                    en: 'SAWS Order No. 16 Arts. 14–15: report a major hazard promptly, its principal officer has the plan drawn up; due at the date the order sets',
                  },
                  onExpire: 'markOverdue',
                  notify: 'overdue',
                  remind: dueSoon,
                  escalate: enterpriseLadder,
                },
              ],
              on: {
                submitPlan: {
                  target: 'planReview',
                  roles: ['enterprisePrincipal'],
                  input: {
                    type: 'object',
                    properties: {
                      hazardReport: { type: 'object', title: '重大事故隐患报告', properties: hazardReportFields, required: Object.keys(hazardReportFields) },
                      rectificationPlan: { type: 'object', title: '治理方案', properties: planFields, required: Object.keys(planFields) },
                      workersCongressReport: { type: 'object', title: '向职工代表大会报告情况', properties: congressFields, required: Object.keys(congressFields) },
                      interimControls: text('临时管控措施'),
                    },
                    required: ['hazardReport', 'rectificationPlan', 'workersCongressReport'],
                  },
                  assign: ['hazardReport', 'rectificationPlan', 'workersCongressReport', 'interimControls'],
                },
                markOverdue,
              },
            },
            planReview: {
              title: { zh: '治理方案审查', en: 'Plan review' },
              task: { title: { zh: '审批治理方案', en: 'Review the plan' }, role: 'regulatorLeader' },
              notify: [assigned(role('regulatorLeader'))],
              on: {
                approvePlan: {
                  target: 'rectifying',
                  roles: ['regulatorLeader'],
                  input: {
                    type: 'object',
                    properties: { approvedDeadline: date('批准的治理期限'), approvalComment: text('审批意见'), listingRecommended: flag('建议挂牌督办') },
                    required: ['approvedDeadline'],
                  },
                  guard: { '<=': [{ var: 'payload.approvedDeadline' }, { var: 'data.majorCap' }] },
                  guardMessage: { zh: '重大事故隐患治理期限自认定之日起不得超过1年', en: 'A major hazard is fixed within one year of its determination' },
                  assign: { ...copy('approvedDeadline', 'approvalComment', 'listingRecommended'), rectificationDue: { var: 'payload.approvedDeadline' } },
                },
                returnPlan: {
                  target: 'planPending',
                  roles: ['regulatorReviewer'],
                  input: { type: 'object', properties: { returnComments: text('修改意见'), planDeadline: date('重新报送期限') }, required: ['returnComments', 'planDeadline'] },
                  assign: copy('returnComments', 'planDeadline'),
                },
              },
            },
            rectifying: {
              title: { zh: '整改中', en: 'Rectifying' },
              tags: ['overdue-tracked'],
              initial: 'ongoing',
              deadlines: [
                {
                  id: 'rectification',
                  title: { zh: '整改期限', en: 'Rectification' },
                  duration: 'P1Y',
                  dueField: 'rectificationDue',
                  legalBasis: {
                    zh: '《安全生产事故隐患排查治理暂行规定》第十五条、第二十条：按责令限期整改指令书或者批准的治理方案确定的期限整改；本地规定：重大事故隐患治理期限自认定之日起最长1年，延期须在期限届满3个工作日前申请',
                    en: 'SAWS Order No. 16 Arts. 15, 20: the deadline of the order or approved plan; local rule: a major hazard within one year, extensions asked 3 working days ahead',
                  },
                  onExpire: 'markOverdue',
                  notify: notice('overdue', 'overdue', role('enterpriseSafetyOfficer')),
                  remind: [
                    { before: '-3 workdays', notify: notice('due-soon', 'dueSoon', role('enterpriseSafetyOfficer')) },
                    { before: `-${EXTENSION_LEAD}`, event: 'closeExtensionWindow' },
                  ],
                  escalate: [
                    enterpriseLadder[0]!,
                    { after: '10 workdays', event: 'openSupervisionLetter', notify: notice('escalated', 'escalated', ...LEADERS) },
                    // Still not rectified under the letter: 约谈 of the responsible unit, then 通报.
                    { after: '15 workdays', event: 'openInterview', notify: notice('escalated', 'escalated', ...LEADERS) },
                    { after: '20 workdays', event: 'openCircular', notify: notice('escalated', 'escalated', ...LEADERS) },
                  ],
                },
              ],
              on: {
                submitRectification: [
                  // The regulator's re-inspection clock starts on receipt.
                  { target: 'verifying', roles: ['enterpriseSafetyOfficer'], input: rectificationInput, guard: isGrade('general'), assign: rectificationAssign },
                  { target: 'rectificationSubmitted', roles: ['enterpriseSafetyOfficer'], input: rectificationInput, guard: isGrade('major'), assign: rectificationAssign },
                ],
                requestExtension: {
                  roles: ENTERPRISE,
                  input: { type: 'object', properties: { extensionReason: text('延期理由'), requestedDeadline: date('申请延至') }, required: ['extensionReason', 'requestedDeadline'] },
                  guard: {
                    and: [
                      { '!': { var: 'data.extensionRequested' } },
                      { '!': { var: 'data.extensionWindowClosed' } },
                      { '>': [{ var: 'payload.requestedDeadline' }, { var: 'data.rectificationDue' }] },
                      { or: [isGrade('general'), { '<=': [{ var: 'payload.requestedDeadline' }, { var: 'data.majorCap' }] }] },
                    ],
                  },
                  guardMessage: {
                    zh: '延期须在整改期限届满3个工作日前申请，申请日期须晚于当前期限，重大事故隐患治理期限自认定之日起不得超过1年，且不得重复申请',
                    en: 'Ask 3 working days before the deadline, for a later date, within one year for a major hazard, one request at a time',
                  },
                  assign: { ...copy('extensionReason', 'requestedDeadline'), extensionRequested: true },
                  notify: [assigned(role('regulatorLeader'))],
                },
                grantExtension: {
                  // Re-enter so the rectification clock restarts from the new due date.
                  target: 'rectifying',
                  reenter: true,
                  roles: ['regulatorLeader'],
                  input: { type: 'object', properties: { grantedDeadline: date('批准延至（默认为申请日期）') } },
                  guard: {
                    and: [
                      { '==': [{ var: 'data.extensionRequested' }, true] },
                      { or: [isGrade('general'), { '<=': [{ or: [{ var: 'payload.grantedDeadline' }, { var: 'data.requestedDeadline' }] }, { var: 'data.majorCap' }] }] },
                    ],
                  },
                  guardMessage: { zh: '没有待审批的延期申请，或者批准日期超过重大事故隐患1年治理期限', en: 'No extension request is pending, or the date passes the one-year limit' },
                  assign: {
                    rectificationDue: { or: [{ var: 'payload.grantedDeadline' }, { var: 'data.requestedDeadline' }] },
                    extensionRequested: false,
                    extensionWindowClosed: false,
                    extensionCount: increment('extensionCount'),
                  },
                },
                denyExtension: {
                  roles: ['regulatorLeader'],
                  input: { type: 'object', properties: { extensionDenyReason: text('不予延期理由') }, required: ['extensionDenyReason'] },
                  guard: { '==': [{ var: 'data.extensionRequested' }, true] },
                  guardMessage: { zh: '没有待审批的延期申请', en: 'No extension request is pending' },
                  assign: { ...copy('extensionDenyReason'), extensionRequested: false },
                },
                closeExtensionWindow: { roles: ['system'], assign: { extensionWindowClosed: true } },
                markOverdue,
                openInterview: [
                  { roles: ['system'], guard: isGrade('major'), assign: { interviewOpenedAt: { var: 'now' } }, spawn: interviewSpawn('hazardOverdue', '重大事故隐患逾期未整改') },
                  { roles: ['system'], guard: isGrade('general') },
                ],
                openCircular: [
                  { roles: ['system'], guard: isGrade('major'), assign: { circularOpenedAt: { var: 'now' } }, spawn: circularSpawn('重大事故隐患逾期未整改') },
                  { roles: ['system'], guard: isGrade('general') },
                ],
              },
              states: {
                ongoing: {
                  title: { zh: '整改中', en: 'Rectifying' },
                  task: { title: { zh: '落实隐患整改', en: 'Rectify the hazard' }, role: 'enterpriseSafetyOfficer' },
                  notify: [assigned(...ENTERPRISE_ROLES)],
                  on: {
                    openSupervisionLetter: [
                      // A major hazard still not fixed: a supervision letter to the responsible unit, linked to this case.
                      { target: 'letterOpened', roles: ['system'], guard: isGrade('major'), assign: { letterOrgs: { merge: [{ var: 'case.org' }] }, supervisionLetterOpenedAt: { var: 'now' }, escalatedAt: { var: 'now' } } },
                      { roles: ['system'], guard: isGrade('general'), assign: { escalatedAt: { var: 'now' } } },
                    ],
                  },
                },
                letterOpened: {
                  title: { zh: '整改中（已发督办函）', en: 'Rectifying under a supervision letter' },
                  task: { title: { zh: '落实隐患整改', en: 'Rectify the hazard' }, role: 'enterpriseSafetyOfficer' },
                  spawn: {
                    workflow: 'supervision-letter',
                    forEach: 'letterOrgs',
                    handOver: { to: 'regulatorOf', org: { var: 'case.org' } },
                    input: {
                      title: { cat: ['关于督促整改重大事故隐患的督办函（', { var: 'data.responsibleUnit' }, '）'] },
                      basis: '《安全生产事故隐患排查治理暂行规定》第二十条；重大事故隐患逾期未完成整改',
                      matters: { cat: ['督促', { var: 'data.responsibleUnit' }, '在限期内完成重大事故隐患整改：', { var: 'data.description' }] },
                      linkedCaseIds: { merge: [{ var: 'case.id' }] },
                      proposedUnit: { var: 'data.responsibleUnit' },
                      proposedUnitOrg: { var: 'case.org' },
                    },
                  },
                },
              },
            },
            rectificationSubmitted: {
              title: { zh: '整改完成待评估', en: 'Rectification submitted, to assess' },
              task: { title: { zh: '委托治理效果评估', en: 'Commission the assessment' }, role: 'enterprisePrincipal' },
              notify: [assigned(role('enterprisePrincipal'))],
              on: {
                startAssessment: {
                  target: 'assessing',
                  roles: ENTERPRISE,
                  input: {
                    type: 'object',
                    properties: { assessorType: { type: 'string', title: '评估主体', enum: ['ownExperts', 'qualifiedAgency'] }, assessorName: text('评估人、评估机构') },
                    required: ['assessorType', 'assessorName'],
                  },
                  assign: ['assessorType', 'assessorName'],
                },
              },
            },
            assessing: {
              title: { zh: '治理效果评估', en: 'Assessing' },
              task: { title: { zh: '评估治理效果', en: 'Assess the rectification' }, role: 'expert' },
              notify: [assigned(role('expert'), role('assessmentAgency'))],
              on: {
                assessmentDone: [
                  {
                    target: 'resumptionApplicationPending',
                    roles: ['expert', 'assessmentAgency'],
                    input: { type: 'object', properties: { assessmentReport: text('评估报告') }, required: ['assessmentReport'] },
                    guard: { '==': [{ var: 'data.suspended' }, true] },
                    assign: ['assessmentReport'],
                  },
                  {
                    // Not stopped: the assessment completes the submission; the departments accept it jointly (联合验收).
                    target: 'jointAcceptance',
                    roles: ['expert', 'assessmentAgency'],
                    input: { type: 'object', properties: { assessmentReport: text('评估报告') }, required: ['assessmentReport'] },
                    guard: { '!=': [{ var: 'data.suspended' }, true] },
                    assign: ['assessmentReport'],
                  },
                ],
              },
            },
            jointAcceptance: {
              title: { zh: '联合验收', en: 'Joint acceptance' },
              // 会签: enforcement, review and the safety committee office each sign; the leader may add (加签) or remove (减签) a department.
              task: {
                title: { zh: '重大隐患治理联合验收签字', en: 'Sign the joint acceptance' },
                role: 'regulatorLeader',
                sign: { signers: [{ role: 'inspector' }, { role: 'regulatorReviewer' }, { role: 'safetyCommitteeOffice' }], rule: 'all', onApprove: 'jointAccepted', onReject: 'jointRejected', manage: ['regulatorLeader'] },
              },
              notify: [assigned(role('inspector'), role('regulatorReviewer'), role('safetyCommitteeOffice'))],
              on: {
                jointAccepted: acceptAndClose(['system'], { type: 'object', properties: {} }, { jointAcceptedAt: { var: 'now' } }),
                // One department refusing sends the rectification back; repeated rework escalates as a failed re-inspection does.
                jointRejected: reworkLadder({
                  target: 'rectifying',
                  roles: ['system'],
                  assign: { reworkCount: increment('reworkCount'), extensionWindowClosed: false },
                  notify: [{ ...reworkAlert, when: reworkLimitReached }],
                }),
              },
            },
            resumptionApplicationPending: {
              title: { zh: '待提出恢复生产申请', en: 'Awaiting the application to resume' },
              task: { title: { zh: '提出恢复生产书面申请', en: 'Apply in writing to resume' }, role: 'enterprisePrincipal' },
              notify: [assigned(role('enterprisePrincipal'))],
              on: {
                applyForResumption: {
                  target: 'resumptionReview',
                  roles: ['enterprisePrincipal'],
                  input: {
                    type: 'object',
                    properties: { resumptionApplication: text('恢复生产书面申请（含治理方案内容、项目和评估报告）'), receivedAt: instant('收到申请时间（默认当前时间）') },
                    required: ['resumptionApplication'],
                  },
                  assign: { ...copy('resumptionApplication'), resumptionApplicationReceivedAt: { or: [{ var: 'payload.receivedAt' }, { var: 'now' }] } },
                },
              },
            },
            resumptionReview: {
              title: { zh: '恢复生产审查', en: 'Resumption review' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '审查恢复生产申请', en: 'Review the resumption application' }, role: 'regulatorLeader' },
              notify: [assigned(role('regulatorLeader'))],
              deadlines: [
                {
                  id: 'resumptionReview',
                  title: { zh: '恢复生产审查期限', en: 'Resumption review' },
                  duration: 'P10D',
                  rollover: true,
                  anchor: { field: 'resumptionApplicationReceivedAt' },
                  legalBasis: {
                    zh: '《安全生产事故隐患排查治理暂行规定》第二十三条：收到生产经营单位恢复生产的申请报告后10日内进行现场审查',
                    en: 'SAWS Order No. 16 Art. 23: on-site review within 10 days of receiving the application to resume',
                  },
                  onExpire: 'markOverdue',
                  notify: 'overdue',
                  escalate: regulatorLadder('safetyCommitteeLeader'),
                },
              ],
              on: {
                approveResumption: acceptAndClose(
                  ['regulatorLeader'],
                  { type: 'object', properties: { onSiteReviewRecord: text('现场审查记录') }, required: ['onSiteReviewRecord'] },
                  { ...copy('onSiteReviewRecord'), suspended: false, resumptionApprovedAt: { var: 'now' } },
                ),
                denyResumption: reworkLadder({
                  target: 'rectifying',
                  roles: ['regulatorLeader'],
                  input: {
                    type: 'object',
                    properties: { defects: { type: 'array', title: '存在问题', items: text('问题'), minItems: 1 }, newDeadline: date('重新整改期限') },
                    required: ['defects', 'newDeadline'],
                  },
                  assign: { ...copy('defects'), rectificationDue: { var: 'payload.newDeadline' }, reworkCount: increment('reworkCount'), extensionWindowClosed: false },
                  notify: [{ ...reworkAlert, when: reworkLimitReached }],
                }),
                markOverdue,
              },
            },
            verifying: {
              title: { zh: '复查验收', en: 'Verifying' },
              tags: ['overdue-tracked'],
              task: { title: { zh: '复查验收', en: 'Re-inspect' }, role: 'inspector', org: routed },
              // 退回: a completion report the inspector cannot re-inspect (evidence missing) goes back to the enterprise
              // with a reason; the rectification deadline stands (a new one is only set by 复查不合格, `fail`).
              sendBack: { to: ['active.work.rectifying'], roles: ['inspector'] },
              // 拿回: the enterprise takes its submitted report back until the inspector has opened the task.
              takeBack: true,
              notify: [assigned(role('inspector'))],
              deadlines: [
                {
                  id: 'verification',
                  title: { zh: '复查期限', en: 'Re-inspection' },
                  duration: 'P10D',
                  rollover: true,
                  legalBasis: {
                    zh: '《安全生产违法行为行政处罚办法》：自收到整改完成报告或者整改期限届满之日起10日内进行复查',
                    en: 'Rules on administrative penalties for work-safety violations: re-inspect within 10 days of the completion report or the deadline',
                  },
                  onExpire: 'markOverdue',
                  notify: 'overdue',
                  escalate: regulatorLadder('regulatorLeader'),
                },
              ],
              on: {
                // Only general hazards are re-inspected here (a major one is accepted jointly), and only major ones are listed: it closes.
                pass: acceptAndClose(
                  ['inspector', 'gridOfficer'],
                  { type: 'object', properties: { reinspectionOpinion: text('复查意见'), signatures: files('复查人员签名') }, required: ['reinspectionOpinion', 'signatures'] },
                  copy('reinspectionOpinion', 'signatures'),
                ).slice(1),
                fail: {
                  target: 'rectifying',
                  roles: ['inspector'],
                  input: { type: 'object', properties: { reinspectionOpinion: text('复查意见'), newDeadline: date('重新整改期限') }, required: ['reinspectionOpinion', 'newDeadline'] },
                  assign: { ...copy('reinspectionOpinion'), rectificationDue: { var: 'payload.newDeadline' }, reworkCount: increment('reworkCount'), extensionWindowClosed: false },
                  notify: [{ ...reworkAlert, when: reworkLimitReached }],
                },
                markOverdue,
              },
            },
            delistingPending: {
              title: { zh: '验收合格待摘牌', en: 'Accepted, to delist' },
              task: { title: { zh: '摘牌并公告', en: 'Delist and publish' }, role: 'safetyCommitteeLeader' },
              notify: [assigned(role('safetyCommitteeLeader'))],
              on: {
                delist: {
                  target: '#closed',
                  roles: ['safetyCommitteeLeader'],
                  input: {
                    type: 'object',
                    properties: { delistingNotice: text('摘牌通知'), delistingPublication: text('摘牌公告发布渠道、文号或网址') },
                    required: ['delistingNotice', 'delistingPublication'],
                  },
                  assign: { ...copy('delistingNotice', 'delistingPublication'), delisted: true, delistedAt: { var: 'now' }, closedAt: { var: 'now' } },
                  notify: [notice('delisting-published', 'info', ...ENTERPRISE_ROLES, ...LEADERS)],
                },
              },
            },
          },
        },
      },
    },
    rejected: { type: 'final', title: { zh: '不予受理', en: 'Rejected' }, tags: ['terminated'], notify: [notice('rejected', 'info', reporter)] },
    transferred: {
      type: 'final',
      title: { zh: '已移交', en: 'Transferred' },
      description: { zh: '已移交接收单位，由其另行立案处置', en: 'Handed to the receiving body, which opens its own linked case' },
      tags: ['terminated'],
      notify: [notice('transferred', 'info', reporter)],
      // 移交: the receiving regulator gets a linked case of its own, starting in triage.
      spawn: {
        workflow: 'hazard',
        forEach: 'transferOrgs',
        handOver: { to: 'regulatorOf', org: { var: 'data.transferOrg' } },
        input: {
          ...Object.fromEntries(Object.keys(reportFields).map((k) => [k, { var: `data.${k}` }])),
          reportedBy: { var: 'data.reportedBy' },
          submittedAt: { var: 'data.submittedAt' },
          transferTarget: { var: 'data.transferTarget' },
          transferReason: { var: 'data.transferReason' },
          transferredFromCaseId: { var: 'case.id' },
          transferredFromOrg: { var: 'case.org' },
          reworkCount: 0,
          extensionCount: 0,
          extensionRequested: false,
          extensionWindowClosed: false,
          listed: false,
          suspended: false,
          overdue: false,
        },
      },
    },
    cancelled: { type: 'final', title: { zh: '已撤回', en: 'Cancelled' }, tags: ['terminated'] },
    closed: {
      type: 'final',
      title: { zh: '已销号', en: 'Closed' },
      description: { zh: '隐患已整改销号', en: 'Written off' },
      tags: ['closed'],
      notify: [notice('case-closed', 'closed', reporter, role('enterpriseSafetyOfficer'))],
    },
  },
});
