/**
 * Workflow 1 — the hazard lifecycle (事故隐患排查治理), DOMAIN.md §5.
 *
 * Report → triage (accept / reject / transfer) → grade → general path (order or
 * on-the-spot fix) or major path (plan, review, optional production stoppage,
 * assessment, resumption review) → re-inspection → write-off (销号).
 *
 * Modelling choices (all [A] unless DOMAIN tags them):
 * - Every state after acceptance sits in the compound `active`, which handles
 *   `list` (挂牌督办) as a targetless transition: listing sets `data.listed`
 *   without leaving the current state. `suspended` is a data flag too.
 * - "Overdue" is a flag, not a state: every deadline expires with `markOverdue`
 *   (sent by `system`), a targetless transition setting `data.overdue`.
 * - Dated clocks read data fields (`dueField`), which every way into their state
 *   sets: `planDeadline` (plan order, plan returned) and `rectificationDue`
 *   (order deadline, approved plan deadline, new deadline after a failed
 *   re-inspection or a refused resumption, granted extension). The `duration`
 *   beside a `dueField` is the policy default a form may propose.
 * - DOMAIN's "enterprise" actor is `enterpriseSafetyOfficer` or
 *   `enterprisePrincipal`; "regulator" is `inspector`, `regulatorReviewer` or
 *   `regulatorLeader`.
 * - Notifications (DOMAIN §5.6): entering a human state tells its task role
 *   (the draft excepted: its author is filling it in); every deadline sends
 *   `overdue` when it falls due and escalates after it (enterprise deadlines:
 *   a written reminder at +3 working days, the leaders at +10, when DOMAIN
 *   §5.4 would start a supervision letter; regulator deadlines: the superior
 *   at +2); the reporter hears of rejection, transfer and write-off; a
 *   listing is published. `issueWarning` sends the acknowledged warning (叫应)
 *   of a major hazard facing interim danger: enterprise principal, then the
 *   grid officer, then the township safety office.
 */
import { defineWorkflow } from '../engine/index.js';
import { titlesOf } from './labels.js';
import { assigned, notice, role } from './notices.js';

const ENTERPRISE = ['enterpriseSafetyOfficer', 'enterprisePrincipal'];
const REGULATOR = ['inspector', 'regulatorReviewer', 'regulatorLeader'];
const TRIAGE = ['townshipSafetyOffice', 'regulatorReviewer'];

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

/** The onExpire handler every deadline-carrying state declares: flags the case, stays put. */
const markOverdue = {
  roles: ['system'],
  input: { type: 'object', properties: { deadlineId: { type: 'string', title: '到期的期限' } } },
  assign: { overdue: true, overdueDeadline: { var: 'payload.deadlineId' } },
} as const;

const dueSoon = [{ before: '-3 workdays', notify: 'due-soon' }];

const ENTERPRISE_ROLES = [role('enterprisePrincipal'), role('enterpriseSafetyOfficer')];
const reporter = { field: 'reportedBy' };
/** After an enterprise deadline: a written reminder (催办), then the leaders, when a supervision letter is due. */
const enterpriseLadder = [
  { after: '3 workdays', notify: notice('reminder-letter', 'escalated', ...ENTERPRISE_ROLES) },
  { after: '10 workdays', notify: notice('escalated', 'escalated', role('regulatorLeader'), role('safetyCommitteeLeader')) },
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
  photos: files('现场照片/视频'),
  foundAt: instant('发现时间'),
  proposedGrade: { type: 'string', title: '建议等级', enum: GRADES, enumTitles: titlesOf(GRADES) },
  hazardCategory: text('隐患类别（判定标准）'),
  tipOffCaseId: text('举报件编号'),
} as const;

const hazardReportFields = { statusAndCause: text('隐患现状及其产生原因'), harmAndDifficulty: text('隐患的危害程度和整改难易程度分析') } as const;
const planFields = {
  objectivesAndTasks: text('治理的目标和任务'),
  methodsAndMeasures: text('采取的方法和措施'),
  fundsAndMaterials: text('经费和物资的落实'),
  responsibleOrgAndPersons: text('负责治理的机构和人员'),
  timeLimitAndRequirements: text('治理的时限和要求'),
  safetyAndEmergencyMeasures: text('安全措施和应急预案'),
} as const;

export const hazardWorkflow = defineWorkflow({
  id: 'hazard',
  version: 1,
  title: { zh: '事故隐患排查治理', en: 'Hazard lifecycle' },
  caseTitle: '{{enterpriseId}} {{location}}：{{description}}',
  description: { zh: '隐患上报、受理、分级、整改（一般/重大）、复查验收至销号', en: 'Report, triage, grade, rectify (general or major), re-inspect and write off a hazard' },
  roles: ['enterpriseSafetyOfficer', 'enterprisePrincipal', 'gridOfficer', 'townshipSafetyOffice', 'inspector', 'regulatorReviewer', 'regulatorLeader', 'safetyCommitteeLeader', 'expert', 'assessmentAgency', 'system'],
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
      transferTarget: text('移交部门'),
      transferReason: text('移交原因'),
      grade: { type: 'string', title: '隐患等级', enum: GRADES, enumTitles: titlesOf(GRADES) },
      criteriaItemId: text('重大事故隐患判定标准条款'),
      gradingEvidence: files('判定依据材料'),
      responsibleUnit: text('整改责任单位'),
      rectificationDeadline: date('整改期限（分级时确定）'),
      fixedOnSpot: flag('已现场整改'),
      gradedBy: text('分级人'),
      gradedAt: instant('分级时间'),
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
      rectificationDue: date('当前整改期限'),
      rectificationEvidence: files('整改证明材料'),
      rectificationCost: { type: 'number', title: '整改资金（元）', minimum: 0 },
      completedOn: date('整改完成日期'),
      rectificationSummary: text('整改情况说明'),
      extensionRequested: flag('延期申请待审批'),
      extensionReason: text('延期理由'),
      requestedDeadline: date('申请延至'),
      extensionCount: { type: 'integer', title: '已批准延期次数', minimum: 0 },
      extensionDenyReason: text('不予延期理由'),
      assessorType: { type: 'string', title: '评估主体', enum: ['ownExperts', 'qualifiedAgency'], enumTitles: titlesOf(['ownExperts', 'qualifiedAgency']) },
      assessorName: text('评估人/评估机构'),
      assessmentReport: text('评估报告'),
      onSiteReviewRecord: text('现场审查记录'),
      resumptionApprovedAt: instant('同意恢复生产时间'),
      defects: { type: 'array', title: '存在问题', items: text('问题'), minItems: 1 },
      reinspectionOpinion: text('复查意见'),
      signatures: files('复查人员签名'),
      reworkCount: { type: 'integer', title: '退回重新整改次数', minimum: 0 },
      overdue: flag('已逾期'),
      overdueDeadline: { type: 'string', title: '逾期的期限' },
      lastWarning: text('最近一次叫应预警'),
      warnedAt: instant('预警时间'),
      warningCount: { type: 'integer', title: '叫应预警次数', minimum: 0, default: 0 },
      closedAt: instant('销号时间'),
    },
  },
  events: {
    submit: { title: { zh: '上报', en: 'Submit' } },
    cancel: { title: { zh: '撤回', en: 'Cancel' } },
    accept: { title: { zh: '受理', en: 'Accept' } },
    reject: { title: { zh: '不予受理', en: 'Reject' } },
    transfer: { title: { zh: '移交', en: 'Transfer' } },
    grade: { title: { zh: '分级', en: 'Grade' } },
    issueOrder: { title: { zh: '下达整改指令书', en: 'Issue rectification order' } },
    fixOnSpot: { title: { zh: '现场整改', en: 'Fixed on the spot' } },
    requirePlan: { title: { zh: '责令制定治理方案', en: 'Require a rectification plan' } },
    submitPlan: { title: { zh: '报送治理方案', en: 'Submit the plan' } },
    approvePlan: { title: { zh: '批准治理方案', en: 'Approve the plan' } },
    returnPlan: { title: { zh: '退回治理方案', en: 'Return the plan' } },
    list: { title: { zh: '挂牌督办', en: 'List for supervision' } },
    submitRectification: { title: { zh: '报告整改完成', en: 'Submit rectification' } },
    requestExtension: { title: { zh: '申请延期', en: 'Request an extension' } },
    grantExtension: { title: { zh: '批准延期', en: 'Grant the extension' } },
    denyExtension: { title: { zh: '不予延期', en: 'Deny the extension' } },
    startVerify: { title: { zh: '开始复查', en: 'Start re-inspection' } },
    startAssessment: { title: { zh: '委托评估', en: 'Start assessment' } },
    assessmentDone: { title: { zh: '提交评估报告', en: 'Assessment done' } },
    approveResumption: { title: { zh: '同意恢复生产', en: 'Approve resumption' } },
    denyResumption: { title: { zh: '不同意恢复生产', en: 'Deny resumption' } },
    pass: { title: { zh: '复查通过', en: 'Pass re-inspection' } },
    fail: { title: { zh: '复查不通过', en: 'Fail re-inspection' } },
    markOverdue: { title: { zh: '标记逾期', en: 'Mark overdue' } },
    issueWarning: { title: { zh: '叫应预警', en: 'Acknowledged warning' } },
  },
  initial: 'draft',
  states: {
    draft: {
      title: { zh: '草稿', en: 'Draft' },
      task: { title: { zh: '填报隐患', en: 'Fill in the hazard report' }, role: 'enterpriseSafetyOfficer' },
      on: {
        submit: {
          target: 'reported',
          roles: [...ENTERPRISE, 'gridOfficer', 'inspector', 'system'],
          input: {
            type: 'object',
            properties: reportFields,
            required: ['source', 'location', 'enterpriseId', 'sector', 'description', 'photos', 'foundAt', 'hazardCategory'],
          },
          assign: {
            ...copy(...Object.keys(reportFields)),
            reportedBy: { var: 'actor.id' },
            submittedAt: { var: 'now' },
            reworkCount: 0,
            extensionCount: 0,
            extensionRequested: false,
            listed: false,
            suspended: false,
            overdue: false,
          },
        },
        cancel: {
          target: 'cancelled',
          roles: [...ENTERPRISE, 'gridOfficer', 'inspector'],
          input: { type: 'object', properties: { cancelReason: text('撤回原因') }, required: ['cancelReason'] },
          assign: ['cancelReason'],
        },
      },
    },
    reported: {
      title: { zh: '已上报', en: 'Reported' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '受理隐患报告', en: 'Triage the report' }, role: 'regulatorReviewer' },
      notify: [assigned(role('regulatorReviewer'), role('townshipSafetyOffice'))],
      deadlines: [
        {
          id: 'triage',
          title: { zh: '受理期限', en: 'Triage' },
          duration: '3 workdays',
          legalBasis: { zh: '受理/初核 1–3 个工作日（设计假设，可配置）', en: 'Accept or triage within 1–3 working days (design assumption, configurable)' },
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
          input: { type: 'object', properties: { transferTarget: text('移交部门'), transferReason: text('移交原因') }, required: ['transferTarget', 'transferReason'] },
          assign: ['transferTarget', 'transferReason'],
        },
        markOverdue,
      },
    },
    active: {
      title: { zh: '处置中', en: 'Active' },
      initial: 'accepted',
      on: {
        list: {
          roles: ['safetyCommitteeLeader'],
          input: {
            type: 'object',
            properties: { name: text('挂牌督办事项名称'), supervisedMatters: text('督办事项'), deadline: date('督办期限'), delistingMethod: text('摘牌方式') },
            required: ['name', 'supervisedMatters', 'deadline', 'delistingMethod'],
          },
          guard: { '!': { var: 'data.listed' } },
          guardMessage: { zh: '该隐患已挂牌督办', en: 'The hazard is already listed' },
          assign: {
            listed: true,
            listingName: { var: 'payload.name' },
            supervisedMatters: { var: 'payload.supervisedMatters' },
            listingDeadline: { var: 'payload.deadline' },
            delistingMethod: { var: 'payload.delistingMethod' },
            listedAt: { var: 'now' },
          },
          notify: [notice('listing-published', 'info', role('enterprisePrincipal'), role('regulatorLeader'), role('safetyCommitteeLeader'))],
        },
        issueWarning: {
          roles: ['inspector', 'regulatorLeader', 'system'],
          input: { type: 'object', properties: { warning: text('预警内容（如极端天气下的临时危险）') }, required: ['warning'] },
          guard: isGrade('major'),
          guardMessage: { zh: '叫应预警针对重大事故隐患', en: 'Acknowledged warnings are for major hazards' },
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
        accepted: {
          title: { zh: '已受理', en: 'Accepted' },
          task: { title: { zh: '隐患分级', en: 'Grade the hazard' }, role: 'inspector' },
          notify: [assigned(role('inspector'))],
          on: {
            grade: {
              target: 'graded',
              roles: ['inspector', 'expert'],
              input: {
                type: 'object',
                properties: {
                  grade: { type: 'string', title: '隐患等级', enum: GRADES, enumTitles: titlesOf(GRADES) },
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
              },
            },
          },
        },
        graded: {
          title: { zh: '已分级', en: 'Graded' },
          description: { zh: '瞬时状态：按等级分流', en: 'Transient: branches on the grade' },
          always: [
            { target: 'generalGraded', guard: isGrade('general') },
            { target: 'majorGraded', guard: isGrade('major') },
          ],
        },
        generalGraded: {
          title: { zh: '一般隐患待处置', en: 'General hazard: order pending' },
          task: { title: { zh: '下达整改指令或确认现场整改', en: 'Issue an order or record the on-the-spot fix' }, role: 'inspector' },
          notify: [assigned(role('inspector'))],
          on: {
            issueOrder: {
              target: 'rectifying',
              roles: ['inspector'],
              input: {
                type: 'object',
                properties: { orderNo: text('指令书编号'), orderDeadline: date('整改期限'), measures: text('整改措施要求') },
                required: ['orderNo', 'orderDeadline', 'measures'],
              },
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
          task: { title: { zh: '责令制定治理方案', en: 'Order a rectification plan' }, role: 'inspector' },
          // A major hazard also goes to the safety committee, which decides on listing.
          notify: [assigned(role('inspector')), notice('task-assigned', 'info', role('safetyCommitteeLeader'))],
          on: {
            requirePlan: {
              target: 'planPending',
              roles: REGULATOR,
              input: {
                type: 'object',
                properties: {
                  planDeadline: date('方案报送期限'),
                  suspendProduction: flag('责令停产停业（停止使用）'),
                  suspensionScope: { type: 'string', title: '停产范围', enum: ['full', 'partial'], enumTitles: titlesOf(['full', 'partial']) },
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
                zh: '《安全生产事故隐患排查治理暂行规定》（原安监总局令第16号）：重大事故隐患报告及治理方案；报送期限以责令文书载明的日期为准，一般为10个工作日（设计假设）',
                en: 'SAWS Order No. 16: major-hazard report and plan; due at the date the order sets, usually 10 working days (design assumption)',
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
                  interimControls: text('临时管控措施'),
                },
                required: ['hazardReport', 'rectificationPlan'],
              },
              assign: ['hazardReport', 'rectificationPlan', 'interimControls'],
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
          task: { title: { zh: '落实隐患整改', en: 'Rectify the hazard' }, role: 'enterpriseSafetyOfficer' },
          notify: [assigned(...ENTERPRISE_ROLES)],
          deadlines: [
            {
              id: 'rectification',
              title: { zh: '整改期限', en: 'Rectification' },
              duration: 'P1Y',
              dueField: 'rectificationDue',
              legalBasis: {
                zh: '《安全生产事故隐患排查治理暂行规定》：按责令限期整改指令书或批准的治理方案确定的期限整改；最长1年（青岛，地方规定）',
                en: 'SAWS Order No. 16: the deadline of the rectification order or approved plan; at most 1 year (Qingdao, local rule)',
              },
              onExpire: 'markOverdue',
              notify: 'overdue',
              remind: dueSoon,
              escalate: enterpriseLadder,
            },
          ],
          on: {
            submitRectification: {
              target: 'rectificationSubmitted',
              roles: ['enterpriseSafetyOfficer'],
              input: {
                type: 'object',
                properties: {
                  rectificationEvidence: files('整改证明材料'),
                  rectificationCost: { type: 'number', title: '整改资金（元）', minimum: 0 },
                  completedOn: date('整改完成日期'),
                  rectificationSummary: text('整改情况说明'),
                },
                required: ['rectificationEvidence', 'rectificationCost', 'completedOn'],
              },
              assign: { ...copy('rectificationEvidence', 'rectificationCost', 'completedOn', 'rectificationSummary'), extensionRequested: false },
            },
            requestExtension: {
              roles: ENTERPRISE,
              input: { type: 'object', properties: { extensionReason: text('延期理由'), requestedDeadline: date('申请延至') }, required: ['extensionReason', 'requestedDeadline'] },
              guard: { '!': { var: 'data.extensionRequested' } },
              guardMessage: { zh: '已有待审批的延期申请', en: 'An extension request is already pending' },
              assign: { ...copy('extensionReason', 'requestedDeadline'), extensionRequested: true },
            },
            grantExtension: {
              // Re-enter so the rectification clock restarts from the new due date.
              target: 'rectifying',
              reenter: true,
              roles: ['regulatorLeader'],
              input: { type: 'object', properties: { grantedDeadline: date('批准延至（默认为申请日期）') } },
              guard: { '==': [{ var: 'data.extensionRequested' }, true] },
              guardMessage: { zh: '没有待审批的延期申请', en: 'No extension request is pending' },
              assign: {
                rectificationDue: { or: [{ var: 'payload.grantedDeadline' }, { var: 'data.requestedDeadline' }] },
                extensionRequested: false,
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
            markOverdue,
          },
        },
        rectificationSubmitted: {
          title: { zh: '整改完成待核查', en: 'Rectification submitted' },
          // One task role per state: the regulator side, which also tracks the enterprise commissioning a major-hazard assessment.
          task: { title: { zh: '安排复查（重大隐患：督促评估）', en: 'Schedule re-inspection (major: see the assessment commissioned)' }, role: 'inspector' },
          notify: [assigned(role('inspector'))],
          on: {
            startVerify: {
              target: 'verifying',
              roles: ['system', 'inspector'],
              guard: isGrade('general'),
              guardMessage: { zh: '重大事故隐患须先评估', en: 'A major hazard is assessed first' },
            },
            startAssessment: {
              target: 'assessing',
              roles: ENTERPRISE,
              input: {
                type: 'object',
                properties: { assessorType: { type: 'string', title: '评估主体', enum: ['ownExperts', 'qualifiedAgency'], enumTitles: titlesOf(['ownExperts', 'qualifiedAgency']) }, assessorName: text('评估人/评估机构') },
                required: ['assessorType', 'assessorName'],
              },
              guard: isGrade('major'),
              guardMessage: { zh: '一般事故隐患无需评估', en: 'Only a major hazard is assessed' },
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
                target: 'resumptionReview',
                roles: ['expert', 'assessmentAgency'],
                input: { type: 'object', properties: { assessmentReport: text('评估报告') }, required: ['assessmentReport'] },
                guard: { '==': [{ var: 'data.suspended' }, true] },
                assign: ['assessmentReport'],
              },
              {
                target: 'verifying',
                roles: ['expert', 'assessmentAgency'],
                input: { type: 'object', properties: { assessmentReport: text('评估报告') }, required: ['assessmentReport'] },
                guard: { '!=': [{ var: 'data.suspended' }, true] },
                assign: ['assessmentReport'],
              },
            ],
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
              legalBasis: {
                zh: '《安全生产事故隐患排查治理暂行规定》第二十三条：收到恢复生产申请报告后10日内进行现场审查',
                en: 'SAWS Order No. 16 Art. 23: on-site review within 10 days of receiving the application to resume',
              },
              onExpire: 'markOverdue',
              notify: 'overdue',
              escalate: regulatorLadder('safetyCommitteeLeader'),
            },
          ],
          on: {
            approveResumption: {
              target: '#closed',
              roles: ['regulatorLeader'],
              input: { type: 'object', properties: { onSiteReviewRecord: text('现场审查记录') }, required: ['onSiteReviewRecord'] },
              assign: { ...copy('onSiteReviewRecord'), suspended: false, resumptionApprovedAt: { var: 'now' }, closedAt: { var: 'now' } },
            },
            denyResumption: {
              target: 'rectifying',
              roles: ['regulatorLeader'],
              input: {
                type: 'object',
                properties: { defects: { type: 'array', title: '存在问题', items: text('问题'), minItems: 1 }, newDeadline: date('重新整改期限') },
                required: ['defects', 'newDeadline'],
              },
              assign: { ...copy('defects'), rectificationDue: { var: 'payload.newDeadline' }, reworkCount: increment('reworkCount') },
            },
            markOverdue,
          },
        },
        verifying: {
          title: { zh: '复查验收', en: 'Verifying' },
          tags: ['overdue-tracked'],
          task: { title: { zh: '复查验收', en: 'Re-inspect' }, role: 'inspector' },
          notify: [assigned(role('inspector'))],
          deadlines: [
            {
              id: 'verification',
              title: { zh: '复查期限', en: 'Re-inspection' },
              duration: 'P10D',
              rollover: true,
              legalBasis: { zh: '复查不超过10日（设计假设，参照16号令第二十三条10日审查期限）', en: 'Within 10 days (design assumption mirroring the 10-day review of Order No. 16 Art. 23)' },
              onExpire: 'markOverdue',
              notify: 'overdue',
              escalate: regulatorLadder('regulatorLeader'),
            },
          ],
          on: {
            pass: {
              target: '#closed',
              roles: ['inspector', 'gridOfficer'],
              input: { type: 'object', properties: { reinspectionOpinion: text('复查意见'), signatures: files('复查人员签名') }, required: ['reinspectionOpinion', 'signatures'] },
              assign: { ...copy('reinspectionOpinion', 'signatures'), closedAt: { var: 'now' } },
            },
            fail: {
              target: 'rectifying',
              roles: ['inspector'],
              input: { type: 'object', properties: { reinspectionOpinion: text('复查意见'), newDeadline: date('重新整改期限') }, required: ['reinspectionOpinion', 'newDeadline'] },
              assign: { ...copy('reinspectionOpinion'), rectificationDue: { var: 'payload.newDeadline' }, reworkCount: increment('reworkCount') },
            },
            markOverdue,
          },
        },
      },
    },
    rejected: { type: 'final', title: { zh: '不予受理', en: 'Rejected' }, tags: ['terminated'], notify: [notice('rejected', 'info', reporter)] },
    transferred: { type: 'final', title: { zh: '已移交', en: 'Transferred' }, tags: ['terminated'], notify: [notice('transferred', 'info', reporter)] },
    cancelled: { type: 'final', title: { zh: '已撤回', en: 'Cancelled' }, tags: ['terminated'] },
    closed: {
      type: 'final',
      title: { zh: '已销号', en: 'Closed' },
      description: { zh: '销号；如已挂牌，摘牌并公告', en: 'Written off; delisted and published if listed' },
      tags: ['closed'],
      notify: [notice('case-closed', 'closed', reporter, role('enterpriseSafetyOfficer'))],
    },
  },
});
