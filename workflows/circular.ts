/**
 * 通报 — the circular, as a case of its own (issue 10): drafted by the office,
 * checked (核稿), signed by a leader, issued to the addressee units in the
 * office's jurisdiction, each of which confirms it has read it. A circular is
 * never sent by a timer alone: escalation ladders propose one (a linked case
 * with `source` and `linkedCaseId`), a leader signs it.
 *
 * Two definitions, like the supervision letter: the circular
 * (`circular`) and the read receipt each addressee unit returns
 * (`circular-receipt`), spawned one per unit when the circular is issued.
 *
 * 《党政机关公文处理工作条例》 (中办发〔2012〕14号) 第二十四条 sets the
 * order 复核 → 登记 → 印制 → 核发; GB/T 9704 the layout (the page prints it).
 * Publication scope is 内部 (the addressees and the office) or 公开 (also
 * published); a 批评 circular names the units criticised.
 */
import { defineWorkflow } from '../engine/index.js';
import { copy, count, date, flag, instant, oneOf, record, records, text, texts } from './field-helpers.js';
import { assigned, notice, role } from './notices.js';

const OFFICE = ['safetyCommitteeOffice'];
const LEADER = ['safetyCommitteeLeader'];

/** 通报 kinds: 批评 (criticism), 警示 (cautionary, e.g. an accident), 表扬 (commendation), 情况 (information). */
export const CIRCULAR_KINDS = ['criticism', 'cautionary', 'commendation', 'information'] as const;
/** Where a circular comes from. */
export const CIRCULAR_SOURCES = ['accident', 'supervisionLetter', 'hazardOverdue', 'interview', 'campaign', 'other'] as const;

// ---------------------------------------------------------------------------
// The read receipt one addressee unit returns.

export const circularReceiptWorkflow = defineWorkflow({
  id: 'circular-receipt',
  version: 1,
  title: { zh: '通报签收', en: 'Circular read receipt' },
  description: { zh: '受文单位签收通报并确认已传达学习', en: 'An addressee unit confirms it has read the circular' },
  roles: ['unitHead', 'unitHandler', 'safetyCommitteeOffice', 'system'],
  data: {
    type: 'object',
    properties: {
      circularCaseId: text('通报案件'),
      docNo: text('通报文号'),
      title: text('通报标题'),
      unitName: text('受文单位'),
      issuerOrg: text('发文机关'),
      readBy: text('签收人'),
      readAt: instant('签收时间'),
      relayNote: text('传达学习情况'),
      readOverdue: { ...flag('逾期未签收'), default: false },
    },
    required: ['circularCaseId', 'docNo', 'title', 'unitName', 'issuerOrg'],
  },
  events: {
    confirmRead: { title: { zh: '签收', en: 'Confirm reading' } },
    markOverdue: { title: { zh: '标记逾期未签收', en: 'Mark overdue' } },
  },
  initial: 'unread',
  states: {
    unread: {
      title: { zh: '待签收', en: 'Unread' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '签收通报', en: 'Confirm the circular' }, role: 'unitHead' },
      notify: [notice('circular', 'actionRequired', role('unitHead'), role('unitHandler'))],
      deadlines: [
        {
          id: 'read',
          title: { zh: '签收期限', en: 'Read receipt' },
          duration: '2 workdays',
          legalBasis: { zh: '《党政机关公文处理工作条例》第二十四条：收文应当及时签收、登记、办理', en: 'Official documents are signed for and registered promptly (2012 regulation, Art. 24)' },
          onExpire: 'markOverdue',
          notify: notice('overdue', 'overdue', role('unitHead'), role('safetyCommitteeOffice', { var: 'data.issuerOrg' })),
        },
      ],
      on: {
        confirmRead: {
          target: 'read',
          roles: ['unitHead', 'unitHandler'],
          input: { type: 'object', properties: { relayNote: text('传达学习情况') } },
          assign: { ...copy('relayNote'), readBy: { var: 'actor.id' }, readAt: { var: 'now' } },
        },
        markOverdue: { roles: ['system'], assign: { readOverdue: true } },
      },
    },
    read: { type: 'final', title: { zh: '已签收', en: 'Read' }, tags: ['closed'] },
  },
});

// ---------------------------------------------------------------------------
// The circular.

const addressees = records('受文单位', record('受文单位', { org: text('单位'), name: text('单位名称') }));

const draftFields = {
  title: text('标题'),
  kind: oneOf('通报类别', CIRCULAR_KINDS),
  body: text('正文'),
  addressees,
  scope: oneOf('公开范围', ['internal', 'public']),
  criticisedUnits: texts('被通报单位', 0),
  source: oneOf('通报起因', CIRCULAR_SOURCES),
  linkedCaseId: text('关联案件'),
  attachments: texts('附件', 0),
  copyUnits: texts('抄送单位（机构编号）', 0),
};

const withdraw = {
  target: 'withdrawn',
  roles: [...OFFICE, ...LEADER],
  input: { type: 'object', properties: { withdrawReason: text('撤回原因') }, required: ['withdrawReason'] },
  assign: ['withdrawReason'],
} as const;

/** Number of read receipts returned. */
const readCount = { reduce: [{ filter: [{ var: 'children' }, { '==': [{ var: 'finalState' }, 'read'] }] }, { '+': [{ var: 'accumulator' }, 1] }, 0] };

/** No receipt left unread (vacuously true before the receipts are spawned, as in the letter). */
const allRead = { none: [{ var: 'children' }, { '!=': [{ var: 'finalState' }, 'read'] }] };
const publishable = { and: [{ '==': [{ var: 'data.scope' }, 'public'] }, { '!': { var: 'data.publishedAt' } }] };
const publication = { type: 'object', properties: { publicationRef: text('公开发布位置（网站栏目或网址）') }, required: ['publicationRef'] } as const;

export const circularWorkflow = defineWorkflow({
  id: 'circular',
  version: 2,
  title: { zh: '安全生产通报', en: 'Circular' },
  description: {
    zh: '拟稿、核稿、领导签发、编发文号、下发受文单位并回收签收回执；公开通报同时公开发布',
    en: 'Draft, check, sign by a leader, number, issue to the addressees and collect read receipts; public circulars are published too',
  },
  roles: ['safetyCommitteeOffice', 'regulatorReviewer', 'safetyCommitteeLeader', 'unitHead', 'unitHandler', 'system'],
  data: {
    type: 'object',
    properties: {
      ...draftFields,
      criticisedUnits: { ...texts('被通报单位', 0), default: [] },
      attachments: { ...texts('附件', 0), default: [] },
      copyUnits: { ...texts('抄送单位（机构编号）', 0), default: [] },
      draftedBy: text('拟稿人'),
      reviewComments: text('核稿意见'),
      docNo: text('文号'),
      signatory: text('签发人'),
      signedAt: instant('签发时间'),
      issueDate: date('成文日期'),
      publishedAt: instant('公开发布时间'),
      publicationRef: text('公开发布位置'),
      readUnits: { ...count('已签收单位数'), default: 0 },
      withdrawReason: text('撤回原因'),
    },
  },
  events: {
    submitDraft: { title: { zh: '提交核稿', en: 'Submit for checking' } },
    approveDraft: { title: { zh: '核稿通过', en: 'Approve the draft' } },
    returnDraft: { title: { zh: '退回修改', en: 'Return the draft' } },
    sign: { title: { zh: '签发', en: 'Sign' } },
    publish: { title: { zh: '公开发布', en: 'Publish' } },
    receiptReturned: { title: { zh: '受文单位签收', en: 'A read receipt returned' } },
    withdraw: { title: { zh: '撤回', en: 'Withdraw' } },
  },
  initial: 'drafting',
  states: {
    drafting: {
      title: { zh: '拟稿', en: 'Drafting' },
      task: { title: { zh: '起草通报', en: 'Draft the circular' }, role: 'safetyCommitteeOffice' },
      on: {
        submitDraft: {
          target: 'checking',
          roles: OFFICE,
          input: { type: 'object', properties: draftFields, required: ['title', 'kind', 'body', 'addressees', 'scope', 'source'] },
          // A criticism names whom it criticises.
          guard: { or: [{ '!=': [{ var: 'payload.kind' }, 'criticism'] }, { '>': [{ reduce: [{ var: 'payload.criticisedUnits' }, { '+': [{ var: 'accumulator' }, 1] }, 0] }, 0] }] },
          guardMessage: { zh: '批评通报须写明被通报单位', en: 'A criticism names the units it criticises' },
          assign: { ...copy('title', 'kind', 'body', 'addressees', 'scope', 'source', 'linkedCaseId'), criticisedUnits: { or: [{ var: 'payload.criticisedUnits' }, []] }, attachments: { or: [{ var: 'payload.attachments' }, []] }, copyUnits: { or: [{ var: 'payload.copyUnits' }, []] }, draftedBy: { var: 'actor.id' } },
        },
        withdraw,
      },
    },
    checking: {
      title: { zh: '核稿', en: 'Checking' },
      task: { title: { zh: '核稿', en: 'Check the draft' }, role: 'regulatorReviewer' },
      notify: [assigned(role('regulatorReviewer'))],
      on: {
        approveDraft: { target: 'signing', roles: ['regulatorReviewer'], input: { type: 'object', properties: { reviewComments: text('核稿意见') } }, assign: ['reviewComments'] },
        returnDraft: {
          target: 'drafting',
          roles: ['regulatorReviewer'],
          input: { type: 'object', properties: { reviewComments: text('修改意见') }, required: ['reviewComments'] },
          assign: ['reviewComments'],
          notify: [assigned(role('safetyCommitteeOffice'))],
        },
        withdraw,
      },
    },
    signing: {
      title: { zh: '待签发', en: 'Awaiting signature' },
      task: { title: { zh: '签发通报', en: 'Sign the circular' }, role: 'safetyCommitteeLeader' },
      notify: [assigned(role('safetyCommitteeLeader'))],
      on: {
        sign: {
          target: 'issued',
          roles: LEADER,
          input: {
            type: 'object',
            properties: { signatory: text('签发人'), issueDate: date('成文日期') },
            required: ['signatory', 'issueDate'],
          },
          // 编发文号: the number is taken from the office's counter when the leader signs, never typed.
          docNumber: { field: 'docNo', series: 'circular' },
          assign: { ...copy('docNo', 'signatory', 'issueDate'), signedAt: { var: 'now' } },
        },
        returnDraft: {
          target: 'drafting',
          roles: LEADER,
          input: { type: 'object', properties: { reviewComments: text('修改意见') }, required: ['reviewComments'] },
          assign: ['reviewComments'],
          notify: [assigned(role('safetyCommitteeOffice'))],
        },
        withdraw,
      },
    },
    issued: {
      title: { zh: '已下发，回收签收', en: 'Issued' },
      task: { title: { zh: '跟踪签收情况', en: 'Follow the read receipts' }, role: 'safetyCommitteeOffice' },
      // 抄送: the heads of the units copied in read it; no receipt is asked of them.
      copy: { title: { zh: '通报（抄送）', en: 'Circular (copy)' }, to: [{ role: 'unitHead', org: { var: 'data.copyUnits' } }] },
      spawn: {
        workflow: 'circular-receipt',
        forEach: 'addressees',
        org: { var: 'item.org' },
        input: {
          circularCaseId: { var: 'case.id' },
          docNo: { var: 'data.docNo' },
          title: { var: 'data.title' },
          unitName: { var: 'item.name' },
          issuerOrg: { var: 'case.org' },
        },
        onChildDone: 'receiptReturned',
      },
      on: {
        publish: [
          {
            // Published after every unit has read it: the circular is done.
            target: 'completed',
            roles: OFFICE,
            input: publication,
            guard: { and: [publishable, allRead] },
            guardMessage: { zh: '只有公开通报可以公开发布，且只发布一次', en: 'Only a public circular is published, once' },
            assign: { ...copy('publicationRef'), publishedAt: { var: 'now' } },
          },
          {
            roles: OFFICE,
            input: publication,
            guard: publishable,
            guardMessage: { zh: '只有公开通报可以公开发布，且只发布一次', en: 'Only a public circular is published, once' },
            assign: { ...copy('publicationRef'), publishedAt: { var: 'now' } },
          },
        ],
        receiptReturned: [
          {
            target: 'completed',
            roles: ['system'],
            // Every unit has read it, and a public circular has been published.
            guard: { and: [allRead, { or: [{ '!=': [{ var: 'data.scope' }, 'public'] }, { '!!': { var: 'data.publishedAt' } }] }] },
            assign: { readUnits: readCount },
          },
          { roles: ['system'], assign: { readUnits: readCount } },
        ],
      },
    },
    completed: {
      type: 'final',
      title: { zh: '已办结', en: 'Completed' },
      tags: ['closed'],
      notify: [notice('case-closed', 'closed', role('safetyCommitteeOffice'))],
    },
    withdrawn: { type: 'final', title: { zh: '已撤回', en: 'Withdrawn' }, tags: ['terminated'] },
  },
});
