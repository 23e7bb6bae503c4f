/**
 * 专项整治进展报告 — a campaign's weekly or monthly progress report of one
 * district (issue 10), as a case of its own: opened at the end of each
 * period with the figures the register holds for the district (hazards found
 * and rectified in the campaign, against its targets), completed by the
 * district's safety committee office with what it did and what is left
 * (工作措施、存在问题、下步打算), and reviewed by the office of the org that
 * runs the campaign, which accepts it or returns it for revision.
 *
 * The reporting period and the three working days to report come from the
 * campaign's work plan (专项整治工作方案), which is what such plans set: e.g.
 * 《国务院安委会办公室关于印发〈全国安全生产专项整治三年行动计划〉的通知》
 * (安委〔2020〕3号) asks for regular progress reports to the committee office.
 */
import { defineWorkflow } from '../engine/index.js';
import { copy, count, date, flag, instant, oneOf, text } from './field-helpers.js';
import { assigned, notice, role } from './notices.js';

const OFFICE = ['safetyCommitteeOffice'];
/** The office of the org running the campaign (the reviewer). */
const ownerOffice = role('safetyCommitteeOffice', { var: 'data.ownerOrg' });
/** Only the campaign's owner reviews: a district office cannot accept its own report. */
const byOwner = { '==': [{ var: 'actor.org' }, { var: 'data.ownerOrg' }] };
const ownerOnly = { zh: '进展报告由牵头开展整治的单位审核', en: 'The org running the campaign reviews the report' };

const progressInput = {
  type: 'object',
  properties: {
    inspectedUnits: count('检查单位数'),
    measures: text('工作措施'),
    problems: text('存在问题'),
    nextSteps: text('下步打算'),
  },
  required: ['inspectedUnits', 'measures', 'problems', 'nextSteps'],
} as const;

const cancel = {
  target: 'cancelled',
  roles: OFFICE,
  guard: byOwner,
  guardMessage: ownerOnly,
  input: { type: 'object', properties: { cancelReason: text('撤销原因') }, required: ['cancelReason'] },
  assign: ['cancelReason'],
} as const;

export const campaignReportWorkflow = defineWorkflow({
  id: 'campaign-report',
  version: 1,
  title: { zh: '专项整治进展报告', en: 'Campaign progress report' },
  description: { zh: '各区按周或按月报送专项整治进展（隐患排查整改情况对照目标），牵头单位审核', en: 'A district reports a campaign\'s progress each week or month; the org running it reviews' },
  roles: ['safetyCommitteeOffice', 'system'],
  caseTitle: '{{campaignTitle}}（{{districtName}} {{periodFrom}}至{{periodTo}}）',
  data: {
    type: 'object',
    properties: {
      campaignId: text('整治活动'),
      campaignTitle: text('整治活动名称'),
      ownerOrg: text('牵头单位'),
      districtName: text('报送单位'),
      period: oneOf('报送周期', ['weekly', 'monthly']),
      periodFrom: date('本期起始日'),
      periodTo: date('本期截止日'),
      found: count('本期累计排查隐患数'),
      rectified: count('本期累计整改隐患数'),
      otherCases: count('其他整治案件数'),
      targetFound: count('排查目标数'),
      targetRectified: count('整改目标数'),
      inspectedUnits: count('检查单位数'),
      measures: text('工作措施'),
      problems: text('存在问题'),
      nextSteps: text('下步打算'),
      submittedBy: text('报送人'),
      submittedAt: instant('报送时间'),
      reviewComments: text('审核意见'),
      acceptedAt: instant('审核通过时间'),
      submitOverdue: { ...flag('逾期未报送'), default: false },
      cancelReason: text('撤销原因'),
    },
    required: ['campaignId', 'campaignTitle', 'ownerOrg', 'districtName', 'period', 'periodFrom', 'periodTo', 'found', 'rectified'],
  },
  events: {
    submitReport: { title: { zh: '报送进展', en: 'Submit the report' } },
    acceptReport: { title: { zh: '审核通过', en: 'Accept the report' } },
    returnReport: { title: { zh: '退回补充', en: 'Return the report' } },
    markOverdue: { title: { zh: '标记逾期未报送', en: 'Mark overdue' } },
    cancel: { title: { zh: '撤销', en: 'Cancel' } },
  },
  initial: 'compiling',
  states: {
    compiling: {
      title: { zh: '待报送', en: 'To report' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '填报专项整治进展', en: 'Report the campaign\'s progress' }, role: 'safetyCommitteeOffice' },
      notify: [assigned(role('safetyCommitteeOffice'))],
      deadlines: [
        {
          id: 'submit',
          title: { zh: '报送期限', en: 'Report due' },
          duration: '3 workdays',
          legalBasis: {
            zh: '专项整治工作方案：各区于每个报送周期结束后 3 个工作日内报送进展情况；安委〔2020〕3号要求定期报送整治进展',
            en: 'The campaign\'s work plan: each district reports within 3 working days of the period\'s end (cf. 安委〔2020〕3号)',
          },
          onExpire: 'markOverdue',
          notify: notice('overdue', 'overdue', role('safetyCommitteeOffice'), ownerOffice),
        },
      ],
      on: {
        submitReport: {
          target: 'reviewing',
          roles: OFFICE,
          input: progressInput,
          assign: { ...copy('inspectedUnits', 'measures', 'problems', 'nextSteps'), submittedBy: { var: 'actor.id' }, submittedAt: { var: 'now' } },
        },
        markOverdue: { roles: ['system'], assign: { submitOverdue: true } },
        cancel,
      },
    },
    reviewing: {
      title: { zh: '审核中', en: 'Under review' },
      task: { title: { zh: '审核专项整治进展报告', en: 'Review the progress report' }, role: 'safetyCommitteeOffice', org: { var: 'data.ownerOrg' } },
      notify: [assigned(ownerOffice)],
      on: {
        acceptReport: {
          target: 'accepted',
          roles: OFFICE,
          guard: byOwner,
          guardMessage: ownerOnly,
          input: { type: 'object', properties: { reviewComments: text('审核意见') } },
          assign: { ...copy('reviewComments'), acceptedAt: { var: 'now' } },
        },
        returnReport: {
          target: 'compiling',
          roles: OFFICE,
          guard: byOwner,
          guardMessage: ownerOnly,
          input: { type: 'object', properties: { reviewComments: text('退回意见') }, required: ['reviewComments'] },
          assign: ['reviewComments'],
        },
        cancel,
      },
    },
    accepted: { type: 'final', title: { zh: '已审核', en: 'Accepted' }, tags: ['closed'], notify: [notice('case-closed', 'closed', role('safetyCommitteeOffice'))] },
    cancelled: { type: 'final', title: { zh: '已撤销', en: 'Cancelled' }, tags: ['terminated'] },
  },
});
