/**
 * Workflow 2 — supervision-letter dispatch (督办函 / 督办通知), DOMAIN.md §6.
 *
 * Two definitions: the letter (`supervision-letter`) and the assignment each
 * recipient unit handles (`supervision-assignment`), spawned one per unit when
 * the letter is issued, each in the unit's own org with its own tasks and
 * deadlines.
 *
 * Modelling choices ([A] unless DOMAIN tags them):
 * - The letter waits in `issued` (DOMAIN's `inProgress`). Every assignment that
 *   ends is delivered as `assignmentEnded` (the spawn's `onChildDone`, sent by
 *   the system): the letter moves to `reviewing` when no assignment is left
 *   unaccepted, or — when `leadReplyConsolidates` — as soon as the lead unit's
 *   assignment is accepted.
 * - The handling unit is two roles the §4.1 catalogue lacks: `unitHandler`
 *   (承办人) and `unitHead` (单位负责人). The issuing office reviews replies and
 *   decides extensions from the letter's org, kept in the assignment as
 *   `issuerOrg`.
 * - Overdue is a flag (`markOverdue`, system). The reply clock is due at the
 *   letter deadline (`replyDue`); a granted extension or a return for rework
 *   with a new date rewrites `replyDue` and re-enters `inProgress`, so the clock
 *   restarts from the new date.
 * - The escalation ladder after the reply deadline: overdue notice on the day
 *   (reminder #1), +3 working days a written reminder, +5 a circular, each run
 *   by the timer as an event that sets a flag. Interviews (约谈) and ad-hoc
 *   reminders and circulars are the letter's own events, sent by people.
 * - Logs are lists of text lines (JSON Logic cannot build objects); the event
 *   history holds the full records.
 */
import { defineWorkflow } from '../engine/index.js';
import { copy, count, date, flag, increment, instant, oneOf, record, records, text, texts } from './field-helpers.js';
import { assigned, notice, role } from './notices.js';

const URGENCY = ['extraUrgent', 'urgent', 'normal'];
const UNIT = ['unitHandler', 'unitHead'];
const issuerOffice = role('safetyCommitteeOffice', { var: 'data.issuerOrg' });

/** A flag set by the timer when a deadline falls due; the state does not change. */
const setFlag = (field: string) => ({ roles: ['system'], assign: { [field]: true } });
/** `data.<list>` with one more text line. */
const appendLine = (list: string, ...parts: unknown[]) => ({ merge: [{ var: `data.${list}` }, { cat: parts }] });
/** Number of items of an array expression. */
const countOf = (list: unknown) => ({ reduce: [list, { '+': [{ var: 'accumulator' }, 1] }, 0] });

// ---------------------------------------------------------------------------
// The assignment one recipient unit handles.

export const supervisionAssignmentWorkflow = defineWorkflow({
  id: 'supervision-assignment',
  version: 1,
  title: { zh: '督办事项承办', en: 'Supervision assignment' },
  caseTitle: '{{unitName}}：{{title}}',
  description: { zh: '承办单位签收、办理、回复督办事项，督办机关审核；逾期催办、通报', en: 'A recipient unit acknowledges, handles and replies to a supervision letter; the office reviews; overdue → reminders and circular' },
  roles: ['unitHandler', 'unitHead', 'safetyCommitteeOffice', 'system'],
  data: {
    type: 'object',
    properties: {
      letterCaseId: text('督办函案件编号'),
      letterNo: text('督办函文号'),
      title: text('督办函标题'),
      matters: text('督办事项'),
      unitName: text('承办单位'),
      lead: flag('牵头单位'),
      urgency: oneOf('紧急程度', URGENCY),
      letterDeadline: date('督办函办理期限'),
      replyDue: date('当前回复期限'),
      issuerOrg: text('督办机关'),
      receiver: text('签收人'),
      receivedAt: instant('签收时间'),
      ackOverdue: { ...flag('签收逾期'), default: false },
      handler: text('承办人'),
      startedAt: instant('开始办理时间'),
      progressReports: { ...texts('阶段性进展', 0), default: [] },
      progressCount: { ...count('进展报告次数'), default: 0 },
      extensionPending: { ...flag('延期申请待审批'), default: false },
      extensionReason: text('延期理由'),
      requestedDue: date('申请延至'),
      extensionCount: { ...count('已批准延期次数'), default: 0 },
      extensionDenyReason: text('不予延期理由'),
      resultReport: text('办理结果报告'),
      evidence: texts('佐证材料'),
      repliedAt: instant('回复时间'),
      reviewComments: text('审核意见'),
      reworkCount: { ...count('退回重办次数'), default: 0 },
      overdue: { ...flag('回复逾期'), default: false },
      reminderLetterSent: { ...flag('已发书面催办通知'), default: false },
      circulated: { ...flag('已通报'), default: false },
      reviewOverdue: { ...flag('审核逾期'), default: false },
      acceptedAt: instant('审核通过时间'),
    },
    required: ['letterNo', 'matters', 'unitName', 'replyDue', 'issuerOrg'],
  },
  events: {
    acknowledge: { title: { zh: '签收', en: 'Acknowledge' } },
    startWork: { title: { zh: '开始办理', en: 'Start work' } },
    submitProgress: { title: { zh: '报告进展', en: 'Report progress' } },
    requestExtension: { title: { zh: '申请延期', en: 'Request an extension' } },
    grantExtension: { title: { zh: '批准延期', en: 'Grant the extension' } },
    denyExtension: { title: { zh: '不予延期', en: 'Deny the extension' } },
    reply: { title: { zh: '回复办理结果', en: 'Reply' } },
    accept: { title: { zh: '审核通过', en: 'Accept the reply' } },
    returnForRework: { title: { zh: '退回重办', en: 'Return for rework' } },
    markOverdue: { title: { zh: '标记逾期', en: 'Mark overdue' } },
    remindInWriting: { title: { zh: '书面催办', en: 'Written reminder' } },
    circulate: { title: { zh: '通报', en: 'Circular' } },
  },
  initial: 'dispatched',
  states: {
    dispatched: {
      title: { zh: '已交办', en: 'Dispatched' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '签收督办函', en: 'Acknowledge the letter' }, role: 'unitHandler' },
      notify: [notice('supervision-letter-issued', 'actionRequired', role('unitHandler'), role('unitHead'))],
      deadlines: [
        {
          id: 'acknowledge',
          title: { zh: '签收期限', en: 'Acknowledgement' },
          duration: '1 workday',
          legalBasis: { zh: '本地督办工作规范：交办后1个工作日内签收；未签收的，电话叫应单位负责人', en: 'Acknowledge within 1 working day of dispatch (design assumption); otherwise call the unit head (叫应)' },
          onExpire: 'markOverdue',
          // 叫应: the handler must confirm within 4 hours, else the unit head, then the issuing office.
          notify: { template: 'acknowledged-warning', kind: 'acknowledgedWarning', to: [role('unitHandler')], ack: { within: 'PT4H', chain: [[role('unitHead')], [issuerOffice]] } },
        },
      ],
      on: {
        acknowledge: {
          target: 'acknowledged',
          roles: UNIT,
          input: { type: 'object', properties: { receiver: text('签收人'), receivedAt: instant('签收时间（默认当前时间）') }, required: ['receiver'] },
          assign: { receiver: { var: 'payload.receiver' }, receivedAt: { or: [{ var: 'payload.receivedAt' }, { var: 'now' }] } },
        },
        markOverdue: setFlag('ackOverdue'),
      },
    },
    acknowledged: {
      title: { zh: '已签收', en: 'Acknowledged' },
      task: { title: { zh: '确定承办人并开始办理', en: 'Name the handler and start' }, role: 'unitHandler' },
      on: {
        startWork: {
          target: 'inProgress',
          roles: UNIT,
          input: { type: 'object', properties: { handler: text('承办人') }, required: ['handler'] },
          assign: { ...copy('handler'), startedAt: { var: 'now' } },
        },
      },
    },
    inProgress: {
      title: { zh: '办理中', en: 'In progress' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '办理督办事项并回复', en: 'Handle the matter and reply' }, role: 'unitHandler' },
      deadlines: [
        {
          id: 'reply',
          title: { zh: '回复期限', en: 'Reply' },
          duration: '10 workdays',
          dueField: 'replyDue',
          legalBasis: {
            zh: '本地督办工作规范：按督办函确定的办理期限回复；到期前2个工作日提醒，逾期即催办，逾期3个工作日书面催办，逾期5个工作日通报',
            en: 'Reply by the letter deadline (typically 5/10/15 working days or a date); due-soon at −2 WD, overdue reminder, +3 WD written reminder, +5 WD circular (design assumptions, configurable)',
          },
          remind: [{ before: '-2 workdays', notify: 'due-soon' }],
          onExpire: 'markOverdue',
          notify: notice('overdue', 'overdue', role('unitHandler'), role('unitHead'), issuerOffice),
          escalate: [
            { after: '3 workdays', event: 'remindInWriting', notify: notice('reminder-letter', 'escalated', role('unitHandler'), role('unitHead')) },
            // A circular is proposed to the issuing office (a linked 通报 case in drafting), never sent by the timer itself.
            { after: '5 workdays', event: 'circulate', notify: notice('escalated', 'escalated', role('unitHead'), issuerOffice) },
          ],
        },
      ],
      on: {
        submitProgress: {
          roles: UNIT,
          input: { type: 'object', properties: { progressReport: text('阶段性进展（不能按期办结的须说明原因）') }, required: ['progressReport'] },
          assign: { progressReports: appendLine('progressReports', { var: 'now' }, ' ', { var: 'payload.progressReport' }), progressCount: increment('progressCount') },
        },
        requestExtension: {
          roles: UNIT,
          input: { type: 'object', properties: { extensionReason: text('延期理由'), requestedDue: date('申请延至') }, required: ['extensionReason', 'requestedDue'] },
          // Before the end of the due day (24:00 Asia/Shanghai = 16:00Z), for a later date, one request at a time.
          guard: {
            and: [
              { '<': [{ var: 'now' }, { cat: [{ var: 'data.replyDue' }, 'T16:00:00.000Z'] }] },
              { '>': [{ var: 'payload.requestedDue' }, { var: 'data.replyDue' }] },
              { '!': { var: 'data.extensionPending' } },
            ],
          },
          guardMessage: { zh: '延期须在期限届满前申请，申请日期须晚于当前期限，且不得重复申请', en: 'Request before the deadline, for a later date, one request at a time' },
          assign: { ...copy('extensionReason', 'requestedDue'), extensionPending: true },
          notify: [assigned(issuerOffice)],
        },
        grantExtension: {
          // Re-enter so the reply clock restarts from the new date.
          target: 'inProgress',
          reenter: true,
          roles: ['safetyCommitteeOffice'],
          input: { type: 'object', properties: { grantedDue: date('批准延至（默认为申请日期）') } },
          guard: { '==': [{ var: 'data.extensionPending' }, true] },
          guardMessage: { zh: '没有待审批的延期申请', en: 'No extension request is pending' },
          assign: { replyDue: { or: [{ var: 'payload.grantedDue' }, { var: 'data.requestedDue' }] }, extensionPending: false, extensionCount: increment('extensionCount') },
          notify: [notice('extension-granted', 'info', role('unitHandler'), role('unitHead'))],
        },
        denyExtension: {
          roles: ['safetyCommitteeOffice'],
          input: { type: 'object', properties: { extensionDenyReason: text('不予延期理由') }, required: ['extensionDenyReason'] },
          guard: { '==': [{ var: 'data.extensionPending' }, true] },
          guardMessage: { zh: '没有待审批的延期申请', en: 'No extension request is pending' },
          assign: { ...copy('extensionDenyReason'), extensionPending: false },
          notify: [notice('extension-denied', 'info', role('unitHandler'), role('unitHead'))],
        },
        reply: {
          target: 'replied',
          roles: UNIT,
          input: { type: 'object', properties: { resultReport: text('办理结果报告（一事一报，加盖公章）'), evidence: texts('佐证材料') }, required: ['resultReport', 'evidence'] },
          assign: { ...copy('resultReport', 'evidence'), repliedAt: { var: 'now' }, extensionPending: false },
        },
        markOverdue: setFlag('overdue'),
        remindInWriting: setFlag('reminderLetterSent'),
        circulate: {
          ...setFlag('circulated'),
          spawn: {
            workflow: 'circular',
            org: { var: 'data.issuerOrg' },
            input: {
              title: { cat: ['关于', { var: 'data.unitName' }, '督办事项逾期未办结的通报'] },
              kind: 'criticism',
              body: { cat: ['督办函', { var: 'data.letterNo' }, '交办的督办事项（', { var: 'data.matters' }, '），', { var: 'data.unitName' }, '逾期未办结且未说明正当理由。'] },
              criticisedUnits: { merge: [{ var: 'data.unitName' }] },
              source: 'supervisionLetter',
              linkedCaseId: { var: 'case.id' },
            },
          },
        },
      },
    },
    replied: {
      title: { zh: '已回复待审核', en: 'Replied' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '审核办理结果', en: 'Review the reply' }, role: 'safetyCommitteeOffice', org: { var: 'data.issuerOrg' } },
      notify: [assigned(issuerOffice)],
      deadlines: [
        {
          id: 'review',
          title: { zh: '审核期限', en: 'Review' },
          duration: '3 workdays',
          legalBasis: { zh: '本地督办工作规范：收到办理结果后3个工作日内审核', en: 'Review a reply within 3 working days (design assumption, configurable)' },
          onExpire: 'markOverdue',
          notify: 'overdue',
        },
      ],
      on: {
        accept: {
          target: 'accepted',
          roles: ['safetyCommitteeOffice'],
          input: { type: 'object', properties: { reviewComments: text('审核意见') } },
          assign: { ...copy('reviewComments'), acceptedAt: { var: 'now' } },
        },
        returnForRework: {
          target: 'inProgress',
          roles: ['safetyCommitteeOffice'],
          input: { type: 'object', properties: { reviewComments: text('退回意见'), reworkDue: date('重新办理期限（默认不变）') }, required: ['reviewComments'] },
          assign: { ...copy('reviewComments'), reworkCount: increment('reworkCount'), replyDue: { or: [{ var: 'payload.reworkDue' }, { var: 'data.replyDue' }] } },
          notify: [notice('reply-returned', 'actionRequired', role('unitHandler'), role('unitHead'))],
        },
        markOverdue: setFlag('reviewOverdue'),
      },
    },
    accepted: {
      type: 'final',
      title: { zh: '已办结', en: 'Accepted' },
      tags: ['closed'],
      notify: [notice('case-closed', 'closed', role('unitHandler'), role('unitHead'))],
    },
  },
});

// ---------------------------------------------------------------------------
// The letter.

const unitsField = records('承办单位', record('承办单位', { org: text('单位（机构编号）'), name: text('单位名称'), lead: flag('牵头单位') }));

const letterFields = {
  letterNo: text('文号'),
  title: text('标题'),
  basis: text('督办依据'),
  matters: text('督办事项'),
  deadline: date('办理期限'),
  units: unitsField,
  replyFormat: text('回复要求（格式）'),
  contact: text('联系人及电话'),
  urgency: oneOf('紧急程度', URGENCY),
  linkedCaseIds: { ...texts('督办的隐患/事故案件', 0), default: [] },
  attachments: texts('附件', 0),
  leadReplyConsolidates: flag('由牵头单位汇总回复'),
};

/** What the office drafts: everything but the 文号, which the counter gives when the letter is signed. */
const { letterNo: _numberedWhenSigned, ...draftFields } = letterFields;

const leadUnits = { filter: [{ var: 'payload.units' }, { var: 'lead' }] };
/** A unit org the letter was sent to, for the escalation events. */
const unitInput = { unitOrg: text('承办单位（机构编号）') };
const isUnitOrg = { in: [{ var: 'payload.unitOrg' }, { map: [{ var: 'data.units' }, { var: 'org' }] }] };
/** The units' assignments among the letter's children (circulars and interviews it opened are children too). */
const assignments = { filter: [{ var: 'children' }, { '==': [{ var: 'workflowId' }, 'supervision-assignment'] }] };
const acceptedChildren = { filter: [assignments, { '==': [{ var: 'finalState' }, 'accepted'] }] };
const targetUnit = (r: string) => role(r, { var: 'data.escalationTargetOrg' });

export const supervisionLetterWorkflow = defineWorkflow({
  id: 'supervision-letter',
  version: 2,
  title: { zh: '督办函', en: 'Supervision letter' },
  caseTitle: '{{title}}',
  description: { zh: '拟稿、核稿、签发、交办各承办单位、催办、通报、约谈、审结、归档', en: 'Draft, review, sign and dispatch a letter to the units; remind, circulate, interview; complete and archive' },
  roles: ['safetyCommitteeOffice', 'regulatorReviewer', 'regulatorLeader', 'safetyCommitteeLeader', 'governmentLeader', 'unitHandler', 'unitHead', 'system'],
  // 撤销督办: the issuing office's leader (the one who signs letters, in the letter's own jurisdiction) ends it with a reason.
  terminate: { roles: ['safetyCommitteeLeader'] },
  data: {
    type: 'object',
    properties: {
      ...letterFields,
      leadReplyConsolidates: { ...flag('由牵头单位汇总回复'), default: false },
      leadOrg: text('牵头单位'),
      proposedUnit: text('拟督办的责任单位'),
      proposedUnitOrg: text('拟督办的责任单位所在机构'),
      draftedBy: text('拟稿人'),
      reviewComments: text('核稿意见'),
      signatory: text('签发人'),
      issueDate: date('签发日期'),
      withdrawReason: text('撤回原因'),
      acceptedUnits: { ...count('已办结单位数'), default: 0 },
      reminderCount: { ...count('催办次数'), default: 0 },
      reminderLog: { ...texts('催办记录', 0), default: [] },
      circularCount: { ...count('通报次数'), default: 0 },
      circularLog: { ...texts('通报记录', 0), default: [] },
      interviewCount: { ...count('约谈次数'), default: 0 },
      interviewLog: { ...texts('约谈记录', 0), default: [] },
      escalationTargetOrg: text('最近一次催办/通报/约谈的单位'),
      completionComments: text('审结意见'),
      reviewRejections: { type: 'integer', title: '领导审批未通过次数', minimum: 0, default: 0 },
      newInstruction: text('新的批示（另行立项）'),
      completedAt: instant('审结时间'),
      archiveRef: text('归档号'),
      archivedAt: instant('归档时间'),
    },
  },
  events: {
    submitDraft: { title: { zh: '提交核稿', en: 'Submit the draft' } },
    approveDraft: { title: { zh: '核稿通过', en: 'Approve the draft' } },
    returnDraft: { title: { zh: '退回修改', en: 'Return the draft' } },
    withdraw: { title: { zh: '撤回', en: 'Withdraw' } },
    sign: { title: { zh: '签发', en: 'Sign and issue' } },
    assignmentEnded: { title: { zh: '承办单位办结', en: 'An assignment ended' } },
    remind: { title: { zh: '催办', en: 'Remind' } },
    escalateCircular: { title: { zh: '通报', en: 'Circulate' } },
    escalateInterview: { title: { zh: '约谈', en: 'Interview' } },
    complete: { title: { zh: '审结', en: 'Complete' } },
    reviewRejected: { title: { zh: '领导审批未通过', en: 'Leaders refused' } },
    archive: { title: { zh: '归档', en: 'Archive' } },
  },
  initial: 'drafting',
  states: {
    drafting: {
      title: { zh: '拟稿', en: 'Drafting' },
      task: { title: { zh: '起草督办函', en: 'Draft the letter' }, role: 'safetyCommitteeOffice' },
      on: {
        submitDraft: {
          target: 'underReview',
          roles: ['safetyCommitteeOffice'],
          input: {
            type: 'object',
            properties: draftFields,
            required: ['title', 'basis', 'matters', 'deadline', 'units', 'replyFormat', 'contact', 'urgency'],
          },
          // At most one lead unit; a consolidated reply needs one; the deadline lies ahead.
          guard: {
            and: [
              { '<=': [countOf(leadUnits), 1] },
              { or: [{ '!': { var: 'payload.leadReplyConsolidates' } }, { '==': [countOf(leadUnits), 1] }] },
              { '>': [{ var: 'payload.deadline' }, { substr: [{ var: 'now' }, 0, 10] }] },
            ],
          },
          guardMessage: { zh: '至多一个牵头单位（汇总回复须指定牵头单位），办理期限须晚于今天', en: 'At most one lead unit (one is needed for a consolidated reply); the deadline must lie ahead' },
          assign: {
            ...copy('title', 'basis', 'matters', 'deadline', 'units', 'replyFormat', 'contact', 'urgency', 'attachments'),
            linkedCaseIds: { or: [{ var: 'payload.linkedCaseIds' }, []] },
            leadReplyConsolidates: { '==': [{ var: 'payload.leadReplyConsolidates' }, true] },
            leadOrg: { reduce: [{ map: [leadUnits, { var: 'org' }] }, { var: 'current' }, null] },
            draftedBy: { var: 'actor.id' },
          },
        },
        withdraw: {
          target: 'withdrawn',
          roles: ['safetyCommitteeOffice'],
          input: { type: 'object', properties: { withdrawReason: text('撤回原因') }, required: ['withdrawReason'] },
          assign: ['withdrawReason'],
        },
      },
    },
    underReview: {
      title: { zh: '核稿', en: 'Under review' },
      task: { title: { zh: '核稿', en: 'Review the draft' }, role: 'regulatorReviewer' },
      // 拿回: the drafter takes a submitted draft back until the reviewer has opened it.
      takeBack: true,
      notify: [assigned(role('regulatorReviewer'))],
      on: {
        approveDraft: {
          target: 'signing',
          roles: ['regulatorReviewer'],
          input: { type: 'object', properties: { reviewComments: text('核稿意见') } },
          assign: ['reviewComments'],
        },
        returnDraft: {
          target: 'drafting',
          roles: ['regulatorReviewer'],
          input: { type: 'object', properties: { reviewComments: text('修改意见') }, required: ['reviewComments'] },
          assign: ['reviewComments'],
          notify: [assigned(role('safetyCommitteeOffice'))],
        },
        withdraw: {
          target: 'withdrawn',
          roles: ['safetyCommitteeOffice'],
          input: { type: 'object', properties: { withdrawReason: text('撤回原因') }, required: ['withdrawReason'] },
          assign: ['withdrawReason'],
        },
      },
    },
    signing: {
      title: { zh: '签发', en: 'Signing' },
      task: { title: { zh: '签发督办函', en: 'Sign the letter' }, role: 'safetyCommitteeLeader' },
      notify: [assigned(role('safetyCommitteeLeader'))],
      on: {
        sign: {
          target: 'issued',
          roles: ['safetyCommitteeLeader'],
          input: { type: 'object', properties: { signatory: text('签发人'), issueDate: date('签发日期') }, required: ['signatory', 'issueDate'] },
          guard: { '<': [{ var: 'payload.issueDate' }, { var: 'data.deadline' }] },
          guardMessage: { zh: '签发日期须早于办理期限', en: 'The issue date must precede the deadline' },
          // 编发文号: the number is taken from the issuing office's counter when the leader signs, never typed.
          docNumber: { field: 'letterNo', series: 'supervisionLetter' },
          assign: ['letterNo', 'signatory', 'issueDate'],
        },
      },
    },
    issued: {
      title: { zh: '已交办，办理中', en: 'Issued' },
      task: { title: { zh: '跟踪督办', en: 'Follow up the assignments' }, role: 'safetyCommitteeOffice' },
      notify: [notice('supervision-letter-issued', 'info', role('safetyCommitteeOffice'))],
      spawn: {
        workflow: 'supervision-assignment',
        forEach: 'units',
        org: { var: 'item.org' },
        input: {
          letterCaseId: { var: 'case.id' },
          letterNo: { var: 'data.letterNo' },
          title: { var: 'data.title' },
          matters: { var: 'data.matters' },
          unitName: { var: 'item.name' },
          lead: { var: 'item.lead' },
          urgency: { var: 'data.urgency' },
          letterDeadline: { var: 'data.deadline' },
          replyDue: { var: 'data.deadline' },
          issuerOrg: { var: 'case.org' },
        },
        onChildDone: 'assignmentEnded',
      },
      on: {
        assignmentEnded: [
          {
            target: 'reviewing',
            roles: ['system'],
            // "No assignment left unaccepted" (`none`) rather than "all accepted": the same once the units are
            // spawned, and it lets the path-coverage traversal (which has no children) reach the review.
            guard: {
              or: [
                { none: [assignments, { '!=': [{ var: 'finalState' }, 'accepted'] }] },
                { and: [{ '==': [{ var: 'data.leadReplyConsolidates' }, true] }, { in: [{ var: 'data.leadOrg' }, { map: [acceptedChildren, { var: 'org' }] }] }] },
              ],
            },
            assign: { acceptedUnits: countOf(acceptedChildren) },
          },
          { roles: ['system'], assign: { acceptedUnits: countOf(acceptedChildren) } },
        ],
        remind: {
          roles: ['safetyCommitteeOffice', 'system'],
          input: {
            type: 'object',
            properties: { ...unitInput, method: oneOf('催办方式', ['phone', 'letter', 'onSite']), note: text('催办情况') },
            required: ['unitOrg', 'method'],
          },
          guard: isUnitOrg,
          guardMessage: { zh: '该单位不是本督办函的承办单位', en: 'Not a unit of this letter' },
          assign: {
            escalationTargetOrg: { var: 'payload.unitOrg' },
            reminderCount: increment('reminderCount'),
            reminderLog: appendLine('reminderLog', { var: 'now' }, ' ', { var: 'payload.unitOrg' }, ' ', { var: 'payload.method' }, ' ', { var: 'payload.note' }),
          },
          notify: [notice('reminder-letter', 'actionRequired', targetUnit('unitHandler'), targetUnit('unitHead'))],
        },
        escalateCircular: {
          roles: ['safetyCommitteeLeader'],
          input: { type: 'object', properties: { ...unitInput, circularNo: text('通报文号'), content: text('通报内容') }, required: ['unitOrg', 'circularNo', 'content'] },
          guard: isUnitOrg,
          guardMessage: { zh: '该单位不是本督办函的承办单位', en: 'Not a unit of this letter' },
          assign: {
            escalationTargetOrg: { var: 'payload.unitOrg' },
            circularCount: increment('circularCount'),
            circularLog: appendLine('circularLog', { var: 'now' }, ' ', { var: 'payload.unitOrg' }, ' ', { var: 'payload.circularNo' }),
          },
          // The office drafts the circular the leader decided on; it is issued only once signed.
          notify: [assigned(role('safetyCommitteeOffice'))],
          // The leader's decision opens the circular as a linked case: drafted, checked and signed before it is issued.
          spawn: {
            workflow: 'circular',
            input: {
              title: { cat: ['关于督办事项逾期未办结的通报（', { var: 'data.letterNo' }, '）'] },
              kind: 'criticism',
              body: { var: 'payload.content' },
              source: 'supervisionLetter',
              linkedCaseId: { var: 'case.id' },
            },
          },
        },
        escalateInterview: {
          roles: ['safetyCommitteeLeader'],
          input: { type: 'object', properties: { ...unitInput, interviewAt: instant('约谈时间'), subject: text('约谈事由') }, required: ['unitOrg', 'interviewAt', 'subject'] },
          guard: isUnitOrg,
          guardMessage: { zh: '该单位不是本督办函的承办单位', en: 'Not a unit of this letter' },
          assign: {
            escalationTargetOrg: { var: 'payload.unitOrg' },
            interviewCount: increment('interviewCount'),
            interviewLog: appendLine('interviewLog', { var: 'payload.interviewAt' }, ' ', { var: 'payload.unitOrg' }, ' ', { var: 'payload.subject' }),
          },
          notify: [notice('interview-notice', 'escalated', targetUnit('unitHead'))],
          // The interview itself is a linked case: proposed, approved, notified, held and followed up.
          spawn: {
            workflow: 'interview',
            input: {
              intervieweeOrg: { var: 'payload.unitOrg' },
              reason: { var: 'payload.subject' },
              meetingAt: { var: 'payload.interviewAt' },
              source: 'supervisionLetter',
              linkedCaseId: { var: 'case.id' },
            },
          },
        },
      },
    },
    reviewing: {
      title: { zh: '审结', en: 'Reviewing' },
      // 或签: the replies are approved by one of the leaders (the committee's or the regulator's); the signature carries the opinion.
      task: {
        title: { zh: '审结督办事项（领导审批）', en: 'Complete the supervision (leader approval)' },
        role: 'safetyCommitteeLeader',
        sign: { signers: [{ role: 'safetyCommitteeLeader' }, { role: 'regulatorLeader' }], rule: 'any', onApprove: 'complete', onReject: 'reviewRejected', manage: ['safetyCommitteeLeader'] },
      },
      notify: [assigned(role('safetyCommitteeLeader'), role('regulatorLeader'))],
      on: {
        complete: {
          target: 'completed',
          roles: ['system'],
          assign: { completedAt: { var: 'now' } },
          notify: [notice('case-closed', 'closed', role('safetyCommitteeOffice'))],
        },
        // Every leader refused: the review starts again with a fresh signing (the office follows up the units meanwhile).
        reviewRejected: { target: 'reviewing', reenter: true, roles: ['system'], assign: { reviewRejections: increment('reviewRejections') } },
      },
    },
    completed: {
      title: { zh: '已办结', en: 'Completed' },
      task: { title: { zh: '立卷归档', en: 'Archive' }, role: 'safetyCommitteeOffice' },
      on: {
        archive: {
          target: 'archived',
          roles: ['safetyCommitteeOffice', 'system'],
          input: { type: 'object', properties: { archiveRef: text('归档号') } },
          assign: { ...copy('archiveRef'), archivedAt: { var: 'now' } },
        },
      },
    },
    archived: { type: 'final', title: { zh: '已归档', en: 'Archived' }, tags: ['closed'] },
    withdrawn: { type: 'final', title: { zh: '已撤回', en: 'Withdrawn' }, tags: ['terminated'] },
  },
});
