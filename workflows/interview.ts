/**
 * 约谈 — the accountability interview, as a case of its own (issue 10; DOMAIN.md
 * §7 "约谈制度": proposed → notified → held (minutes) → follow-up → closed /
 * escalated).
 *
 * 《安全生产约谈实施办法（试行）》(安委〔2018〕2号) shapes the steps: the
 * office proposes the interview and a leader approves it; a written notice
 * (约谈通知书) names the time, the place, the attendees and the matters; the
 * meeting is recorded (约谈记录) and the record is signed by both sides; the
 * interviewed unit reports in writing on how it implemented its commitments
 * (by the date the record sets, else 5 working days, as Zhangzhou's rules
 * set it); a missed report is
 * escalated to the leader.
 *
 * Who may interview whom is a matter of level: the office opens the case in its
 * own org, and the interviewed unit's tasks are offered strictly below it
 * (`orgScope: "below"`), so a district interviews its townships and
 * enterprises, the city its districts, and nobody a neighbour or a superior.
 * Hazard, accident, supervision-letter and quota escalations open it as a
 * linked case (`linkedCaseId`, `source`).
 */
import { defineWorkflow } from '../engine/index.js';
import { copy, count, date, flag, increment, instant, oneOf, records, record, text, texts } from './field-helpers.js';
import { assigned, notice, role } from './notices.js';

const OFFICE = ['safetyCommitteeOffice'];
const LEADER = ['safetyCommitteeLeader'];
const UNIT = ['unitHead', 'unitHandler'];
/** The interviewed unit's people, in its own org. */
const interviewee = (r: string) => role(r, { var: 'data.intervieweeOrg' });

/** Where an interview comes from, for the statistics and the link back. */
export const INTERVIEW_SOURCES = ['hazardOverdue', 'hazardRework', 'accident', 'supervisionLetter', 'accidentQuota', 'inspection', 'other'] as const;

const attendee = record('参加人员', { name: text('姓名'), post: text('职务') });

const noticeFields = {
  intervieweeOrg: text('被约谈单位'),
  intervieweeName: text('被约谈单位名称'),
  reason: text('约谈事由'),
  matters: texts('约谈事项'),
  meetingAt: instant('约谈时间'),
  place: text('约谈地点'),
  interviewers: records('约谈方参加人员', attendee),
  requiredAttendees: records('被约谈方应到人员', attendee),
  materials: text('需准备的材料'),
  legalBasis: text('约谈依据'),
  source: oneOf('约谈起因', INTERVIEW_SOURCES),
  linkedCaseId: text('关联案件'),
};

/** The meeting record (约谈记录): who came, what was said, what the unit committed to, and the report's due date. */
const recordMeeting = {
  target: 'signing',
  roles: OFFICE,
  input: {
    type: 'object',
    properties: {
      minutes: text('约谈记录（约谈内容、被约谈方表态）'),
      presentAttendees: records('实到人员', attendee),
      commitments: texts('整改承诺'),
      interviewerSignature: text('约谈方签字人'),
      heldAt: instant('约谈召开时间（默认当前时间）'),
      followUpDue: date('整改落实报告期限（默认5个工作日）'),
    },
    required: ['minutes', 'presentAttendees', 'commitments', 'interviewerSignature'],
  },
  assign: {
    ...copy('minutes', 'presentAttendees', 'commitments', 'interviewerSignature', 'followUpDue'),
    heldAt: { or: [{ var: 'payload.heldAt' }, { var: 'now' }] },
    recordedBy: { var: 'actor.id' },
  },
} as const;

/** Withdrawing an interview the unit has been told of: the unit is told too. */
const withdrawNotified = {
  target: 'withdrawn',
  roles: [...OFFICE, ...LEADER],
  input: { type: 'object', properties: { withdrawReason: text('撤销原因') }, required: ['withdrawReason'] },
  assign: ['withdrawReason'],
  notify: [notice('task-assigned', 'info', interviewee('unitHead'))],
} as const;

export const interviewWorkflow = defineWorkflow({
  id: 'interview',
  version: 2,
  title: { zh: '安全生产约谈', en: 'Accountability interview' },
  description: {
    zh: '拟定约谈、领导审批、下发约谈通知书、召开约谈并双方签字确认约谈记录、被约谈单位书面报告整改落实情况、审核销号；逾期未报告的升级处理',
    en: 'Propose, approve, notify, hold the interview with a record signed by both sides, written follow-up report, review; a missed report escalates',
  },
  roles: ['safetyCommitteeOffice', 'safetyCommitteeLeader', 'unitHead', 'unitHandler', 'system'],
  data: {
    type: 'object',
    properties: {
      ...noticeFields,
      proposedBy: text('拟稿人'),
      approvalComments: text('审批意见'),
      approvedBy: text('审批人'),
      noticeNo: text('约谈通知书文号'),
      noticeIssuedAt: instant('通知下发时间'),
      confirmedBy: text('确认参加人'),
      confirmedAttendees: { ...records('被约谈方确认参加人员', attendee, 0), default: [] },
      minutes: text('约谈记录'),
      presentAttendees: { ...records('实到人员', attendee, 0), default: [] },
      commitments: { ...texts('整改承诺', 0), default: [] },
      heldAt: instant('约谈召开时间'),
      recordedBy: text('记录人'),
      intervieweeSignature: text('被约谈方签字人'),
      intervieweeSignedAt: instant('被约谈方签字时间'),
      interviewerSignature: text('约谈方签字人'),
      followUpDue: date('整改落实报告期限'),
      followUpReport: text('整改落实情况报告'),
      followUpEvidence: { ...texts('佐证材料', 0), default: [] },
      followUpReportedAt: instant('报告时间'),
      followUpOverdue: { ...flag('逾期未报告'), default: false },
      escalated: { ...flag('已升级处理'), default: false },
      escalationNote: text('升级处理情况'),
      reviewComments: text('审核意见'),
      reworkCount: { ...count('退回次数'), default: 0 },
      closedAt: instant('销号时间'),
      withdrawReason: text('撤销原因'),
    },
  },
  events: {
    propose: { title: { zh: '提交约谈方案', en: 'Propose' } },
    approve: { title: { zh: '批准约谈', en: 'Approve' } },
    returnProposal: { title: { zh: '退回修改', en: 'Return the proposal' } },
    withdraw: { title: { zh: '撤销约谈', en: 'Withdraw' } },
    confirmAttendance: { title: { zh: '确认参加', en: 'Confirm attendance' } },
    recordMeeting: { title: { zh: '录入约谈记录', en: 'Record the meeting' } },
    signRecord: { title: { zh: '被约谈方签字确认', en: 'Sign the record (interviewee)' } },
    submitFollowUp: { title: { zh: '报告整改落实情况', en: 'Report on implementation' } },
    markOverdue: { title: { zh: '标记逾期', en: 'Mark overdue' } },
    escalate: { title: { zh: '升级处理', en: 'Escalate' } },
    acceptFollowUp: { title: { zh: '审核通过并销号', en: 'Accept and close' } },
    returnFollowUp: { title: { zh: '退回补充', en: 'Return the report' } },
  },
  initial: 'proposing',
  states: {
    proposing: {
      title: { zh: '拟定约谈', en: 'Proposing' },
      task: { title: { zh: '拟定约谈方案', en: 'Draft the interview' }, role: 'safetyCommitteeOffice' },
      on: {
        propose: {
          target: 'approving',
          roles: OFFICE,
          input: {
            type: 'object',
            properties: noticeFields,
            required: ['intervieweeOrg', 'intervieweeName', 'reason', 'matters', 'meetingAt', 'place', 'interviewers', 'requiredAttendees', 'legalBasis', 'source'],
          },
          guard: { '>': [{ var: 'payload.meetingAt' }, { var: 'now' }] },
          guardMessage: { zh: '约谈时间须晚于当前时间', en: 'The meeting must lie ahead' },
          assign: { ...copy(...Object.keys(noticeFields)), proposedBy: { var: 'actor.id' } },
        },
        withdraw: {
          target: 'withdrawn',
          roles: OFFICE,
          input: { type: 'object', properties: { withdrawReason: text('撤销原因') }, required: ['withdrawReason'] },
          assign: ['withdrawReason'],
        },
      },
    },
    approving: {
      title: { zh: '待领导审批', en: 'Awaiting approval' },
      task: { title: { zh: '审批约谈方案', en: 'Approve the interview' }, role: 'safetyCommitteeLeader' },
      notify: [assigned(role('safetyCommitteeLeader'))],
      on: {
        approve: {
          target: 'notified',
          roles: LEADER,
          input: { type: 'object', properties: { approvalComments: text('审批意见') } },
          // The notice's number is taken from the office's counter when the leader approves it.
          docNumber: { field: 'noticeNo', series: 'interviewNotice' },
          // The notice goes out before the meeting, never after it.
          guard: { '<': [{ var: 'now' }, { var: 'data.meetingAt' }] },
          guardMessage: { zh: '约谈时间已过，请退回修改约谈时间', en: 'The meeting time has passed; return the proposal' },
          assign: { ...copy('noticeNo', 'approvalComments'), approvedBy: { var: 'actor.id' }, noticeIssuedAt: { var: 'now' } },
        },
        returnProposal: {
          target: 'proposing',
          roles: LEADER,
          input: { type: 'object', properties: { approvalComments: text('修改意见') }, required: ['approvalComments'] },
          assign: ['approvalComments'],
          notify: [assigned(role('safetyCommitteeOffice'))],
        },
        withdraw: {
          target: 'withdrawn',
          roles: [...OFFICE, ...LEADER],
          input: { type: 'object', properties: { withdrawReason: text('撤销原因') }, required: ['withdrawReason'] },
          assign: ['withdrawReason'],
        },
      },
    },
    notified: {
      title: { zh: '已下发约谈通知', en: 'Notified' },
      task: { title: { zh: '确认参加约谈', en: 'Confirm attendance' }, role: 'unitHead', org: { var: 'data.intervieweeOrg' }, orgScope: 'below' },
      notify: [notice('interview-notice', 'actionRequired', interviewee('unitHead'), interviewee('unitHandler'))],
      on: {
        confirmAttendance: {
          target: 'scheduled',
          roles: UNIT,
          input: { type: 'object', properties: { confirmedAttendees: records('确认参加人员', attendee) }, required: ['confirmedAttendees'] },
          assign: { ...copy('confirmedAttendees'), confirmedBy: { var: 'actor.id' } },
          notify: [notice('task-assigned', 'info', role('safetyCommitteeOffice'))],
        },
        // A meeting can be held even when the unit never confirmed (its absence is itself recorded).
        recordMeeting,
        withdraw: withdrawNotified,
      },
    },
    scheduled: {
      title: { zh: '待召开约谈', en: 'Scheduled' },
      task: { title: { zh: '召开约谈并录入约谈记录', en: 'Hold the interview and record it' }, role: 'safetyCommitteeOffice' },
      on: {
        recordMeeting,
        withdraw: withdrawNotified,
      },
    },
    signing: {
      title: { zh: '约谈记录待签字确认', en: 'Record awaiting signature' },
      task: { title: { zh: '签字确认约谈记录', en: 'Sign the interview record' }, role: 'unitHead', org: { var: 'data.intervieweeOrg' }, orgScope: 'below' },
      notify: [assigned(interviewee('unitHead'))],
      on: {
        signRecord: {
          target: 'followingUp',
          roles: ['unitHead'],
          input: { type: 'object', properties: { intervieweeSignature: text('签字人') }, required: ['intervieweeSignature'] },
          assign: {
            ...copy('intervieweeSignature'),
            intervieweeSignedAt: { var: 'now' },
            followUpOverdue: false,
          },
        },
      },
    },
    followingUp: {
      title: { zh: '整改落实中', en: 'Implementing' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '书面报告整改落实情况', en: 'Report on implementation in writing' }, role: 'unitHandler', org: { var: 'data.intervieweeOrg' }, orgScope: 'below' },
      notify: [assigned(interviewee('unitHandler'), interviewee('unitHead'))],
      deadlines: [
        {
          id: 'followUp',
          title: { zh: '整改落实报告期限', en: 'Follow-up report' },
          duration: '5 workdays',
          dueField: 'followUpDue',
          legalBasis: {
            zh: '《安全生产约谈实施办法（试行）》：被约谈单位应在规定时间内书面报告整改落实情况；漳州市规定约谈后5个工作日内报告',
            en: 'Interview rules (安委〔2018〕2号): the interviewed unit reports in writing within the set time; 5 working days in Zhangzhou',
          },
          remind: [{ before: '-1 workdays', notify: 'due-soon' }],
          onExpire: 'markOverdue',
          notify: notice('overdue', 'overdue', interviewee('unitHandler'), interviewee('unitHead'), role('safetyCommitteeOffice')),
          escalate: [{ after: '2 workdays', event: 'escalate', notify: notice('escalated', 'escalated', role('safetyCommitteeLeader'), interviewee('unitHead')) }],
        },
      ],
      on: {
        submitFollowUp: {
          target: 'reviewing',
          roles: UNIT,
          input: { type: 'object', properties: { followUpReport: text('整改落实情况报告'), followUpEvidence: texts('佐证材料', 0) }, required: ['followUpReport'] },
          assign: { ...copy('followUpReport'), followUpEvidence: { or: [{ var: 'payload.followUpEvidence' }, []] }, followUpReportedAt: { var: 'now' } },
        },
        markOverdue: { roles: ['system'], assign: { followUpOverdue: true } },
        escalate: [
          {
            // The timer's rung: recorded, and the leader told.
            roles: ['system'],
            assign: { escalated: true, escalationNote: '逾期未书面报告整改落实情况，已报告约谈方领导' },
          },
          {
            // A leader escalates by hand (e.g. a circular, or a report to the higher supervisory organ).
            roles: LEADER,
            input: { type: 'object', properties: { escalationNote: text('升级处理情况') }, required: ['escalationNote'] },
            assign: { escalated: true, ...copy('escalationNote') },
          },
        ],
      },
    },
    reviewing: {
      title: { zh: '审核整改落实情况', en: 'Reviewing the report' },
      task: { title: { zh: '审核整改落实情况报告', en: 'Review the follow-up report' }, role: 'safetyCommitteeOffice' },
      notify: [assigned(role('safetyCommitteeOffice'))],
      on: {
        acceptFollowUp: {
          target: 'closed',
          roles: OFFICE,
          input: { type: 'object', properties: { reviewComments: text('审核意见') } },
          assign: { ...copy('reviewComments'), closedAt: { var: 'now' } },
        },
        returnFollowUp: {
          target: 'followingUp',
          roles: OFFICE,
          input: { type: 'object', properties: { reviewComments: text('退回意见') }, required: ['reviewComments'] },
          assign: { ...copy('reviewComments'), reworkCount: increment('reworkCount') },
          notify: [notice('evidence-rejected', 'actionRequired', interviewee('unitHandler'), interviewee('unitHead'))],
        },
      },
    },
    closed: {
      type: 'final',
      title: { zh: '已销号', en: 'Closed' },
      tags: ['closed'],
      notify: [notice('case-closed', 'closed', interviewee('unitHead'), role('safetyCommitteeOffice'))],
    },
    withdrawn: { type: 'final', title: { zh: '已撤销', en: 'Withdrawn' }, tags: ['terminated'] },
  },
});
